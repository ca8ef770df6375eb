"""A crafted model file cannot run code: pickles, object arrays, hostile skops payloads and
smuggled settings are refused with a DataValidationError, and nothing executes.

Each hostile payload, if it ran, would create the folder ``ran`` beside the model file; every
test checks that it does not exist afterwards.
"""

from __future__ import annotations

import functools
import io
import json
import os
import pickle

import joblib
import numpy as np
import pandas as pd
import pytest
import skops.io
from sklearn.cluster import KMeans
from sklearn.linear_model import LogisticRegression

from crm_analytics._persist import FORMAT, load_model, save_model
from crm_analytics.churn.model import ChurnModel
from crm_analytics.datasets import make_transactions
from crm_analytics.exceptions import DataValidationError
from crm_analytics.segmentation import CustomerClusterer, RFMScorer
from crm_analytics.summary import rfm_summary


class _RunsCode:
    """Unpickling this calls ``os.mkdir(target)``: the classic pickle exploit."""

    def __init__(self, target: str) -> None:
        self.target = target

    def __reduce__(self):
        return (os.mkdir, (self.target,))


@pytest.fixture(scope="module")
def summary() -> pd.DataFrame:
    transactions, _ = make_transactions(600, seed=3)
    return rfm_summary(transactions)


@pytest.fixture(scope="module")
def saved(summary, tmp_path_factory) -> dict[str, object]:
    folder = tmp_path_factory.mktemp("models")
    rfm = RFMScorer().fit(summary)
    clusterer = CustomerClusterer(n_clusters=3, random_state=0).fit(summary)
    return {
        "folder": folder,
        "rfm": rfm.save(folder / "rfm.npz"),
        "clusterer": clusterer.save(folder / "clusterer.npz"),
        "rfm_model": rfm,
    }


def _members(path) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as archive:
        return {name: archive[name] for name in archive.files}


def _rewrite(path, target, *, state=None, **members) -> None:
    """Copy the model file at ``path`` to ``target`` with its JSON or members replaced."""
    content = _members(path)
    if state is not None:
        document = json.loads(content["state"].tobytes())
        state(document)
        content["state"] = np.frombuffer(json.dumps(document).encode(), dtype=np.uint8)
    content.update(members)
    with open(target, "wb") as handle:
        np.savez(handle, **content)


@pytest.mark.parametrize("model", [RFMScorer, CustomerClusterer, ChurnModel])
def test_a_pickle_is_refused_and_does_not_run(tmp_path, model):
    path = tmp_path / "model.npz"
    path.write_bytes(pickle.dumps(_RunsCode(str(tmp_path / "ran"))))
    with pytest.raises(
        DataValidationError,
        match=rf"model.npz could not be loaded: it is not a {model.__name__} model file \(it "
        r"holds pickled data, which could run code when loaded\); .* the joblib/pickle files of "
        r"earlier versions are refused: retrain and save it again",
    ):
        model.load(path)
    assert not (tmp_path / "ran").exists()


def test_a_joblib_file_of_an_earlier_version_is_refused(saved, tmp_path):
    path = tmp_path / "rfm.joblib"
    joblib.dump(saved["rfm_model"], path)
    with pytest.raises(DataValidationError, match=r"rfm.joblib could not be loaded: .*pickled"):
        RFMScorer.load(path)
    joblib.dump(_RunsCode(str(tmp_path / "ran")), path, compress=3)
    with pytest.raises(DataValidationError, match=r"rfm.joblib could not be loaded"):
        RFMScorer.load(path)
    assert not (tmp_path / "ran").exists()


def test_an_object_array_smuggled_into_the_archive_is_refused(saved, tmp_path):
    hostile = np.array([_RunsCode(str(tmp_path / "ran"))], dtype=object)
    target = tmp_path / "rfm.npz"
    content = _members(saved["rfm"])
    content["array.edges"] = hostile
    with open(target, "wb") as handle:
        np.savez(handle, **content)  # numpy pickles object arrays when asked to save them
    with pytest.raises(
        DataValidationError,
        match=r"rfm.npz could not be loaded: it is not a RFMScorer model file \(it holds "
        r"pickled data",
    ):
        RFMScorer.load(target)
    assert not (tmp_path / "ran").exists()


