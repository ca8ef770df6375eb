"""The customer report: one self-contained HTML page for the people who act on the scores.

:func:`build` turns a scored table (and, when given, data-quality reports, a cohort table,
the previous run's scores and the models' checks) into a page with a plain-language reading
of every number: data quality, the customer base at a glance, RFM segments, value
concentration, lifecycle stages and moves, CLV and the top customers, churn risk and its
reasons, cohort retention and model health. :func:`report_sections` gives the same content
as objects.
"""

from __future__ import annotations

from crm_analytics.report.build import build, report_sections
from crm_analytics.report.inputs import ModelHealth, ReportInputs, RunInfo
from crm_analytics.report.sections import Section

__all__ = ["ModelHealth", "ReportInputs", "RunInfo", "Section", "build", "report_sections"]
