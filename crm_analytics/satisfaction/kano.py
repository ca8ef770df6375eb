"""Kano classification of product or service features from functional/dysfunctional pairs."""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_analytics._checks import examples, require_frame
from crm_analytics.exceptions import DataValidationError

__all__ = ["ANSWERS", "CATEGORIES", "KANO_TABLE", "kano"]

#: The five answers of a Kano question, in the order of the evaluation table (codes 1..5).
ANSWERS = ("like", "must-be", "neutral", "live with", "dislike")
#: Category codes and names: Attractive, One-dimensional, Must-be, Indifferent, Reverse,
#: Questionable.
CATEGORIES = {
    "A": "attractive",
    "O": "one-dimensional",
    "M": "must-be",
    "I": "indifferent",
    "R": "reverse",
    "Q": "questionable",
}
#: The Kano evaluation table (Berger et al. 1993, table 2): rows are the answer to the
#: functional question ("if the product has this feature, how do you feel?"), columns the
#: answer to the dysfunctional one ("if it does not?"), both in the order of ``ANSWERS``.
KANO_TABLE = pd.DataFrame(
    [
        ["Q", "A", "A", "A", "O"],
        ["R", "I", "I", "I", "M"],
        ["R", "I", "I", "I", "M"],
        ["R", "I", "I", "I", "M"],
        ["R", "R", "R", "R", "Q"],
    ],
    index=pd.Index(ANSWERS, name="functional"),
    columns=pd.Index(ANSWERS, name="dysfunctional"),
)
# When two categories are equally frequent, the one that hurts most when missing wins
# (Berger et al. 1993: "M > O > A > I"), then reverse and questionable.
_PRECEDENCE = ("M", "O", "A", "I", "R", "Q")
_SYNONYMS = {
    "like": 1,
    "i like it": 1,
    "must-be": 2,
    "must be": 2,
    "expect": 2,
    "i expect it": 2,
    "neutral": 3,
    "i am neutral": 3,
    "live with": 4,
    "live-with": 4,
    "tolerate": 4,
    "i can live with it": 4,
    "dislike": 5,
    "i dislike it": 5,
}


def kano(functional: pd.DataFrame, dysfunctional: pd.DataFrame) -> pd.DataFrame:
    """Kano category of each feature, with the category counts and Better/Worse coefficients.

    Each respondent answers two questions per feature, each with one of five answers (like,
    must-be, neutral, live with, dislike): the functional question (the feature is there) and
    the dysfunctional one (it is not). The pair gives the respondent's category from the
    evaluation table :data:`KANO_TABLE` (Kano et al. 1984; Berger et al. 1993, "Kano's
    methods for understanding customer-defined quality", Center for Quality Management
    Journal 2(4)): Attractive (delights when present, not missed), One-dimensional (the more
    the better), Must-be (taken for granted, resented when missing), Indifferent, Reverse
    (wanted absent) and Questionable (contradictory answers). A feature's category is the
    most frequent one among its respondents, ties going M > O > A > I (Berger et al.). The
    customer-satisfaction coefficients (Berger et al. 1993) are

    .. math::

        \\mathrm{Better} = \\frac{A + O}{A + O + M + I}, \\qquad
        \\mathrm{Worse} = -\\frac{O + M}{A + O + M + I}

    Better (0..1) is how much adding the feature raises satisfaction, Worse (-1..0) how much
    leaving it out lowers it.

    Parameters
    ----------
    functional, dysfunctional : pandas.DataFrame
        One column per feature (the same columns in both), one row per respondent (the same
        index). Answers are codes 1-5 in the order of :data:`ANSWERS` or the answer in words
        (``"like"``, ``"must-be"``/``"expect"``, ``"neutral"``, ``"live with"``/``"tolerate"``,
        ``"dislike"``, any case). A respondent who skipped either question of a feature is
        left out of that feature.

    Returns
    -------
    pandas.DataFrame
        One row per feature: the counts ``A, O, M, I, R, Q``, ``n`` (answered pairs),
        ``category`` (a code of :data:`CATEGORIES`), ``better`` and ``worse`` (missing where
        no respondent gave an A, O, M or I pair).

    Raises
    ------
    DataValidationError
        Tables whose columns or rows differ, or answers that are not one of the five.

    Examples
    --------
    Four respondents about a free-delivery feature:

    >>> functional = pd.DataFrame({"delivery": ["like", "like", "expect", "like"]})
    >>> dysfunctional = pd.DataFrame({"delivery": ["dislike", "neutral", "dislike", "neutral"]})
    >>> kano(functional, dysfunctional)[["A", "O", "M", "I", "category", "better", "worse"]]
              A  O  M  I category  better  worse
    feature
    delivery  2  1  1  0        A    0.75   -0.5
    """
    functional = require_frame(functional, name="functional")
    dysfunctional = require_frame(dysfunctional, name="dysfunctional")
    if list(functional.columns) != list(dysfunctional.columns):
        raise DataValidationError(
            "functional and dysfunctional must have the same feature columns in the same "
            f"order; got {examples(functional.columns)} vs {examples(dysfunctional.columns)}"
        )
    if not functional.index.equals(dysfunctional.index):
        raise DataValidationError(
            "functional and dysfunctional must have the same rows (one per respondent, same "
            f"index); got {len(functional):,} and {len(dysfunctional):,} rows with different "
            "labels; align them on the respondent id first"
        )
    table = KANO_TABLE.to_numpy()
    rows = {}
    for feature in functional.columns:
        f = _codes(functional[feature], f"functional[{feature!r}]")
        d = _codes(dysfunctional[feature], f"dysfunctional[{feature!r}]")
        answered = (f > 0) & (d > 0)
        categories = table[f[answered] - 1, d[answered] - 1]
        counts = {code: int((categories == code).sum()) for code in CATEGORIES}
        rows[feature] = counts
    result = pd.DataFrame.from_dict(rows, orient="index", columns=list(CATEGORIES))
    result.index.name = "feature"
    result["n"] = result[list(CATEGORIES)].sum(axis=1)
    ordered = result[list(_PRECEDENCE)]
    result["category"] = np.where(result["n"] > 0, ordered.idxmax(axis=1), None)
    relevant = result[["A", "O", "M", "I"]].sum(axis=1).replace(0, np.nan)
    result["better"] = (result["A"] + result["O"]) / relevant
    result["worse"] = -(result["O"] + result["M"]) / relevant
    return result


def _codes(values: pd.Series, label: str) -> np.ndarray:
    """Answers as codes 1..5 (0 for a missing answer)."""
    missing = values.isna().to_numpy()
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        codes = values.fillna(0).to_numpy(dtype="float64")
        bad = ~missing & ~np.isin(codes, [1, 2, 3, 4, 5])
    else:
        text = values.astype("string").str.strip().str.lower()
        codes = text.map(_SYNONYMS).astype("float64").fillna(0).to_numpy()
        numeric = pd.to_numeric(text, errors="coerce").to_numpy(dtype="float64")
        use_number = (codes == 0) & np.isin(numeric, [1, 2, 3, 4, 5])
        codes = np.where(use_number, numeric, codes)
        bad = ~missing & (codes == 0)
    if bad.any():
        raise DataValidationError(
            f"{label}: {int(bad.sum()):,} answers are not one of the five Kano answers "
            f"(e.g. {examples(values[bad].unique())}); code them 1-5 in the order "
            f"{', '.join(ANSWERS)}, or write them in those words"
        )
    return codes.astype(np.int64)
