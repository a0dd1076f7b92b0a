"""The small experiments the sweep tests share, and copies of their swept folders.

Warm-ups are short (20 days): the sweep tests check the machinery (tables, manifests, resume,
analysis), not a going concern. ``conftest.py`` sweeps each once per test session (the
``tiny_sweep``, ``tiny_series_sweep`` and ``sobol_sweep`` fixtures); tests read those folders,
or sweep into a copy (:func:`copy_sweep`) when they change one.
"""

from __future__ import annotations

import shutil
from pathlib import Path

TINY = """
name = "tiny"
scenarios = ["separate"]
design = "factorial"
replications = 3
seed = 7
days = 15
[set]
"market.prospects" = 600
"sales.headcount" = 3
"horizon.warmup_days" = 20
[factors]
structure = { levels = ["separate", "merged", "aligned"] }
"sla.response_hours" = { levels = [2, 48] }
"""
TINY_SERIES = TINY.replace("days = 15", "days = 15\nseries = true")

SOBOL = """
name = "sobol"
design = "sobol"
samples = 4
days = 15
seed = 2
[set]
"market.prospects" = 500
"sales.headcount" = 2
"horizon.warmup_days" = 20
[factors]
"marketing.budget" = { range = [0, 2000000] }
"sla.response_hours" = { range = [1, 96] }
"""


def write(tmp_path: Path, text: str, name: str = "exp.toml") -> Path:
    """``text`` written to ``tmp_path/name``; its path."""
    path = tmp_path / name
    path.write_text(text)
    return path


def copy_sweep(swept: Path, tmp_path: Path, name: str = "out") -> Path:
    """A copy of a shared swept folder in ``tmp_path``, for a test that changes it."""
    out = tmp_path / name
    shutil.copytree(swept, out)
    return out
