"""Scenarios: a validated bundle of every parameter, built from a preset, a file and overrides.

Resolution order: the schema defaults, then the org-structure preset named by ``structure``,
then the values in the scenario file, then ``--set`` overrides. Every failure raises
:class:`InputError` with one line naming the file, the field and what is allowed.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from orgsim.errors import InputError, suggest, validation_error
from orgsim.params import (
    PARAMETERS,
    PRESETS,
    SLA,
    STRUCTURES,
    Costs,
    Customers,
    Friction,
    Horizon,
    Market,
    Marketing,
    Policy,
    Sales,
    StructureName,
)

SCENARIO_DIR = Path("scenarios")  # the user's own scenarios (``orgsim init`` writes here)
SHIPPED_DIR = Path(__file__).parent / "data" / "scenarios"  # the scenarios shipped with the package
META_KEYS = ("name", "description", "structure", "currency")


class Scenario(BaseModel):
    """A fully resolved scenario: org structure, market, teams, budget and horizon."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = "custom"
    description: str = ""
    structure: StructureName = "separate"
    currency: str = ""  # ISO 4217 code money is written in (labels only, nothing converted); "" plain units
    horizon: Horizon = Horizon()
    market: Market = Market()
    marketing: Marketing = Marketing()
    sales: Sales = Sales()
    policy: Policy = Policy()
    sla: SLA = SLA()
    friction: Friction = Friction()
    costs: Costs = Costs()
    customers: Customers = Customers()

    def get(self, key: str) -> Any:
        """Value of a dotted parameter key, e.g. ``sla.response_hours``."""
        if key in META_KEYS:
            return getattr(self, key)
        section, name = key.split(".", 1)
        return getattr(getattr(self, section), name)

    def flat(self) -> dict[str, Any]:
        """Every parameter as ``{dotted key: value}``, plus the structure name."""
        out: dict[str, Any] = {"structure": self.structure}
        out.update({key: self.get(key) for key in PARAMETERS})
        return out

    def with_overrides(self, overrides: dict[str, Any], source: str = "--set") -> Scenario:
        """A new scenario with dotted overrides applied.

        A ``structure`` override swaps the org-structure preset and keeps every value this
        scenario set itself (its market, teams, budget and any policy it chose).
        """
        flat = self.flat()
        del flat["structure"]
        if "structure" in overrides:
            preset = resolve({"structure": self.structure}, source=source).flat()
            flat = {k: v for k, v in flat.items() if v != preset[k]}
        raw = _nest(flat)
        raw.update(
            name=self.name, description=self.description, structure=self.structure, currency=self.currency
        )
        return resolve(raw, source=source, overrides=overrides, overrides_source=source)


