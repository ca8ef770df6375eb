"""A scored table of any size for the run-output benchmarks (database, report, workbook).

Up to ``base`` customers are simulated and scored for real (``make_transactions`` and
``score_customers`` with every model; the churn model logistic and three clusters, so that
scoring stays quick); larger tables repeat those rows under new customer ids ("C0000001~2"),
which is all a database load or a file writer sees of the size.
"""

from __future__ import annotations

import warnings

import pandas as pd

from crm_analytics.datasets import make_transactions
from crm_analytics.scoring import ScoringConfig, score_customers

FAST_MODEL = {"n_clusters": 3, "churn_estimator": "logistic", "n_reasons": 3}


def scored_shop(n_customers: int, *, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The scored table of a simulated shop and its transaction log."""
    log, customers = make_transactions(n_customers, seed=seed)
    customers = customers[["customer_id", "signup_date", "region", "channel"]]
    config = ScoringConfig.from_dict(
        {"customers": {"attributes": ["region", "channel"]}, "model": FAST_MODEL}
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return score_customers(log, customers, config=config), log


def scored_table(n_customers: int, *, base: int = 100_000) -> pd.DataFrame:
    """``n_customers`` rows: ``min(n_customers, base)`` scored ones, repeated as needed."""
    scored, _ = scored_shop(min(n_customers, base))
    copies = []
    for copy in range(-(-n_customers // len(scored))):
        ids = scored.index if copy == 0 else scored.index + f"~{copy}"
        copies.append(scored.set_axis(ids.rename("customer_id")))
    return pd.concat(copies).iloc[:n_customers]