@pytest.mark.parametrize(
    "payload",
    [
        lambda target: functools.partial(os.mkdir, target),
        lambda target: _RunsCode(target),
        lambda target: os.system,
    ],
    ids=["partial-of-mkdir", "reduce-object", "os-system"],
)
def test_a_hostile_skops_payload_is_refused(saved, tmp_path, payload):
    target = tmp_path / "clusterer.npz"
    hostile = skops.io.dumps(payload(str(tmp_path / "ran")))
    _rewrite(
        saved["clusterer"],
        target,
        **{"estimator.pipeline": np.frombuffer(hostile, dtype=np.uint8)},
    )
    with pytest.raises(
        DataValidationError,
        match=r"clusterer.npz could not be loaded: it is damaged or was not written by "
        r"CustomerClusterer.save \(its pipeline needs types that are not trusted",
    ):
        CustomerClusterer.load(target)
    assert not (tmp_path / "ran").exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda doc: doc["state"]["params"].update(recency_col={"py/object": "os.system"}),
            r"the column names are not text",
        ),
        (
            lambda doc: doc["state"]["params"].update(__reduce__=["os.mkdir", "ran"]),
            r"its settings are not an RFMScorer's",
        ),
        (lambda doc: doc["state"]["params"].update(bins=True), r"bins must be a whole number"),
        (lambda doc: doc["state"].update(n_customers=-5), r"n_customers=-5 is not a positive"),
        (lambda doc: doc.update(kind="ChurnModel"), r"holds a ChurnModel, not a RFMScorer"),
        (lambda doc: doc.update(version=99), r"it has format version 99; this version"),
        (lambda doc: doc.update(format="other"), r"it is not a crm_analytics model file"),
        (lambda doc: doc["arrays"].append("extra"), r"the array 'extra' is missing"),
    ],
)
def test_smuggled_or_damaged_settings_are_refused(saved, tmp_path, change, message):
    target = tmp_path / "rfm.npz"
    _rewrite(saved["rfm"], target, state=change)
    with pytest.raises(DataValidationError, match=message):
        RFMScorer.load(target)
    assert not (tmp_path / "ran").exists()


@pytest.mark.parametrize(
    ("edges", "message"),
    [
        (np.zeros((3, 3)), r"has dtype float64 and shape \(3, 3\), expected kind 'f' and shape "
         r"\(4, 3\)"),
        (np.full((4, 3), np.nan), r"holds invalid values \(edges must be finite and ordered"),
        (np.tile(np.arange(4.0), (3, 1)).T, r"holds invalid values"),  # recency rising
        (np.array([["a"] * 3] * 4), r"has dtype <U1"),
    ],
)  # fmt: skip
def test_edges_of_the_wrong_shape_type_or_order_are_refused(saved, tmp_path, edges, message):
    target = tmp_path / "rfm.npz"
    _rewrite(saved["rfm"], target, **{"array.edges": edges})
    with pytest.raises(DataValidationError, match=message):
        RFMScorer.load(target)


def test_a_clusterer_with_a_broken_numbering_or_pipeline_is_refused(saved, tmp_path):
    target = tmp_path / "clusterer.npz"
    _rewrite(saved["clusterer"], target, **{"array.label_map": np.array([0, 0, 1])})
    with pytest.raises(DataValidationError, match=r"the cluster numbers must be 0 .. n_clusters"):
        CustomerClusterer.load(target)
    _rewrite(saved["clusterer"], target, state=lambda doc: doc["state"].update(n_clusters=4))
    with pytest.raises(DataValidationError, match=r"'label_map' has dtype int64 and shape \(3,\)"):
        CustomerClusterer.load(target)
    other = skops.io.dumps(KMeans(n_clusters=3))  # trusted, but not the pipeline
    _rewrite(saved["clusterer"], target, **{"estimator.pipeline": np.frombuffer(other, np.uint8)})
    with pytest.raises(DataValidationError, match=r"the pipeline is not log -> scale -> model"):
        CustomerClusterer.load(target)


