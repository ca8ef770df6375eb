"""The report page: self-contained, escaped, deterministic, sections present only with inputs."""

from __future__ import annotations

import re
from collections import Counter

import pandas as pd
import pytest

from crm_analytics.exceptions import DataValidationError
from crm_analytics.report import ReportInputs, RunInfo, build, report_sections

pytest.importorskip("jinja2", reason="jinja2 is not installed (the report extra)")

# Attributes and CSS that would make a browser fetch something.
FETCHING = re.compile(
    r"""(\ssrc\s*=|<link\b|@import|url\(\s*['"]?(?:https?:|//)|href\s*=\s*['"]?(?:https?:|//))""",
    re.IGNORECASE,
)


@pytest.fixture(scope="module")
def page(shop_report) -> str:
    scored, inputs = shop_report
    return build(scored, inputs=inputs)


def test_page_is_self_contained(page):
    assert page.startswith("<!DOCTYPE html>")
    assert not FETCHING.findall(page)
    # SVG namespace names are identifiers, not addresses fetched.
    addresses = set(re.findall(r"https?://[^\s\"'<>)]+", page))
    assert addresses <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}
    assert "default-src 'none'" in page


def test_every_section_figure_and_table_is_on_the_page(page, shop_report):
    scored, inputs = shop_report
    sections = report_sections(scored, inputs)
    for section in sections:
        assert f'<section id="{section.key}"' in page
        for figure in section.figures:
            assert f'<figure id="{figure.key}"' in page and figure.svg in page
        for table in section.tables:
            assert f'data-table="{table.key}"' in page
    assert page.count("<figure ") == sum(len(section.figures) for section in sections) == 10
    assert page.count("<svg") == 10


def test_element_ids_are_unique(page):
    ids = Counter(re.findall(r'\sid="([^"]+)"', page))
    assert [name for name, times in ids.items() if times > 1] == []
    for reference in set(re.findall(r'(?:href="#|url\(#)([^")]+)', page)):
        assert reference in ids


def test_credentials_in_run_details_are_masked(page):
    assert "secret@" not in page and "postgresql://crm:***@db/crm" in page


def test_customer_data_is_escaped(tmp_path):
    scored = pd.DataFrame(
        {
            "total_amount": [10.0, 5.0],
            "predicted_clv": [4.0, 1.0],
            "churn_probability": [0.9, 0.8],
            "risk_tier": ["high", "high"],
            "value_tier": ["high", "high"],
            "rfm_segment": ["<img src=x onerror=alert(1)>", "Lost"],
            "reason_1": ["<script>alert('reason')</script>", None],
        },
        index=pd.Index(["<script>alert(1)</script>", "C2"], name="customer_id"),
    )
    page = build(scored, tmp_path / "report.html")
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert (tmp_path / "report.html").read_text(encoding="utf-8") == page


def test_sections_follow_the_inputs():
    scored = pd.DataFrame(
        {"total_amount": [10.0, 5.0, 1.0], "n_orders": [3, 2, 1]},
        index=pd.Index(["a", "b", "c"], name="customer_id"),
    )
    page = build(scored, inputs=ReportInputs(run=RunInfo(title="Shop <North>")))
    assert re.findall(r'<section id="([^"]+)"', page) == ["overview", "value"]
    assert "<h1>Shop &lt;North&gt;</h1>" in page


def test_the_same_inputs_give_the_same_page(shop_report, page):
    scored, inputs = shop_report
    assert build(scored, inputs=inputs) == page


def test_writing_replaces_the_file_in_one_step(shop_report, tmp_path):
    scored, _ = shop_report
    target = tmp_path / "report.html"
    target.write_text("old")
    build(scored, target)
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert [path.name for path in tmp_path.iterdir()] == ["report.html"]


def test_bad_input_is_refused(shop_report, tmp_path):
    scored, _ = shop_report
    with pytest.raises(DataValidationError, match="does not exist"):
        build(scored, tmp_path / "missing" / "report.html")
    with pytest.raises(DataValidationError, match="ReportInputs"):
        build(scored, inputs={"cohorts": None})
    with pytest.raises(DataValidationError, match="wrap one in a list"):
        build(scored, inputs=ReportInputs(quality={"table": "transactions"}))
    with pytest.raises(DataValidationError, match="more than once"):
        build(pd.concat([scored.head(2), scored.head(1)]))
    with pytest.raises(DataValidationError, match="empty"):
        build(scored.iloc[:0])
