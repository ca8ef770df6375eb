"""Model folders: what is saved, loaded and refused."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from crm_analytics._manifest import MANIFEST, write_manifest
from crm_analytics.exceptions import DataValidationError
from crm_analytics.runs import load_models, save_models
from crm_analytics.scoring import score_customers


def test_save_load_round_trip_gives_the_same_scores(models, shop, config, tmp_path):
    transactions, customers = shop
    save_models(models, tmp_path / "models")
    files = sorted(path.name for path in (tmp_path / "models").iterdir())
    assert files == [
        "bgnbd.json",
        "churn.npz",
        "clusterer.npz",
        "config.toml",
        "gamma_gamma.json",
        "manifest.json",
        "metadata.json",
        "rfm.npz",
    ]
    metadata = json.loads((tmp_path / "models" / "metadata.json").read_text())
    assert metadata["as_of"] == str(models.as_of.date())
    assert metadata["params"]["bgnbd"] == pytest.approx(models.params()["bgnbd"])
    loaded = load_models(tmp_path / "models")
    assert loaded.model == models.model and loaded.as_of == models.as_of
    pd.testing.assert_frame_equal(
        score_customers(transactions, customers, config=config, models=loaded),
        score_customers(transactions, customers, config=config, models=models),
        check_exact=True,
    )


def test_saved_with_other_versions_warns(models, tmp_path):
    folder = save_models(models, tmp_path / "models")
    metadata = json.loads((folder / "metadata.json").read_text())
    metadata["versions"]["scikit-learn"] = "0.1"
    (folder / "metadata.json").write_text(json.dumps(metadata))
    with pytest.raises(DataValidationError, match="'metadata.json' .* was changed after its"):
        load_models(folder)
    _rewrite_manifest(folder)  # as a folder saved by another version would be
    with pytest.warns(UserWarning, match=r"scikit-learn 0.1 -> "):
        load_models(folder)


def _rewrite_manifest(folder):
    write_manifest(folder, [path.name for path in folder.iterdir() if path.name != MANIFEST])


def test_loading_an_empty_folder(tmp_path):
    with pytest.raises(DataValidationError, match="no saved models in .*metadata.json"):
        load_models(tmp_path)


def test_a_damaged_model_folder_is_reported(models, tmp_path):
    folder = save_models(models, tmp_path / "models")
    (folder / "metadata.json").write_text('{"as_of": "2025-06-28"}')
    _rewrite_manifest(folder)
    with pytest.raises(DataValidationError, match="not written by save_models"):
        load_models(folder)
    (folder / "metadata.json").write_text("{")
    _rewrite_manifest(folder)
    with pytest.raises(DataValidationError, match="is not valid JSON"):
        load_models(folder)
    (folder / "manifest.json").unlink()
    with pytest.raises(DataValidationError, match="manifest"):
        load_models(folder)
