"""The bibliography: every citation resolves, docs/references.md is current, nothing points outside."""

from __future__ import annotations

import re
from pathlib import Path

from orgsim.analyses.claims import load_claims
from orgsim.references import markdown, references

ROOT = Path(__file__).resolve().parents[1]
CITED = ["src/orgsim/params.py", "src/orgsim/data/facts.toml", "src/orgsim/data/claims.toml", "docs/model.md"]
BRACKETS = re.compile(r"\[([a-z][a-z0-9_]*(?:; [a-z][a-z0-9_]*)*)(?:, [VS?])?\]")


def test_every_entry_is_complete_and_blog_posts_say_so():
    for ref in references().values():
        assert ref.author and ref.title and ref.venue and ref.year and ref.says, ref.key
        assert ref.confidence in ("V", "S", "?")
        if ref.kind == "blog":  # said once: the venue's own "blog post" is not repeated as a tag
            assert "blog" in ref.short().lower(), ref.key
            assert ref.short().lower().count("blog post") <= 1, ref.short()


def test_every_citation_is_a_key_of_the_bibliography():
    known = set(references()) | {"claim", "fact", "reference"}  # TOML array-of-table headers
    for name in CITED:
        for match in BRACKETS.finditer((ROOT / name).read_text()):
            for key in match.group(1).split("; "):
                assert key in known, (name, key)
    claims = load_claims()
    assert claims and all(references()[c.source].kind == "blog" for c in claims)


def test_the_docs_page_is_generated_from_the_data():
    assert (ROOT / "docs" / "references.md").read_text() == markdown() + "\n"


def test_nothing_points_outside_the_repository():
    outside = re.compile(r"FACTS §|DESIGN §|\[§\d|FACTS\.md|DESIGN\.md|shared/|\d{3}_[0-9a-f]{16}\.txt")
    for path in [*ROOT.glob("src/**/*.py"), *ROOT.glob("src/**/*.toml"), *ROOT.glob("docs/**/*.md"),
                 ROOT / "README.md"]:
        assert not outside.search(path.read_text()), path
