"""Time-to-churn model with customer attributes: Cox proportional hazards or Weibull AFT.

`ChurnTimeModel` fits lifelines' Cox model (which attributes shorten or lengthen tenure, by
how much, whatever the shape of the hazard over time) or a Weibull accelerated-failure-time
model (a parametric hazard, rising or falling with tenure, that can be projected beyond the
longest tenure observed), and predicts per customer what a retention team and a valuation
need *given the tenure already reached*: the probability of still being a customer ``h``
periods ahead, the median remaining lifetime, and the expected remaining periods and value
with a discount rate.

Tenure counts renewal points (see `crm_analytics.survival.tenure`). The Cox model reads a
customer who left at ``t`` as an event at ``t`` (ties by Efron's method) and an active one as
censored at ``t``; the Weibull model reads them as the interval ``(t - 1, t]`` and as
``> t``, which is what a discrete renewal process gives.
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from crm_analytics._checks import check_discount_rate, examples
from crm_analytics.exceptions import ConvergenceError, DataValidationError, NotFittedError
from crm_analytics.schema import CHURNED
from crm_analytics.survival._inputs import margin_column, whole_periods
from crm_analytics.survival._lifelines import lifelines
from crm_analytics.survival.tenure import TENURE, check_tenure_table

__all__ = ["ChurnTimeModel"]

_MODELS = ("cox", "weibull")
_LOWER, _UPPER = "_lower", "_upper"
# Cells of a survival grid (customers x periods) evaluated at once.
_BLOCK_CELLS = 2**21


class ChurnTimeModel(BaseEstimator):
    """Time-to-churn model of contract customers with attributes (lifelines inside).

    Parameters
    ----------
    model : {"cox", "weibull"}, default "cox"
        Cox proportional hazards (hazard ratios, no assumption on the hazard's shape, no
        churn projected beyond the longest tenure in the data) or Weibull accelerated failure
        time (time ratios, a hazard that rises or falls with tenure, projected at any
        horizon: use it for lifetime value).
    attributes : sequence of str, optional
        Columns of the tenure table used as covariates; default every column but ``tenure``
        and ``churned``. Text, category and boolean columns are one-hot encoded against their
        most frequent level. Leave out what is computed from tenure itself (a total of
        charges grows with tenure and would predict it trivially).
    penalizer : float, default 0.0
        L2 penalty on the coefficients (lifelines' ``penalizer``); a small value (0.01)
        stabilises attributes that nearly determine each other.
    confidence : float, default 0.95
        Level of the confidence intervals in ``summary_``.

    Attributes
    ----------
    lifelines_model_ : lifelines.CoxPHFitter or lifelines.WeibullAFTFitter
        The fitted lifelines model.
    summary_ : pandas.DataFrame
        lifelines' table of coefficients, standard errors, intervals and p-values.
    feature_names_ : list of str
        Encoded covariates (``"plan[premium]"`` for a level, the column name for a number).
    references_ : dict
        Reference level of each encoded text column.
    concordance_index_ : float
        Harrell's concordance on the training customers.
    max_tenure_ : int
        Longest tenure in the training data; the Cox model predicts no churn beyond it.

    Examples
    --------
    >>> from crm_analytics.datasets import make_contracts
    >>> from crm_analytics.survival import contract_tenure
    >>> customers = make_contracts(3_000, seed=3, alpha=40, beta=360)
    >>> table = contract_tenure(customers, as_of="2024-01-01")
    >>> model = ChurnTimeModel(attributes=["plan", "payment"]).fit(table)
    >>> model.effects()["hazard_ratio"].round(1).to_dict()
    {'plan[plus]': 0.7, 'plan[premium]': 0.5, 'payment[invoice]': 1.7}
    >>> recent = table[~table["churned"] & (table["tenure"] == 6)]
    >>> model.predict_survival(recent.head(2), horizons=[1, 12]).round(2)
                 survival_1  survival_12
    customer_id
    K0002415           0.93         0.45
    K0002416           0.91         0.33
    """

    def __init__(
        self,
        model: str = "cox",
        *,
        attributes: Sequence[str] | None = None,
        penalizer: float = 0.0,
        confidence: float = 0.95,
    ) -> None:
        self.model = model
        self.attributes = attributes
        self.penalizer = penalizer
        self.confidence = confidence

    # Fitting -----------------------------------------------------------------------------

    def fit(self, table: pd.DataFrame) -> ChurnTimeModel:
        """Fit the model to a tenure table (`contract_tenure`, `tenure_table`).

        Returns
        -------
        self

        Raises
        ------
        DataValidationError
            If an attribute is missing, has missing values, or repeats another's information
            exactly (and ``penalizer`` is 0).
        ConvergenceError
            If lifelines cannot fit the model (quasi-separation, collinear attributes): the
            message suggests a ``penalizer``.
        """
        self._check_params()
        frame = check_tenure_table(table)
        if not frame[CHURNED].any():
            raise ConvergenceError(
                "ChurnTimeModel cannot be fitted: nobody in the table has left; use a longer "
                "observation window"
            )
        columns = self._attribute_columns(frame)
        self.numeric_ = [name for name in columns if _is_numeric(frame[name])]
        self.levels_ = {name: _levels(frame[name]) for name in columns if name not in self.numeric_}
        self.references_ = {name: levels[0] for name, levels in self.levels_.items()}
        design = self._design(frame)
        self.feature_names_ = list(design.columns)
        if self.penalizer == 0:
            _check_rank(design)
        self.lifelines_model_ = self._fit_lifelines(frame, design)
        self.summary_ = self.lifelines_model_.summary
        self.max_tenure_ = int(frame[TENURE].max())
        risk = self.risk_score(frame).to_numpy()
        self.concordance_index_ = float(
            lifelines().utils.concordance_index(
                frame[TENURE].to_numpy(), -risk, frame[CHURNED].to_numpy()
            )
        )
        return self

    def _check_params(self) -> None:
        if self.model not in _MODELS:
            raise DataValidationError(
                f"model must be one of {', '.join(map(repr, _MODELS))}, got {self.model!r}"
            )
        if (
            isinstance(self.penalizer, bool)
            or not isinstance(self.penalizer, numbers.Real)
            or not self.penalizer >= 0
        ):
            raise DataValidationError(
                f"penalizer must be a number >= 0 (e.g. 0.01), got {self.penalizer!r}"
            )
        if not isinstance(self.confidence, numbers.Real) or not 0 < self.confidence < 1:
            raise DataValidationError(
                f"confidence must be between 0 and 1 (e.g. 0.95), got {self.confidence!r}"
            )

    def _attribute_columns(self, frame: pd.DataFrame) -> list[str]:
        available = [name for name in frame.columns if name not in (TENURE, CHURNED)]
        columns = available if self.attributes is None else list(self.attributes)
        missing = [name for name in columns if name not in frame.columns]
        if missing:
            raise DataValidationError(
                f"attributes {', '.join(map(repr, missing))} are not columns of the table; "
                f"columns present: {', '.join(map(str, available))}"
            )
        if not columns:
            raise DataValidationError(
                "no attributes to model; use kaplan_meier for retention without attributes, "
                "or pass attributes=[...]"
            )
        for name in columns:
            values = frame[name]
            missing_rows = values.isna().to_numpy()
            if missing_rows.any():
                raise DataValidationError(
                    f"attribute {name!r} has {int(missing_rows.sum())} missing value(s) "
                    f"(customers {examples(frame.index[missing_rows])}); fill them (e.g. the "
                    "median, or 'unknown' for text) or drop those customers"
                )
            if pd.api.types.is_datetime64_any_dtype(values):
                raise DataValidationError(
                    f"attribute {name!r} holds dates; turn it into a number (e.g. the signup "
                    "month) or a group first"
                )
        return columns

    def _design(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The encoded covariates of ``frame`` (levels unseen in training raise)."""
        parts = {}
        for name in [*self.numeric_, *self.levels_]:
            values = frame[name]
            if name in self.numeric_:
                if not _is_numeric(values) or values.isna().any():
                    raise DataValidationError(
                        f"attribute {name!r} must be numeric without missing values, as in training"
                    )
                parts[name] = values.astype(np.float64)
                continue
            text = values.astype(str)
            unseen = ~text.isin(self.levels_[name]).to_numpy()
            if unseen.any():
                raise DataValidationError(
                    f"attribute {name!r} has level(s) unseen in training "
                    f"({examples(text[unseen].unique())}; customers "
                    f"{examples(frame.index[unseen])}); map them to a known level "
                    f"({', '.join(self.levels_[name])})"
                )
            for level in self.levels_[name][1:]:
                parts[f"{name}[{level}]"] = (text == level).astype(np.float64)
        return pd.DataFrame(parts, index=frame.index)

    def _fit_lifelines(self, frame: pd.DataFrame, design: pd.DataFrame) -> object:
        survival = lifelines()
        tenure = frame[TENURE].to_numpy(dtype=np.float64)
        churned = frame[CHURNED].to_numpy()
        alpha = 1 - self.confidence
        try:
            if self.model == "cox":
                data = design.assign(**{TENURE: tenure, CHURNED: churned})
                fitted = survival.CoxPHFitter(penalizer=self.penalizer, alpha=alpha)
                return fitted.fit(data, duration_col=TENURE, event_col=CHURNED)
            # An active customer with tenure 0 tells nothing about the lifetime (> 0).
            informative = churned | (tenure > 0)
            data = design[informative].assign(
                **{
                    _LOWER: np.where(churned, tenure - 1, tenure)[informative],
                    _UPPER: np.where(churned, tenure, np.inf)[informative],
                }
            )
            fitted = survival.WeibullAFTFitter(penalizer=self.penalizer, alpha=alpha)
            return fitted.fit_interval_censoring(data, _LOWER, _UPPER)
        except survival.exceptions.ConvergenceError as error:
            raise ConvergenceError(
                f"ChurnTimeModel ({self.model}) did not converge: {str(error).splitlines()[0]}. "
                "Attributes that (nearly) determine each other or the churn flag cause this: "
                "drop one of them, or pass penalizer=0.01"
            ) from None

    def _check_fitted(self) -> None:
        if getattr(self, "lifelines_model_", None) is None:
            raise NotFittedError(
                "this ChurnTimeModel is not fitted yet; call fit(tenure_table) first"
            )

    # Effects ---------------------------------------------------------------------------

    def effects(self) -> pd.DataFrame:
        """Effect of each covariate as a ratio, with its confidence interval and p-value.

        Cox: hazard ratios (``> 1``: leaves sooner). Weibull: time ratios of the scale
        (``> 1``: stays longer) and the shape ``rho`` (``> 1``: the hazard rises with tenure).

        Returns
        -------
        pandas.DataFrame
            One row per covariate: ``hazard_ratio`` or ``time_ratio``, ``lower``, ``upper``,
            ``p_value``.
        """
        self._check_fitted()
        summary = self.summary_
        lower, upper = (
            next(name for name in summary.columns if name.startswith(f"exp(coef) {side}"))
            for side in ("lower", "upper")
        )
        if self.model == "cox":
            table = summary.loc[self.feature_names_]
            name = "hazard_ratio"
        else:
            table = summary.loc["lambda_"].loc[self.feature_names_]
            name = "time_ratio"
        result = pd.DataFrame(
            {
                name: table["exp(coef)"],
                "lower": table[lower],
                "upper": table[upper],
                "p_value": table["p"],
            }
        )
        if self.model == "weibull":
            shape = summary.loc[("rho_", "Intercept")]
            result.loc["rho (shape)"] = [shape["exp(coef)"], shape[lower], shape[upper], shape["p"]]
        result.index.name = "covariate"
        return result

    def proportional_hazards_test(self, table: pd.DataFrame) -> pd.DataFrame:
        """Schoenfeld-residual test of the proportional-hazards assumption, per covariate.

        lifelines' ``proportional_hazard_test`` with time ranked: a small p-value says the
        covariate's hazard ratio changes with tenure (then stratify on it, or use
        ``model="weibull"`` with care).

        Parameters
        ----------
        table : pandas.DataFrame
            The tenure table the model was fitted on.

        Returns
        -------
        pandas.DataFrame
            One row per covariate: ``statistic``, ``p_value``, ``violated`` (p below
            ``1 - confidence``).
        """
        self._check_fitted()
        if self.model != "cox":
            raise DataValidationError(
                "the proportional-hazards test applies to model='cox'; a Weibull AFT model "
                "assumes its own hazard shape (check it against kaplan_meier)"
            )
        frame = check_tenure_table(table)
        data = self._design(frame).assign(
            **{TENURE: frame[TENURE].to_numpy(np.float64), CHURNED: frame[CHURNED].to_numpy()}
        )
        result = lifelines().statistics.proportional_hazard_test(
            self.lifelines_model_, data, time_transform="rank"
        )
        summary = result.summary
        summary.index = [name if isinstance(name, str) else name[0] for name in summary.index]
        return pd.DataFrame(
            {
                "statistic": summary["test_statistic"].to_numpy(),
                "p_value": summary["p"].to_numpy(),
                "violated": (summary["p"] < 1 - self.confidence).to_numpy(),
            },
            index=pd.Index(summary.index, name="covariate"),
        )

    # Predictions -----------------------------------------------------------------------

    def survival_function(self, table: pd.DataFrame, periods: Sequence[int]) -> pd.DataFrame:
        """``S(t | x)``: probability that a new customer like each one is still active after
        ``t`` renewal points (from signup, whatever their tenure).

        Returns
        -------
        pandas.DataFrame
            One row per customer, one column per period.
        """
        self._check_fitted()
        frame = check_tenure_table(table)
        grid = whole_periods(periods, "periods")
        values = self._survival_grid(frame, grid)
        return pd.DataFrame(values, index=frame.index, columns=pd.Index(grid, name="period"))

    def risk_score(self, table: pd.DataFrame) -> pd.Series:
        """A score that ranks customers by how soon they are expected to leave (higher:
        sooner): the log partial hazard (Cox) or minus the log median lifetime (Weibull)."""
        self._check_fitted()
        frame = check_tenure_table(table)
        design = self._design(frame)
        if self.model == "cox":
            values = np.log(self.lifelines_model_.predict_partial_hazard(design).to_numpy())
        else:
            values = -np.log(self.lifelines_model_.predict_median(design).to_numpy())
        return pd.Series(np.ravel(values), index=frame.index, name="risk_score")

    def predict_survival(self, table: pd.DataFrame, *, horizons: Sequence[int]) -> pd.DataFrame:
        """Probability that each customer is still active ``h`` periods from now, given the
        tenure reached: ``S(tenure + h | x) / S(tenure | x)``; 0 for customers who left.

        Returns
        -------
        pandas.DataFrame
            ``survival_<h>`` per horizon, one row per customer.
        """
        self._check_fitted()
        frame = check_tenure_table(table)
        ahead = whole_periods(horizons, "horizons", minimum=1)
        conditional = self._conditional(frame, int(ahead.max()))
        columns = {f"survival_{h}": conditional[:, h] for h in ahead}
        return pd.DataFrame(columns, index=frame.index)

    def median_remaining_lifetime(
        self, table: pd.DataFrame, *, max_periods: int = 120
    ) -> pd.Series:
        """Periods until an active customer's conditional survival falls to one half or less
        (the first ``h`` with ``S(tenure + h) / S(tenure) <= 0.5``); ``inf`` when that does
        not happen within ``max_periods``; 0 for customers who left.
        """
        self._check_fitted()
        frame = check_tenure_table(table)
        cap = int(whole_periods([max_periods], "max_periods", minimum=1)[0])
        conditional = self._conditional(frame, cap)
        reached = conditional[:, 1:] <= 0.5
        median = np.where(reached.any(axis=1), reached.argmax(axis=1) + 1.0, np.inf)
        median[frame[CHURNED].to_numpy()] = 0.0
        return pd.Series(median, index=frame.index, name="median_remaining_lifetime")

    def expected_remaining_periods(
        self, table: pd.DataFrame, *, max_periods: int = 120
    ) -> pd.Series:
        """Expected further periods each active customer pays for, within ``max_periods``:
        ``sum_{j=1..max_periods} S(tenure + j) / S(tenure)``; 0 for customers who left."""
        return self._residual(table, 0.0, max_periods).rename("expected_remaining_periods")

    def expected_remaining_value(
        self,
        table: pd.DataFrame,
        *,
        margin: object,
        discount_rate: float,
        max_periods: int = 120,
    ) -> pd.Series:
        """Discounted expected remaining value of each customer: ``margin * sum_{j=1..max}
        S(tenure + j) / S(tenure) / (1 + d) ** (j - 1)`` (the convention of DERL in
        `crm_analytics.clv.ShiftedBetaGeoFitter`); 0 for customers who left.

        Parameters
        ----------
        table : pandas.DataFrame
            A tenure table.
        margin : float or str
            Margin per period: one number, or the name of a column of ``table``.
        discount_rate : float
            Discount rate per period.
        max_periods : int, default 120
            Periods ahead counted.
        """
        rate = check_discount_rate(discount_rate, per="per-period")
        frame = check_tenure_table(table)
        per_period = margin_column(frame, margin)
        return (per_period * self._residual(frame, rate, max_periods)).rename(
            "expected_remaining_value"
        )

    def _residual(self, table: pd.DataFrame, rate: float, max_periods: int) -> pd.Series:
        self._check_fitted()
        frame = check_tenure_table(table)
        cap = int(whole_periods([max_periods], "max_periods", minimum=1)[0])
        conditional = self._conditional(frame, cap)
        discounts = (1.0 + rate) ** -np.arange(cap, dtype=np.float64)
        return pd.Series(conditional[:, 1:] @ discounts, index=frame.index)

    def _conditional(self, frame: pd.DataFrame, steps: int) -> np.ndarray:
        """``S(tenure + h) / S(tenure)`` for ``h = 0 .. steps`` (zero rows for churned)."""
        tenure = frame[TENURE].to_numpy()
        beyond = ~frame[CHURNED].to_numpy() & (tenure + steps > self.max_tenure_)
        if self.model == "cox" and beyond.any():
            warnings.warn(
                f"{int(beyond.sum())} customer(s) are projected beyond the longest tenure the "
                f"Cox model saw ({self.max_tenure_} periods), where it predicts no churn: "
                "their survival is overstated there; use ChurnTimeModel(model='weibull') to "
                "project, or shorter horizons",
                UserWarning,
                stacklevel=3,
            )
        grid = np.arange(int(tenure.max()) + steps + 1)
        result = np.empty((len(frame), steps + 1))
        rows_per_block = max(1, _BLOCK_CELLS // len(grid))
        for start in range(0, len(frame), rows_per_block):
            rows = slice(start, start + rows_per_block)
            survival = self._survival_grid(frame.iloc[rows], grid)
            columns = tenure[rows, None] + np.arange(steps + 1)[None, :]
            picked = np.take_along_axis(survival, columns, axis=1)
            with np.errstate(divide="ignore", invalid="ignore"):
                result[rows] = np.where(picked[:, :1] > 0, picked / picked[:, :1], 0.0)
        result[frame[CHURNED].to_numpy()] = 0.0
        return result

    def _survival_grid(self, frame: pd.DataFrame, grid: np.ndarray) -> np.ndarray:
        """``S(t | x)`` for each customer (rows) at each whole period of ``grid`` (columns)."""
        design = self._design(frame)
        fitted = self.lifelines_model_
        if self.model == "weibull":
            values = fitted.predict_survival_function(design, times=grid.astype(np.float64))
            return values.to_numpy().T
        # The baseline is a step function of the event times: read it at whole periods, held
        # at its last value beyond the longest tenure (lifelines would interpolate).
        baseline = fitted.baseline_cumulative_hazard_.iloc[:, 0]
        steps = np.searchsorted(baseline.index.to_numpy(), grid, side="right") - 1
        cumulative = np.where(steps >= 0, baseline.to_numpy()[np.maximum(steps, 0)], 0.0)
        partial = fitted.predict_partial_hazard(design).to_numpy().reshape(-1, 1)
        return np.exp(-partial * cumulative[None, :])


def _is_numeric(values: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)


def _levels(values: pd.Series) -> list[str]:
    """Levels as text, the most frequent first (the reference), then in sorted order."""
    counts = values.astype(str).value_counts()
    reference = counts.index[counts.to_numpy() == counts.max()].sort_values()[0]
    return [reference, *sorted(level for level in counts.index if level != reference)]


def _check_rank(design: pd.DataFrame) -> None:
    """Refuse covariates that repeat each other's information exactly (singular Cox fit)."""
    repeated = design.T.duplicated()
    if repeated.any():
        twins = design.columns[repeated.to_numpy()]
        raise DataValidationError(
            f"covariate(s) {examples(twins)} repeat another covariate exactly (e.g. "
            "'No internet service' in every add-on column of a telecom table); drop one of the "
            "attributes or pass penalizer=0.01"
        )
    constant = design.columns[(design.nunique() < 2).to_numpy()]
    if len(constant):
        raise DataValidationError(
            f"covariate(s) {examples(constant)} take a single value; drop them"
        )
    with_intercept = np.column_stack([np.ones(len(design)), design.to_numpy()])
    if np.linalg.matrix_rank(with_intercept) < with_intercept.shape[1]:
        raise DataValidationError(
            f"the covariates {examples(design.columns)}... are linearly dependent (a level "
            "of one attribute is a combination of others); drop an attribute or pass "
            "penalizer=0.01"
        )
