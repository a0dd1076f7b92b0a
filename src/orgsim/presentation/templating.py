"""HTML pages from jinja2 templates (package data in ``presentation/templates``), autoescaped.

Every value a template shows is escaped unless it is marked safe (``markupsafe.Markup``): only
the inline images and fragments rendered by another template are.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import jinja2
from markupsafe import Markup, escape


def code_spans(text: str) -> Markup:
    """``text`` escaped, with each `backticked` span set as ``<code>`` (sentences name parameters so)."""
    return Markup(re.sub(r"`([^`]+)`", r"<code>\1</code>", str(escape(text))))


@cache
def environment() -> jinja2.Environment:
    """The one template environment: package templates, autoescape on, undefined names an error."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("orgsim.presentation", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["code"] = code_spans
    return env


def render(name: str, **context: Any) -> str:
    """Template ``name`` rendered with ``context``."""
    return environment().get_template(name).render(**context)
