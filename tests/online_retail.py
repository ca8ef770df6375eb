"""The UCI Online Retail log as a canonical transaction frame, for tests on real data."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pandas as pd


@cache
def online_retail_transactions(shared_data: Path) -> pd.DataFrame:
    """Invoice lines with a CustomerID, mapped to the canonical columns.

    Cancellation invoices (negative quantities) are kept, as ``read_transactions`` keeps
    them; the functions under test decide what to do with returns.
    """
    raw = pd.read_parquet(shared_data / "online_retail.parquet")
    raw = raw[raw["CustomerID"].notna()]
    return pd.DataFrame(
        {
            "customer_id": raw["CustomerID"].astype("int64").astype(str),
            "date": raw["InvoiceDate"].astype("datetime64[ns]"),
            "amount": raw["Quantity"] * raw["UnitPrice"],
            "order_id": raw["InvoiceNo"],
            "product": raw["StockCode"],
            "quantity": raw["Quantity"],
            "description": raw["Description"],
        }
    ).reset_index(drop=True)
