from __future__ import annotations

import pytest

from crm_analytics import ConvergenceError, DataValidationError, NotFittedError


def test_data_validation_error_is_a_value_error():
    with pytest.raises(ValueError, match="column 'x' not found"):
        raise DataValidationError("column 'x' not found")


def test_not_fitted_error_is_sklearns():
    from sklearn.exceptions import NotFittedError as SklearnNotFitted

    assert NotFittedError is SklearnNotFitted


def test_convergence_error_is_a_runtime_error():
    assert issubclass(ConvergenceError, RuntimeError)
