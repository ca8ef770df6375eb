"""A folder whose manifest no longer matches it is refused, naming the file."""

from __future__ import annotations

import hashlib
import json

import pytest

from crm_analytics._manifest import (
    file_digest,
    manifest_digest,
    read_verified,
    verify_manifest,
    write_manifest,
)
from crm_analytics.exceptions import DataValidationError


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "rfm.npz").write_bytes(b"rfm model")
    (tmp_path / "churn.npz").write_bytes(b"churn model")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "config.toml").write_text("as_of = 2024-01-01\n")
    write_manifest(tmp_path, metadata={"written_by": "tests"})
    return tmp_path


def test_the_manifest_holds_the_sha256_of_each_file(folder):
    content = verify_manifest(folder)
    assert sorted(content["files"]) == ["churn.npz", "rfm.npz", "sub/config.toml"]
    assert content["files"]["rfm.npz"] == {
        "sha256": hashlib.sha256(b"rfm model").hexdigest(),
        "bytes": 9,
    }
    assert content["metadata"] == {"written_by": "tests"}
    assert file_digest(folder / "rfm.npz") == hashlib.sha256(b"rfm model").hexdigest()


def test_an_edited_file_is_refused_by_name(folder):
    (folder / "rfm.npz").write_bytes(b"rfm modeL")  # same size, other bytes
    with pytest.raises(
        DataValidationError,
        match=r"'rfm.npz' in '.*' was changed after its manifest was written \(SHA-256 "
        r"[0-9a-f]{12}\.\.\., [0-9a-f]{12}\.\.\. expected\); it was edited or swapped",
    ):
        verify_manifest(folder)


def test_a_swapped_file_is_refused_by_name(folder):
    (folder / "rfm.npz").write_bytes((folder / "churn.npz").read_bytes())
    with pytest.raises(
        DataValidationError,
        match=r"'rfm.npz' in .* was changed after its manifest was written \(11 bytes, 9 "
        r"expected\)",
    ):
        verify_manifest(folder)


def test_a_missing_file_and_a_missing_manifest_are_refused(folder):
    (folder / "sub" / "config.toml").unlink()
    with pytest.raises(
        DataValidationError, match=r"'sub/config.toml' is listed in the manifest of .* but missing"
    ):
        verify_manifest(folder)
    (folder / "manifest.json").unlink()
    with pytest.raises(DataValidationError, match=r"has no manifest \(manifest.json\)"):
        verify_manifest(folder)


def test_files_added_later_are_not_trusted(folder):
    (folder / "extra.npz").write_bytes(b"planted")
    verify_manifest(folder)
    with pytest.raises(
        DataValidationError, match=r"'extra.npz' in .* is not listed in its manifest"
    ):
        verify_manifest(folder, required=["rfm.npz", "extra.npz"])
    with pytest.raises(
        DataValidationError, match=r"1 file\(s\) in .* are not in its manifest \(e.g. 'extra.npz'\)"
    ):
        verify_manifest(folder, allow_unlisted=False)


def test_a_rewritten_manifest_is_caught_by_its_pinned_digest(folder):
    pinned = manifest_digest(folder)
    verify_manifest(folder, expected_digest=pinned)
    (folder / "rfm.npz").write_bytes(b"planted")
    write_manifest(folder)
    verify_manifest(folder)
    with pytest.raises(
        DataValidationError, match=r"is not the one recorded \(its SHA-256 differs\)"
    ):
        verify_manifest(folder, expected_digest=pinned)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", r"is not JSON"),
        ('{"format": "other"}', r"is not a crm_analytics manifest"),
        (
            json.dumps(
                {
                    "format": "crm_analytics.manifest",
                    "version": 1,
                    "algorithm": "sha256",
                    "files": {"../../etc/passwd": {"sha256": "0" * 64, "bytes": 1}},
                }
            ),
            r"is damaged: its entry for '../../etc/passwd' is not a file path with a hash",
        ),
        (
            json.dumps(
                {
                    "format": "crm_analytics.manifest",
                    "version": 1,
                    "algorithm": "sha256",
                    "files": {"rfm.npz": {"sha256": "xyz", "bytes": 9}},
                }
            ),
            r"is damaged: its entry for 'rfm.npz'",
        ),
        (
            json.dumps(
                {
                    "format": "crm_analytics.manifest",
                    "version": 9,
                    "algorithm": "sha256",
                    "files": {},
                }
            ),
            r"is of version 9; this library reads version 1",
        ),
    ],
)
def test_a_damaged_manifest_is_refused(folder, content, message):
    (folder / "manifest.json").write_text(content)
    with pytest.raises(DataValidationError, match=message):
        verify_manifest(folder)


def test_paths_outside_the_folder_are_refused(folder, tmp_path_factory):
    outside = tmp_path_factory.mktemp("elsewhere") / "x.npz"
    outside.write_bytes(b"x")
    with pytest.raises(DataValidationError, match=r"is not inside"):
        write_manifest(folder, [outside])
    with pytest.raises(DataValidationError, match=r"is not a path inside"):
        write_manifest(folder, ["../x.npz"])


def test_read_verified_returns_the_checked_bytes(folder):
    manifest = verify_manifest(folder)
    assert read_verified(folder, "rfm.npz", manifest) == b"rfm model"
    (folder / "rfm.npz").write_bytes(b"swapped!!")
    with pytest.raises(DataValidationError, match=r"'rfm.npz' in .* was changed"):
        read_verified(folder, "rfm.npz", manifest)
