"""The retention data of Fader and Hardie (2007): two segments of one cohort over 12 years."""

from __future__ import annotations

import pandas as pd

__all__ = ["load_retention_segments"]

# Table 1 of Fader and Hardie (2007), "How to Project Customer Retention", Journal of
# Interactive Marketing 21 (1), 76-90: the percentage of a cohort of 1000 customers still
# active 0-12 years after acquisition, for the "regular" and "high end" customers of a
# subscription business (data from Berry and Linoff 2004, "Survival Analysis 101").
_REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241, 223, 207, 194, 183, 173]
_HIGH_END = [1000, 869, 743, 653, 593, 551, 517, 491, 468, 445, 427, 409, 394]


def load_retention_segments() -> pd.DataFrame:
    """Active customers of the two segments of Fader and Hardie (2007), years 0 to 12.

    Fader and Hardie fit the shifted-beta-geometric model to years 0-7 and project years
    8-12: regular ``alpha = 0.704, beta = 1.182``, high end ``alpha = 0.668, beta = 3.806``.
    Source: Fader, P. S. and Hardie, B. G. S. (2007), "How to Project Customer Retention",
    Journal of Interactive Marketing 21 (1), 76-90, Table 1 (the published percentages of a
    cohort, here as counts out of 1000); the data are Berry and Linoff's (2004).

    Returns
    -------
    pandas.DataFrame
        Columns ``regular`` and ``high_end`` (customers active out of 1000), indexed by
        ``year`` 0-12.

    Examples
    --------
    >>> segments = load_retention_segments()
    >>> segments.loc[[0, 1, 7, 12]].to_dict("list")
    {'regular': [1000, 631, 241, 173], 'high_end': [1000, 869, 491, 394]}
    """
    return pd.DataFrame(
        {"regular": _REGULAR, "high_end": _HIGH_END}, index=pd.RangeIndex(13, name="year")
    )
