"""``build``: the customer report as one self-contained HTML file."""

from __future__ import annotations

import os
import uuid
from importlib import resources
from pathlib import Path

import pandas as pd

from crm_analytics._checks import require_frame
from crm_analytics._optional import import_optional
from crm_analytics._secrets import mask_credentials
from crm_analytics._version import __version__
from crm_analytics.exceptions import DataValidationError
from crm_analytics.report.inputs import ReportInputs, checked_inputs
from crm_analytics.report.sections import Section, _as_of, sections
from crm_analytics.schema import CUSTOMER_ID

__all__ = ["build", "report_sections"]


def report_sections(scored: pd.DataFrame, inputs: ReportInputs | None = None) -> list[Section]:
    """The report's sections as objects: their sentences, the numbers behind them, figures.

    For a notebook or a test that wants the reading without the page; :func:`build` renders
    exactly these.

    Parameters
    ----------
    scored, inputs
        As for :func:`build`.

    Returns
    -------
    list of Section
        In reading order; sections whose input is absent are left out.

    Examples
    --------
    >>> scored = pd.DataFrame({"total_amount": [100.0, 50, 20, 10, 5, 5, 4, 3, 2, 1]},
    ...                       index=pd.Index(list("abcdefghij"), name="customer_id"))
    >>> [section.key for section in report_sections(scored)]
    ['overview', 'value']
    >>> report_sections(scored)[1].sentences[0]
    'The top 20% of customers bring 75% of revenue to date.'
    """
    frame = _checked_scores(scored)
    return sections(frame, checked_inputs(inputs))


def build(
    scored: pd.DataFrame,
    path: str | os.PathLike[str] | None = None,
    *,
    inputs: ReportInputs | None = None,
) -> str:
    """The customer report: one self-contained HTML page, returned and written to ``path``.

    The page holds every figure (inline SVG) and table, its style and a few lines of script
    (table sorting and filtering); it loads nothing from anywhere, so it opens from an
    e-mail attachment, and prints to PDF one section after another.

    Parameters
    ----------
    scored : pandas.DataFrame
        The scored table (:func:`~crm_analytics.scoring.score_customers`), one row per
        customer, indexed by ``customer_id``.
    path : str or path-like, optional
        Where to write the page (replaced in one step: written beside it, then renamed).
    inputs : ReportInputs, optional
        The optional pieces: data-quality reports, cohort table, previous run, model health
        and run information. A section whose input is absent is left out.

    Returns
    -------
    str
        The HTML page.

    Raises
    ------
    DataValidationError
        An empty or unindexed scored table, inputs of the wrong type, or a path whose folder
        does not exist.

    Examples
    --------
    >>> scored = pd.DataFrame({"total_amount": [100.0, 50, 20, 10, 5, 5, 4, 3, 2, 1]},
    ...                       index=pd.Index(list("abcdefghij"), name="customer_id"))
    >>> page = build(scored)
    >>> page.startswith("<!DOCTYPE html>"), "top 20% of customers bring 75%" in page
    (True, True)
    """
    frame = _checked_scores(scored)
    checked = checked_inputs(inputs)
    target = None if path is None else Path(path)
    if target is not None and not target.parent.is_dir():
        raise DataValidationError(
            f"cannot write {str(target)!r}: the folder {str(target.parent)!r} does not exist"
        )
    jinja2 = import_optional("jinja2", "report", "writing the HTML report")
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("crm_analytics.report", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    run = checked.run
    details = [("as of", _as_of(frame, checked) or "")] if _as_of(frame, checked) else []
    details += [(str(name), mask_credentials(str(value))) for name, value in run.details.items()]
    page = environment.get_template("report.html.j2").render(
        title=run.title,
        as_of=_as_of(frame, checked),
        customers=f"{len(frame):,}",
        models=", ".join(run.models),
        sections=sections(frame, checked),
        details=details,
        version=__version__,
        css=jinja2.utils.markupsafe.Markup(_asset("report.css")),
        js=jinja2.utils.markupsafe.Markup(_asset("report.js")),
    )
    if target is not None:
        temporary = target.with_name(f".{target.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
        try:
            temporary.write_text(page, encoding="utf-8")
            os.replace(temporary, target)
        finally:
            temporary.unlink(missing_ok=True)
    return page


def _asset(name: str) -> str:
    return resources.files("crm_analytics.report").joinpath("templates", name).read_text("utf-8")


def _checked_scores(scored: object) -> pd.DataFrame:
    frame = require_frame(scored, name="scored")
    if CUSTOMER_ID in frame.columns:
        frame = frame.set_index(CUSTOMER_ID)
    if frame.index.has_duplicates:
        examples = ", ".join(map(repr, frame.index[frame.index.duplicated()].unique()[:3]))
        raise DataValidationError(
            f"scored: customer ids appear more than once (e.g. {examples}); the report takes "
            "one row per customer, as score_customers returns"
        )
    return frame
