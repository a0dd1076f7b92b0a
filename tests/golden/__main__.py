"""``uv run python -m tests.golden``: rerun the golden cases and rewrite ``tests/golden/runs.json``."""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a file: tests/golden/regenerate.py
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    __package__ = "tests.golden"

from tests.golden import CASES, GOLDEN_FILE, load, regenerate


def main() -> None:
    """Rewrite the golden file and say how many cases changed."""
    before = load() if GOLDEN_FILE.exists() else {}
    regenerate()
    after = load()
    changed = sorted(name for name in after if before.get(name) != after[name])
    print(f"wrote {GOLDEN_FILE} ({len(CASES)} cases; {len(changed)} changed: {', '.join(changed) or 'none'})")


if __name__ == "__main__":
    main()
