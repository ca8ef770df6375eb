"""What every CLV fitter shares: weighted maximum likelihood and inference.

A fitter reads per-customer histories given either as arrays / Series (the lifetimes way) or as
the ``rfm_summary`` DataFrame, checks them (with `crm_analytics.clv._checks`), collapses identical histories into weighted rows
(a million customers share a few tens of thousands of distinct histories), maximises the
weighted log-likelihood over the logarithms of its parameters, and derives standard errors
from the Hessian of the negative log-likelihood at the optimum.

As in lifetimes, models with a time scale are fitted on time rescaled so that the oldest
customer has age 1, and ``penalizer_coef`` adds ``penalizer_coef * sum(params ** 2)`` (with
time parameters in those rescaled units) to the mean negative log-likelihood, so a penalised
fit gives lifetimes' parameters.
"""

from __future__ import annotations

import inspect
import json
import logging
import sys
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import optimize, stats
from sklearn.base import BaseEstimator

from crm_analytics._progress import progress_bar
from crm_analytics._version import library_versions
from crm_analytics.clv._checks import (
    SUMMARY_REMEDY,
    check_fitted,
    check_histories,
    check_weights,
    resolve_inputs,
    to_float,
)
from crm_analytics.clv._collapse import unique_rows
from crm_analytics.exceptions import ConvergenceError, DataValidationError

logger = logging.getLogger(__name__)

# Two-sided 95% normal quantile.
_Z95 = 1.959963984540054
# Step (on the log-parameter scale) of the finite differences used for gradients and Hessians.
_STEP = 1e-5
# Largest gradient (of the mean objective, on the log scale) accepted when the optimiser stops
# early on precision loss: the optimum is then found to well within the standard errors.
_ACCEPTED_GRADIENT = 1e-5
# Samples with more distinct rows than this are first fitted on a preview of about this size.
_PREVIEW_ROWS = 20_000
# Amount of dropout (see BaseFitter._dropout_share) below which a stalled fit is on the ridge
# towards no dropout.
_NEGLIGIBLE_DROPOUT = 0.01
# Significance level of the likelihood-ratio test of a model against its no-dropout limit.
DROPOUT_TEST_LEVEL = 0.05
# What a saved model's JSON file says it is.
_FILE_FORMAT = "crm_analytics.clv fitted model"
_FILE_FORMAT_VERSION = 1
#: What a fit whose dropout is not identified means, in plain words.
DROPOUT_NOT_IDENTIFIED = (
    "this history is too short to see customers leave; P(alive) carries no information"
)


class DropoutNotIdentifiedWarning(UserWarning):
    """The data do not tell the model's dropout process apart from no dropout at all.

    Raised by the fit of a transaction model whose likelihood is no better than that of its
    no-dropout limit (the NBD, or the beta-binomial for BG/BB): every P(alive) is then close
    to 1 and says nothing about who has left. Expected purchases remain usable.
    """


def dot(left: np.ndarray, right: np.ndarray) -> float:
    """Inner product of two vectors without BLAS (whose threads contend on shared machines).

    Examples
    --------
    >>> dot(np.array([1.0, 2.0]), np.array([3.0, 4.0]))
    11.0
    """
    return float(np.einsum("i,i->", left, right))


def log_add_exp(finite: np.ndarray, other: np.ndarray) -> np.ndarray:
    """``log(exp(finite) + exp(other))`` for finite ``finite``; ``other`` may be ``-inf``.

    The same as ``np.logaddexp``, which is not vectorised and takes about nine times as long:
    it was most of the time of a likelihood evaluation.

    Examples
    --------
    >>> log_add_exp(np.array([0.0, 2.0]), np.array([0.0, -np.inf])).tolist()
    [0.6931471805599453, 2.0]
    """
    return np.maximum(finite, other) + np.log1p(np.exp(-np.abs(finite - other)))


