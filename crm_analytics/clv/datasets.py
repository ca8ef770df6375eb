"""lifetimes' ``datasets`` under the same names, reading the files shipped in crm_analytics.

The same files as lifetimes ships (see `crm_analytics.datasets.files` for their provenance),
returned as lifetimes returns them: ``**kwargs`` go to `pandas.read_csv`. New code can use
`crm_analytics.datasets.load_cdnow_summary`, `load_cdnow` and `load_donations`, which give
the project's column names and a ``customer_id`` index.
"""

from __future__ import annotations

import pandas as pd

from crm_analytics.datasets import read_dataset

__all__ = [
    "load_cdnow_summary",
    "load_cdnow_summary_data_with_monetary_value",
    "load_dataset",
    "load_donations",
    "load_transaction_data",
]


def load_dataset(filename: str, **kwargs: object) -> pd.DataFrame:
    """A data file shipped in the package, read with `pandas.read_csv` (``**kwargs``).

    Examples
    --------
    >>> load_dataset("cdnow_customers_summary.csv").columns.tolist()
    ['ID', 'frequency', 'recency', 'T']
    """
    return read_dataset(filename, **kwargs)


def load_donations(**kwargs: object) -> pd.DataFrame:
    """FHS (2010)'s donors: ``frequency``, ``recency``, ``periods``, ``weights`` (22 rows).

    Examples
    --------
    >>> int(load_donations()["weights"].sum())
    11104
    """
    return read_dataset("donations.csv", **kwargs)


def load_cdnow_summary(**kwargs: object) -> pd.DataFrame:
    """The 2,357 CDNOW customers' calibration summary: ``ID``, ``frequency``, ``recency``, ``T``.

    Examples
    --------
    >>> load_cdnow_summary(index_col=[0]).shape
    (2357, 3)
    """
    return read_dataset("cdnow_customers_summary.csv", **kwargs)


def load_transaction_data(**kwargs: object) -> pd.DataFrame:
    """lifetimes' simulated example log (2014): ``date`` and ``id``, one row per purchase.

    Examples
    --------
    >>> load_transaction_data().columns.tolist()
    ['date', 'id']
    """
    return read_dataset("example_transactions.csv", **kwargs)


def load_cdnow_summary_data_with_monetary_value(**kwargs: object) -> pd.DataFrame:
    """The CDNOW summary with mean repeat spend, indexed by ``customer_id``.

    Examples
    --------
    >>> load_cdnow_summary_data_with_monetary_value().columns.tolist()
    ['frequency', 'recency', 'T', 'monetary_value']
    """
    frame = read_dataset("cdnow_customers_summary_with_transactions.csv", **kwargs)
    frame.columns = ["customer_id", "frequency", "recency", "T", "monetary_value"]
    return frame.set_index("customer_id")
