"""Satisfaction data: survey responses read and checked, and the measures CRM uses on them.

- :func:`read_survey` loads responses exported from a CRM or survey tool (validated like
  the transaction reader, with a data-quality report);
- :func:`satisfaction_index` per dimension and overall (perceived / expected, or the
  SERVQUAL gap, weighted by stated or derived importance);
- :func:`nps`, the Net Promoter Score with its confidence interval;
- :func:`importance_performance`, the importance-performance quadrants;
- :func:`kano`, Kano categories with Better/Worse coefficients;
- :func:`cronbach_alpha`, the reliability of a multi-item dimension;
- :func:`satisfaction_features`, each customer's latest scores and trend as of a cutoff,
  to join to the churn features as customer attributes.
"""

from __future__ import annotations

from crm_analytics.io.surveys import Survey, read_survey
from crm_analytics.satisfaction.features import satisfaction_features
from crm_analytics.satisfaction.importance import QUADRANTS, importance_performance
from crm_analytics.satisfaction.index import satisfaction_index
from crm_analytics.satisfaction.kano import ANSWERS, CATEGORIES, KANO_TABLE, kano
from crm_analytics.satisfaction.nps import NPSResult, nps
from crm_analytics.satisfaction.reliability import cronbach_alpha

__all__ = [
    "ANSWERS",
    "CATEGORIES",
    "KANO_TABLE",
    "NPSResult",
    "QUADRANTS",
    "Survey",
    "cronbach_alpha",
    "importance_performance",
    "kano",
    "nps",
    "read_survey",
    "satisfaction_features",
    "satisfaction_index",
]
