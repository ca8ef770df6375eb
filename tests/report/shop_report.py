"""Everything the report can show, for a simulated shop: the recipe the tests and benchmark use.

The previous run is the same scoring 90 days earlier; the models' checks compare its
predictions with what customers did in those 90 days (a true out-of-time check): BG/NBD's
holdout purchases (:func:`crm_analytics.clv.evaluation.holdout_metrics`) and the churn
scores' calibration and AUC.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from crm_analytics.churn.evaluation import calibration_curve
from crm_analytics.clv import BetaGeoFitter
from crm_analytics.clv.evaluation import holdout_metrics
from crm_analytics.cohorts import cohort_table
from crm_analytics.datasets import make_transactions
from crm_analytics.io import read_transactions
from crm_analytics.quality import quality_report
from crm_analytics.report import ModelHealth, ReportInputs, RunInfo
from crm_analytics.scoring import ScoringConfig, score_customers
from crm_analytics.summary import calibration_holdout_split

HORIZON_DAYS = 90
FAST_MODEL = {"n_clusters": 3, "churn_estimator": "logistic", "n_reasons": 3}


def shop_report_inputs(n_customers: int, *, seed: int = 0) -> tuple[pd.DataFrame, ReportInputs]:
    """The scored table of a simulated shop and every optional input of its report."""
    log, customers = make_transactions(n_customers, seed=seed)
    customers = customers[["customer_id", "signup_date", "region", "channel"]]
    export = log.assign(customer_id=log["customer_id"].where(np.arange(len(log)) % 97 != 0))
    checked = read_transactions(
        export,
        customer_id="customer_id",
        date="date",
        amount="amount",
        order_id="order_id",
        product="product",
    )
    as_of = checked.last_date.normalize()
    before = as_of - pd.Timedelta(days=HORIZON_DAYS)

    def scores(day: pd.Timestamp) -> pd.DataFrame:
        config = ScoringConfig.from_dict(
            {
                "customers": {"attributes": ["region", "channel"]},
                "model": {**FAST_MODEL, "as_of": str(day.date()), "horizon_days": HORIZON_DAYS},
            }
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return score_customers(checked, customers, config=config)

    scored, previous = scores(as_of), scores(before)
    split = calibration_holdout_split(checked, before, as_of)
    transaction_model = BetaGeoFitter().fit(
        split["frequency_cal"], split["recency_cal"], split["T_cal"]
    )
    lines = checked.to_pandas()
    bought_since = lines.loc[lines["date"] > before, "customer_id"].unique()
    churned = (~previous.index.isin(bought_since)).astype(int)
    health = ModelHealth(
        holdout=holdout_metrics(transaction_model, split),
        calibration=calibration_curve(churned, previous["churn_probability"]),
        auc=float(roc_auc_score(churned, previous["churn_probability"])),
    )
    inputs = ReportInputs(
        quality=[quality_report(checked)],
        cohorts=cohort_table(checked, normalize=True),
        previous=previous,
        previous_as_of=before,
        model_health=health,
        run=RunInfo(
            as_of=as_of,
            models=["rfm", "clv", "tiers", "lifecycle", "clusters", "churn"],
            horizon_days=HORIZON_DAYS,
            clv_months=12,
            details={"config hash": "sha256:0f1e2d3c", "source": "postgresql://crm:secret@db/crm"},
        ),
    )
    return scored, inputs