@dataclass(frozen=True)
class Sample:
    """Distinct histories with their weights, and their distinct frequencies.

    Likelihood terms depending on the frequency alone (the ``gammaln`` terms) are computed
    once per distinct frequency, which is what makes a likelihood evaluation cheap. Models
    without a ``frequency`` column (the contract models, on tenure) get the levels of their
    first column.
    """

    columns: dict[str, np.ndarray]
    weights: np.ndarray
    frequency_levels: np.ndarray
    frequency_codes: np.ndarray
    level_weights: np.ndarray
    # First row and row codes of the distinct (frequency, column) pairs, by column name:
    # shared by rescaled copies, whose rows are the same.
    _pairs: dict[str, tuple[np.ndarray, np.ndarray]] = field(
        default_factory=dict, compare=False, repr=False
    )

    @classmethod
    def collapse(cls, columns: dict[str, np.ndarray], weights: np.ndarray) -> Sample:
        """Collapse identical rows of ``columns``, summing their ``weights``.

        Examples
        --------
        >>> sample = Sample.collapse({"frequency": np.array([1.0, 1.0, 0.0])}, np.ones(3))
        >>> sample.columns["frequency"].tolist(), sample.weights.tolist()
        ([1.0, 0.0], [2.0, 1.0])
        """
        uniques, inverse = unique_rows(*columns.values())
        collapsed = dict(zip(columns, uniques, strict=True))
        summed = np.bincount(inverse, weights=weights)
        levels, codes = np.unique(
            collapsed.get("frequency", next(iter(collapsed.values()))), return_inverse=True
        )
        return cls(
            columns=collapsed,
            weights=summed,
            frequency_levels=levels,
            frequency_codes=codes,
            level_weights=np.bincount(codes, weights=summed),
        )

    def rescaled(self, scale: float, names: Sequence[str]) -> Sample:
        """The same sample with the columns ``names`` multiplied by ``scale``."""
        columns = {
            name: values * scale if name in names else values
            for name, values in self.columns.items()
        }
        return Sample(
            columns,
            self.weights,
            self.frequency_levels,
            self.frequency_codes,
            self.level_weights,
            self._pairs,
        )

    def preview(self, max_rows: int, seed: int = 0) -> Sample | None:
        """At most about ``max_rows`` rows, drawn with probability proportional to weight.

        Rows weighing at least ``total / max_rows`` are all kept; lighter ones are kept with
        probability ``weight / (total / max_rows)`` and then weigh ``total / max_rows``, so
        the weighted log-likelihood of the preview estimates the full one without bias. None
        when the sample has no more than ``max_rows`` rows. The draw is seeded: the same
        sample gives the same preview.
        """
        if len(self.weights) <= max_rows:
            return None
        threshold = self.weights.sum() / max_rows
        kept = np.random.default_rng(seed).random(len(self.weights)) * threshold < self.weights
        columns = {name: values[kept] for name, values in self.columns.items()}
        return Sample.collapse(columns, np.maximum(self.weights[kept], threshold))

    def paired(self, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Distinct ``(frequency, name)`` pairs, and the pair of each row (computed once).

        Likelihood terms depending on the frequency and one time column only (BG/NBD's and
        Pareto/NBD's terms for T and for recency) are computed once per pair: far fewer
        pairs than rows.

        Examples
        --------
        >>> sample = Sample.collapse(
        ...     {"frequency": np.array([1.0, 1.0]), "T": np.array([4.0, 4.0]),
        ...      "recency": np.array([2.0, 3.0])}, np.ones(2))
        >>> frequency, values, codes = sample.paired("T")
        >>> frequency.tolist(), values.tolist(), codes.tolist()
        ([1.0], [4.0], [0, 0])
        """
        if name not in self._pairs:
            (frequency, _), codes = unique_rows(self.columns["frequency"], self.columns[name])
            first_rows = np.empty(len(frequency), dtype=np.int64)
            first_rows[codes[::-1]] = np.arange(len(codes))[::-1]
            self._pairs[name] = (first_rows, codes)
        first_rows, codes = self._pairs[name]
        return self.columns["frequency"][first_rows], self.columns[name][first_rows], codes


LogLikelihood = Callable[[np.ndarray, Sample, bool], tuple[float, np.ndarray | None]]


class BaseFitter(BaseEstimator):
    """Weighted maximum likelihood, inference, summary and persistence for the CLV fitters.

    Subclasses set ``_param_names``, ``_time_params`` (parameters measured in time units,
    rescaled with the data) and ``_time_columns``, and implement ``_log_likelihood`` and
    ``_initial_params``.
    """

    _param_names: tuple[str, ...] = ()
    _time_params: tuple[str, ...] = ()
    _time_columns: tuple[str, ...] = ()
    # Parameters of the dropout process, which a fit may leave unidentified.
    _dropout_params: tuple[str, ...] = ()
    # Whether a fit shows a progress bar of its iterations (to someone watching).
    _show_progress = False
    # Names of the history columns, the last one the customer's age, and their checks.
    _history: tuple[tuple[str, ...], dict] = ((), {})

    def __init__(self, penalizer_coef: float = 0.0):
        self.penalizer_coef = penalizer_coef

    def _log_likelihood(
        self, params: np.ndarray, sample: Sample, gradient: bool
    ) -> tuple[float, np.ndarray | None]:
        """Total weighted log-likelihood and, when asked and available, its gradient."""
        raise NotImplementedError

    def _initial_params(self, sample: Sample) -> np.ndarray:
        """Starting values on the rescaled time unit."""
        raise NotImplementedError

    def _check_penalizer(self) -> float:
        penalizer = self.penalizer_coef
        if (
            isinstance(penalizer, bool)
            or not isinstance(penalizer, int | float | np.integer | np.floating)
            or not np.isfinite(penalizer)
            or penalizer < 0
        ):
            raise DataValidationError(
                f"penalizer_coef must be a finite number >= 0 (e.g. 0.001), got {penalizer!r}"
            )
        return float(penalizer)

    def _fit_histories(
        self,
        values: Sequence[object],
        names: Sequence[str],
        weights: object,
        *,
        index: object,
        checks: dict,
        remedy: str = SUMMARY_REMEDY,
        **fit_options: object,
    ) -> None:
        """Read, check and collapse the histories, fit on them and keep them as ``data``.

        ``values`` are the user's arguments in the order of ``names`` (or a DataFrame first),
        ``checks`` the keyword arguments of `check_histories`, ``fit_options`` those of
        `_fit_sample`.
        """
        arrays, given_index = resolve_inputs(
            values, names, remedy=remedy, aligned={"weights": weights}
        )
        columns = {name: np.atleast_1d(array) for name, array in zip(names, arrays, strict=True)}
        check_histories(columns, given_index, remedy=remedy, **checks)
        self._check_model_inputs(columns, given_index)
        row_weights = check_weights(weights, len(columns[names[0]]))
        sample = Sample.collapse(columns, row_weights)
        self._check_identifiable(sample)
        standard_errors_defined = self._fit_sample(
            sample, penalizer_scale=self._penalizer_scale(len(row_weights)), **fit_options
        )
        self.data = pd.DataFrame(
            {**columns, "weights": row_weights},
            index=given_index if index is None else pd.Index(index),
        )
        self._diagnose(sample, standard_errors_defined)

    def _diagnose(self, sample: Sample, standard_errors_defined: bool) -> None:
        """Set ``diagnostics_`` (and ``dropout_identified_``) and warn about a poor fit.

        The dropout process is identified when the likelihood-ratio test against the model's
        no-dropout limit rejects that limit at the 5% level. The limit lies on the boundary
        of the parameter space, so the p-value is half the chi-square(1) tail (Self and Liang
        1987, case 5).
        """
        diagnostics: dict[str, object] = {"standard_errors_defined": bool(standard_errors_defined)}
        no_dropout = self._no_dropout_fit(sample)
        if no_dropout is not None:
            log_likelihood, params = no_dropout
            ratio = max(2.0 * float(self.log_likelihood_ - log_likelihood), 0.0)
            p_value = 0.5 * float(stats.chi2.sf(ratio, 1)) if ratio > 0 else 1.0
            identified = p_value < DROPOUT_TEST_LEVEL
            self.dropout_identified_ = identified
            diagnostics.update(
                {
                    "dropout_identified": identified,
                    "log_likelihood": self.log_likelihood_,
                    "log_likelihood_no_dropout": float(log_likelihood),
                    "no_dropout_params": {name: float(value) for name, value in params.items()},
                    "likelihood_ratio": ratio,
                    "p_value": p_value,
                    "message": self._dropout_message(identified, ratio, p_value),
                }
            )
        self.diagnostics_ = diagnostics
        if no_dropout is not None and not identified:
            warnings.warn(
                f"{type(self).__name__}: {diagnostics['message']}",
                DropoutNotIdentifiedWarning,
                stacklevel=_outside_this_package(),
            )
        elif not standard_errors_defined:
            warnings.warn(
                f"{type(self).__name__}: the Hessian at the optimum is not positive definite, so "
                "standard errors are undefined (NaN); the parameters may be poorly identified",
                UserWarning,
                stacklevel=_outside_this_package(),
            )

    def _dropout_message(self, identified: bool, ratio: float, p_value: float) -> str:
        test = f"likelihood ratio {ratio:.2f} against no dropout, p = {p_value:.3g}"
        if identified:
            return f"dropout identified ({test})"
        names = " and ".join(self._dropout_params)
        return (
            f"{DROPOUT_NOT_IDENTIFIED}. The fit is no better than one in which nobody ever "
            f"leaves ({test}), so {names} are not identified and P(alive) is close to 1 for "
            "everyone. Expected purchases remain usable. To tell who has left, use a longer "
            "history or a rule on each customer's own purchase rhythm (days since the last "
            "purchase against their usual gap)"
        )

    def _no_dropout_fit(self, sample: Sample) -> tuple[float, dict[str, float]] | None:
        """Log-likelihood and parameters of the model's no-dropout limit; None without one."""
        return None

    def _check_model_inputs(self, columns: dict[str, np.ndarray], index: pd.Index | None) -> None:
        """Checks a model adds to `check_histories` on the columns it is fitted on (none here)."""

    def _penalizer_scale(self, n_rows: int) -> float:
        """Factor of ``penalizer_coef`` against the mean log-likelihood of ``n_rows`` rows given.

        1 where lifetimes penalises the mean log-likelihood (every model but Pareto/NBD).
        """
        return 1.0

    def _check_identifiable(self, sample: Sample) -> None:
        if not np.any((sample.columns["frequency"] > 0) & (sample.weights > 0)):
            raise ConvergenceError(
                f"{type(self).__name__} cannot be fitted: no customer made a repeat purchase "
                "(every frequency is 0), so purchase rates and dropout cannot be told apart; "
                "use a longer observation window or more customers"
            )

    def _fit_sample(
        self,
        sample: Sample,
        *,
        initial_params: object = None,
        tol: float = 1e-8,
        options: dict | None = None,
        verbose: bool = False,
        lower_bounds: Sequence[float | None] | None = None,
        penalizer_scale: float = 1.0,
    ) -> bool:
        """Maximise the penalised likelihood of ``sample`` and set the fitted attributes.

        ``lower_bounds`` (on the log-parameters, None for no bound) switch the optimiser from
        BFGS to L-BFGS-B; ``penalizer_scale`` multiplies ``penalizer_coef``. Returns whether
        the standard errors are defined (the Hessian at the optimum is positive definite).
        """
        penalizer = self._check_penalizer() * penalizer_scale
        max_age = max((float(sample.columns[name].max()) for name in self._time_columns), default=1)
        scale = 1.0 / max_age if max_age > 0 else 1.0
        scaled = sample.rescaled(scale, self._time_columns)
        time_mask = np.isin(self._param_names, self._time_params)
        if initial_params is None:
            start = self._initial_params(scaled)
        else:
            start = to_float(initial_params, "initial_params").reshape(-1)
            if (
                len(start) != len(self._param_names)
                or np.any(start <= 0)
                or not np.all(np.isfinite(start))
            ):
                raise DataValidationError(
                    f"initial_params must be {len(self._param_names)} positive numbers "
                    f"({', '.join(self._param_names)}), got {initial_params!r}"
                )
            start = np.where(time_mask, start * scale, start)
        log_start, options = np.log(start), {"gtol": tol, "maxiter": 1000, **(options or {})}
        # Fits that take seconds (Pareto/NBD's hypergeometric terms) show their iterations.
        with progress_bar(
            desc=f"{type(self).__name__} fit", unit="iteration", enabled=self._show_progress
        ) as bar:

            def step(intermediate_result: optimize.OptimizeResult) -> None:
                bar.update(1)

            preview = scaled.preview(_PREVIEW_ROWS) if lower_bounds is None else None
            if preview is not None:
                # A fit to a preview of the data gives a start and an inverse Hessian close to the
                # full data's, which then converges in a few iterations instead of dozens.
                rough = optimize.minimize(
                    _Objective(self._log_likelihood, preview, penalizer).value_and_gradient,
                    log_start,
                    jac=True,
                    method="BFGS",
                    options={"gtol": 1e-6, "maxiter": 1000},
                    callback=step,
                )
                if np.all(np.isfinite(rough.x)) and np.isfinite(rough.fun):
                    log_start = rough.x
                    inverse_hessian = (rough.hess_inv + rough.hess_inv.T) / 2
                    if np.all(np.isfinite(inverse_hessian)) and np.all(
                        np.linalg.eigvalsh(inverse_hessian) > 0
                    ):
                        options.setdefault("hess_inv0", inverse_hessian)
            objective = _Objective(self._log_likelihood, scaled, penalizer)
            result = optimize.minimize(
                objective.value_and_gradient,
                log_start,
                jac=True,
                method="BFGS" if lower_bounds is None else "L-BFGS-B",
                bounds=None if lower_bounds is None else [(low, None) for low in lower_bounds],
                options=options,
                callback=step,
            )
        gradient_norm = float(np.max(np.abs(result.jac)))
        finite = bool(np.all(np.isfinite(result.x)) and np.isfinite(result.fun))
        stalled = not result.success and gradient_norm > _ACCEPTED_GRADIENT
        if not finite or (stalled and not self._stalled_at_no_dropout(result.x, scale, sample)):
            raise ConvergenceError(
                f"{type(self).__name__} did not converge ({result.message}; largest gradient "
                f"{gradient_norm:.2g}). The data may not identify the model: check there are "
                "repeat buyers and that time is in sensible units, or add a small penalizer_coef "
                "(e.g. 0.001)"
            )
        log_params = result.x
        hessian = objective.hessian(log_params) * sample.weights.sum()
        params = np.exp(log_params) / np.where(time_mask, scale, 1.0)
        logger.log(
            logging.INFO if verbose else logging.DEBUG,
            "%s: %d distinct rows, %d iterations, %d evaluations, %s",
            type(self).__name__,
            len(sample.weights),
            result.nit,
            objective.evaluations,
            result.message,
        )
        return self._set_fit(params, sample, hessian)

    def _stalled_at_no_dropout(self, log_params: np.ndarray, scale: float, sample: Sample) -> bool:
        """Whether an optimiser that stalled did so on the flat ridge towards no dropout.

        Where the data cannot tell dropout from none, the likelihood keeps rising, ever more
        slowly, as the dropout parameters run off to 0 or infinity: the optimiser stops on
        precision loss with a small gradient. The point it reached predicts as the
        no-dropout limit does, and is accepted when it has almost no dropout (below 1%, see
        `_dropout_share`) and a likelihood within the test of `_diagnose` of that limit's,
        which then reports the dropout as not identified.
        """
        scaled = np.exp(log_params)
        if self._dropout_share(scaled) >= _NEGLIGIBLE_DROPOUT:
            return False
        no_dropout = self._no_dropout_fit(sample)
        if no_dropout is None:
            return False
        time_mask = np.isin(self._param_names, self._time_params)
        with np.errstate(all="ignore"):
            log_likelihood = self._log_likelihood(
                scaled / np.where(time_mask, scale, 1.0), sample, False
            )[0]
        ratio = 2.0 * (log_likelihood - no_dropout[0])
        return bool(abs(ratio) < stats.chi2.isf(2 * DROPOUT_TEST_LEVEL, 1))

    def _dropout_share(self, scaled_params: np.ndarray) -> float:
        """How much dropout the parameters (on the fit's rescaled time) imply, from 0 up.

        The mean dropout probability, or the mean dropout rate over the oldest customer's
        age; infinite for models without dropout.
        """
        return np.inf

    def _set_fit(self, params: np.ndarray, sample: Sample, hessian: np.ndarray) -> bool:
        log_likelihood = self._log_likelihood(params, sample, False)[0]
        try:
            log_covariance = np.linalg.inv(hessian)
        except np.linalg.LinAlgError:
            log_covariance = np.full_like(hessian, np.nan)
        defined = bool(np.all(np.isfinite(log_covariance)) and np.all(np.diag(log_covariance) > 0))
        if not defined:
            log_covariance = np.full_like(hessian, np.nan)
        self._set_fitted_attributes(params, log_likelihood, sample.weights.sum(), log_covariance)
        return defined

    def _set_fitted_attributes(
        self,
        params: np.ndarray,
        log_likelihood: float,
        n_customers: float,
        log_covariance: np.ndarray,
    ) -> None:
        """Set ``params_``, the fit statistics and the inference from the log-scale covariance.

        Shared by a fit and by `load`, which restores a saved model from the same four values.
        """
        names = list(self._param_names)
        self.params_ = pd.Series(params, index=names, dtype=np.float64)
        self.log_likelihood_ = float(log_likelihood)
        self.n_customers_ = float(n_customers)
        n_params = len(names)
        self.AIC_ = 2 * n_params - 2 * self.log_likelihood_
        self.BIC_ = n_params * np.log(self.n_customers_) - 2 * self.log_likelihood_
        self._log_variance = pd.DataFrame(log_covariance, index=names, columns=names)
        self.variance_matrix_ = self._log_variance * np.outer(params, params)
        self.standard_errors_ = pd.Series(
            np.sqrt(np.diag(self.variance_matrix_.to_numpy())), index=names, name="se(coef)"
        )
        log_se = np.sqrt(np.diag(log_covariance))
        # A parameter the data barely identify has a huge log-scale error: its interval runs
        # from 0 to infinity, which is the honest answer, not an overflow to warn about.
        with np.errstate(over="ignore", under="ignore"):
            self.confidence_intervals_ = pd.DataFrame(
                {
                    "lower 95% bound": params * np.exp(-_Z95 * log_se),
                    "upper 95% bound": params * np.exp(_Z95 * log_se),
                },
                index=names,
            )

    def __repr__(self) -> str:
        """What the model learned, as lifetimes shows it; an unfitted model says so.

        Examples
        --------
        >>> from crm_analytics.clv import BetaGeoFitter
        >>> BetaGeoFitter(penalizer_coef=0.01)
        <BetaGeoFitter(penalizer_coef=0.01): not fitted>
        """
        name = type(self).__name__
        changed = {
            key: value
            for key, value in self.get_params(deep=False).items()
            if value != _default_arguments(type(self)).get(key)
        }
        if changed:
            name += "(" + ", ".join(f"{key}={value!r}" for key, value in changed.items()) + ")"
        if getattr(self, "params_", None) is None:
            return f"<{name}: not fitted>"
        learned = ", ".join(
            f"{key}: {_short_number(value)}" for key, value in sorted(self.params_.items())
        )
        dropout = (
            "; dropout not identified"
            if getattr(self, "dropout_identified_", True) is False
            else ""
        )
        return f"<{name}: fitted with {self.n_customers_:,.0f} subjects, {learned}{dropout}>"

    def _repr_mimebundle_(self, **kwargs: object) -> dict[str, str]:
        # Notebooks show the same text as print(), not scikit-learn's estimator diagram.
        return {"text/plain": repr(self)}

    def _unload_params(self, *names: str) -> list[float]:
        check_fitted(self)
        return [float(self.params_[name]) for name in names]

    @property
    def summary(self) -> pd.DataFrame:
        """Parameters with standard errors and 95% confidence intervals.

        Columns ``coef``, ``se(coef)``, ``lower 95% bound``, ``upper 95% bound`` (lifetimes'
        names). Standard errors come from the inverse Hessian of the negative log-likelihood
        at the optimum (delta method from the log scale); the intervals are Wald intervals on
        the log scale, ``coef * exp(+-1.96 se(log coef))``, so they stay positive.

        When the fit cannot tell its dropout process from no dropout (``dropout_identified_``
        is False), a ``note`` column says so in plain words on the dropout parameters' rows.
        """
        check_fitted(self)
        table = pd.concat(
            [self.params_.rename("coef"), self.standard_errors_, self.confidence_intervals_], axis=1
        )
        if getattr(self, "dropout_identified_", True) is False:
            note = f"not identified: {DROPOUT_NOT_IDENTIFIED}"
            table["note"] = [note if name in self._dropout_params else "" for name in table.index]
        return table

    def save_model(
        self,
        path: str | Path,
        save_data: bool = True,
        save_generate_data_method: bool = True,
        values_to_save: list | None = None,
    ) -> None:
        """Write the fitted model to a JSON file, with lifetimes' signature (and no pickle).

        The file holds the class, its settings, the parameters, the fit statistics and
        covariance, the fit's ``diagnostics_`` and the library versions; `load_model` (or the
        class's `load`) reads it back and checks it. A JSON file cannot run code when read,
        unlike lifetimes' dill pickles.

        Parameters
        ----------
        path : str or Path
            The file to write.
        save_data : bool, default True
            Also save ``data``, the histories fitted on (one entry per row).
        save_generate_data_method : bool, default True
            Keep what `generate_new_data` needs (the customers' ages) even without ``data``.
        values_to_save : list, optional
            Accepted for lifetimes' signature: its pickles put these in place of the
            attributes left out; a JSON file simply leaves them out.

        Examples
        --------
        >>> import json, tempfile
        >>> from crm_analytics.clv import BetaGeoFitter
        >>> from crm_analytics.datasets import load_cdnow_summary
        >>> model = BetaGeoFitter().fit(load_cdnow_summary())
        >>> path = tempfile.mkdtemp() + "/bgnbd.json"
        >>> model.save_model(path)
        >>> loaded = BetaGeoFitter()
        >>> loaded.load_model(path)
        >>> loaded.params_.equals(model.params_), len(loaded.data)
        (True, 2357)
        """
        check_fitted(self)
        state: dict[str, object] = {
            "format": _FILE_FORMAT,
            "format_version": _FILE_FORMAT_VERSION,
            "model": type(self).__name__,
            "init": self.get_params(),
            "params": self.params_.to_dict(),
            "log_likelihood": self.log_likelihood_,
            "n_customers": self.n_customers_,
            "log_variance": self._log_variance.to_numpy().tolist(),
            "diagnostics": getattr(self, "diagnostics_", None),
            "library_versions": library_versions(),
        }
        data = getattr(self, "data", None)
        if save_data and data is not None:
            state["data"] = {
                "index_name": data.index.name,
                "index": data.index.tolist(),
                "columns": {name: data[name].tolist() for name in data.columns},
            }
        elif save_generate_data_method and hasattr(self, "generate_new_data") and data is not None:
            state["simulation_ages"] = self._simulation_ages().tolist()
        Path(path).write_text(json.dumps(state, indent=1, default=str), encoding="utf-8")

    def save(self, path: str | Path, *, save_data: bool = False) -> None:
        """Write the fitted model to a JSON file, by default without its data; see `save_model`.

        A scoring run saves models this way: the file stays small however many customers
        the model was fitted on.
        """
        self.save_model(path, save_data=save_data, save_generate_data_method=False)

    def load_model(self, path: str | Path) -> None:
        """Replace this model by the one saved in ``path`` (lifetimes' form of `load`).

        Raises
        ------
        DataValidationError
            If the file holds another model, is not a saved model, or holds values a fitted
            model cannot have (a negative parameter, say).
        """
        loaded = type(self).load(path)
        self.__dict__.clear()
        self.__dict__.update(loaded.__dict__)

    @classmethod
    def load(cls, path: str | Path) -> BaseFitter:
        """A fitted model read from a file written by `save` or `save_model`, checked.

        Every value is checked as a fit would leave it: the parameters finite and positive,
        the fit statistics finite, the data valid histories. A file edited to ``r = -1``
        is refused here rather than giving negative CLV later.

        Raises
        ------
        DataValidationError
            If the file holds another model, is not a saved model, or holds values a fitted
            model cannot have.

        Examples
        --------
        >>> import json, tempfile
        >>> from crm_analytics.clv import BetaGeoFitter
        >>> from crm_analytics.datasets import load_cdnow_summary
        >>> path = tempfile.mkdtemp() + "/bgnbd.json"
        >>> BetaGeoFitter().fit(load_cdnow_summary()).save(path)
        >>> state = json.loads(open(path).read())
        >>> state["params"]["r"] = -1
        >>> _ = open(path, "w").write(json.dumps(state))
        >>> BetaGeoFitter.load(path)
        Traceback (most recent call last):
        ...
        crm_analytics.exceptions.DataValidationError: .../bgnbd.json: parameter r = -1 is not a finite positive number; the file is damaged or was edited: refit and save the model again
        """
        try:
            state = json.loads(Path(path).read_text(encoding="utf-8"))
            model_name, params = state["model"], state["params"]
        except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as error:
            raise DataValidationError(
                f"{path} is not a model saved by {cls.__name__}.save ({error})"
            ) from None
        if model_name != cls.__name__:
            raise DataValidationError(
                f"{path} holds a {model_name}, not a {cls.__name__}; load it with {model_name}.load"
            )
        return cls._from_state(state, params, path)

    @classmethod
    def _from_state(cls, state: dict, params: object, path: str | Path) -> BaseFitter:
        damaged = "the file is damaged or was edited: refit and save the model again"
        try:
            model = cls(**state["init"])
            model._check_penalizer()
            values = np.array([float(params[name]) for name in cls._param_names])
            log_likelihood = float(state["log_likelihood"])
            n_customers = float(state["n_customers"])
            log_variance = np.array(state["log_variance"], dtype=np.float64)
        except (KeyError, TypeError, ValueError, DataValidationError) as error:
            raise DataValidationError(f"{path}: {error}; {damaged}") from None
        for name, value in zip(cls._param_names, values, strict=True):
            if not np.isfinite(value) or value <= 0:
                raise DataValidationError(
                    f"{path}: parameter {name} = {params[name]!r} is not a finite positive "
                    f"number; {damaged}"
                )
        size = len(cls._param_names)
        if (
            not np.isfinite(log_likelihood)
            or not np.isfinite(n_customers)
            or n_customers <= 0
            or log_variance.shape != (size, size)
            or np.isinf(log_variance).any()
        ):
            raise DataValidationError(
                f"{path}: the log-likelihood, number of customers or covariance is not what a "
                f"fit leaves; {damaged}"
            )
        model._set_fitted_attributes(values, log_likelihood, n_customers, log_variance)
        diagnostics = state.get("diagnostics")
        if isinstance(diagnostics, dict):
            model.diagnostics_ = diagnostics
            if "dropout_identified" in diagnostics:
                model.dropout_identified_ = bool(diagnostics["dropout_identified"])
        if "data" in state:
            model.data = model._loaded_data(state["data"], path, damaged)
        elif "simulation_ages" in state:
            model._saved_ages = to_float(state["simulation_ages"], "simulation_ages")
        return model

    def _loaded_data(self, saved: dict, path: str | Path, damaged: str) -> pd.DataFrame:
        """The saved ``data``, checked as the histories of a fit."""
        names, checks = self._history
        try:
            columns = {name: to_float(saved["columns"][name], name) for name in names}
            weights = check_weights(saved["columns"]["weights"], len(columns[names[0]]))
            index = pd.Index(saved["index"], name=saved["index_name"])
            check_histories(columns, index, remedy=damaged, **checks)
        except (KeyError, TypeError, DataValidationError) as error:
            raise DataValidationError(f"{path}: the saved data are not valid: {error}") from None
        return pd.DataFrame({**columns, "weights": weights}, index=index)

    def _simulation_ages(self) -> np.ndarray | None:
        """Each fitted customer's age (T or n_periods), for `generate_new_data`; None unknown.

        Rows standing for several customers (whole-number weights) count that many times.
        """
        data = getattr(self, "data", None)
        if data is None:
            return getattr(self, "_saved_ages", None)
        ages = data[self._history[0][-1]].to_numpy(dtype=np.float64)
        weights = data["weights"].to_numpy()
        if np.array_equal(weights, np.round(weights)):
            return np.repeat(ages, weights.astype(np.int64))
        return ages

    def _simulated(self, generate: Callable[..., pd.DataFrame], size: int, random_state: object):
        """Customers drawn by ``generate`` with the fitted parameters and ages."""
        check_fitted(self)
        ages = self._simulation_ages()
        if ages is None or not len(ages):
            raise DataValidationError(
                f"this {type(self).__name__} has no ages to simulate customers with: it was "
                "loaded without its data; fit it, or save it with save_generate_data_method=True"
            )
        if isinstance(size, bool) or not isinstance(size, int | np.integer) or size < 1:
            raise DataValidationError(
                f"size must be a whole number of customers >= 1, got {size!r}"
            )
        return generate(
            np.resize(ages, size),
            *self.params_.to_numpy(),
            size=int(size),
            random_state=random_state,
        )


def _outside_this_package() -> int:
    """The ``stacklevel`` of a warning from a fit that points at the code calling the fitter.

    Counted from the caller of this function, past every frame of ``crm_analytics.clv``
    (a fit's depth varies: a subclass's ``fit``, `compare_models`...).
    """
    frame, level = sys._getframe(2), 2
    while frame is not None and frame.f_globals.get("__name__", "").startswith(__package__):
        frame, level = frame.f_back, level + 1
    return level


def _default_arguments(cls: type) -> dict[str, object]:
    signature = inspect.signature(cls.__init__)
    return {
        name: parameter.default
        for name, parameter in signature.parameters.items()
        if parameter.default is not inspect.Parameter.empty
    }


def _short_number(value: float) -> str:
    """Two decimals as lifetimes prints them, unless that would hide the value's size.

    Examples
    --------
    >>> _short_number(4.4136), _short_number(0.0034), _short_number(3369778.4)
    ('4.41', '0.0034', '3.37e+06')
    """
    if value == 0 or 0.01 <= abs(value) < 1e5:
        return f"{value:.2f}"
    return f"{value:.3g}"


class _Objective:
    """Penalised mean negative log-likelihood of the log-parameters, with its gradient."""

    def __init__(self, log_likelihood: LogLikelihood, sample: Sample, penalizer: float):
        self._log_likelihood = log_likelihood
        self._sample = sample
        self._penalizer = penalizer
        self._total_weight = float(sample.weights.sum())
        self.evaluations = 0

    def value(self, log_params: np.ndarray) -> float:
        params = np.exp(log_params)
        total, _ = self._log_likelihood(params, self._sample, False)
        self.evaluations += 1
        return -total / self._total_weight + self._penalizer * dot(params, params)

    def value_and_gradient(self, log_params: np.ndarray) -> tuple[float, np.ndarray]:
        params = np.exp(log_params)
        with np.errstate(all="ignore"):
            total, gradient = self._log_likelihood(params, self._sample, True)
        self.evaluations += 1
        if not np.isfinite(total):
            return np.inf, np.zeros_like(log_params)
        value = -total / self._total_weight + self._penalizer * dot(params, params)
        if gradient is None:
            return value, self._numerical_gradient(log_params)
        return value, -gradient * params / self._total_weight + 2 * self._penalizer * params**2

    def _numerical_gradient(self, log_params: np.ndarray) -> np.ndarray:
        steps = np.eye(len(log_params)) * _STEP
        with np.errstate(all="ignore"):
            return np.array(
                [
                    (self.value(log_params + h) - self.value(log_params - h)) / (2 * _STEP)
                    for h in steps
                ]
            )

    def hessian(self, log_params: np.ndarray) -> np.ndarray:
        """Hessian of the objective on the log scale, by central differences of the gradient."""
        steps = np.eye(len(log_params)) * _STEP
        columns = [
            (
                self.value_and_gradient(log_params + h)[1]
                - self.value_and_gradient(log_params - h)[1]
            )
            / (2 * _STEP)
            for h in steps
        ]
        matrix = np.column_stack(columns)
        return (matrix + matrix.T) / 2
