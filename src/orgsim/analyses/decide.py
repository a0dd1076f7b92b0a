"""Robust decisions: which structure holds up across what the client doesn't know, and where it flips.

An uncertainty file (TOML, see ``uncertainty/default.toml``) names the company, the structures
to compare and the plausible range of every unknown: ``[uncertain]`` ranges are shared by every
structure, ``[uncertain.<structure>]`` ranges say how that structure's own policies would be
kept. :func:`decide` samples N worlds from them (a Latin hypercube, ``scipy.stats.qmc``), runs
every structure in each world R times on common random numbers (replicate r of a world has the
same seed under every structure), through the sweep machinery (streamed Parquet, resume, Dask),
and :func:`analyse` turns the results into the decision: per structure the share of worlds in
which it is best (``p_best``), its regret (the best structure's value in a world minus its
own, in the measure's unit), percentiles of its paired margins, the minimax-regret and
most-often-best choices, PRIM boxes (EMA Workbench) describing where each structure wins, and
extra-trees feature scores for which unknowns move the choice.

A per-structure unknown is named ``structure:dotted.key`` in the results (e.g.
``aligned:sla.response_hours``).
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, field_validator

from orgsim.errors import InputError, validated
from orgsim.experiment.experiment import Experiment, Factor
from orgsim.measures import MEASURES
from orgsim.params import PARAMETERS, STRUCTURES
from orgsim.scenario import Scenario, check_key, load_scenario, read_toml

DEFAULT_MEASURE = "customer_value"  # the decision measure (issue 25): lifetime value, not the horizon
"""The measure a decision is taken on unless ``--measure`` says otherwise (one place to switch)."""

DECISION = "decision.json"
WORLDS = "worlds.parquet"
SPEC = "decide.json"  # the uncertainty file as read and the worlds sampled, in the --out folder
MARGIN_PERCENTILES = (5, 25, 50, 75, 95)
RULE = (
    "minimax regret: pick the structure whose largest regret over the worlds is smallest "
    "(regret = the best structure's {measure} in a world minus this structure's); "
    "most often best: the structure best in the largest share of worlds"
)
MAX_CONDITIONS = 3  # restrictions a box keeps: more are rarely meaningful with tens of worlds
DROP_TOLERANCE = 0.05  # a restriction is dropped when coverage x density falls less than this without it
BOX_RULE = (
    "the box on PRIM's peeling trajectory with the largest coverage x density, then simplified: "
    f"a restriction is dropped while coverage x density falls by less than {DROP_TOLERANCE} without it, "
    f"and at most {MAX_CONDITIONS} are kept (those whose removal would cost most)"
)


def default_file() -> Path:
    """The shipped commented uncertainty file (``orgsim/data/uncertainty/default.toml``)."""
    return Path(str(resources.files("orgsim") / "data" / "uncertainty" / "default.toml"))


# --- the uncertainty file ------------------------------------------------------------------


@dataclass(frozen=True)
class Uncertain:
    """One unknown: a dotted parameter, its range or its levels, and the structure it belongs to.

    ``structure`` is None for a shared unknown. ``name`` is the column it is stored under:
    the dotted key, or ``structure:dotted.key``.
    """

    key: str
    lo: float | None = None
    hi: float | None = None
    levels: tuple[Any, ...] | None = None
    structure: str | None = None

    @property
    def name(self) -> str:
        """The column name: ``key`` or ``structure:key``."""
        return self.key if self.structure is None else f"{self.structure}:{self.key}"

    @property
    def integer(self) -> bool:
        """True for an integer parameter (sampled values are whole numbers)."""
        return self.levels is None and PARAMETERS[self.key].type == "int"

    def value(self, u: float) -> Any:
        """The value at ``u`` in [0, 1): a level, a whole number or a float, uniform over the range."""
        if self.levels is not None:
            return self.levels[min(int(u * len(self.levels)), len(self.levels) - 1)]
        assert self.lo is not None and self.hi is not None
        if self.integer:  # each whole number in [lo, hi] equally likely
            lo, hi = int(self.lo), int(self.hi)
            return min(lo + int(u * (hi - lo + 1)), hi)
        return float(self.lo + u * (self.hi - self.lo))

    def as_dict(self) -> dict[str, Any]:
        """As written in decide.json."""
        if self.levels is not None:
            return {"levels": list(self.levels)}
        return {"range": [self.lo, self.hi]}


class _File(BaseModel):
    """The top level of an uncertainty file (pydantic: unknown keys and wrong types are errors)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    scenario: str = "separate"
    structures: list[str] = ["separate", "merged", "aligned"]
    days: int | None = None
    seed: int = 0
    set: dict[str, Any] = {}  # fixed overrides of the company, as an experiment's [set]
    uncertain: dict[str, Any] = {}

    @field_validator("structures")
    @classmethod
    def _structures(cls, value: list[str]) -> list[str]:
        bad = [s for s in value if s not in STRUCTURES]
        if bad:
            raise ValueError(f"{bad[0]!r} is not a structure; allowed: {', '.join(STRUCTURES)}")
        if len(value) < 2 or len(set(value)) != len(value):
            raise ValueError("list at least two different structures")
        return value

    @field_validator("days")
    @classmethod
    def _days(cls, value: int | None) -> int | None:
        if value is not None and not 1 <= value <= PARAMETERS["horizon.days"].hi:
            raise ValueError(f"use an integer in [1, {PARAMETERS['horizon.days'].hi:g}]")
        return value

    @field_validator("seed")
    @classmethod
    def _seed(cls, value: int) -> int:
        if value < 0:
            raise ValueError("use an integer >= 0")
        return value


