"""Progress bars: drawn for someone watching, silent in tests, cron jobs and pipes."""

from __future__ import annotations

import io
import sys

import pytest

from crm_analytics import _progress
from crm_analytics.clv import BetaGeoFitter, ParetoNBDFitter
from crm_analytics.datasets import load_cdnow_summary


@pytest.fixture
def watched(monkeypatch):
    """As if someone watched (a terminal or a notebook); bars go to the captured stderr."""
    monkeypatch.setattr(_progress, "interactive", lambda: True)


def test_silent_without_a_terminal(capsys):
    assert not _progress.interactive()
    assert list(_progress.progress(range(3), desc="steps")) == [0, 1, 2]
    assert capsys.readouterr().err == ""


def test_a_terminal_on_stderr_is_someone_watching(monkeypatch):
    terminal = io.StringIO()
    terminal.isatty = lambda: True
    monkeypatch.setattr(sys, "stderr", terminal)
    assert _progress.interactive()


def test_bar_when_watched(watched, capsys):
    assert list(_progress.progress([1, 2], desc="backtest cutoffs", unit="cutoff")) == [1, 2]
    assert "backtest cutoffs:   0%|          | 0/2" in capsys.readouterr().err


def test_pareto_nbd_fit_shows_its_iterations_and_bg_nbd_does_not(watched, capsys):
    summary = load_cdnow_summary()
    BetaGeoFitter().fit(summary)
    assert capsys.readouterr().err == ""
    ParetoNBDFitter().fit(summary)
    assert "ParetoNBDFitter fit" in capsys.readouterr().err


def test_text_bar_beside_a_kernel_that_is_not_running_this_code(monkeypatch):
    """ipykernel imported (by nbmake, say) is not a notebook: no widget."""
    from tqdm.std import tqdm

    monkeypatch.setitem(sys.modules, "ipykernel", sys)
    assert _progress._bar_class() is tqdm
