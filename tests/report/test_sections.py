"""The report's sentences against numbers computed here, by hand or independently."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crm_analytics.quality import DataQualityReport
from crm_analytics.report import ModelHealth, ReportInputs, RunInfo, build, report_sections
from crm_analytics.report.numbers import amount, count, percent

pytest.importorskip("jinja2", reason="jinja2 is not installed (the report extra)")
escape = pytest.importorskip("markupsafe").escape


def by_key(sections) -> dict:
    return {section.key: section for section in sections}


def ten_customers() -> pd.DataFrame:
    """Revenue 100, 50, 20, 10, 5, 5, 4, 3, 2, 1 (total 200): the top 2 hold 150 (75%)."""
    return pd.DataFrame(
        {
            "total_amount": [100.0, 50, 20, 10, 5, 5, 4, 3, 2, 1],
            "predicted_clv": [60.0, 20, 10, 4, 2, 1, 1, 1, 0.5, 0.5],
            "churn_probability": [0.1, 0.2, 0.3, 0.5, 0.6, 0.7, 0.8, 0.9, 0.9, 1.0],
            "risk_tier": ["low"] * 3 + ["medium"] * 3 + ["high"] * 4,
            "value_tier": ["high", "high", "medium", "medium", "medium"] + ["low"] * 5,
            "rfm_segment": [
                "Champions",
                "Champions",
                "Loyal",
                "Loyal",
                "At risk",
                "At risk",
                "Lost",
                "Lost",
                "Lost",
                "Lost",
            ],
            "lifecycle_stage": [
                "active",
                "active",
                "new",
                "reactivated",
                "at risk",
                "at risk",
                "lost",
                "lost",
                "lost",
                "lost",
            ],
            "reason_1": [
                None,
                None,
                None,
                "no purchase for 40 days (typical: 30)",
                None,
                None,
                "no purchase for 400 days (typical: 30)",
                "no purchase for 500 days (typical: 31)",
                "no repeat purchase yet",
                "no purchase for 90 days (typical: 30)",
            ],
            "reason_2": [None] * 6
            + ["no repeat purchase yet", None, None, "no purchase for 91 days (typical: 30)"],
        },
        index=pd.Index([f"C{number}" for number in range(10)], name="customer_id"),
    )


def test_formatting_rules():
    assert (percent(0.75), percent(0.005), percent(0.0004)) == ("75%", "0.5%", "<0.1%")
    assert (amount(1234.5), amount(25.105), count(2613.6)) == ("1,234", "25.11", "2,614")


def test_overview_sentences():
    scored = ten_customers()
    inputs = ReportInputs(run=RunInfo(as_of="2025-06-30", horizon_days=90, clv_months=12))
    overview = by_key(report_sections(scored, inputs))["overview"]
    # active, new and reactivated: C0, C1, C2, C3; churn probabilities add up to 6.0.
    assert overview.facts["active"] == 4 and overview.facts["expected_churners"] == pytest.approx(
        6.0
    )
    assert overview.sentences == [
        "10 customers bought up to 2025-06-30.",
        "4 of them (40%) are active (new, active or reactivated).",
        "Together they have spent 200; the models expect 100 more over the next 12 months.",
        "About 6 (60%) are expected not to buy in the next 90 days.",
    ]


def test_value_concentration_sentences():
    value = by_key(report_sections(ten_customers()))["value"]
    # Revenue: top 2 of 10 hold 150 of 200. CLV: 80 of 100. Half of revenue: the top
    # customer alone holds 100 of 200, i.e. the top 10%.
    assert value.facts["top_share_revenue"] == pytest.approx(0.75)
    assert value.facts["top_share_clv"] == pytest.approx(0.80)
    assert value.facts["half_revenue"] == pytest.approx(0.10)
    assert value.sentences[:2] == [
        "The top 20% of customers bring 75% of revenue to date and hold 80% of predicted CLV.",
        "Half of all revenue to date comes from the top 10% of customers.",
    ]
    # High tier: C0 and C1, 80 of 100 predicted.
    assert value.sentences[2] == "The 2 high-value customers (20%) hold 80% of predicted CLV."


def test_segment_sentences():
    segments = by_key(report_sections(ten_customers()))["segments"]
    assert segments.sentences[0] == (
        "Champions are 20% of customers but bring 75% of revenue to date and hold 80% of "
        "predicted CLV."
    )
    assert segments.sentences[1] == "The largest segment is Lost, with 40% of customers."
    # At risk: C4 and C5, 10 of 200.
    assert segments.sentences[2] == (
        "2 customers are At risk: they brought 5% of revenue to date and are the first to win back."
    )
    table = segments.tables[0]
    assert [row[0][0] for row in table.rows] == ["Champions", "Loyal", "At risk", "Lost"]
    assert table.rows[0][-1][0].startswith("Reward them")


def test_lifecycle_moves_since_the_previous_run():
    scored = ten_customers()
    previous = scored.drop(index=["C9"]).assign(
        lifecycle_stage=[
            "active",
            "at risk",
            "new",
            "lost",
            "active",
            "at risk",
            "at risk",
            "lost",
            "lost",
        ]
    )
    inputs = ReportInputs(previous=previous, previous_as_of="2025-03-31")
    lifecycle = by_key(report_sections(scored, inputs))["lifecycle"]
    assert lifecycle.sentences[0] == (
        "Of 10 customers, 1 (10%) are new, 2 (20%) active, 2 (20%) at risk, 1 (10%) reactivated "
        "and 4 (40%) lost."
    )
    # C1 at risk -> active, C3 lost -> reactivated, C4 active -> at risk, C6 at risk -> lost.
    assert lifecycle.facts["moved"] == 4 and lifecycle.facts["first_seen"] == 1
    assert lifecycle.sentences[1].startswith(
        "Since the previous run (as of 2025-03-31), 4 of the 9 customers in both (44%) changed "
        "stage; the largest moves: 1 from "
    )
    assert lifecycle.sentences[2] == "1 customer bought for the first time since then."
    assert [figure.key for figure in lifecycle.figures] == ["lifecycle-stages", "lifecycle-moves"]


def test_churn_sentences_and_reasons():
    churn = by_key(report_sections(ten_customers(), ReportInputs(run=RunInfo(horizon_days=90))))[
        "churn"
    ]
    # High risk: C6..C9, predicted CLV 1 + 1 + 0.5 + 0.5 = 3. Reasons, numbers replaced:
    # "no purchase for N days (typical: N)" for C6, C7, C9 (C9 twice, counted once).
    assert churn.sentences[0] == (
        "4 customers (40%) are at high risk of not buying in the next 90 days; they hold 3.00 of "
        "predicted CLV."
    )
    assert churn.sentences[1] == (
        "The most common reason given for them is \u201cno purchase for N days (typical: N)\u201d "
        "(3 of them, 75%)."
    )
    # Valuable (high value tier) and at high or medium risk: none of C0, C1.
    assert churn.facts["valuable_at_risk"] == 0


def test_cohort_sentences_use_the_median_cohort():
    table = pd.DataFrame(
        [
            [1.0, 0.30, 0.20, 0.10, 0.05],
            [1.0, 0.10, 0.15, 0.12, np.nan],
            [1.0, 1.0, np.nan, np.nan, np.nan],
        ],
        index=pd.PeriodIndex(["2024-01", "2024-02", "2024-03"], freq="M", name="cohort"),
    )
    cohorts = by_key(report_sections(ten_customers(), ReportInputs(cohorts=table)))["cohorts"]
    # Period 1: median of 0.30, 0.10, 1.0 = 0.30; period 3: median of 0.10, 0.12 = 0.11.
    assert cohorts.sentences[0] == (
        "In a typical cohort (the median), 30% of the customers buy again in the month after "
        "their first purchase, and 11% three months later."
    )
    assert (
        cohorts.sentences[1]
        == "The cohort of 2024-03 kept customers best: 100% bought again the month after."
    )


def test_model_health_sentences():
    holdout = pd.Series(
        {
            "n_customers": 100.0,
            "mae": 0.4,
            "rmse": 0.6,
            "correlation": 0.71,
            "actual_total": 200.0,
            "predicted_total": 212.0,
            "aggregate_pct_error": 6.0,
        },
        name="holdout",
    )
    curve = pd.DataFrame(
        {
            "mean_predicted": [0.1, 0.5, 0.9],
            "observed_rate": [0.2, 0.5, 0.8],
            "n_customers": [10, 20, 10],
        }
    )
    health = ModelHealth(holdout=holdout, calibration=curve, auc=0.83)
    models = by_key(report_sections(ten_customers(), ReportInputs(model_health=health)))["models"]
    # Calibration error: (10 x 0.1 + 20 x 0 + 10 x 0.1) / 40 = 0.05.
    assert models.facts["calibration_error"] == pytest.approx(0.05)
    assert models.sentences == [
        "Over the holdout period the transaction model expected 212 repeat purchases and "
        "customers made 200 (+6.0%); per customer, predicted and actual purchases correlate at "
        "0.71: close enough to plan with.",
        "The churn model's AUC is 0.83: it ranks a customer who left above one who stayed 83% "
        "of the time (good).",
        "Its predicted probabilities are on average 5.0 percentage points from the churn rates "
        "observed.",
    ]


def test_quality_sentences_mask_credentials():
    report = DataQualityReport(
        table="transactions",
        source="postgresql://crm:hunter2@db/crm (table orders)",
        columns={"customer_id": "cust"},
        rows_read=1_000,
        rows_kept=900,
        rows_dropped={"missing_customer_id": 70, "return": 30},
    )
    quality = by_key(report_sections(ten_customers(), ReportInputs(quality=[report.to_dict()])))[
        "quality"
    ]
    assert quality.sentences[0] == (
        "Of 1,000 transaction rows read from postgresql://crm:***@db/crm (table orders), 900 "
        "(90%) were kept. The largest cut was missing customer id: 70 rows (7%)."
    )


def test_shop_facts_agree_with_independent_sums(shop_report):
    scored, inputs = shop_report
    sections = by_key(report_sections(scored, inputs))
    assert list(sections) == [
        "quality",
        "overview",
        "segments",
        "value",
        "lifecycle",
        "clv",
        "churn",
        "cohorts",
        "models",
    ]
    n = len(scored)
    revenue = np.sort(scored["total_amount"].to_numpy())[::-1]
    # The top 20% falls between two customers: take that fraction of the next one.
    whole, part = divmod(0.2 * n, 1)
    top_share = (revenue[: int(whole)].sum() + part * revenue[int(whole)]) / revenue.sum()
    assert sections["value"].facts["top_share_revenue"] == pytest.approx(top_share)
    assert f"bring {percent(top_share)} of revenue" in sections["value"].sentences[0]
    overview = sections["overview"]
    assert overview.facts["revenue"] == pytest.approx(scored["total_amount"].sum())
    assert f"spent {amount(scored['total_amount'].sum())}" in overview.sentences[2]
    clv = sections["clv"]
    assert clv.facts["median"] == pytest.approx(np.median(scored["predicted_clv"]))
    assert clv.facts["top_n_share"] == pytest.approx(
        np.sort(scored["predicted_clv"])[::-1][:100].sum() / scored["predicted_clv"].sum()
    )
    high = (scored["risk_tier"] == "high").sum()
    assert sections["churn"].facts["high_customers"] == high
    assert (
        sections["churn"].sentences[0].startswith(f"{count(high)} customers ({percent(high / n)})")
    )
    page = build(scored, inputs=inputs)
    for section in sections.values():
        for sentence in section.sentences:
            assert f"<p>{escape(sentence)}</p>" in page
