"""Errors users can cause, reported by the CLI as one line and exit code 2.

Every input file (scenario, experiment, targets, claims, facts, uncertainty) is read into a
pydantic model; :func:`validation_error` turns the first failure into one line, and
:func:`suggest` writes every "did you mean", so a message has one shape:
``<file>: <field>: <what is wrong> (got <value>); allowed: <values>``.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydantic import BaseModel, ValidationError


class InputError(ValueError):
    """Bad user input: a scenario or experiment file, a CLI flag or an override.

    The message is one line naming the file (or flag), the field and what is allowed.
    """


def nearest(word: str, options: Iterable[str], cutoff: float = 0.5) -> str | None:
    """The option most like ``word`` (difflib's ratio at least ``cutoff``), or None."""
    close = difflib.get_close_matches(str(word), list(options), n=1, cutoff=cutoff)
    return close[0] if close else None


def suggest(
    word: str,
    options: Iterable[str],
    cutoff: float = 0.5,
    otherwise: str = "",
    show: Callable[[str], str] = str,
) -> str:
    """``; did you mean 'x'?`` for the option nearest ``word``, else ``otherwise`` (often '').

    ``show`` writes the option found as the user would type it (options may be normalised).
    """
    close = nearest(word, options, cutoff)
    return f"; did you mean '{show(close)}'?" if close else otherwise


def validation_error(
    exc: ValidationError,
    source: str,
    model: type[BaseModel] | None = None,
    allowed: Callable[[str], str] | None = None,
    where: Callable[[str], str] | None = None,
    at: str = "",
) -> InputError:
    """The first error of a pydantic ``ValidationError`` as one InputError line.

    ``model`` is the model that failed (it lists the fields an unknown entry could have been
    and, unless ``allowed`` is given, says what each field takes); ``allowed(field)`` says what a
    field takes; ``where(field)`` names the file or flag the field came from (default
    ``source``); ``at`` is the dotted place of the validated table in its file (``factors.x``).
    """
    errors = exc.errors()
    err = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])  # a misspelt name first
    loc = tuple(str(p) for p in err["loc"])
    key = ".".join(p for p in (at, *loc) if p)
    origin = where(key) if where is not None else source
    head = f"{key}: " if key else ""
    if err["type"] == "extra_forbidden":
        field = ".".join(p for p in (at, *loc[:-1]) if p)
        known = _fields(model, loc[:-1])
        listed = f"; allowed: {', '.join(known)}" if known else ""
        head = f"{field}: " if field else ""
        return InputError(f"{origin}: {head}unknown entry '{loc[-1]}'{listed}{suggest(loc[-1], known)}")
    if err["type"] == "value_error":  # a validator's own sentence, already naming what is allowed
        return InputError(f"{origin}: {head}{err['msg'].removeprefix('Value error, ')}")
    if allowed is not None:
        text = allowed(key)
    else:
        text = _allowed(model, loc)
    tail = f"; allowed: {text}" if text else ""
    given = f" (got {_shown(err['input'])})" if "input" in err and err["type"] != "missing" else ""
    hint = ""
    if err["type"] == "literal_error" and isinstance(err.get("input"), str):
        hint = suggest(err["input"], re.findall(r"'([^']*)'", str(err.get("ctx", {}).get("expected", ""))))
    return InputError(f"{origin}: {head}{err['msg']}{given}{tail}{hint}")


def validated[M: BaseModel](model: type[M], raw: Any, source: str, at: str = "") -> M:
    """``raw`` read into ``model``; a failure is one InputError line naming ``source`` and the field.

    ``at`` is the dotted place of the table in its file, as in :func:`validation_error`.
    """
    from pydantic import ValidationError

    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise validation_error(exc, source, model, at=at) from None


def _shown(value: Any) -> str:
    """A value as TOML would write it (true/false, not True/False)."""
    return str(value).lower() if isinstance(value, bool) else repr(value)


def _fields(model: type[BaseModel] | None, loc: tuple[str, ...]) -> list[str]:
    """The field names (as written in the file) of the model at ``loc`` inside ``model``."""
    sub = _submodel(model, loc)
    if sub is None:
        return []
    return [info.alias or name for name, info in sub.model_fields.items()]


def _submodel(model: type[BaseModel] | None, loc: tuple[str, ...]) -> type[BaseModel] | None:
    from pydantic import BaseModel

    for part in loc:
        if model is None:
            return None
        info = _field(model, part)
        ann = getattr(info, "annotation", None)
        model = ann if isinstance(ann, type) and issubclass(ann, BaseModel) else None
    return model


def _field(model: type[BaseModel], name: str) -> Any:
    for field, info in model.model_fields.items():
        if name in (field, info.alias):
            return info
    return None


def _allowed(model: type[BaseModel] | None, loc: tuple[str, ...]) -> str:
    """What a field takes, from its type and bounds: ``an integer in [1, 10]``, ``true or false``."""
    if model is None or not loc:
        return ""
    parent = _submodel(model, loc[:-1])
    info = _field(parent, loc[-1]) if parent is not None else None
    if info is None:
        return ""
    ann = str(info.annotation)
    bound: dict[str, Any] = {}
    for meta in info.metadata:
        bound.update({k: getattr(meta, k) for k in ("ge", "gt", "le", "lt") if hasattr(meta, k)})
    if "bool" in ann and "int" not in ann:
        return "true or false"
    kind = "a number" if "float" in ann else "an integer" if "int" in ann else ""
    if not kind or not bound:
        return ""
    if "ge" in bound and "le" in bound:
        return f"{kind} in [{bound['ge']:,}, {bound['le']:,}]"
    signs = {"ge": ">=", "gt": ">", "le": "<=", "lt": "<"}
    return f"{kind} " + " and ".join(f"{signs[k]} {v:,}" for k, v in bound.items())
