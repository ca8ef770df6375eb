"""The README's Python quick start runs as written, from the repository root."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def test_quick_start_runs(monkeypatch):
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    assert blocks, "the README has no Python block"
    monkeypatch.chdir(ROOT)
    namespace: dict = {"print": lambda *args: None}
    for block in blocks:
        exec(compile(block, "README.md", "exec"), namespace)
    clv = namespace["clv"]
    assert isinstance(clv, pd.Series) and len(clv) == len(namespace["summary"])
    assert (clv >= 0).all() and clv.sum() > 0
    assert namespace["segments"].notna().all()
