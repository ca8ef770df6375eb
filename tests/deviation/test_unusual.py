"""unusual_transactions: modified z-scores by hand, planted lines found, Online Retail's known
giant lines."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crm_analytics.datasets import make_transactions
from crm_analytics.deviation import unusual_transactions
from crm_analytics.exceptions import DataValidationError
from tests.online_retail import online_retail_transactions


def _log(amounts, customer="a", **columns):
    return pd.DataFrame(
        {
            "customer_id": customer,
            "date": pd.date_range("2024-01-01", periods=len(amounts), freq="D"),
            "amount": amounts,
            **columns,
        }
    )


def test_modified_z_score_by_hand():
    # log amounts of 10, 10, 20, 20, 20, 40, 4000: median log 20, absolute deviations
    # log 2 (x4 counting 10, 10, 40), 0 (x3), log 200; MAD = log 2.
    log = _log([10.0, 10.0, 20.0, 20.0, 20.0, 40.0, 4000.0], order_id=range(7))
    flagged = unusual_transactions(log)
    assert flagged["row"].tolist() == [6]
    row = flagged.iloc[0]
    assert row["typical"] == pytest.approx(20.0)
    assert row["ratio"] == pytest.approx(200.0)
    assert row["score"] == pytest.approx(0.6745 * np.log(200) / np.log(2))
    assert row["n_compared"] == 7 and row["order_id"] == 6
    assert row["reason"].startswith("amount 4,000 is 200 times the median of customer 'a'")


def test_mean_absolute_deviation_when_most_values_are_equal():
    # MAD = 0; the mean absolute deviation of the logs is log(100) / 6.
    log = _log([5.0] * 5 + [500.0])
    flagged = unusual_transactions(log, min_history=5)
    assert flagged["score"].iloc[0] == pytest.approx(np.log(100) / (1.253314 * np.log(100) / 6))


def test_min_ratio_direction_and_min_history():
    # MAD = 0; mean absolute deviation (log 8 + log 20) / 12, so 80 scores 3.9 and 0.5 -5.7.
    log = _log([10.0] * 10 + [80.0, 0.5])
    # 80 is 8 times the median: beyond the threshold, but under the default factor of 10.
    assert unusual_transactions(log).empty
    assert unusual_transactions(log, min_ratio=5)["row"].tolist() == [10]
    # Far below is not flagged by the customer check unless asked.
    assert unusual_transactions(log, min_ratio=5, direction="both")["row"].tolist() == [11, 10]
    assert unusual_transactions(log, min_ratio=5, direction="below")["row"].tolist() == [11]
    assert unusual_transactions(log, min_ratio=5, min_history=13).empty


def test_product_checks_and_the_index_of_the_log():
    log = _log(
        [2.0, 2.0, 2.0, 2.0, 2.0, 60.0, 0.02, 2.0],
        customer=list("abcdefgh"),
        product="P1",
        quantity=[1, 1, 1, 1, 1, 30, 1, 1],
    ).set_axis([f"line{i}" for i in range(8)])
    flagged = unusual_transactions(log)
    by_check = dict(zip(flagged["check"], flagged["row"], strict=True))
    # 30 units is 30 times the usual one; a unit price of 0.02 a hundredth of the usual 2.
    assert by_check == {"product_unit_price": "line6", "product_quantity": "line5"}
    assert flagged.set_index("check").loc["product_unit_price", "ratio"] == pytest.approx(0.01)


def test_returns_are_not_scored_and_say_so():
    log = _log([10.0] * 6 + [-10.0])
    with pytest.warns(UserWarning, match=r"not scored \(customer_amount: 1 lines\)"):
        assert unusual_transactions(log).empty


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"checks": ["product_quantity"]}, "need the columns 'product' and 'quantity'"),
        ({"checks": ["velocity"]}, "unknown check"),
        ({"direction": "up"}, "direction="),
        ({"threshold": 0}, "threshold"),
        ({"min_ratio": 0.5}, "min_ratio"),
        ({"min_history": 1}, "min_history"),
        ({"isolation_forest": True, "contamination": 0.9}, "contamination"),
    ],
)
def test_refuses_unusable_options(options, message):
    with pytest.raises(DataValidationError, match=message):
        unusual_transactions(_log([10.0] * 6), **options)


def _planted(seed: int) -> tuple[pd.DataFrame, set]:
    """A generated log with prices per product (about 10% discount noise), and 60 planted
    lines: 20 amounts 20-100 times too high, 20 too low, 20 quantities 30-200 times the
    line's (same unit price)."""
    transactions, _ = make_transactions(2_000, seed=seed)
    rng = np.random.default_rng(seed)
    products = np.sort(transactions["product"].unique())
    price = pd.Series(np.round(np.exp(rng.normal(1.5, 0.8, products.size)), 2), index=products)
    unit = price.loc[transactions["product"]].to_numpy() * rng.uniform(0.9, 1.0, len(transactions))
    transactions["amount"] = np.round(transactions["quantity"] * unit, 2)
    rows = rng.choice(len(transactions), size=60, replace=False)
    high, low, bulk = rows[:20], rows[20:40], rows[40:]
    transactions.loc[high, "amount"] *= rng.uniform(20, 100, 20)
    transactions.loc[low, "amount"] /= rng.uniform(20, 100, 20)
    factor = rng.integers(30, 200, 20)
    transactions.loc[bulk, "quantity"] *= factor
    transactions.loc[bulk, "amount"] *= factor
    return transactions, set(rows)


def test_planted_lines_are_found_with_high_precision_and_recall():
    found = planted = true_positives = 0
    found_with_forest = 0
    for seed in (11, 12, 13):
        transactions, rows = _planted(seed)
        flagged = set(unusual_transactions(transactions)["row"])
        with_forest = set(
            unusual_transactions(transactions, isolation_forest=True, contamination=0.002)["row"]
        )
        found += len(flagged)
        planted += len(rows)
        true_positives += len(flagged & rows)
        found_with_forest += len(with_forest & rows)
    precision, recall = true_positives / found, true_positives / planted
    # Measured: 184 lines flagged, 180 of them planted: precision 0.978, recall 1.0.
    assert precision >= 0.95 and recall >= 0.95
    # Every planted customer or product has history here, so the forest finds nothing more.
    assert found_with_forest == true_positives


def test_online_retail_giant_lines(shared_data):
    transactions = online_retail_transactions(shared_data)
    with pytest.warns(UserWarning, match="not scored"):
        flagged = unusual_transactions(transactions, isolation_forest=True)
    giant_74215 = transactions.index[transactions["quantity"] == 74215][0]
    giant_80995 = transactions.index[transactions["quantity"] == 80995][0]
    checks = flagged.groupby("row")["check"].apply(set)
    # Customer 12346's 74,215 jars: 6,185 times the product's usual 12.
    assert "product_quantity" in checks[giant_74215]
    row = flagged[(flagged["row"] == giant_74215) & (flagged["check"] == "product_quantity")]
    assert row["ratio"].iloc[0] == pytest.approx(74215 / 12)
    # The 80,995-unit line: customer and product have too few lines for the robust checks;
    # only the isolation forest finds it.
    assert checks[giant_80995] == {"isolation_forest"}
    robust = flagged[flagged["check"] != "isolation_forest"]
    share = robust["row"].nunique() / len(transactions)
    assert 0.005 < share < 0.01  # measured 3,385 of 406,829 lines (0.83%)
