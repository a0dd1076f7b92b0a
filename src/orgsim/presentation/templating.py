"""HTML pages from jinja2 templates (package data in ``presentation/templates``), autoescaped.

Every value a template shows is escaped unless it is marked safe (``markupsafe.Markup``): only
the inline images and fragments rendered by another template are.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import jinja2


@cache
def environment() -> jinja2.Environment:
    """The one template environment: package templates, autoescape on, undefined names an error."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("orgsim.presentation", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(name: str, **context: Any) -> str:
    """Template ``name`` rendered with ``context``."""
    return environment().get_template(name).render(**context)