@dataclass
class UncertaintySpec:
    """A validated uncertainty file: the company, the structures and the unknowns."""

    scenario: Scenario
    structures: list[str]
    uncertain: list[Uncertain]
    days: int | None = None
    seed: int = 0
    source: str = "<uncertainty>"

    @property
    def names(self) -> list[str]:
        """Column names of the unknowns, in file order."""
        return [u.name for u in self.uncertain]

    def sample(self, n: int) -> pd.DataFrame:
        """``n`` worlds: a scrambled Latin hypercube over the unknowns (``scipy.stats.qmc``), seeded."""
        from scipy.stats import qmc

        if not self.uncertain:
            return pd.DataFrame(index=range(n))
        unit = qmc.LatinHypercube(
            d=len(self.uncertain), seed=np.random.default_rng([self.seed, 0xDEC1])
        ).random(n)
        return pd.DataFrame(
            {u.name: [u.value(float(x)) for x in unit[:, j]] for j, u in enumerate(self.uncertain)}
        )

    def as_dict(self) -> dict[str, Any]:
        """As recorded in decide.json (and in the run's hash)."""
        return {
            "source": self.source,
            "scenario": self.scenario.flat(),
            "structures": list(self.structures),
            "days": self.days,
            "seed": self.seed,
            "uncertain": {u.name: u.as_dict() for u in self.uncertain},
        }


