"""Damaged Parquet parts are caught (page checksums), named in one line, and resume re-runs them."""

from __future__ import annotations

import logging
import random
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from orgsim.errors import InputError
from orgsim.experiment.storage import DAMAGED, DamagedPartError, load_runs, load_series
from orgsim.experiment.sweep import sweep

EXPERIMENT = """
name = "small"
scenarios = ["separate"]
replications = 4
seed = 3
days = 8
series = true
[set]
"market.prospects" = 500
[factors]
structure = { levels = ["separate", "aligned"] }
"""


def parts(out: Path, kind: str = "runs") -> list[Path]:
    return sorted((out / kind).glob("part-*.parquet"))


def table(out: Path) -> pd.DataFrame:
    return load_runs(out).drop(columns=["elapsed_s"])


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> tuple[Path, Path]:
    """The experiment file and a complete sweep of it, written as several parts."""
    tmp = tmp_path_factory.mktemp("damage")
    exp = tmp / "exp.toml"
    exp.write_text(EXPERIMENT)
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as one:  # runs complete one by one: a part every 3 runs
        return exp, sweep(exp, tmp / "ref", executor=one, chunk_runs=3)


def copy_of(reference: tuple[Path, Path], tmp_path: Path) -> Path:
    import shutil

    out = tmp_path / "out"
    shutil.copytree(reference[1], out)
    return out


@pytest.mark.parametrize(
    "damage",
    [
        lambda b: b[: len(b) // 2],  # truncated
        lambda b: b"",  # emptied
        lambda b: b"not parquet at all " * 20,  # garbage
    ],
    ids=["truncated", "emptied", "garbage"],
)
def test_a_damaged_part_is_one_line_naming_it(reference, tmp_path, damage):
    out = copy_of(reference, tmp_path)
    part = parts(out)[1]
    part.write_bytes(damage(part.read_bytes()))
    with pytest.raises(DamagedPartError, match=part.name) as info:
        load_runs(out)
    assert "\n" not in str(info.value) and isinstance(info.value, InputError)
    done = subprocess.run(
        [sys.executable, "-m", "orgsim", "analyze", str(out)], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr and part.name in done.stderr


def test_no_bit_flip_changes_a_value_silently(reference, tmp_path):
    """Every flipped bit is either caught or harmless (e.g. in statistics): never a changed table."""
    out = copy_of(reference, tmp_path)
    expected = load_runs(out)
    part = parts(out)[0]
    blob = part.read_bytes()
    rng = random.Random(11)
    caught = 0
    for _ in range(150):
        flipped = bytearray(blob)
        pos = rng.randrange(len(flipped))
        flipped[pos] ^= 1 << rng.randrange(8)
        part.write_bytes(bytes(flipped))
        try:
            got = load_runs(out)
        except DamagedPartError:
            caught += 1
            continue
        pd.testing.assert_frame_equal(got, expected)
    assert caught > 100


def test_resume_sets_a_damaged_part_aside_and_reruns_its_runs(reference, tmp_path, caplog):
    exp, ref = reference
    out = copy_of(reference, tmp_path)
    part = parts(out)[1]
    part.write_bytes(part.read_bytes()[:100])
    with caplog.at_level(logging.WARNING):
        sweep(exp, out, workers=1)
    assert part.name in caplog.text and "damaged" in caplog.text
    assert (out / "runs" / (part.name + DAMAGED)).exists()
    pd.testing.assert_frame_equal(table(out), table(ref))


def test_resume_reruns_runs_whose_series_part_was_damaged(reference, tmp_path):
    exp, ref = reference
    out = copy_of(reference, tmp_path)
    part = parts(out, "series")[0]
    part.write_bytes(b"garbage")
    sweep(exp, out, workers=1)
    assert table(out)["run_id"].is_unique
    pd.testing.assert_frame_equal(table(out), table(ref))
    pd.testing.assert_frame_equal(load_series(out), load_series(ref))


def test_a_deleted_manifest_says_the_runs_can_be_recovered(reference, tmp_path):
    exp, _ = reference
    out = copy_of(reference, tmp_path)
    (out / "manifest.json").unlink()
    with pytest.raises(InputError, match="can be recovered") as info:
        sweep(exp, out, workers=1)
    assert "load_runs" in str(info.value)
    assert len(load_runs(out)) == 8  # and they can: the parts need no manifest


def test_analyze_and_report_of_a_dir_without_its_manifest_point_to_the_runs(reference, tmp_path):
    out = copy_of(reference, tmp_path)
    (out / "manifest.json").unlink()
    for command in (["analyze", str(out)], ["report", str(out), "--quiet"]):
        done = subprocess.run([sys.executable, "-m", "orgsim", *command], capture_output=True, text=True)
        assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
        assert "load_runs" in done.stderr and "deleted?" in done.stderr
