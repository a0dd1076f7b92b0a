"""What every HTML page orgsim writes shares: the base stylesheet and text escaping.

The sweep/compare report (:mod:`orgsim.presentation.report.html`) and the claims page
(:mod:`orgsim.presentation.answers`) add their own rules after :data:`BASE_CSS`.
"""

from __future__ import annotations

import html

BASE_CSS = """
:root { --ink:#222; --muted:#666; --rule:#e3e3e3; --accent:#3B4A5A; }
body { font-family: -apple-system, "Segoe UI", "DejaVu Sans", Helvetica, Arial, sans-serif; color: var(--ink);
       max-width: 1180px; margin: 0 auto; padding: 28px 32px 60px; line-height: 1.5; background: #fff; }
h1 { font-size: 28px; margin: 0 0 4px; }
h2 { font-size: 21px; margin: 38px 0 10px; padding-bottom: 4px; border-bottom: 2px solid var(--rule); }
.meta { color: var(--muted); font-size: 14px; }
.question { font-size: 18px; background: #f5f8fb; border-left: 4px solid var(--accent); padding: 12px 16px; }
table { border-collapse: collapse; margin: 10px 0 6px; font-size: 14px; }
th, td { padding: 5px 10px; border-bottom: 1px solid var(--rule); text-align: left; vertical-align: top; }
th { background: #fafafa; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
figure { margin: 8px 0 28px; } figure img { width: 100%; height: auto; border: 1px solid var(--rule); }
@media print { figure { break-inside: avoid; } body { padding: 0; } }
"""
"""Page, headings, tables and figures: the look both HTML pages share (self-contained, no fonts fetched)."""


def escape(text: object) -> str:
    """``text`` as HTML text or an attribute value (quotes escaped too)."""
    return html.escape(str(text), quote=True)
