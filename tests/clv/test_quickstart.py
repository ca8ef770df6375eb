"""lifetimes' documented Quickstart, run on lifetimes and on crm_analytics with only the import changed.

The calls are those of lifetimes' README / Quickstart (lifetimes 0.11.3 documentation), written
here section by section with ``{clv}`` where the script says ``lifetimes``. Each section runs
in a fresh namespace with its output captured, once with ``{clv} = lifetimes`` and once with
``{clv} = crm_analytics.clv``, and every number printed must agree. Two deliberate
differences are left out of the comparison: the confidence bounds of ``summary`` (ours are
Wald intervals on the log scale, which stay positive; lifetimes' go below zero) and the
module name in the repr. Two sections no longer run on lifetimes under pandas 3; there the
test checks that they run on crm_analytics and that lifetimes fails as it does.
"""

from __future__ import annotations

import contextlib
import io
import re

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")

SECTIONS = {
    "cdnow_bgnbd": """
from {clv}.datasets import load_cdnow_summary
data = load_cdnow_summary(index_col=[0])
print(data.head())

from {clv} import BetaGeoFitter
bgf = BetaGeoFitter(penalizer_coef=0.0)
bgf.fit(data['frequency'], data['recency'], data['T'])
print(bgf)
print(bgf.summary)

from {clv}.plotting import plot_frequency_recency_matrix
plot_frequency_recency_matrix(bgf)
from {clv}.plotting import plot_probability_alive_matrix
plot_probability_alive_matrix(bgf)

t = 1
data['predicted_purchases'] = bgf.conditional_expected_number_of_purchases_up_to_time(
    t, data['frequency'], data['recency'], data['T'])
print(data.sort_values(by='predicted_purchases').tail(5))

from {clv}.plotting import plot_period_transactions
plot_period_transactions(bgf)

bgf.save_model(path)
bgf_loaded = BetaGeoFitter()
bgf_loaded.load_model(path)
print(bgf_loaded)
print(bgf_loaded.predict(10, 2, 30.43, 38.86))
""",
    "transactions": """
from {clv}.datasets import load_transaction_data
from {clv}.utils import summary_data_from_transaction_data
from {clv} import BetaGeoFitter

transaction_data = load_transaction_data()
print(transaction_data.head())
summary = summary_data_from_transaction_data(
    transaction_data, 'id', 'date', observation_period_end='2014-12-31')
print(summary.head())
bgf = BetaGeoFitter(penalizer_coef=0.0)
bgf.fit(summary['frequency'], summary['recency'], summary['T'])
print(bgf)
t = 10
individual = summary.iloc[20]
print(bgf.predict(t, individual['frequency'], individual['recency'], individual['T']))
""",
    "gamma_gamma": """
from {clv}.datasets import load_cdnow_summary_data_with_monetary_value
from {clv} import BetaGeoFitter, GammaGammaFitter

summary_with_money_value = load_cdnow_summary_data_with_monetary_value()
print(summary_with_money_value.head())
returning_customers_summary = summary_with_money_value[summary_with_money_value['frequency'] > 0]
print(returning_customers_summary.head())
print(returning_customers_summary[['monetary_value', 'frequency']].corr())

ggf = GammaGammaFitter(penalizer_coef=0)
ggf.fit(returning_customers_summary['frequency'], returning_customers_summary['monetary_value'])
print(ggf)
print(ggf.conditional_expected_average_profit(
    summary_with_money_value['frequency'], summary_with_money_value['monetary_value']).head(10))
print("Expected conditional average profit: %s, Average profit: %s" % (
    ggf.conditional_expected_average_profit(
        summary_with_money_value['frequency'], summary_with_money_value['monetary_value']).mean(),
    summary_with_money_value[summary_with_money_value['frequency'] > 0]['monetary_value'].mean()))

bgf = BetaGeoFitter(penalizer_coef=0.0)
bgf.fit(summary_with_money_value['frequency'], summary_with_money_value['recency'],
        summary_with_money_value['T'])
print(ggf.customer_lifetime_value(
    bgf,
    summary_with_money_value['frequency'],
    summary_with_money_value['recency'],
    summary_with_money_value['T'],
    summary_with_money_value['monetary_value'],
    time=12,
    discount_rate=0.01,
).head(10))
""",
    "calibration_holdout": """
from {clv}.datasets import load_transaction_data
from {clv}.utils import calibration_and_holdout_data
from {clv}.plotting import plot_calibration_purchases_vs_holdout_purchases
from {clv} import BetaGeoFitter

transaction_data = load_transaction_data()
summary_cal_holdout = calibration_and_holdout_data(
    transaction_data, 'id', 'date',
    calibration_period_end='2014-09-01', observation_period_end='2014-12-31')
print(summary_cal_holdout.head())
bgf = BetaGeoFitter(penalizer_coef=0.0)
bgf.fit(summary_cal_holdout['frequency_cal'], summary_cal_holdout['recency_cal'],
        summary_cal_holdout['T_cal'])
plot_calibration_purchases_vs_holdout_purchases(bgf, summary_cal_holdout)
""",
    "history_alive": """
from {clv}.datasets import load_transaction_data
from {clv}.utils import summary_data_from_transaction_data
from {clv}.plotting import plot_history_alive
from {clv} import BetaGeoFitter

transaction_data = load_transaction_data()
summary = summary_data_from_transaction_data(
    transaction_data, 'id', 'date', observation_period_end='2014-12-31')
bgf = BetaGeoFitter(penalizer_coef=0.0)
bgf.fit(summary['frequency'], summary['recency'], summary['T'])
id = 35
days_since_birth = 365
sp_trans = transaction_data.loc[transaction_data['id'] == id]
plot_history_alive(bgf, days_since_birth, sp_trans, 'date')
""",
}
# Sections lifetimes 0.11.3 cannot run under pandas 3, with the error it raises.
BROKEN_UNDER_PANDAS_3 = {
    "calibration_holdout": (ValueError, "No objects to concatenate"),
    "history_alive": (TypeError, "unexpected keyword argument 'method'"),
}


