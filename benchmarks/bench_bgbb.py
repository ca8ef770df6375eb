"""BetaGeoBetaBinomFitter against lifetimes' on the FHS (2010) donations, scaled to 1e6 donors.

Both fit the same data (the 22 distinct histories with their counts multiplied, and the same
donors as one row each), must agree on the parameters to 1e-4, and are timed in the same run;
then both score the million donors (P(alive) next year and expected donations over the next
5 years). Ours is timed as the best of ``--repeats`` runs, lifetimes' once (it is the slow one).

    python benchmarks/bench_bgbb.py [--donors 1e6] [--repeats 3]
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd

from crm_analytics.clv.beta_geo_beta_binom import BetaGeoBetaBinomFitter

COLUMNS = ["frequency", "recency", "n_periods"]


def donations(donors: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The distinct histories with counts scaled to about ``donors``, and one row per donor."""
    from lifetimes.datasets import load_donations

    table = load_donations().rename(columns={"periods": "n_periods"})
    table["weights"] = table["weights"] * round(donors / table["weights"].sum())
    rows = table.loc[table.index.repeat(table["weights"]), COLUMNS].reset_index(drop=True)
    return table, rows


def timed(function, repeats: int):
    best, result = np.inf, None
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    return best, result


def lifetimes_fitter():
    warnings.simplefilter("ignore")
    from lifetimes import BetaGeoBetaBinomFitter as LifetimesFitter

    return LifetimesFitter()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--donors", type=float, default=1e6)
    parser.add_argument("--repeats", type=int, default=3)
    arguments = parser.parse_args()
    table, rows = donations(arguments.donors)
    columns = [rows[name].to_numpy() for name in COLUMNS]
    print(f"{len(rows):,} donors, {len(table)} distinct histories")
    cases = {
        "fit, weighted table": lambda model: model.fit(
            *(table[c] for c in COLUMNS), weights=table["weights"]
        ),
        "fit, one row per donor": lambda model: model.fit(*columns),
    }
    print(f"{'case':<28}{'ours (s)':>10}{'lifetimes (s)':>15}{'ratio':>9}")
    for name, fit in cases.items():
        ours_seconds, ours = timed(lambda fit=fit: fit(BetaGeoBetaBinomFitter()), arguments.repeats)
        theirs_seconds, theirs = timed(lambda fit=fit: fit(lifetimes_fitter()), 1)
        np.testing.assert_allclose(ours.params_, theirs.params_, rtol=1e-4)
        print(
            f"{name:<28}{ours_seconds:>10.3f}{theirs_seconds:>15.3f}{theirs_seconds / ours_seconds:>8.0f}x"
        )

    def score(model):
        return (
            model.conditional_probability_alive(1, *columns),
            model.conditional_expected_number_of_purchases_up_to_time(5, *columns),
        )

    reference = lifetimes_fitter()
    reference.params_ = ours.params_.copy()
    ours_seconds, ours_scores = timed(lambda: score(ours), arguments.repeats)
    theirs_seconds, theirs_scores = timed(lambda: score(reference), 1)
    for mine, other in zip(ours_scores, theirs_scores, strict=True):
        np.testing.assert_allclose(mine, other, rtol=1e-6)
    print(
        f"{'score P(alive) + E[X]':<28}{ours_seconds:>10.3f}{theirs_seconds:>15.3f}"
        f"{theirs_seconds / ours_seconds:>8.0f}x"
    )


if __name__ == "__main__":
    main()