def test_a_truncated_or_swapped_file_is_refused(saved, tmp_path):
    target = tmp_path / "clusterer.npz"
    target.write_bytes(saved["clusterer"].read_bytes()[:4000])
    with pytest.raises(DataValidationError, match=r"clusterer.npz could not be loaded"):
        CustomerClusterer.load(target)
    with pytest.raises(
        DataValidationError, match=r"clusterer.npz holds a CustomerClusterer, not a RFMScorer"
    ):
        RFMScorer.load(saved["clusterer"])
    with pytest.raises(DataValidationError, match=r"no saved RFMScorer at .*absent.npz"):
        RFMScorer.load(tmp_path / "absent.npz")


def test_the_container_refuses_unsafe_content_at_save(tmp_path):
    with pytest.raises(DataValidationError, match=r"the array 'x' holds object values"):
        save_model(tmp_path / "m.npz", kind="Test", state={}, arrays={"x": np.array([{}])})
    with pytest.raises(DataValidationError, match=r"a setting is not plain data"):
        save_model(tmp_path / "m.npz", kind="Test", state={"when": pd.Timestamp("2024-01-01")})
    with pytest.raises(DataValidationError, match=r"cannot be saved safely: its thing"):
        save_model(tmp_path / "m.npz", kind="Test", state={}, estimators={"thing": _RunsCode("x")})
    assert list(tmp_path.iterdir()) == []


def test_the_container_round_trips_and_reads_from_bytes(tmp_path):
    path = save_model(
        tmp_path / "m.npz", kind="Test", state={"a": [1, 2.5, "x", None]},
        arrays={"values": np.arange(3.0), "names": np.array(["a", "bc"])},
    )  # fmt: skip
    archive = load_model(io.BytesIO(path.read_bytes()), kind="Test")
    assert archive.state["a"] == [1, 2.5, "x", None]
    np.testing.assert_array_equal(archive.arrays["values"], np.arange(3.0))
    assert archive.arrays["names"].tolist() == ["a", "bc"]
    document = json.loads(_members(path)["state"].tobytes())
    assert document["format"] == FORMAT and document["kind"] == "Test"


def test_a_churn_model_whose_classifier_does_not_match_its_features_is_refused(tmp_path):
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"recency": rng.uniform(0, 300, 400), "plan": rng.choice(["a", "b"], 400)})
    y = pd.Series((X["recency"] + rng.normal(0, 60, 400) > 150).astype(int))
    path = ChurnModel(calibration=None, n_reason_features=2).fit(X, y).save(tmp_path / "c.npz")
    other = LogisticRegression().fit(pd.DataFrame({"x": [0.0, 1.0]}), [0, 1])
    target = tmp_path / "swapped.npz"
    _rewrite(path, target, **{"estimator.model": np.frombuffer(skops.io.dumps(other), np.uint8)})
    with pytest.raises(
        DataValidationError,
        match=r"the classifier is not one fitted on the saved features with classes 0 and 1",
    ):
        ChurnModel.load(target)
    _rewrite(path, target, state=lambda doc: doc["state"].update(base_rate=1.5))
    with pytest.raises(DataValidationError, match=r"base_rate=1.5 is not a share in \(0, 1\)"):
        ChurnModel.load(target)
    _rewrite(path, target, state=lambda doc: doc["state"]["params"].update(tier_by="random"))
    with pytest.raises(DataValidationError, match=r"its settings are invalid \(tier_by='random'"):
        ChurnModel.load(target)
