"""The satisfaction index: per dimension and overall, as perceived over expected or their gap."""

from __future__ import annotations

import numbers
from collections.abc import Hashable, Mapping, Sequence

import numpy as np
import pandas as pd

from crm_analytics._answers import answers, check_scale, dimension_map
from crm_analytics._checks import examples
from crm_analytics.exceptions import DataValidationError
from crm_analytics.satisfaction.reliability import cronbach_alpha

__all__ = ["satisfaction_index"]

_FORMS = ("score", "ratio", "gap")
_LEVELS = ("survey", "response")
OVERALL = "overall"


def satisfaction_index(
    responses: pd.DataFrame,
    *,
    items: Sequence[Hashable] | Mapping[Hashable, str],
    expectations: Mapping[Hashable, Hashable] | None = None,
    importance: str | Mapping[Hashable, object] | None = None,
    overall: Hashable | None = None,
    form: str | None = None,
    scale: tuple[float, float] = (1, 5),
    level: str = "survey",
) -> pd.DataFrame:
    """Satisfaction per dimension and overall, weighted by stated or derived importance.

    A dimension's perceived score ``P`` is the mean of its items' answers (over the items a
    respondent answered), its expected score ``E`` the mean of the matching expectation
    answers. The index is

    - ``"ratio"``: ``C = P / E``, satisfaction as perceived experience over expectation
      (1 = expectations met; above 1, exceeded);
    - ``"gap"``: ``G = P - E``, the SERVQUAL gap (Parasuraman, Zeithaml and Berry 1988,
      "SERVQUAL: a multiple-item scale for measuring consumer perceptions of service
      quality", Journal of Retailing 64(1)); negative = expectations not met;
    - ``"score"`` (without expectations): ``100 (P - low) / (high - low)``, the perceived
      score on a 0-100 scale as the ACSI reports it (Fornell et al. 1996).

    The overall index is the weighted mean of the dimensions' indices,
    ``sum_d w_d X_d / sum_d w_d``, with weights ``w_d``: equal (``importance=None``), stated
    (the mean importance answer of the dimension's items), derived (the correlation of the
    dimension's perceived score with an overall-satisfaction question, negative ones counted
    as 0: a dimension that does not move satisfaction weighs nothing), or given.

    At ``level="survey"`` the dimension's ``P`` and ``E`` are the means over responses and
    the index is taken of those means (a ratio of means, steadier than a mean of ratios);
    at ``level="response"`` each response gets its own indices.

    Parameters
    ----------
    responses : pandas.DataFrame
        One row per response (as :func:`crm_analytics.satisfaction.read_survey` returns),
        answers as numbers on ``scale``.
    items : list or dict
        The perceived-performance answer columns; a dict maps each to its dimension
        (``{"q1": "delivery", "q2": "delivery", "q3": "service"}``), a list makes one
        dimension, ``"satisfaction"``.
    expectations : dict, optional
        Item -> the column holding the expectation answer for it (same scale). Every item
        needs one for the ``"ratio"`` and ``"gap"`` forms.
    importance : {"derived"}, dict or None, default None
        ``None``: equal weights. ``"derived"``: from the correlation with ``overall``.
        A dict of item -> column of stated importance answers (same scale) gives stated
        weights; a dict of dimension -> number gives the weights directly.
    overall : column name, optional
        An overall-satisfaction answer (same scale), needed for ``importance="derived"``.
    form : {"score", "ratio", "gap"}, optional
        Default ``"ratio"`` with expectations, ``"score"`` without.
    scale : (low, high), default (1, 5)
        Lowest and highest answer.
    level : {"survey", "response"}, default "survey"
        One row per dimension, or one row per response.

    Returns
    -------
    pandas.DataFrame
        ``level="survey"``: indexed by ``dimension`` (the dimensions, then ``"overall"``),
        columns ``perceived``, ``expected`` (with expectations), ``index``, ``weight``
        (normalised to sum to 1 over the dimensions), ``n_responses`` and ``alpha``
        (Cronbach's alpha of the dimension's items, missing for one-item dimensions and for
        the overall row). ``level="response"``: the index of each dimension and
        ``"overall"``, one column each, on the index of ``responses`` (missing where a
        response answered none of a dimension's items).

    Raises
    ------
    DataValidationError
        Missing columns, answers off the scale, an expectation of 0 in the ratio form,
        an unknown form, level or importance, or weights that cannot be used.

    Examples
    --------
    Two dimensions, two respondents, with expectations (the SERVQUAL gap):

    >>> responses = pd.DataFrame({"q1": [4, 5], "q2": [2, 3], "e1": [5, 5], "e2": [3, 3]})
    >>> satisfaction_index(responses, items={"q1": "product", "q2": "delivery"},
    ...                    expectations={"q1": "e1", "q2": "e2"}, form="gap")
               perceived  expected  index  weight  n_responses  alpha
    dimension
    product          4.5       5.0   -0.5     0.5            2    NaN
    delivery         2.5       3.0   -0.5     0.5            2    NaN
    overall          3.5       4.0   -0.5     NaN            2    NaN
    """
    dimensions = dimension_map(items, name="items")
    low, high = check_scale(scale)
    if form is None:
        form = "ratio" if expectations else "score"
    if form not in _FORMS:
        raise DataValidationError(f"form={form!r} is not one of {', '.join(map(repr, _FORMS))}")
    if level not in _LEVELS:
        raise DataValidationError(f"level={level!r} is not one of {', '.join(map(repr, _LEVELS))}")
    if form != "score" and not expectations:
        raise DataValidationError(
            f"form={form!r} compares perceived with expected answers: pass expectations= "
            "(item -> expectation column), or use form='score' for perceived answers alone"
        )
    if form == "score" and expectations:
        raise DataValidationError(
            "form='score' uses perceived answers alone; with expectations= use form='ratio' "
            "(perceived / expected) or form='gap' (perceived - expected)"
        )
    perceived = _dimension_means(responses, dimensions, scale=(low, high))
    expected = None
    if expectations:
        unmatched = [item for item in dimensions if item not in expectations]
        if unmatched:
            raise DataValidationError(
                f"expectations= has no expectation column for item(s) {examples(unmatched)}; "
                "give each item its expectation column"
            )
        expected_dims = {expectations[item]: dimension for item, dimension in dimensions.items()}
        expected = _dimension_means(responses, expected_dims, scale=(low, high))
        if form == "ratio" and low <= 0 and (expected == 0).to_numpy().any():
            raise DataValidationError(
                "form='ratio' divides by the expected score, which is 0 for some responses; "
                "use form='gap' on a scale that includes 0"
            )
    weights = _weights(responses, dimensions, perceived, importance, overall, (low, high))

    def index_of(p: pd.DataFrame | pd.Series, e: pd.DataFrame | pd.Series | None) -> object:
        if form == "score":
            return 100 * (p - low) / (high - low)
        return p / e if form == "ratio" else p - e

    if level == "response":
        per_dimension = index_of(perceived, expected)
        result = per_dimension.copy()
        result[OVERALL] = _weighted_mean(per_dimension, weights)
        return result

    table = pd.DataFrame({"perceived": perceived.mean()})
    if expected is not None:
        table["expected"] = expected.mean()
    table["index"] = index_of(table["perceived"], table.get("expected"))
    table["weight"] = weights
    table["n_responses"] = perceived.notna().sum()
    table["alpha"] = [
        _alpha(responses, [item for item, dim in dimensions.items() if dim == dimension])
        for dimension in table.index
    ]
    overall_row = {
        column: float(np.average(table[column], weights=weights))
        for column in ("perceived", "expected", "index")
        if column in table
    }
    overall_row["n_responses"] = int(perceived.notna().any(axis=1).sum())
    table.loc[OVERALL] = pd.Series(overall_row)
    table["n_responses"] = table["n_responses"].astype("int64")
    table.index.name = "dimension"
    return table


