"""One ``crm-analytics score`` run (fit, then score), instrumented: the work done once is done once.

The run logs at DEBUG level (``-v``) each check of a transaction log, each conversion of a log
between engines, each summary and each cut of a log to an as-of day; the transaction model's
``fit`` is counted by wrapping it. A run of the whole pipeline (RFM, CLV, value tiers,
lifecycle, clusters, churn with reasons) must read and check the log once, convert it between
engines at most once, compute the summary as of the run date once and fit BG/NBD once on the
customers of that date (a second BG/NBD is fitted, on the customers of the churn model's
training cutoff ``horizon_days`` earlier, which is other data).
"""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from crm_analytics import cli
from crm_analytics.clv import BetaGeoFitter
from tests.scoring.shop import CONFIG_TOML, write_shop


@pytest.fixture(scope="module")
def shop_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("shop")
    write_shop(folder)
    (folder / "scoring.toml").write_text(CONFIG_TOML)
    return folder


def test_a_fit_then_score_run_does_each_piece_of_work_once(shop_dir, capsys, monkeypatch):
    fits: list[float] = []  # the oldest customer's age (T, days) of each BG/NBD fit
    fit = BetaGeoFitter.fit

    def counted_fit(self, *args, **kwargs):
        fits.append(float(np.max(args[2] if len(args) > 2 else args[0]["T"])))
        return fit(self, *args, **kwargs)

    monkeypatch.setattr(BetaGeoFitter, "fit", counted_fit)
    code = cli.main(
        [
            "-v",
            "score",
            "--config",
            str(shop_dir / "scoring.toml"),
            "--output-dir",
            str(shop_dir / "scores"),
        ]
    )
    log = capsys.readouterr().err
    assert code == 0, log
    as_of = re.search(r"scored \d+ customers as of (\S+)", log).group(1)
    lines = log.splitlines()

    def count(pattern: str) -> int:
        return sum(bool(re.search(pattern, line)) for line in lines)

    # Read and checked once, at the door; never checked again.
    assert count(r"io: [\d,]+ rows read and checked") == 1
    assert count(r"log: checked \d+ rows") == 0
    # Converted between engines at most once (pandas -> Polars, for the engine's aggregates).
    assert count(r"engine: converting") <= 1
    # The summary as of the run date, once; the churn model's training cutoff has its own.
    assert count(rf"log: summary computed \(freq=D, as of {as_of} 00:00:00\)") == 1
    assert count(r"log: summary computed") == 2
    # The log cut to the run date at most once (here not at all: the reader left later rows
    # out), and to the training cutoff once.
    assert count(rf"log: rows up to {as_of} kept") <= 1
    assert count(r"log: rows up to \S+ kept") <= 2
    # BG/NBD fitted once on the customers as of the run date (the oldest is as old as the log),
    # and once on those of the training cutoff, 90 days younger.
    report = json.loads((shop_dir / "scores" / "quality_report.json").read_text())
    first = pd.Timestamp(report["transactions"]["first_date"]).normalize()
    age = (pd.Timestamp(as_of) - first).days
    assert sorted(fits) == [age - 90, age]
