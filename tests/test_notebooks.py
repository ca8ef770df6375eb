"""The notebooks are kept in git without outputs (they run in the suite through nbmake)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def test_the_notebooks_are_there():
    assert [path.stem[:2] for path in NOTEBOOKS] == ["01", "02", "03", "04", "05", "06", "07"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.stem for path in NOTEBOOKS])
def test_outputs_are_stripped(path: Path):
    code_cells = [
        cell for cell in json.loads(path.read_text())["cells"] if cell["cell_type"] == "code"
    ]
    assert code_cells, f"{path.name} has no code"
    for number, cell in enumerate(code_cells, start=1):
        assert cell["outputs"] == [] and cell["execution_count"] is None, (
            f"{path.name}: code cell {number} holds outputs; clear them before committing "
            "(jupyter nbconvert --clear-output --inplace notebooks/*.ipynb)"
        )
