"""The data files shipped in the package: the small public datasets the CLV papers use.

========================================================  ==========================================
File (in ``crm_analytics/datasets/data``)                  What it holds
========================================================  ==========================================
``CDNOW_master.txt.gz``                                    CDNOW purchase log, 23,570 customers
``CDNOW_sample.txt``                                       its 1/10 sample, 2,357 customers
``cdnow_customers_summary.csv``                            the sample's calibration summary (weeks)
``cdnow_customers_summary_with_transactions.csv``          the same with mean repeat spend
``donations.csv``                                          FHS (2010) donor histories, with counts
``example_transactions.csv``                               lifetimes' simulated example log
========================================================  ==========================================

Provenance. The CDNOW data are those of Fader, Hardie and Lee, '"Counting Your Customers" the
Easy Way: An Alternative to the Pareto/NBD Model', Marketing Science 24 (2), 2005: customers
of the online music shop CDNOW who made their first purchase in the first quarter of 1997,
followed until the end of June 1998, made public by Bruce Hardie for research and teaching
(http://www.brucehardie.com/datasets/). The donations are the 1995 cohort of 11,104 donors of
Fader, Hardie and Shang, "Customer-Base Analysis in a Discrete-Time Noncontractual Setting",
Marketing Science 29 (6), 2010, tabulated by history. The files, and the simulated example
log, are those distributed with the lifetimes package 0.11.3 (Cameron Davidson-Pilon et al.,
MIT licence), unchanged except that the 1.9 MB master log is gzip-compressed.
"""

from __future__ import annotations

import gzip
import io
from importlib import resources

import pandas as pd

from crm_analytics.exceptions import DataValidationError

__all__ = ["DATA_FILES", "read_dataset"]

#: Names of the data files shipped in the package.
DATA_FILES = (
    "CDNOW_master.txt",
    "CDNOW_sample.txt",
    "cdnow_customers_summary.csv",
    "cdnow_customers_summary_with_transactions.csv",
    "donations.csv",
    "example_transactions.csv",
)


def read_dataset(filename: str, **kwargs: object) -> pd.DataFrame:
    """Read one of the shipped data files with `pandas.read_csv`, as lifetimes' ``load_dataset``.

    Parameters
    ----------
    filename : str
        One of `DATA_FILES` (the master log is decompressed on the fly).
    **kwargs
        Passed to `pandas.read_csv` (``index_col``, ``usecols``, ``sep``...).

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> read_dataset("donations.csv").head(2)
       frequency  recency  periods  weights
    0          0        0        6     3464
    1          1        1        6     1091
    """
    if filename not in DATA_FILES:
        raise DataValidationError(
            f"no data file {filename!r} in crm_analytics; choose one of {', '.join(DATA_FILES)}"
        )
    folder = resources.files("crm_analytics.datasets") / "data"
    if filename.endswith(".txt") and (folder / f"{filename}.gz").is_file():
        with (folder / f"{filename}.gz").open("rb") as handle:
            return pd.read_csv(io.BytesIO(gzip.decompress(handle.read())), **kwargs)
    with (folder / filename).open("rb") as handle:
        return pd.read_csv(handle, **kwargs)
