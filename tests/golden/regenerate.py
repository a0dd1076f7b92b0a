"""``uv run python tests/golden/regenerate.py``: the same as ``uv run python -m tests.golden``."""

import runpy
from pathlib import Path

runpy.run_path(str(Path(__file__).with_name("__main__.py")), run_name="__main__")