def _dimension_means(
    responses: pd.DataFrame, dimensions: Mapping[Hashable, str], *, scale: tuple[float, float]
) -> pd.DataFrame:
    """Each response's mean answer per dimension, over the items it answered."""
    values = answers(responses, list(dimensions), name="responses", scale=scale)
    names = pd.Index(dimensions.values())
    return (
        values.T.groupby(names.to_numpy(), sort=False)
        .mean()
        .T.reindex(columns=list(dict.fromkeys(names)))
    )


def _weights(
    responses: pd.DataFrame,
    dimensions: Mapping[Hashable, str],
    perceived: pd.DataFrame,
    importance: str | Mapping[Hashable, object] | None,
    overall: Hashable | None,
    scale: tuple[float, float],
) -> pd.Series:
    """Dimension weights summing to 1."""
    names = list(perceived.columns)
    if importance is None:
        raw = pd.Series(1.0, index=names)
    elif isinstance(importance, str) and importance == "derived":
        if overall is None:
            raise DataValidationError(
                "importance='derived' weighs each dimension by its correlation with overall "
                "satisfaction: pass overall= (the overall-satisfaction column)"
            )
        target = answers(responses, [overall], name="responses", scale=scale)[overall]
        raw = perceived.corrwith(target).clip(lower=0)
    elif isinstance(importance, Mapping) and all(
        isinstance(value, numbers.Real) and not isinstance(value, bool)
        for value in importance.values()
    ):
        unknown = [name for name in importance if name not in names]
        missing = [name for name in names if name not in importance]
        if unknown or missing:
            raise DataValidationError(
                f"importance= gives weights for dimensions {examples(list(importance))} but "
                f"the dimensions are {examples(names)}; give one weight per dimension"
            )
        raw = pd.Series({name: float(importance[name]) for name in names})
    elif isinstance(importance, Mapping):
        missing = [item for item in dimensions if item not in importance]
        if missing:
            raise DataValidationError(
                f"importance= has no importance column for item(s) {examples(missing)}; "
                "give each item its stated-importance column, or one number per dimension"
            )
        stated = {importance[item]: dimension for item, dimension in dimensions.items()}
        raw = _dimension_means(responses, stated, scale=scale).mean()
    else:
        raise DataValidationError(
            f"importance={importance!r} is not None, 'derived', a dict of item -> importance "
            "column, or a dict of dimension -> weight"
        )
    raw = raw.reindex(names)
    if not np.isfinite(raw.to_numpy()).all() or (raw < 0).any() or raw.sum() <= 0:
        raise DataValidationError(
            f"the importance weights {raw.round(3).to_dict()} cannot weigh the dimensions: "
            "they must be finite, not negative, and not all 0 (derived weights are 0 when no "
            "dimension correlates positively with overall satisfaction)"
        )
    return raw / raw.sum()


def _weighted_mean(values: pd.DataFrame, weights: pd.Series) -> pd.Series:
    """Row-wise weighted mean over the columns present (weights renormalised per row)."""
    matrix = values.to_numpy()
    w = np.broadcast_to(weights.reindex(values.columns).to_numpy(), matrix.shape)
    present = np.isfinite(matrix)
    total = np.where(present, w, 0.0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(present, matrix * w, 0.0).sum(axis=1) / total
    return pd.Series(np.where(total > 0, mean, np.nan), index=values.index)


def _alpha(responses: pd.DataFrame, columns: list[Hashable]) -> float:
    """Cronbach's alpha over the complete responses, missing where it is undefined."""
    if len(columns) < 2:
        return np.nan
    complete = responses[columns].dropna()
    try:
        return cronbach_alpha(complete)
    except DataValidationError:
        return np.nan
