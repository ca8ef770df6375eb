"""CLV model fitting and scoring against lifetimes, both measured in the same run.

Three tasks on customers simulated by `crm_analytics.datasets.make_transactions` and summarised
by `rfm_summary` in days (the analyst's default):

- fitting BG/NBD to ``--customers`` customers (target: 50x faster, the same parameters to 1e-4);
- fitting Pareto/NBD to the first ``--pareto-customers`` of them (target: 20x faster);
- scoring ``--customers`` customers with the fitted BG/NBD and Gamma-Gamma models: P(alive),
  expected purchases over 90 days and 12-month CLV discounted at 1% a month (target: 10x).
  Both libraries score with the same parameters; the table gives the largest relative
  difference between their results.

Each task runs once per library (lifetimes takes minutes) after a warm-up on 1,000 customers.
Seconds are processor time (all threads), which the other processes on a shared machine do not
inflate; the speed-up in wall-clock time is shown beside it.

    python benchmarks/bench_clv.py [--customers 1e6] [--pareto-customers 1e5]
"""

from __future__ import annotations

import argparse
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from crm_analytics.clv import BetaGeoFitter, GammaGammaFitter, ParetoNBDFitter
from crm_analytics.clv.scores import clv_columns
from crm_analytics.datasets import make_transactions
from crm_analytics.summary import rfm_summary

HISTORY = ["frequency", "recency", "T"]
HORIZON_DAYS = 90
CLV_MONTHS = 12
MONTHLY_DISCOUNT = 0.01


@dataclass(frozen=True)
class Timing:
    """Processor seconds (all threads, immune to other processes' load) and wall seconds."""

    cpu: float
    wall: float


def timed(function: Callable[[], object]) -> tuple[Timing, object]:
    start_cpu, start_wall = time.process_time(), time.perf_counter()
    result = function()
    return Timing(time.process_time() - start_cpu, time.perf_counter() - start_wall), result


def relative_difference(ours: object, theirs: object) -> float:
    ours, theirs = np.asarray(ours, dtype=float), np.asarray(theirs, dtype=float)
    scale = np.maximum(np.abs(theirs), 1e-300)
    return float(np.max(np.abs(ours - theirs) / scale))


def lifetimes_fit(model_class: type, summary: pd.DataFrame) -> object:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return model_class().fit(*(summary[column] for column in HISTORY))


def score_ours(transactions: object, spend: object, summary: pd.DataFrame) -> pd.DataFrame:
    """The CLV columns of crm_analytics, by the one definition every command uses."""
    return clv_columns(
        summary,
        transactions,
        spend,
        horizon_days=HORIZON_DAYS,
        clv_months=CLV_MONTHS,
        discount_rate=MONTHLY_DISCOUNT,
    )


def score_lifetimes(transactions: object, spend: object, summary: pd.DataFrame) -> pd.DataFrame:
    history = [summary[column] for column in HISTORY]
    return pd.DataFrame(
        {
            "p_alive": transactions.conditional_probability_alive(*history),
            "expected_purchases": transactions.conditional_expected_number_of_purchases_up_to_time(
                HORIZON_DAYS, *history
            ),
            "predicted_clv": spend.customer_lifetime_value(
                transactions,
                *history,
                summary["monetary_value"],
                time=CLV_MONTHS,
                discount_rate=MONTHLY_DISCOUNT,
                freq="D",
            ),
        }
    )


def with_params(model: object, params: pd.Series) -> object:
    """A lifetimes model carrying given parameters, as its ``fit`` leaves it."""
    model.params_ = params.copy()
    if hasattr(model, "conditional_expected_number_of_purchases_up_to_time"):
        model.predict = model.conditional_expected_number_of_purchases_up_to_time
    return model


def main() -> None:
    import lifetimes

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=float, default=1e6)
    parser.add_argument("--pareto-customers", type=float, default=1e5)
    arguments = parser.parse_args()
    n_customers, n_pareto = int(arguments.customers), int(arguments.pareto_customers)

    log, _ = make_transactions(n_customers, seed=0)
    summary = rfm_summary(log)
    del log
    buyers = summary[summary["frequency"] > 0]
    pareto_summary = summary.iloc[:n_pareto]
    warm = summary.iloc[:1_000]
    print(
        f"{len(summary):,} customers, {int((summary['frequency'] > 0).sum()):,} repeat buyers, "
        f"{len(summary[HISTORY].drop_duplicates()):,} distinct histories (days)"
    )

    # Warm-up: imports, autograd tracing, thread pools.
    BetaGeoFitter().fit(warm)
    lifetimes_fit(lifetimes.BetaGeoFitter, warm)
    ParetoNBDFitter().fit(warm)

    rows = []
    ours_seconds, ours_bg = timed(lambda: BetaGeoFitter().fit(summary))
    theirs_seconds, theirs_bg = timed(lambda: lifetimes_fit(lifetimes.BetaGeoFitter, summary))
    rows.append(
        (
            f"BG/NBD fit, {len(summary):,}",
            ours_seconds,
            theirs_seconds,
            50,
            f"params {relative_difference(ours_bg.params_, theirs_bg.params_):.1e}",
        )
    )

    ours_seconds, ours_pareto = timed(lambda: ParetoNBDFitter().fit(pareto_summary))
    theirs_seconds, theirs_pareto = timed(
        lambda: lifetimes_fit(lifetimes.ParetoNBDFitter, pareto_summary)
    )
    theirs_log_likelihood = -lifetimes.ParetoNBDFitter._negative_log_likelihood(
        theirs_pareto.params_.to_numpy(),
        *(pareto_summary[column].to_numpy() for column in HISTORY),
        np.ones(len(pareto_summary)),
        0.0,
    )
    rows.append(
        (
            f"Pareto/NBD fit, {len(pareto_summary):,}",
            ours_seconds,
            theirs_seconds,
            20,
            f"params {relative_difference(ours_pareto.params_, theirs_pareto.params_):.1e}, "
            f"LL ours - theirs {ours_pareto.log_likelihood_ - theirs_log_likelihood:+.2g}",
        )
    )

    ours_spend = GammaGammaFitter().fit(buyers["frequency"], buyers["monetary_value"])
    theirs_spend = with_params(lifetimes.GammaGammaFitter(), ours_spend.params_)
    theirs_transactions = with_params(lifetimes.BetaGeoFitter(), ours_bg.params_)
    score_ours(ours_bg, ours_spend, warm)
    score_lifetimes(theirs_transactions, theirs_spend, warm)
    ours_seconds, ours_scores = timed(lambda: score_ours(ours_bg, ours_spend, summary))
    theirs_seconds, theirs_scores = timed(
        lambda: score_lifetimes(theirs_transactions, theirs_spend, summary)
    )
    differences = ", ".join(
        f"{column} {relative_difference(ours_scores[column], theirs_scores[column]):.1e}"
        for column in ours_scores
    )
    rows.append((f"scoring, {len(summary):,}", ours_seconds, theirs_seconds, 10, differences))

    print(
        f"{'task':>26} {'ours s':>7} {'lifetimes s':>11} {'speed-up':>8} {'(wall)':>7} "
        f"{'target':>6}  agreement"
    )
    for task, ours, theirs, target, agreement in rows:
        print(
            f"{task:>26} {ours.cpu:>7.2f} {theirs.cpu:>11.2f} {theirs.cpu / ours.cpu:>7.1f}x "
            f"{theirs.wall / ours.wall:>6.1f}x {target:>5}x  {agreement}"
        )
    print("BG/NBD parameters (ours):", ours_bg.params_.round(5).to_dict())


if __name__ == "__main__":
    main()
