"""The donors of Fader, Hardie and Shang (2010), shipped in the package.

See `crm_analytics.datasets.files` for their provenance.
"""

from __future__ import annotations

import pandas as pd

from crm_analytics.datasets.files import read_dataset

__all__ = ["load_donations"]


def load_donations() -> pd.DataFrame:
    """The 1995 cohort of donors of FHS (2010): 11,104 donors over six yearly fund drives.

    Each row is one distinct discrete-time history with the number of donors who had it, as
    the BG/BB model (`crm_analytics.clv.BetaGeoBetaBinomFitter`) takes them: ``frequency``
    (drives 1996-2001 with a donation), ``recency`` (the last of them, 0 when none) and
    ``n_periods`` (6).

    Returns
    -------
    pandas.DataFrame
        Columns ``frequency``, ``recency``, ``n_periods`` and ``weights`` (donors), 22 rows.

    Examples
    --------
    >>> donations = load_donations()
    >>> int(donations["weights"].sum()), donations["n_periods"].unique().tolist()
    (11104, [6])
    """
    return read_dataset("donations.csv").rename(columns={"periods": "n_periods"})
