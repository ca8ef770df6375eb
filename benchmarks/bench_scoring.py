"""The batch scoring pipeline on a simulated shop: time per step, and the CLV part against lifetimes.

Times, in this process, on ``make_transactions(customers, seed=0)``:

- ``fit_models`` and ``score_customers`` with the default configuration (every model:
  RFM, clusters with automatic k, BG/NBD + Gamma-Gamma, gradient-boosted churn model with
  three reasons per customer, lifecycle), printing the time of each scoring step;
- the CLV columns alone (summary, BG/NBD and Gamma-Gamma fits, P(alive), expected purchases
  over 90 days, 12-month discounted CLV) against the same computation with lifetimes
  (``summary_data_from_transaction_data``, its fitters and ``customer_lifetime_value``),
  checking that both give the same CLV to 1e-3 relative.

    PYTHONPATH=. python benchmarks/bench_scoring.py [--customers 20000]
"""

from __future__ import annotations

import argparse
import warnings

import numpy as np
from _common import timed
from lifetimes import BetaGeoFitter, GammaGammaFitter
from lifetimes.utils import summary_data_from_transaction_data

from crm_analytics.datasets import make_transactions
from crm_analytics.scoring import ScoringConfig, fit_models, score, score_customers


def lifetimes_clv(log):
    summary = summary_data_from_transaction_data(
        log, "customer_id", "date", monetary_value_col="amount", freq="D"
    )
    transaction_model = BetaGeoFitter().fit(summary["frequency"], summary["recency"], summary["T"])
    repeat = summary[(summary["frequency"] > 0) & (summary["monetary_value"] > 0)]
    spend_model = GammaGammaFitter().fit(repeat["frequency"], repeat["monetary_value"])
    history = (summary["frequency"], summary["recency"], summary["T"])
    transaction_model.conditional_probability_alive(*history)
    transaction_model.conditional_expected_number_of_purchases_up_to_time(90, *history)
    return spend_model.customer_lifetime_value(
        transaction_model, *history, summary["monetary_value"], time=12, discount_rate=0.01
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=20_000)
    args = parser.parse_args()
    log, customers = make_transactions(args.customers, seed=0)
    customers = customers[["customer_id", "signup_date", "region", "channel"]]
    print(f"{args.customers:,} customers, {len(log):,} transaction lines")

    config = ScoringConfig.from_dict({"customers": {"attributes": ["region", "channel"]}})
    models, fit_seconds = timed(fit_models, log, customers, config=config)
    result, score_seconds = timed(score, log, customers, config=config, models=models)
    print(f"fit_models (all models): {fit_seconds:.1f} s")
    print(f"score_customers: {score_seconds:.1f} s")
    for step, seconds in result.timings.items():
        print(f"  {step:<12} {seconds:8.3f} s")

    clv_only = ScoringConfig.from_dict({"model": {"models": ["clv"]}})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours, our_seconds = timed(score_customers, log, config=clv_only)
        reference, reference_seconds = timed(lifetimes_clv, log)
    np.testing.assert_allclose(
        ours["predicted_clv"], reference.reindex(ours.index), rtol=1e-3, atol=1e-6
    )
    print(
        f"CLV columns: crm_analytics {our_seconds:.2f} s, lifetimes {reference_seconds:.2f} s, "
        f"ratio {reference_seconds / our_seconds:.1f}x (same CLV to 1e-3)"
    )


if __name__ == "__main__":
    main()
