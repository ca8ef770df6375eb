"""How the report writes numbers: one rule for sentences, tables and figure labels."""

from __future__ import annotations

__all__ = ["amount", "count", "percent"]


def percent(share: float) -> str:
    """A share as a percentage: whole percents, one decimal near 0% and 100%.

    Examples
    --------
    >>> percent(0.7834), percent(0.004), percent(0.9971), percent(0.0), percent(1.0)
    ('78%', '0.4%', '99.7%', '0%', '100%')
    >>> percent(0.0003), percent(0.9996)
    ('<0.1%', '>99.9%')
    """
    if share in (0.0, 1.0) or 0.01 <= abs(share) <= 0.99:
        return f"{share:.0%}"
    if 0 < share < 0.001:
        return "<0.1%"
    if 0.999 < share < 1:
        return ">99.9%"
    return f"{share:.1%}"


def amount(value: float) -> str:
    """Money and other amounts: thousands separated, cents only for small amounts.

    Examples
    --------
    >>> amount(123456.789), amount(12.345)
    ('123,457', '12.35')
    """
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}"


def count(value: float) -> str:
    """A number of customers or rows.

    Examples
    --------
    >>> count(2614.4)
    '2,614'
    """
    return f"{value:,.0f}"
