"""Without lifelines the package imports, scores contracts, and names the extra it needs."""

from __future__ import annotations

import sys

import pytest

from crm_analytics.datasets import make_contracts
from crm_analytics.survival import contract_scores, contract_tenure, kaplan_meier


def test_contract_scores_need_no_lifelines_and_curves_name_the_extra(monkeypatch):
    # A None entry in sys.modules makes `import lifelines` raise ImportError.
    monkeypatch.setitem(sys.modules, "lifelines", None)
    customers = make_contracts(1_000, seed=1)
    scores = contract_scores(customers, as_of="2024-01-01", margin="fee", horizons=[3])
    assert scores["survival_3"].between(0, 1).all()
    with pytest.raises(ImportError, match=r"pip install 'crm-analytics\[survival\]'"):
        kaplan_meier(contract_tenure(customers, as_of="2024-01-01"))
