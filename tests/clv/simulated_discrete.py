"""Customers simulated from the BG/BB process (discrete transaction opportunities), in numpy.

Written from the model's definition (Fader, Hardie and Shang 2010), independently of the
fitter, so parameter recovery checks the fitter against the process itself.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def bgbb_customers(n, *, alpha, beta, gamma, delta, n_periods, seed):
    """``n`` customers' (frequency, recency, n_periods) after ``n_periods`` opportunities.

    ``n_periods`` is one number (a cohort) or one per customer. Each customer draws
    ``p ~ Beta(alpha, beta)`` and ``theta ~ Beta(gamma, delta)``; before each opportunity a
    living customer dies with probability ``theta``, so they live through
    ``Geometric(theta) - 1`` opportunities, and transact at each of them with probability ``p``.
    """
    rng = np.random.default_rng(seed)
    periods = np.broadcast_to(np.asarray(n_periods, dtype=np.int64), (n,))
    p = rng.beta(alpha, beta, n)
    theta = rng.beta(gamma, delta, n)
    lived = np.minimum(rng.geometric(theta) - 1, periods)
    opportunity = np.arange(1, periods.max() + 1)
    transacts = (rng.random((n, len(opportunity))) < p[:, None]) & (opportunity <= lived[:, None])
    frequency = transacts.sum(axis=1)
    recency = np.max(np.where(transacts, opportunity, 0), axis=1)
    return pd.DataFrame({"frequency": frequency, "recency": recency, "n_periods": periods})
