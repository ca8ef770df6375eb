"""The lifetimes public API, name by name: a lifetimes script changes its import and runs.

For every public function of lifetimes' ``utils``, ``plotting``, ``generate_data`` and
``datasets`` and every public method of its fitters, crm_analytics has the same name at the
mirrored path, taking lifetimes' parameters in lifetimes' order with lifetimes' defaults (ours
may add keyword-only ones, such as ``ax`` or ``random_state``). The few defaults that differ on
purpose are listed in DIFFERENT_DEFAULTS, with the reason.
"""

from __future__ import annotations

import importlib
import inspect

import numpy as np
import pytest

MODULES = ["utils", "plotting", "generate_data", "datasets"]
FITTERS = [
    "BetaGeoFitter",
    "ModifiedBetaGeoFitter",
    "ParetoNBDFitter",
    "GammaGammaFitter",
    "BetaGeoBetaBinomFitter",
]
# (where, parameter): why our default differs.
DIFFERENT_DEFAULTS = {
    # The tolerance of our BFGS on the log-parameters (lifetimes': of its own optimiser); None
    # picks 1e-8 (1e-7 for Pareto/NBD), which reaches lifetimes' optimum or a better one.
    ("fit", "tol"): "optimiser-specific",
    # lifetimes' plots take ax through **kwargs or not at all; ours take it explicitly.
    ("plot", "ax"): "explicit",
}
# lifetimes helpers that are public by accident (not in its __all__).
NOT_API = {"coalesce", "forceAspect", "load_dataset_list"}


def public_functions(module) -> dict[str, object]:
    return {
        name: function
        for name, function in inspect.getmembers(module, inspect.isfunction)
        if function.__module__ == module.__name__
        and not name.startswith("_")
        and name not in NOT_API
    }


def check_signature(ours, theirs, where: str) -> None:
    ours_parameters = inspect.signature(ours).parameters
    their_parameters = [
        parameter
        for parameter in inspect.signature(theirs).parameters.values()
        if parameter.kind not in (parameter.VAR_KEYWORD, parameter.VAR_POSITIONAL)
    ]
    positional = [
        name
        for name, parameter in ours_parameters.items()
        if parameter.kind in (parameter.POSITIONAL_ONLY, parameter.POSITIONAL_OR_KEYWORD)
    ]
    for position, parameter in enumerate(their_parameters):
        assert parameter.name in ours_parameters, f"{where}: no parameter {parameter.name}"
        if parameter.kind == parameter.POSITIONAL_OR_KEYWORD and parameter.name != "ax":
            assert positional[position] == parameter.name, f"{where}: {parameter.name} moved"
        mine = ours_parameters[parameter.name].default
        if parameter.default is inspect.Parameter.empty:
            continue
        kind = "plot" if where.startswith("plot") else where.rsplit(".", 1)[-1]
        if (kind, parameter.name) in DIFFERENT_DEFAULTS:
            continue
        same = mine == parameter.default or (
            isinstance(mine, float) and np.isclose(mine, parameter.default)
        )
        assert same, (
            f"{where}({parameter.name}=...): {mine!r} against lifetimes' {parameter.default!r}"
        )


@pytest.mark.parametrize("module_name", MODULES)
def test_every_module_function_exists_with_lifetimes_signature(lifetimes, module_name):
    theirs = importlib.import_module(f"lifetimes.{module_name}")
    ours = importlib.import_module(f"crm_analytics.clv.{module_name}")
    expected = public_functions(theirs)
    assert expected, module_name
    for name, function in expected.items():
        assert hasattr(ours, name), f"crm_analytics.clv.{module_name} lacks {name}"
        check_signature(getattr(ours, name), function, name)


@pytest.mark.parametrize("fitter", FITTERS)
def test_every_fitter_method_exists_with_lifetimes_signature(lifetimes, fitter):
    import crm_analytics.clv as ours

    theirs = getattr(lifetimes, fitter)
    mine = getattr(ours, fitter)
    for name, method in inspect.getmembers(theirs, inspect.isfunction):
        if name.startswith("_"):
            continue
        assert hasattr(mine, name), f"{fitter} lacks {name}"
        check_signature(getattr(mine, name), method, f"{fitter}.{name}")


@pytest.mark.parametrize("fitter", FITTERS)
def test_fitted_models_have_lifetimes_public_attributes(
    lifetimes, fitter, cdnow_monetary, donations
):
    """What lifetimes' fit sets (params_, data, summary, predict, generate_new_data...)."""
    import crm_analytics.clv as ours

    if fitter == "GammaGammaFitter":
        buyers = cdnow_monetary[cdnow_monetary["frequency"] > 0]
        columns = [buyers["frequency"], buyers["monetary_value"]]
        options = {}
    elif fitter == "BetaGeoBetaBinomFitter":
        columns = [donations[name] for name in ("frequency", "recency", "n_periods")]
        options = {"weights": donations["weights"]}
    else:
        columns = [cdnow_monetary[name] for name in ("frequency", "recency", "T")]
        options = {}
    theirs = getattr(lifetimes, fitter)().fit(*columns, **options)
    mine = getattr(ours, fitter)().fit(*columns, **options)
    public = {name for name in dir(theirs) if not name.startswith("_")}
    assert public <= set(dir(mine)), public - set(dir(mine))
    # lifetimes' Pareto/NBD has no standard errors, so no summary; ours has both.
    if fitter != "ParetoNBDFitter":
        assert mine.summary.columns[:4].tolist() == theirs.summary.columns.tolist()


@pytest.mark.parametrize("fitter", ["BetaGeoFitter", "ModifiedBetaGeoFitter", "ParetoNBDFitter"])
def test_probability_alive_matrix_defaults_from_the_data_as_lifetimes(lifetimes, fitter, cdnow):
    """Every cell, frequency 0 with recency > 0 included (a grid, not histories)."""
    import crm_analytics.clv as ours

    mine = getattr(ours, fitter)().fit(cdnow)
    theirs = getattr(lifetimes, fitter)()
    theirs.params_, theirs.data = mine.params_, mine.data
    np.testing.assert_allclose(
        mine.conditional_probability_alive_matrix(),
        theirs.conditional_probability_alive_matrix(),
        rtol=1e-6,
    )
