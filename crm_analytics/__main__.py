"""``python -m crm_analytics``: the ``crm-analytics`` command (``python -m crm_analytics demo``)."""

from __future__ import annotations

from crm_analytics.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
