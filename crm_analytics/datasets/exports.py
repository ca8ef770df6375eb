"""Example shop exports: the simulated log laid out, and soiled, as a real export arrives.

`make_shop_export` turns :func:`~crm_analytics.datasets.make_transactions` into the two tables a
shop system exports (invoice lines and a customer list) with the usual imperfections, so that
the README, the notebooks and the demo job exercise the loader's checks on every run. The files
under ``data/`` in the repository are written by `write_example_exports` (and a test checks
that they still are).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from crm_analytics.datasets.simulate import make_transactions

__all__ = ["EXAMPLE_COLUMNS", "make_shop_export", "write_example_exports"]

#: The column mapping of the example orders export, as ``read_transactions`` keywords.
EXAMPLE_COLUMNS = {
    "customer_id": "CustomerID",
    "date": "InvoiceDate",
    "quantity": "Quantity",
    "unit_price": "UnitPrice",
    "order_id": "InvoiceNo",
    "product": "StockCode",
}

# Shares of the order lines given each imperfection.
_RETURN_SHARE = 0.02
_MISSING_ID_SHARE = 0.005
_DUPLICATE_SHARE = 0.002


def make_shop_export(
    n_customers: int = 1000, *, seed: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Simulated invoice lines and customer list, as a shop system would export them.

    Orders follow `make_transactions` (BG/NBD purchases, Gamma-Gamma spend) with a busier
    shop than its CDNOW-like defaults: customers sign up all through the 18 months (up to
    the last four weeks), buy about once a month while active (``r=0.6, alpha=25``) and
    drop out after a purchase with probability 1/6 on average (``a=1, b=5``). The export
    then has what real ones have: returns (about 2% of lines come back within a month, as
    invoices numbered ``"C..."`` with negative quantities), lines without a customer id
    (0.5%, e.g. guest checkouts), and exact duplicate lines (0.2%, a double upload).
    Amounts are given as quantity and unit price; dates as text.

    Parameters
    ----------
    n_customers : int, default 1000
        Number of buying customers (the customer list also holds 5% prospects).
    seed : int, default 0
        Seed of the random generator; the same seed gives the same tables.

    Returns
    -------
    orders : pandas.DataFrame
        ``InvoiceNo, StockCode, Quantity, InvoiceDate, UnitPrice, CustomerID``; read it with
        ``read_transactions(orders, **EXAMPLE_COLUMNS, cancellation_prefix="C")``.
    customers : pandas.DataFrame
        ``CustomerID, SignupDate, Region, Channel``.

    Examples
    --------
    >>> orders, customers = make_shop_export(200, seed=1)
    >>> list(orders.columns)
    ['InvoiceNo', 'StockCode', 'Quantity', 'InvoiceDate', 'UnitPrice', 'CustomerID']
    >>> bool((orders["Quantity"] < 0).any()), bool(orders["CustomerID"].isna().any())
    (True, True)
    """
    rng = np.random.default_rng(seed)
    transactions, customers = make_transactions(
        n_customers, seed=seed, acquisition_days=520, r=0.6, alpha=25.0, a=1.0, b=5.0
    )
    lines = pd.DataFrame(
        {
            "InvoiceNo": transactions["order_id"].map("{:06d}".format),
            "StockCode": transactions["product"],
            "Quantity": transactions["quantity"],
            "InvoiceDate": transactions["date"],
            "UnitPrice": (transactions["amount"] / transactions["quantity"]).round(2),
            "CustomerID": transactions["customer_id"].astype(object),
        }
    )
    returned = lines[rng.random(len(lines)) < _RETURN_SHARE].copy()
    returned["InvoiceNo"] = "C" + returned["InvoiceNo"]
    returned["Quantity"] = -returned["Quantity"]
    returned["InvoiceDate"] += pd.to_timedelta(rng.uniform(1, 30, len(returned)), unit="D")
    returned = returned[returned["InvoiceDate"] <= lines["InvoiceDate"].max()]
    lines = pd.concat([lines, returned, lines[rng.random(len(lines)) < _DUPLICATE_SHARE]])
    lines = lines.sort_values(["InvoiceDate", "InvoiceNo"], kind="stable", ignore_index=True)
    lines.loc[rng.random(len(lines)) < _MISSING_ID_SHARE, "CustomerID"] = None
    lines["InvoiceDate"] = lines["InvoiceDate"].dt.strftime("%Y-%m-%d %H:%M")
    customer_list = pd.DataFrame(
        {
            "CustomerID": customers["customer_id"],
            "SignupDate": customers["signup_date"].dt.strftime("%Y-%m-%d"),
            "Region": customers["region"],
            "Channel": customers["channel"],
        }
    )
    return lines, customer_list


def write_example_exports(
    directory: str | Path, n_customers: int = 1000, *, seed: int = 0
) -> tuple[Path, Path]:
    """Write `make_shop_export` as ``orders.csv`` and ``customers.csv`` in ``directory``.

    Returns the two paths. The repository's ``data/`` folder holds the default files.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    orders, customers = make_shop_export(n_customers, seed=seed)
    paths = directory / "orders.csv", directory / "customers.csv"
    orders.to_csv(paths[0], index=False, lineterminator="\n")
    customers.to_csv(paths[1], index=False, lineterminator="\n")
    return paths
