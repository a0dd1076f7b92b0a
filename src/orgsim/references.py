"""The bibliography (``orgsim/data/references.toml``): every source orgsim cites, by key.

Parameters, facts, claims and docs cite an entry as ``[key]``; :func:`cite` turns a key into
"Author (year), Title, venue" for people, and :func:`markdown` writes ``docs/references.md``.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

KINDS = {
    "study": "study or primary report",
    "survey": "practitioner or analyst survey",
    "practitioner": "practitioner benchmarks (no primary study)",
    "blog": "blog post or opinion article",
}
CITATION = re.compile(r"\[([a-z][a-z0-9_]*(?:[;,] ?[a-z][a-z0-9_]*)*)(?:, [VS?])?\]")
"""A citation in text: ``[oldroyd2011]``, ``[oldroyd2007; oldroyd2011]``, ``[funnel_benchmarks, ?]``."""


@dataclass(frozen=True)
class Reference:
    """One source: who, what, where, when, and what orgsim takes from it."""

    key: str
    author: str
    title: str
    venue: str
    year: int | str  # "n.d." when the source gives no date
    url: str
    kind: str  # a key of KINDS; "blog" marks a blog post or opinion piece
    confidence: str  # V read in the primary text, S secondary only, ? unverified
    says: str

    def short(self) -> str:
        """``Author (year), Title, venue``, with ``[blog post]`` for a blog post its venue doesn't name."""
        blog = " [blog post]" if self.kind == "blog" and "blog" not in self.venue.lower() else ""
        return f"{self.author} ({self.year}), {self.title}, {self.venue}{blog}"


@cache
def references() -> dict[str, Reference]:
    """Every entry of the bibliography by key."""
    text = resources.files("orgsim").joinpath("data", "references.toml").read_text(encoding="utf-8")
    return {r["key"]: Reference(**r) for r in tomllib.loads(text)["reference"]}


def cite(key: str) -> str:
    """The citation of ``key`` for people; an unknown key is returned as it is."""
    ref = references().get(key)
    return ref.short() if ref else key


def keys_cited(text: str) -> list[str]:
    """The bibliography keys a text cites in ``[key]`` / ``[a; b]`` brackets (known keys only)."""
    known = references()
    out = []
    for match in CITATION.finditer(text):
        out += [k.strip() for k in re.split(r"[;,]", match.group(1)) if k.strip() in known]
    return out


def markdown() -> str:
    """``docs/references.md``: the bibliography as a table-free list, grouped by kind."""
    lines = [
        "# References",
        "",
        "Every source orgsim cites, by key (`[key]` in parameters, facts, claims and docs).",
        "Generated from `src/orgsim/data/references.toml` by `uv run python docs/references.py`;",
        "edit the data file, not this page. Confidence: V = read in the primary text,",
        "S = secondary sources only, ? = unverified (not calibrated to). Blog posts and opinion",
        "articles are claims to test (`orgsim claims`), not evidence.",
        "A title in [brackets] describes a source whose own title is not recorded.",
        "",
    ]
    for kind, heading in KINDS.items():
        refs = [r for r in references().values() if r.kind == kind]
        if not refs:
            continue
        lines += [f"## {heading[:1].upper()}{heading[1:]}", ""]
        for r in refs:
            link = f" <{r.url}>" if r.url else ""
            title = r.title if r.title.startswith("[") else f"*{r.title}*"
            head = f"- **[{r.key}]** {r.author} ({r.year}). {title}. {r.venue}.{link}"
            lines.append(f"{head} ({r.confidence}) — {r.says}")
        lines.append("")
    return "\n".join(lines)


__all__ = ["KINDS", "Reference", "cite", "keys_cited", "markdown", "references"]
