"""Renewal-period arithmetic equals pandas' DateOffset, date by date."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_analytics._periods import add_periods, periods_between

DATES = st.dates(
    min_value=pd.Timestamp("2000-01-01").date(), max_value=pd.Timestamp("2040-12-31").date()
)
MONTHS = {"M": 1, "Q": 3, "Y": 12}


@given(start=DATES, count=st.integers(0, 150), period=st.sampled_from(["M", "Q", "Y"]))
@settings(max_examples=200, deadline=None)
def test_add_periods_is_dateoffset(start, count, period):
    start = pd.Timestamp(start)
    added = add_periods(pd.Series([start]), count, period).iloc[0]
    assert added == start + pd.DateOffset(months=count * MONTHS[period])


@given(start=DATES, days=st.integers(0, 3000), period=st.sampled_from(["M", "Q", "Y", "W", 10]))
@settings(max_examples=200, deadline=None)
def test_periods_between_is_the_last_renewal_reached(start, days, period):
    start = pd.Timestamp(start)
    end = start + pd.Timedelta(days=days)
    count = periods_between(pd.Series([start]), pd.Series([end]), period)[0]
    reach = add_periods(pd.Series([start] * 2), [count, count + 1], period)
    assert reach.iloc[0] <= end < reach.iloc[1]
