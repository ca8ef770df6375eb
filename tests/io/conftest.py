"""Small invoice-line exports with known problems, shaped like the UCI Online Retail data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

COLUMNS = {
    "customer_id": "CustomerID",
    "date": "InvoiceDate",
    "quantity": "Quantity",
    "unit_price": "UnitPrice",
    "order_id": "InvoiceNo",
    "product": "StockCode",
}


@pytest.fixture
def invoice_lines() -> pd.DataFrame:
    """Nine lines worth 21.5 in total; each row's comment says what it tests.

    Line values (Quantity * UnitPrice): 3, 4, 4, 7.5, -1.5, 6, 0, -3, 1.5.
    """
    return pd.DataFrame(
        {
            "InvoiceNo": ["1001", "1001", "1001", "1002", "C1003", "1004", "1005", "C1006", "1007"],
            "StockCode": ["A", "B", "B", "A", "A", "C", "D", "A", "A"],
            "Quantity": [2, 1, 1, 5, -1, 3, 1, -2, 1],
            "InvoiceDate": [
                "2011-01-03 09:00",  # customer 17850's first order
                "2011-01-03 09:00",
                "2011-01-03 09:00",  # exact repeat of the line above
                "2011-01-10 12:00",
                "2011-01-12 15:00",  # cancellation by 17850, after their first order
                "2011-01-15 10:00",  # no customer id
                "2011-01-20 11:00",  # free item
                "2011-01-02 08:00",  # return by 12583 before any purchase of theirs in the data
                "2011-02-01 10:00",
            ],
            "UnitPrice": [1.5, 4.0, 4.0, 1.5, 1.5, 2.0, 0.0, 1.5, 1.5],
            "CustomerID": [17850.0, 17850.0, 17850.0, 13047.0, 17850.0, np.nan, 13047.0, 12583.0]
            + [12583.0],
        }
    )


@pytest.fixture
def text_lines() -> pd.DataFrame:
    """Lines with text ids (one with a leading zero) and text dates, as every format stores them."""
    return pd.DataFrame(
        {
            "InvoiceNo": ["5001", "5001", "5002", "5003", "C5004"],
            "StockCode": ["85123A", "71053", "85123A", "22423", "71053"],
            "Quantity": [6, 6, 2, 1, -1],
            "InvoiceDate": [
                "2011-03-01 08:26:00",
                "2011-03-01 08:26:00",
                "2011-03-02 10:00:00",
                "2011-03-05 17:45:00",
                "2011-03-06 09:00:00",
            ],
            "UnitPrice": [2.55, 3.39, 2.55, 12.75, 3.39],
            "Customer ID": ["A-17", "A-17", "0042", "A-17", "0042"],
        }
    )
