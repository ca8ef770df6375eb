"""Data for the CLV evaluation tests: the CDNOW sample and small pandas summaries.

The summaries follow lifetimes' definitions (repeat purchase periods, recency and T in
units of ``freq * freq_multiplier``) and are written out here, slowly and plainly, so the
tests do not depend on the code under test to build their inputs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_analytics.datasets import read_dataset

try:
    import lifetimes
except ImportError:  # the tests using lifetimes skip themselves
    lifetimes = None

CDNOW_CALIBRATION_END = pd.Timestamp("1997-09-30")
CDNOW_OBSERVATION_END = pd.Timestamp("1998-06-30")


def load_cdnow_sample() -> pd.DataFrame:
    """The FHL (2005) 1/10 CDNOW sample (2,357 customers) as a canonical transaction log."""
    raw = read_dataset(
        "CDNOW_sample.txt",
        sep=r"\s+",
        header=None,
        names=["master_id", "customer_id", "date", "cds", "amount"],
        dtype={"master_id": str, "customer_id": str, "date": str},
    )
    return pd.DataFrame(
        {
            "customer_id": raw["customer_id"],
            "date": pd.to_datetime(raw["date"], format="%Y%m%d"),
            "amount": raw["amount"].astype(float),
        }
    )


def _period_purchases(transactions: pd.DataFrame, freq: str) -> pd.DataFrame:
    periods = transactions.assign(period=transactions["date"].dt.to_period(freq).array.asi8)
    return periods.groupby(["customer_id", "period"], as_index=False)["amount"].sum()


def summary_from_transactions(
    transactions: pd.DataFrame, observation_end: pd.Timestamp, *, freq="D", freq_multiplier=1
) -> pd.DataFrame:
    """frequency, recency, T, monetary_value per customer (lifetimes' definitions)."""
    end = observation_end.to_period(freq).ordinal
    purchases = _period_purchases(transactions[transactions["date"] <= observation_end], freq)
    grouped = purchases.groupby("customer_id")
    first, last = grouped["period"].min(), grouped["period"].max()
    frequency = grouped.size() - 1
    repeat = purchases[purchases["period"] > purchases["customer_id"].map(first)]
    monetary = repeat.groupby("customer_id")["amount"].mean().reindex(first.index, fill_value=0.0)
    return pd.DataFrame(
        {
            "frequency": frequency,
            "recency": (last - first) / freq_multiplier,
            "T": (end - first) / freq_multiplier,
            "monetary_value": monetary,
        }
    )


def calibration_holdout_from_transactions(
    transactions: pd.DataFrame,
    calibration_end: pd.Timestamp,
    observation_end: pd.Timestamp,
    *,
    freq="D",
    freq_multiplier=1,
) -> pd.DataFrame:
    """lifetimes' calibration_and_holdout_data columns, indexed by customer_id."""
    calibration = summary_from_transactions(
        transactions, calibration_end, freq=freq, freq_multiplier=freq_multiplier
    ).add_suffix("_cal")
    in_holdout = (transactions["date"] > calibration_end) & (
        transactions["date"] <= observation_end
    )
    holdout = _period_purchases(transactions[in_holdout], freq).groupby("customer_id")["amount"]
    duration = (
        observation_end.to_period(freq).ordinal - calibration_end.to_period(freq).ordinal
    ) / freq_multiplier
    frame = calibration.assign(
        frequency_holdout=holdout.size().reindex(calibration.index, fill_value=0),
        monetary_value_holdout=holdout.mean().reindex(calibration.index, fill_value=0.0),
        duration_holdout=duration,
    )
    frame.index.name = "customer_id"
    return frame


def cdnow_weekly_calibration_holdout() -> pd.DataFrame:
    """FHL (2005)'s CDNOW setting: 39-week calibration, 39-week holdout, weeks from days."""
    return calibration_holdout_from_transactions(
        load_cdnow_sample(),
        CDNOW_CALIBRATION_END,
        CDNOW_OBSERVATION_END,
        freq="D",
        freq_multiplier=7,
    )


def as_arrays(frame: pd.DataFrame, *columns: str) -> list[np.ndarray]:
    """Columns as numpy arrays, the way lifetimes wants them under pandas 3."""
    return [frame[column].to_numpy() for column in columns]


class VectorisedBetaGeo(lifetimes.BetaGeoFitter if lifetimes else object):
    """lifetimes' BG/NBD with probability_of_n_purchases_up_to_time taking an array of t."""

    def probability_of_n_purchases_up_to_time(self, t, n):
        scalar = super().probability_of_n_purchases_up_to_time
        return np.array([scalar(age, n) for age in np.atleast_1d(t)])
