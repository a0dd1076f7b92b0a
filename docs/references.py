"""Write docs/references.md from src/orgsim/data/references.toml: `uv run python docs/references.py`."""

from pathlib import Path

from orgsim.references import markdown

if __name__ == "__main__":
    out = Path(__file__).with_name("references.md")
    out.write_text(markdown() + "\n", encoding="utf-8")
    print(f"wrote {out}")
