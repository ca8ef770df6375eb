"""Merged customer records carried into a table: old ids replaced by the surviving ones."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from crm_analytics._checks import examples, require_columns, require_frame
from crm_analytics.exceptions import DataValidationError
from crm_analytics.schema import CUSTOMER_ID

__all__ = ["apply_customer_mapping", "mapped_customer_ids"]


def apply_customer_mapping(transactions: pd.DataFrame, mapping: pd.Series) -> pd.DataFrame:
    """Replace merged customer ids in a table with ``customer_id`` by the surviving ids.

    :func:`~crm_analytics.io.read_transactions` applies it as it reads (its
    ``customer_mapping=``, counted in the quality report); this is the same for a table in hand.

    Parameters
    ----------
    transactions : pandas.DataFrame
        A table with ``customer_id``, e.g. a transaction log's ``to_pandas()``.
    mapping : pandas.Series
        Old id → surviving id, as returned by :func:`crm_analytics.dedupe.merge_customers`.

    Returns
    -------
    pandas.DataFrame
        A copy with ``customer_id`` replaced where mapped; other columns unchanged.

    Raises
    ------
    DataValidationError
        No ``customer_id`` column, a mapping that is not a Series, maps to missing ids or
        chains ids, or surviving ids that the ``customer_id`` column cannot hold unchanged
        (text ids into an integer column).

    Examples
    --------
    >>> log = pd.DataFrame({"customer_id": ["a", "b", "c"], "amount": [10.0, 5.0, 2.0]})
    >>> apply_customer_mapping(log, pd.Series({"a": "b"}))
      customer_id  amount
    0           b    10.0
    1           b     5.0
    2           c     2.0
    """
    return mapped_customer_ids(transactions, mapping)[0]


def mapped_customer_ids(transactions: pd.DataFrame, mapping: pd.Series) -> tuple[pd.DataFrame, int]:
    """:func:`apply_customer_mapping`, and the number of rows whose id changed."""
    frame = require_frame(transactions, name="transactions")
    require_columns(
        frame,
        [CUSTOMER_ID],
        name="transactions",
        fix="load the log with crm_analytics.io.read_transactions(..., customer_id=...)",
    )
    if not isinstance(mapping, pd.Series):
        raise DataValidationError(
            f"mapping must be a pandas Series (old id -> surviving id), got "
            f"{type(mapping).__name__}; pass the first result of merge_customers"
        )
    unmapped = mapping.isna()
    if unmapped.any():
        raise DataValidationError(
            f"mapping: {int(unmapped.sum())} old id(s) map to a missing surviving id (e.g. "
            f"{examples(mapping.index[unmapped])}); every old id needs the id it merges "
            "into, as merge_customers returns"
        )
    chained = mapping.isin(mapping.index)
    if chained.any() or not mapping.index.is_unique:
        repeated = mapping.index[chained | mapping.index.duplicated()]
        raise DataValidationError(
            f"mapping: {int(chained.sum())} surviving id(s) are themselves mapped, or old "
            f"ids repeat (e.g. {examples(repeated)}); each old id must map once, straight to a "
            "surviving id, as merge_customers returns"
        )
    ids = frame[CUSTOMER_ID]
    position = mapping.index.get_indexer(ids)
    changed = position >= 0
    result = frame.copy()
    if changed.any():
        values = ids.to_numpy(dtype=object, copy=True)
        values[changed] = mapping.to_numpy(dtype=object)[position[changed]]
        result[CUSTOMER_ID] = _in_dtype_of(ids, values, changed)
    elif len(mapping):
        warnings.warn(
            f"none of the {len(mapping)} mapped ids occurs in transactions (ids there look "
            f"like {ids.iloc[0]!r}, in the mapping like {mapping.index[0]!r}); check that "
            "both use the same id type",
            stacklevel=3,
        )
    return result, int(changed.sum())


def _in_dtype_of(ids: pd.Series, values: np.ndarray, changed: np.ndarray) -> pd.Series:
    """``values`` in the dtype of ``ids``, or an error naming surviving ids that do not fit.

    A surviving id that the column cannot hold unchanged ("C7" in an integer column, 7.5
    in one that would truncate it) must not be silently altered.
    """
    try:
        converted = pd.Series(values, index=ids.index).astype(ids.dtype)
        fits = converted.to_numpy(dtype=object)[changed] == values[changed]
    except (TypeError, ValueError):
        fits = np.zeros(int(changed.sum()), dtype=bool)
    if not fits.all():
        misfits = values[changed][~fits]
        raise DataValidationError(
            f"mapping: surviving ids such as {examples(pd.unique(misfits))} cannot be stored "
            f"in transactions column 'customer_id' of dtype {ids.dtype} ({len(misfits)} of "
            f"the {int(changed.sum())} rows to change); give the log and the customer table "
            "the same id type, e.g. transactions['customer_id'].astype(str)"
        )
    return converted
