"""The CDNOW data of Fader, Hardie and Lee (2005), shipped in the package.

See `crm_analytics.datasets.files` for their provenance.
"""

from __future__ import annotations

import pandas as pd

from crm_analytics.datasets.files import read_dataset
from crm_analytics.schema import AMOUNT, CUSTOMER_ID, DATE, QUANTITY

__all__ = ["load_cdnow", "load_cdnow_summary"]

_MASTER_COLUMNS = [CUSTOMER_ID, DATE, QUANTITY, AMOUNT]
# The 1/10 sample repeats the master id and adds its own sequence number, which we drop.
_SAMPLE_COLUMNS = [CUSTOMER_ID, "sample_id", DATE, QUANTITY, AMOUNT]


def load_cdnow(*, sample: bool = False) -> pd.DataFrame:
    """Load the CDNOW purchase log as canonical transactions.

    CDNOW customers who made their first purchase in the first quarter of 1997, followed
    until the end of June 1998: 23,570 customers, or the 2,357-customer 1/10 sample used in
    the BG/NBD and Pareto/NBD papers (Fader, Hardie and Lee 2005). The files ship inside the
    package (see `crm_analytics.datasets.files` for their provenance).

    Parameters
    ----------
    sample : bool, default False
        Return the 1/10 sample (2,357 customers) instead of the full log.

    Returns
    -------
    pandas.DataFrame
        Columns ``customer_id`` (int), ``date`` (datetime64), ``amount`` (dollars, float) and
        ``quantity`` (CDs bought, int), one row per purchase line, sorted by customer and date.

    Examples
    --------
    >>> log = load_cdnow(sample=True)
    >>> log["customer_id"].nunique(), log["date"].min().date(), log["date"].max().date()
    (2357, datetime.date(1997, 1, 1), datetime.date(1998, 6, 30))
    """
    if sample:
        log = read_dataset("CDNOW_sample.txt", sep=r"\s+", header=None, names=_SAMPLE_COLUMNS).drop(
            columns="sample_id"
        )
    else:
        log = read_dataset("CDNOW_master.txt", sep=r"\s+", header=0, names=_MASTER_COLUMNS)
    log[DATE] = pd.to_datetime(log[DATE].astype(str), format="%Y%m%d")
    log[AMOUNT] = log[AMOUNT].astype(float)
    return log[[CUSTOMER_ID, DATE, AMOUNT, QUANTITY]].sort_values(
        [CUSTOMER_ID, DATE], kind="stable", ignore_index=True
    )


def load_cdnow_summary(*, monetary_value: bool = False) -> pd.DataFrame:
    """The 2,357 sampled CDNOW customers' histories over the 39-week calibration period.

    The summary Fader, Hardie and Lee (2005) fit BG/NBD and Pareto/NBD to: repeat purchases
    up to the end of September 1997, time in weeks. With ``monetary_value``, also the mean
    spend of the repeat purchases that Fader, Hardie and Lee's Gamma-Gamma note ("The
    Gamma-Gamma Model of Monetary Value", 2013) fits.

    Parameters
    ----------
    monetary_value : bool, default False
        Add ``monetary_value`` (dollars; 0 for customers without a repeat purchase).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``customer_id``, with ``frequency``, ``recency`` and ``T`` (weeks), and
        ``monetary_value`` when asked.

    Examples
    --------
    >>> summary = load_cdnow_summary(monetary_value=True)
    >>> summary.head(2)
                 frequency  recency      T  monetary_value
    customer_id
    1                    2    30.43  38.86           22.35
    2                    1     1.71  38.86           11.77
    """
    if monetary_value:
        frame = read_dataset("cdnow_customers_summary_with_transactions.csv")
        frame.columns = [CUSTOMER_ID, "frequency", "recency", "T", "monetary_value"]
    else:
        frame = read_dataset("cdnow_customers_summary.csv")
        frame.columns = [CUSTOMER_ID, "frequency", "recency", "T"]
    return frame.set_index(CUSTOMER_ID)
