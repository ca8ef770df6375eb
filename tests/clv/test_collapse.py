"""Distinct rows of whole-number columns, found through one packed key (the discrete models)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_analytics.clv._collapse import _whole_number_key, unique_rows

whole_rows = st.lists(
    st.tuples(st.integers(-5, 5), st.integers(0, 3), st.integers(0, 2**40)), min_size=1, max_size=40
)


@settings(max_examples=60, deadline=None)
@given(rows=whole_rows, as_float=st.booleans())
def test_packed_keys_find_the_distinct_rows(rows, as_float):
    columns = [
        np.array(column, dtype=float if as_float else np.int64)
        for column in zip(*rows, strict=True)
    ]
    key = _whole_number_key(tuple(columns))
    assert key is not None and len(set(key.tolist())) == len(set(rows))
    uniques, inverse = unique_rows(*columns)
    for column, unique in zip(columns, uniques, strict=True):
        np.testing.assert_array_equal(unique[inverse], column)
    assert [tuple(row) for row in np.column_stack(uniques).tolist()] == list(dict.fromkeys(rows))


def test_keys_are_refused_where_they_cannot_tell_rows_apart():
    huge = np.array([0, 2**62], dtype=np.int64)
    assert _whole_number_key((huge, np.array([0, 1]))) is None
    assert _whole_number_key((np.array([0.5, 1.0]),)) is None
    assert _whole_number_key((np.array([True, False]),)) is None
    uniques, inverse = unique_rows(huge, np.array([0, 1]))
    assert uniques[0].tolist() == [0, 2**62] and inverse.tolist() == [0, 1]