def _nest(flat: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in flat.items():
        section, name = key.split(".", 1)
        out.setdefault(section, {})[name] = value
    return out


def _allowed(key: str) -> str:
    spec = PARAMETERS.get(key)
    if spec is None:
        return ""
    if spec.choices:
        return "one of " + ", ".join(repr(c) for c in spec.choices)
    if spec.type == "bool":
        return "true or false"
    lo = "-inf" if spec.lo is None else f"{spec.lo:g}"
    hi = "inf" if spec.hi is None else f"{spec.hi:g}"
    return f"{spec.type} in [{lo}, {hi}] {spec.unit}".rstrip()


def check_key(key: str, source: str) -> None:
    """Raise InputError for an unknown dotted key, suggesting the nearest valid one."""
    if key in META_KEYS or key in PARAMETERS:
        return
    inside = [name for name in PARAMETERS if name.startswith(f"{key}.")]
    if inside:  # a section such as `sales` given a value: name one of its parameters
        shown = ", ".join(inside[:3]) + (", ..." if len(inside) > 3 else "")
        raise InputError(
            f"{source}: '{key}' is a section, not a parameter; set one of its parameters "
            f"({shown}; see `orgsim show`)"
        )
    options = list(PARAMETERS) + list(META_KEYS)
    raise InputError(f"{source}: unknown parameter '{key}'{suggest(key, options)}")


def _check_structure(value: Any, source: str) -> str:
    if value not in STRUCTURES:
        hint = suggest(str(value), list(STRUCTURES)) if isinstance(value, str) else ""
        raise InputError(
            f"{source}: structure: {value!r} is not a structure; allowed: {', '.join(STRUCTURES)}{hint}"
        )
    return value


def _check_currency(value: Any, source: str) -> str:
    """The scenario's currency code, upper case ('' for plain currency units)."""
    from orgsim import currency

    if not isinstance(value, str):
        value = repr(value)  # a number or a table: parse() refuses it with the allowed codes
    return currency.parse(value, f"{source}: currency").code


MAX_NAME = 200  # characters of a scenario name: it names files, columns and chart legends


def resolve(
    raw: dict[str, Any],
    source: str,
    overrides: dict[str, Any] | None = None,
    overrides_source: str = "--set",
) -> Scenario:
    """Build a Scenario from a raw (TOML-shaped) dict and dotted overrides.

    Errors name ``source`` for a value from ``raw`` and ``overrides_source`` for an override
    (``--set``, or an experiment's ``[set]`` table).
    """
    overrides = dict(overrides or {})
    for key in overrides:
        check_key(key, overrides_source)
    sections = {k.split(".")[0] for k in PARAMETERS}
    for section, values in raw.items():
        if section in META_KEYS:
            continue
        if not isinstance(values, dict):
            if section in sections:
                raise InputError(
                    f"{source}: {section}: a table of parameters ([{section}] with name = value lines, "
                    f"or {section}.name = value), not {values!r}"
                )
            options = sorted(sections) + list(META_KEYS)
            raise InputError(f"{source}: unknown entry '{section}'{suggest(section, options)}")
        for name in values:
            check_key(f"{section}.{name}", source)
    from_override = "structure" in overrides
    structure = _check_structure(
        overrides.pop("structure", raw.get("structure", "separate")),
        overrides_source if from_override else source,
    )
    meta = {key: overrides.pop(key) for key in ("name", "description", "currency") if key in overrides}
    flat: dict[str, Any] = dict(PRESETS[structure])
    for section, values in raw.items():
        if section not in META_KEYS:
            flat.update({f"{section}.{k}": v for k, v in values.items()})
    flat.update(overrides)
    data: dict[str, Any] = _nest(flat)
    data.update(
        name=meta.get("name", raw.get("name", structure)),
        description=meta.get("description", raw.get("description", "")),
        structure=structure,
    )
    data["currency"] = _check_currency(
        meta.get("currency", raw.get("currency", "")), overrides_source if "currency" in meta else source
    )
    for key in ("name", "description"):
        where = overrides_source if key in meta else source
        if not isinstance(data[key], str):
            raise InputError(f"{where}: {key}: {data[key]!r} is not allowed; use a string")
    if len(data["name"]) > MAX_NAME or not data["name"].strip():
        where = overrides_source if "name" in meta else source
        raise InputError(f"{where}: name: use 1 to {MAX_NAME} characters (got {len(data['name'])})")
    for key, value in flat.items():  # pydantic would read true as 1 (a headcount of one person)
        spec = PARAMETERS.get(key)
        if spec is not None and spec.type in ("int", "float") and isinstance(value, bool):
            where = overrides_source if key in overrides else source
            given = str(value).lower()
            raise InputError(
                f"{where}: {key}: true/false is not a number (got {given}); allowed: {_allowed(key)}"
            )
        if spec is not None and spec.type == "bool" and not isinstance(value, bool):  # not yes, 1, "on"
            where = overrides_source if key in overrides else source
            raise InputError(f"{where}: {key}: {value!r} is not allowed; use true or false")
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        where = lambda key: overrides_source if key in overrides or key in meta else source  # noqa: E731
        raise validation_error(exc, source, allowed=_allowed, where=where) from None


def parse_assignment(text: str) -> tuple[str, Any]:
    """Parse one ``--set dotted.key=value``; the value is read as TOML, else as a string."""
    if "=" not in text:
        raise InputError(f"--set: '{text}' is not of the form dotted.key=value")
    key, value = (s.strip() for s in text.split("=", 1))
    if not key or not value:
        raise InputError(f"--set: '{text}' is not of the form dotted.key=value")
    check_key(key, "--set")
    try:
        parsed = tomllib.loads(f"v = {value}")["v"]
    except tomllib.TOMLDecodeError:
        parsed = value
    return key, parsed


def _scenario_files() -> dict[str, Path]:
    """Named scenario files: shipped ones, then ``./scenarios/*.toml`` (a local file wins)."""
    out = {path.stem: path for path in sorted(SHIPPED_DIR.glob("*.toml"))}
    if SCENARIO_DIR.is_dir():
        out.update({path.stem: path for path in sorted(SCENARIO_DIR.glob("*.toml"))})
    return out


def available() -> dict[str, str]:
    """Scenario names a user can pass: structure presets, shipped scenarios and ``scenarios/*.toml``.

    Values say where each comes from: ``built-in structure preset``, ``shipped`` (package data,
    found from any folder) or the path of a local file.
    """
    out = {name: "built-in structure preset" for name in STRUCTURES}
    for name, path in _scenario_files().items():
        out[name] = "shipped" if path.parent == SHIPPED_DIR else str(path)
    return out


def descriptions() -> dict[str, str]:
    """Each available scenario's one-line description (from its file; presets say what they are)."""
    out = {name: f"the {name} structure preset on the default company" for name in STRUCTURES}
    for name, path in _scenario_files().items():
        try:
            raw = read_toml(path)
        except InputError as exc:
            out[name] = f"(unreadable: {exc})"
            continue
        out[name] = str(raw.get("description", "")) or str(raw.get("name", name))
    return out


MAX_TOML_BYTES = 10_000_000  # a scenario or experiment file; anything larger is not one


def read_toml(path: Path) -> dict[str, Any]:
    """Read a TOML file, turning a missing or malformed file into an InputError.

    Only a regular file of at most :data:`MAX_TOML_BYTES` is read: a FIFO would block forever
    and ``/dev/zero`` never ends, so both are refused before opening, as is a symlink loop.
    """
    import stat

    try:
        info = path.stat()
    except FileNotFoundError:
        raise InputError(f"{path}: file not found") from None
    except OSError as exc:  # a symlink loop (ELOOP), a name too long, no permission on a folder
        raise InputError(f"{path}: cannot read it ({exc.strerror or type(exc).__name__})") from None
    if stat.S_ISDIR(info.st_mode):
        raise InputError(f"{path}: is a directory, not a .toml file")
    if not stat.S_ISREG(info.st_mode):
        raise InputError(f"{path}: not a regular file (a device, FIFO or socket); give a .toml file")
    if info.st_size > MAX_TOML_BYTES:
        raise InputError(f"{path}: {info.st_size:,} bytes; a scenario file is at most {MAX_TOML_BYTES:,}")
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise InputError(f"{path}: file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: malformed TOML: {exc}") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, not a .toml file") from None
    except PermissionError as exc:
        raise InputError(f"{path}: cannot read it ({exc.strerror})") from None
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path}: cannot read it: not UTF-8 text ({exc.reason} at byte {exc.start})"
        ) from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read it ({exc.strerror or type(exc).__name__})") from None