def run(section: str, library: str, tmp_path) -> str:
    """The section's printed output with ``{clv}`` = ``library``."""
    import matplotlib.pyplot as plt

    namespace = {"path": str(tmp_path / f"{library}_{section}.pkl")}
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed), pd.option_context("display.width", 120):
        exec(SECTIONS[section].format(clv=library), namespace)  # noqa: S102 (the script under test)
    plt.close("all")
    return printed.getvalue()


def numbers(text: str) -> np.ndarray:
    """Every number printed, thousands separators removed, less the summary's bounds."""
    lines = re.sub(r"(?<=\d),(?=\d{3})", "", text).splitlines()
    found = []
    bounds_left = 0
    for line in lines:
        values = [float(match) for match in re.findall(r"-?\d+\.?\d*(?:e[-+]?\d+)?", line)]
        if bounds_left:
            # A parameter row of summary: coef, se(coef), then the two bounds.
            values, bounds_left = values[:2], bounds_left - 1
        if "se(coef)" in line:
            bounds_left = 4
        found.extend(values)
    return np.array(found)


@pytest.mark.parametrize(
    "section", [name for name in SECTIONS if name not in BROKEN_UNDER_PANDAS_3]
)
def test_quickstart_prints_the_same_numbers(lifetimes, section, tmp_path):
    theirs = run(section, "lifetimes", tmp_path)
    ours = run(section, "crm_analytics.clv", tmp_path)
    their_numbers, our_numbers = numbers(theirs), numbers(ours)
    assert len(our_numbers) == len(their_numbers), (theirs, ours)
    # Printed to 6 significant digits: the last may differ by one.
    np.testing.assert_allclose(our_numbers, their_numbers, rtol=2e-5, atol=1e-6)


@pytest.mark.parametrize("section", sorted(BROKEN_UNDER_PANDAS_3))
def test_quickstart_runs_where_lifetimes_no_longer_does(lifetimes, section, tmp_path):
    error, message = BROKEN_UNDER_PANDAS_3[section]
    if pd.__version__ >= "3":
        with pytest.raises(error, match=message):
            run(section, "lifetimes", tmp_path)
    output = run(section, "crm_analytics.clv", tmp_path)
    if section == "calibration_holdout":
        header = output.splitlines()[0].split()
        assert header == [
            "frequency_cal",
            "recency_cal",
            "T_cal",
            "frequency_holdout",
            "duration_holdout",
        ]


def test_quickstart_runs_without_lifetimes(tmp_path, monkeypatch):
    """On a core install: every section, with crm_analytics only."""
    monkeypatch.setitem(__import__("sys").modules, "lifetimes", None)
    for section in SECTIONS:
        run(section, "crm_analytics.clv", tmp_path)