def _fail(source: str, where: str, message: str) -> InputError:
    return InputError(f"{source}: {where}: {message}")


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Dotted keys from nested tables (``market.deal_size = [...]`` written unquoted)."""
    out: dict[str, Any] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and name not in PARAMETERS:
            out.update(_flatten(value, f"{name}."))
        else:
            out[name] = value
    return out


def _uncertain(key: str, value: Any, structure: str | None, base: Scenario, source: str) -> Uncertain:
    """One unknown, checked: a known key, a [low, high] range or a list of levels the schema allows."""
    where = f"uncertain.{structure + '.' if structure else ''}{key}"
    check_key(key, f"{source}: {where}")
    spec = PARAMETERS[key]
    if key == "horizon.days":
        raise _fail(source, where, "the horizon is not uncertain here; set days at the top of the file")
    if isinstance(value, dict) and set(value) == {"levels"}:
        value = value["levels"]
    if not isinstance(value, list) or not value:
        raise _fail(source, where, 'use [low, high] (numbers) or a list of levels such as ["a", "b"]')
    numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
    if numeric and spec.type in ("int", "float"):
        if len(value) != 2:
            raise _fail(source, where, f"a range is [low, high], two numbers; got {len(value)}")
        lo, hi = float(value[0]), float(value[1])
        if not lo < hi:
            raise _fail(source, where, f"low {value[0]} must be below high {value[1]}")
        if spec.type == "int" and not (lo.is_integer() and hi.is_integer()):
            raise _fail(source, where, f"{key} takes whole numbers; give whole-number ends")
        unc = Uncertain(key, lo=lo, hi=hi, structure=structure)
        ends: list[Any] = [int(lo), int(hi)] if spec.type == "int" else [lo, hi]
    else:
        if len(set(map(json.dumps, value))) != len(value):
            raise _fail(source, where, "each level once")
        unc = Uncertain(key, levels=tuple(value), structure=structure)
        ends = list(value)
    for v in ends:  # each end (or level) must make a valid scenario for the structure(s) it is in
        for s in [structure] if structure else [None]:
            overrides = {key: v} if s is None else {"structure": s, key: v}
            try:
                base.with_overrides(overrides, source=f"{source}: {where}")
            except InputError as exc:
                raise InputError(str(exc).split("; did you mean")[0]) from None
    return unc


def parse_uncertainty(
    raw: dict[str, Any], source: str = "<uncertainty>", base_dir: Path | None = None
) -> UncertaintySpec:
    """Validate an uncertainty file given as a TOML-shaped dict (one-line :class:`InputError`)."""
    top = validated(_File, raw, source)
    target = top.scenario
    if target.endswith(".toml") and base_dir is not None and not Path(target).exists():
        target = str(base_dir / target)
    try:
        base = load_scenario(target)
    except InputError as exc:
        raise InputError(f"{source}: scenario: {exc}") from None
    fixed = _flatten(top.set)
    for key in fixed:
        check_key(key, f"{source}: set")
    if top.days is not None:
        fixed["horizon.days"] = top.days
    if fixed:
        base = base.with_overrides(fixed, source=f"{source}: set")
    uncertain: list[Uncertain] = []
    shared = {k: v for k, v in top.uncertain.items() if k not in STRUCTURES}
    for key, value in _flatten(shared).items():
        uncertain.append(_uncertain(key, value, None, base, source))
    for s in STRUCTURES:
        if s not in top.uncertain:
            continue
        table = top.uncertain[s]
        if not isinstance(table, dict):
            raise _fail(source, f"uncertain.{s}", "a table of dotted.key = [low, high] for that structure")
        if s not in top.structures:
            raise _fail(
                source, f"uncertain.{s}", f"{s} is not compared; structures: {', '.join(top.structures)}"
            )
        for key, value in _flatten(table).items():
            uncertain.append(_uncertain(key, value, s, base, source))
    shared_keys = {u.key for u in uncertain if u.structure is None}
    both = next((u for u in uncertain if u.structure is not None and u.key in shared_keys), None)
    if both is not None:
        raise _fail(
            source,
            f"uncertain.{both.structure}.{both.key}",
            "already shared in [uncertain]; give it in one place",
        )
    return UncertaintySpec(base, list(top.structures), uncertain, top.days, top.seed, source)


def load_uncertainty(path: str | Path, days: int | None = None) -> UncertaintySpec:
    """Read and validate an uncertainty file; ``days`` overrides its horizon."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such uncertainty file")
    raw = read_toml(path)
    if days is not None:
        raw = {**raw, "days": days}
    return parse_uncertainty(raw, source=str(path), base_dir=path.parent)


# --- the runs: a sweep over worlds x structures ---------------------------------------------