def _adopted(sc: Scenario, source: str) -> Scenario:
    """``sc``, its currency now the one money is written in on this command (unless --currency)."""
    from orgsim import currency

    currency.adopt(sc.currency, source)
    return sc


def load_scenario(
    name_or_path: str | Path,
    overrides: dict[str, Any] | None = None,
    overrides_source: str = "--set",
) -> Scenario:
    """Load a scenario by preset name, shipped or ``scenarios/<name>.toml`` name, or .toml path.

    ``overrides_source`` names where the overrides came from in error messages.
    """
    text = str(name_or_path)
    path = Path(text)
    given = {"overrides": overrides, "overrides_source": overrides_source}
    shipped = SHIPPED_DIR / path.name
    source = text
    if (
        path.suffix == ".toml"
        and not path.exists()
        and path.parent.name == SCENARIO_DIR.name
        and shipped.exists()
    ):  # `scenarios/startup.toml` from any folder: the shipped file of that name
        path = shipped
    else:
        source = str(path)
    if path.suffix == ".toml" or path.exists():
        return _adopted(resolve(read_toml(path), source=source, **given), source)
    named = _scenario_files().get(text)
    if named is not None:
        source = text if named.parent == SHIPPED_DIR else str(named)
        return _adopted(resolve(read_toml(named), source=source, **given), source)
    if text in STRUCTURES:
        return resolve({"structure": text, "name": text}, source=text, **given)
    options = list(available())
    raise InputError(
        f"{text}: no such scenario; use a .toml path or one of: {', '.join(options)}{suggest(text, options)}"
    )
