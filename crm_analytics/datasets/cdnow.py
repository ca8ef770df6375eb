"""The CDNOW transaction log (Fader, Hardie and Lee 2005), read from the lifetimes package data."""

from __future__ import annotations

from importlib import resources

import pandas as pd

from crm_analytics.schema import AMOUNT, CUSTOMER_ID, DATE, QUANTITY

__all__ = ["load_cdnow"]

_MASTER_COLUMNS = [CUSTOMER_ID, DATE, QUANTITY, AMOUNT]
# The 1/10 sample repeats the master id and adds its own sequence number, which we drop.
_SAMPLE_COLUMNS = [CUSTOMER_ID, "sample_id", DATE, QUANTITY, AMOUNT]


def load_cdnow(*, sample: bool = False) -> pd.DataFrame:
    """Load the CDNOW purchase log as canonical transactions.

    CDNOW customers who made their first purchase in the first quarter of 1997, followed
    until the end of June 1998: 23,570 customers, or the 2,357-customer 1/10 sample used in
    the BG/NBD and Pareto/NBD papers. The files ship inside the ``lifetimes`` package, so this
    needs the ``lifetimes`` extra (``pip install crm-analytics[lifetimes]``).

    Parameters
    ----------
    sample : bool, default False
        Return the 1/10 sample (2,357 customers) instead of the full log.

    Returns
    -------
    pandas.DataFrame
        Columns ``customer_id`` (int), ``date`` (datetime64), ``quantity`` (CDs bought, int) and
        ``amount`` (dollars, float), one row per purchase line, sorted by customer and date.

    Examples
    --------
    >>> log = load_cdnow(sample=True)
    >>> log["customer_id"].nunique(), log["date"].min().date(), log["date"].max().date()
    (2357, datetime.date(1997, 1, 1), datetime.date(1998, 6, 30))
    """
    try:
        data = resources.files("lifetimes.datasets")
    except ModuleNotFoundError as error:
        raise ModuleNotFoundError(
            "load_cdnow reads the CDNOW files shipped in the lifetimes package; install it with "
            "`pip install crm-analytics[lifetimes]`"
        ) from error
    if sample:
        with (data / "CDNOW_sample.txt").open() as handle:
            log = pd.read_csv(handle, sep=r"\s+", header=None, names=_SAMPLE_COLUMNS)
        log = log.drop(columns="sample_id")
    else:
        with (data / "CDNOW_master.txt").open() as handle:
            log = pd.read_csv(handle, sep=r"\s+", header=0, names=_MASTER_COLUMNS)
    log[DATE] = pd.to_datetime(log[DATE].astype(str), format="%Y%m%d")
    log[AMOUNT] = log[AMOUNT].astype(float)
    return log[[CUSTOMER_ID, DATE, AMOUNT, QUANTITY]].sort_values(
        [CUSTOMER_ID, DATE], kind="stable", ignore_index=True
    )