@dataclass
class DecideExperiment(Experiment):
    """The decision's runs as a sweep: design point ``w * S + s`` is structure s in world w.

    Every structure of a world shares the world's setting, so replicate r of a world has the
    same seed under every structure (common random numbers, as a sweep pairs structures).
    """

    worlds: pd.DataFrame = field(default_factory=pd.DataFrame)
    uncertainty: Any = None  # the UncertaintySpec
    structure_list: list[str] = field(default_factory=list)

    def points(self) -> list[dict[str, Any]]:  # noqa: D102 - see Experiment.points
        out = []
        records = self.worlds.to_dict("records") if len(self.worlds.columns) else [{}] * len(self.worlds)
        for world in records:
            for s in self.structure_list:
                values: dict[str, Any] = {"structure": s}
                for name, value in world.items():
                    owner, _, key = name.rpartition(":")
                    if not owner or owner == s:
                        values[key] = _native(value)
                out.append(values)
        return out

    def settings(self, points: list[dict[str, Any]] | None = None) -> list[int]:  # noqa: D102
        return [p // len(self.structure_list) for p in range(self.n_points)]

    @property
    def n_points(self) -> int:  # noqa: D102
        return len(self.worlds) * len(self.structure_list)

    def as_dict(self) -> dict[str, Any]:  # noqa: D102
        data = super().as_dict()
        data["structures"] = list(self.structure_list)
        data["worlds"] = json.loads(self.worlds.to_json(orient="split", index=False))
        return data


def _native(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


def worlds_from(path: str | Path, spec: UncertaintySpec, n: int | None) -> pd.DataFrame:
    """Worlds read from a posterior (Parquet, one row per parameter set): its columns are unknowns.

    Columns are dotted keys (shared) or ``structure:dotted.key``; the first ``n`` rows are taken
    (all when ``n`` is None). Columns not parameters (``trial``, ``distance``...) are ignored.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"--worlds-from: {path}: no such file")
    try:
        table = pd.read_parquet(path, use_threads=False)
    except Exception as exc:  # noqa: BLE001 - any unreadable file is the same user error
        raise InputError(f"--worlds-from: {path}: not a Parquet table ({type(exc).__name__})") from None
    keep = [c for c in table.columns if c.rpartition(":")[2] in PARAMETERS]
    if not keep:
        raise InputError(
            f"--worlds-from: {path}: no column names a parameter (dotted.key or structure:dotted.key)"
        )
    for c in keep:
        owner = c.rpartition(":")[0]
        if owner and owner not in spec.structures:
            raise InputError(f"--worlds-from: {path}: column {c!r}: {owner} is not compared")
    table = table[keep].reset_index(drop=True)
    if n is not None:
        if n > len(table):
            raise InputError(f"--worlds: {n} is more than the {len(table)} worlds in {path}")
        table = table.iloc[:n].reset_index(drop=True)
    for c in keep:
        if PARAMETERS[c.rpartition(":")[2]].type == "int":
            table[c] = table[c].round().astype("int64")
    return table


def experiment(spec: UncertaintySpec, worlds: pd.DataFrame, reps: int) -> DecideExperiment:
    """The decision's sweep: every world x structure, ``reps`` replications, seeded by the file."""
    factors = []
    seen: set[str] = set()
    for name in worlds.columns:
        key = name.rpartition(":")[2]
        if key in seen:
            continue
        seen.add(key)
        unc = next((u for u in spec.uncertain if u.key == key), None)
        col = worlds[name]
        if unc is not None and unc.levels is not None:
            factors.append(Factor(key, levels=unc.levels))
        elif col.dtype == object or col.dtype == bool:
            factors.append(Factor(key, levels=tuple(_native(v) for v in pd.unique(col))))
        else:
            factors.append(Factor(key, lo=float(col.min()), hi=float(col.max())))
    days = spec.days if spec.days is not None else spec.scenario.get("horizon.days")
    return DecideExperiment(
        name=f"decide-{Path(spec.source).stem}",
        description="orgsim decide: every structure in each sampled world",
        scenarios=[spec.scenario],
        factors=factors,
        design="lhs",
        samples=len(worlds),
        replications=reps,
        days=days,
        seed=spec.seed,
        source=spec.source,
        overrides={"horizon.days": days},
        worlds=worlds,
        uncertainty=spec,
        structure_list=list(spec.structures),
    )


def decide(
    spec: UncertaintySpec,
    out_dir: str | Path,
    worlds: int,
    reps: int,
    measure: str = DEFAULT_MEASURE,
    worlds_table: pd.DataFrame | None = None,
    workers: int | None = None,
    executor: str = "local",
    address: str | None = None,
    quiet: bool = True,
    scheduler: str | None = None,
) -> dict[str, Any]:
    """Sample (or take) the worlds, run them as a sweep into ``out_dir``, analyse; returns the decision.

    Writes ``decide.json`` (what was asked), the sweep's ``runs/`` and ``manifest.json``,
    ``worlds.parquet`` and ``decision.json``. Running it again resumes the runs.
    """
    from orgsim.experiment.experiment import MAX_RUNS
    from orgsim.experiment.sweep import sweep
    from orgsim.limits import check_count

    check_count(reps, "--reps")
    if worlds_table is None:
        check_count(worlds, "--worlds")
    n_worlds = len(worlds_table) if worlds_table is not None else worlds
    n_runs = n_worlds * len(spec.structures) * reps
    if n_runs > MAX_RUNS:
        raise InputError(
            f"--worlds/--reps: {n_worlds:,} worlds x {len(spec.structures)} structures x {reps:,} "
            f"replications = {n_runs:,} runs; at most {MAX_RUNS:,} are allowed"
        )
    if measure not in MEASURES:
        raise InputError(f"--measure: unknown measure {measure!r}; see `orgsim schema`")
    table = worlds_table if worlds_table is not None else spec.sample(worlds)
    exp = experiment(spec, table, reps)
    out = Path(out_dir)
    sweep(exp, out, workers=workers, executor=executor, address=address, quiet=quiet, scheduler=scheduler)
    (out / SPEC).write_text(json.dumps({**spec.as_dict(), "reps": reps}, indent=2, default=str))
    result = analyse(out, table, spec.structures, measure, reps, seed=spec.seed)
    return result


# --- the analysis -----------------------------------------------------------------------------


def world_values(out_dir: Path, worlds: pd.DataFrame, structures: list[str], measure: str) -> pd.DataFrame:
    """One row per world and structure: the world's unknowns and the measure's mean over its ok runs."""
    from orgsim.experiment.storage import load_runs

    runs = load_runs(out_dir, ["design_point", "status", measure])
    ok = runs[runs["status"] == "ok"]
    grouped = ok.groupby("design_point")[measure].agg(["mean", "count"])
    n_s = len(structures)
    rows = []
    for w in range(len(worlds)):
        for i, s in enumerate(structures):
            p = w * n_s + i
            mean = grouped["mean"].get(p, np.nan)
            rows.append(
                {"world": w, "structure": s, measure: float(mean), "reps_ok": int(grouped["count"].get(p, 0))}
            )
    frame = pd.DataFrame(rows)
    wide = worlds.reset_index(drop=True).copy()
    wide.insert(0, "world", range(len(wide)))
    return (
        frame[["world", "structure"]]
        .merge(wide, on="world")
        .assign(**{measure: frame[measure].to_numpy(), "reps_ok": frame["reps_ok"].to_numpy()})
    )


def regrets(table: pd.DataFrame, structures: list[str], measure: str) -> pd.DataFrame:
    """Add ``best`` (the world's best structure), ``regret`` (>= 0, in the measure's unit) and ``is_best``.

    Worlds where a structure has no successful run are dropped. For a measure where lower is
    better, regret is the structure's value minus the lowest.
    """
    sign = -1.0 if MEASURES[measure].better == "lower" else 1.0
    values = table.pivot(index="world", columns="structure", values=measure)[structures]
    values = values.dropna()
    score = sign * values
    best = score.idxmax(axis=1)  # ties: the first listed structure
    regret = score.max(axis=1).to_numpy()[:, None] - score.to_numpy()
    reg = pd.DataFrame(regret, index=values.index, columns=structures).reset_index(names="world")
    reg = reg.melt(id_vars="world", var_name="structure", value_name="regret")
    out = table[table["world"].isin(values.index)].merge(reg, on=["world", "structure"])
    out["best"] = out["world"].map(best)
    out["is_best"] = out["best"] == out["structure"]
    return out


def summarise(table: pd.DataFrame, structures: list[str], measure: str) -> dict[str, Any]:
    """Per structure: p_best, mean and max regret, paired-margin percentiles; the two choices."""
    sign = -1.0 if MEASURES[measure].better == "lower" else 1.0
    n = table["world"].nunique()
    values = table.pivot(index="world", columns="structure", values=measure)[structures]
    out: dict[str, Any] = {}
    for s in structures:
        mine = table[table["structure"] == s]
        margins = {}
        for o in structures:
            if o == s:
                continue
            diff = sign * (values[s] - values[o])
            margins[o] = {f"p{q}": float(np.percentile(diff, q)) for q in MARGIN_PERCENTILES}
        out[s] = {
            "p_best": float(mine["is_best"].sum() / n) if n else 0.0,
            "mean_regret": float(mine["regret"].mean()),
            "max_regret": float(mine["regret"].max()),
            "mean": float(mine[measure].mean()),
            "margin_over": margins,
        }
    minimax = min(structures, key=lambda s: (out[s]["max_regret"], out[s]["mean_regret"]))
    often = max(structures, key=lambda s: (out[s]["p_best"], -out[s]["max_regret"]))
    return {"structures": out, "choice": {"minimax_regret": minimax, "most_often_best": often}}


def features(worlds: pd.DataFrame) -> pd.DataFrame:
    """The unknowns as PRIM and the trees read them: numbers as floats, names as strings.

    Integer parameters are passed as floats: ema-workbench 3.0's paste step writes a float limit
    into an int64 box and fails, so a box limit on an integer parameter can fall between two
    whole numbers (``sales.headcount >= 9.5`` means 10 or more).
    """
    x = worlds.reset_index(drop=True).copy()
    for c in x.columns:
        if x[c].dtype == bool:
            x[c] = x[c].astype(str)
        elif pd.api.types.is_numeric_dtype(x[c]):  # integers too: PRIM's pasting fails on int64 columns
            x[c] = x[c].astype("float64")
        else:
            x[c] = x[c].astype(str)
    return x


def prim_boxes(x: pd.DataFrame, winner: pd.Series, structures: list[str]) -> list[dict[str, Any]]:
    """For each structure best in some but not all worlds, one PRIM box (EMA Workbench) of its wins.

    The box is :data:`BOX_RULE`; conditions are its restricted parameters: ``low``/``high`` for
    numbers (inclusive), ``levels`` for names.
    """
    import logging
    import warnings

    logging.getLogger("EMA").setLevel(logging.ERROR)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim

    boxes = []
    for s in structures:
        y = winner.to_numpy() == s
        if y.sum() < 2 or y.all() or x.shape[1] == 0:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            finder = prim.Prim(x, y, peel_alpha=0.05, mass_min=0.05)
            box = finder.find_box()
        if box is None:
            continue
        traj = box.peeling_trajectory
        pick = int((traj["coverage"] * traj["density"]).to_numpy().argmax())
        lims = box.box_lims[pick]
        init = finder.box_init
        conditions = []
        for c in x.columns:
            if c not in lims.columns:
                continue
            lo, hi = lims[c].iloc[0], lims[c].iloc[1]
            if isinstance(lo, set):
                if lo != init[c].iloc[0]:
                    conditions.append({"parameter": c, "low": None, "high": None, "levels": sorted(lo)})
                continue
            if lo != init[c].iloc[0] or hi != init[c].iloc[1]:
                conditions.append({"parameter": c, "low": _native(lo), "high": _native(hi)})
        conditions = simplify(x, y, conditions)
        inside = in_box(x, conditions)
        coverage = float((inside & y).sum() / y.sum())
        density = float((inside & y).sum() / max(1, inside.sum()))
        boxes.append(
            {
                "structure": s,
                "coverage": coverage,
                "density": density,
                "mass": float(inside.mean()),
                "best_share": float(y.mean()),
                "conditions": conditions,
            }
        )
    return boxes


def box_score(x: pd.DataFrame, y: np.ndarray, conditions: list[dict[str, Any]]) -> float:
    """Coverage x density of a box for the worlds ``y`` marks."""
    inside = in_box(x, conditions)
    hits = float((inside & y).sum())
    return (hits / max(1, y.sum())) * (hits / max(1, inside.sum()))


def simplify(x: pd.DataFrame, y: np.ndarray, conditions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Drop the restrictions that barely matter (see :data:`BOX_RULE`), one at a time, cheapest first."""
    kept = list(conditions)
    while kept:
        score = box_score(x, y, kept)
        without = [box_score(x, y, kept[:i] + kept[i + 1 :]) for i in range(len(kept))]
        i = int(np.argmax(without))
        if without[i] >= score - DROP_TOLERANCE or len(kept) > MAX_CONDITIONS:
            kept.pop(i)
        else:
            break
    return kept


def in_box(x: pd.DataFrame, conditions: list[dict[str, Any]]) -> np.ndarray:
    """Which worlds lie in a box (bounds inclusive, as PRIM draws them)."""
    inside = np.ones(len(x), dtype=bool)
    for cond in conditions:
        col = x[cond["parameter"]]
        if cond.get("levels") is not None:
            inside &= col.astype(str).isin([str(v) for v in cond["levels"]]).to_numpy()
        else:
            inside &= ((col >= cond["low"]) & (col <= cond["high"])).to_numpy()
    return inside


def feature_scores(x: pd.DataFrame, winner: pd.Series, seed: int) -> list[dict[str, Any]]:
    """Which unknowns move the choice most: extra-trees feature scores (EMA Workbench), summing to 1."""
    import logging
    import warnings

    logging.getLogger("EMA").setLevel(logging.ERROR)
    if x.shape[1] == 0 or winner.nunique() < 2:
        return [{"parameter": c, "score": 0.0} for c in x.columns]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import feature_scoring

        coded = x.copy()
        for c in coded.columns:
            if not pd.api.types.is_numeric_dtype(coded[c]):
                coded[c] = coded[c].astype("category").cat.codes.astype("int64")
        scores, _ = feature_scoring.get_ex_feature_scores(
            coded,
            winner.astype("category").cat.codes.to_numpy(),
            max_features=max(1, round(coded.shape[1] / 3)),
            random_state=seed,
        )
    col = scores.columns[0]
    return [{"parameter": str(k), "score": float(v)} for k, v in scores[col].items()]


def analyse(
    out_dir: str | Path,
    worlds: pd.DataFrame,
    structures: list[str],
    measure: str,
    reps: int,
    seed: int = 0,
) -> dict[str, Any]:
    """The decision from a finished decide folder; writes ``worlds.parquet`` and ``decision.json``."""
    out = Path(out_dir)
    table = regrets(world_values(out, worlds, structures, measure), structures, measure)
    table.to_parquet(out / WORLDS, index=False)
    summary = summarise(table, structures, measure)
    per_world = table.drop_duplicates("world").set_index("world")
    x = features(per_world[list(worlds.columns)])
    winner = per_world["best"]
    decision = {
        "measure": measure,
        "better": MEASURES[measure].better,
        "worlds": int(table["world"].nunique()),
        "worlds_dropped": int(len(worlds) - table["world"].nunique()),
        "reps": reps,
        "rule": RULE.format(measure=measure),
        "box_rule": BOX_RULE,
        "choice": summary["choice"],
        "structures": summary["structures"],
        "boxes": prim_boxes(x, winner, structures),
        "scores": feature_scores(x, winner, seed),
        "worlds_table": WORLDS,
    }
    ranges = {c: (x[c].min(), x[c].max()) for c in x.columns if pd.api.types.is_numeric_dtype(x[c])}
    decision["sentences"] = sentences(decision, ranges)
    (out / DECISION).write_text(json.dumps(_finite(decision), indent=2))
    return _finite(decision)


def _finite(data: Any) -> Any:
    """NaN and infinities as None (strict JSON)."""
    if isinstance(data, dict):
        return {k: _finite(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_finite(v) for v in data]
    if isinstance(data, float) and not math.isfinite(data):
        return None
    return data


def _num(value: Any) -> str:
    if isinstance(value, float) and not float(value).is_integer():
        a = abs(value)
        if a >= 1000:
            return f"{value / 1000:,.0f}k" if a < 1e6 else f"{value / 1e6:,.2f}M"
        return f"{value:.2g}" if a < 1 else f"{value:.3g}"
    if isinstance(value, int | float) and abs(value) >= 1000:
        return f"{value / 1000:,.0f}k"
    return str(value)


def condition_text(cond: dict[str, Any], full: tuple[Any, Any] | None = None) -> str:
    """A box condition in words: ``policy.skill_dilution >= 0.31``, ``... in [a, b]``, ``... is x or y``."""
    p = f"`{cond['parameter']}`"
    if cond.get("levels") is not None:
        return f"{p} is {' or '.join(map(str, cond['levels']))}"
    lo, hi = cond["low"], cond["high"]
    if full is not None and lo == full[0]:
        return f"{p} ≤ {_num(hi)}"
    if full is not None and hi == full[1]:
        return f"{p} ≥ {_num(lo)}"
    return f"{p} in [{_num(lo)}, {_num(hi)}]"


def sentences(decision: dict[str, Any], ranges: dict[str, tuple[Any, Any]] | None = None) -> list[str]:
    """The decision in plain words: the pick, and for each box where its structure wins."""
    ch = decision["choice"]
    st = decision["structures"]
    m = decision["measure"]
    out = [
        f"Pick {ch['minimax_regret']} (minimax regret: its worst shortfall in {m} over "
        f"{decision['worlds']} worlds is {_money(st[ch['minimax_regret']]['max_regret'])}, the smallest); "
        f"{ch['most_often_best']} is best most often ({st[ch['most_often_best']]['p_best']:.0%} of worlds)."
    ]
    boxes = {b["structure"]: b for b in decision["boxes"]}
    for s, row in st.items():
        if row["p_best"] == 0:
            out.append(f"{s} is best in no world.")
            continue
        box = boxes.get(s)
        if box is None or not box["conditions"]:
            out.append(f"{s} is best in {row['p_best']:.0%} of worlds.")
            continue
        conds = " and ".join(
            condition_text(c, ranges.get(c["parameter"]) if ranges else None) for c in box["conditions"]
        )
        out.append(
            f"{s} is best in {row['p_best']:.0%} of worlds; {box['coverage']:.0%} of those have {conds} "
            f"(coverage {box['coverage']:.2f}, density {box['density']:.2f})."
        )
    return out


def _money(value: float) -> str:
    a = abs(value)
    if a >= 1e6:
        return f"{value / 1e6:,.2f}M"
    if a >= 1e3:
        return f"{value / 1e3:,.0f}k"
    return f"{value:,.3g}"


def spec_hash(spec: UncertaintySpec) -> str:
    """A short digest of an uncertainty spec (for naming a default output folder)."""
    return hashlib.sha256(json.dumps(spec.as_dict(), sort_keys=True, default=str).encode()).hexdigest()[:10]
