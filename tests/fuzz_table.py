"""The fuzz table, kept under its old name: ``uv run python -m tests.fuzz_table`` runs
``benchmarks/fuzz_ranges.py`` (the script, its options and its tables are documented there)."""

from __future__ import annotations

from benchmarks.fuzz_ranges import MAX_DRAWS, all_high, main, run_one, table, uniform_draw

__all__ = ["MAX_DRAWS", "all_high", "main", "run_one", "table", "uniform_draw"]

if __name__ == "__main__":
    main()
