"""The self-contained HTML report of a comparison or a sweep, with its charts as PNG and SVG.

A reader who sees only ``report.html`` must understand what was compared and what came out:
the question, the scenarios and their parameters, a headline table with 95% confidence
intervals, each chart with a one-line reading computed from the same numbers the chart draws,
and the method (replications, seeds, versions, the lead-ledger check). The file embeds its
images as base64 and references nothing outside itself, so it opens offline and can be mailed.

Two entry points: :func:`write_comparison_report` (``orgsim compare ... --out DIR``) and
:func:`write_sweep_report` (``orgsim report DIR``, reading what ``orgsim sweep`` wrote). Both
turn their input into one :class:`ReportData` and share everything after that. The report picks
the charts that fit the design: factor-response and "who wins where" charts for factorial and
Latin-hypercube sweeps, sensitivity indices for Sobol and Morris sweeps.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from orgsim.analyses.compare import Comparison
from orgsim.analyses.tornado import TORNADO_FILE, read_tornado
from orgsim.experiment.experiment import Factor
from orgsim.outputs import claim_report_dir, to_csv
from orgsim.presentation.report.data import (
    ReportData,
    from_comparison,
    from_sweep,
    headline,
    ledger_check,
    read_sweep,
    sensitivity_indices,
)
from orgsim.presentation.report.html import render_html
from orgsim.presentation.report.plan import Chart, Exhibit, Plan, draw_charts, plan
from orgsim.presentation.report.readings import (
    read_friction,
    read_funnel,
    read_leakage,
    read_outcomes,
    read_response,
    read_sensitivity,
    read_series,
    read_tradeoff,
    read_winner_map,
)

log = logging.getLogger(__name__)


# -- entry points -----------------------------------------------------------------------------
def write_report(
    data: ReportData,
    out_dir: str | Path,
    planned: Plan | None = None,
    progress: Callable[[int], None] | None = None,
) -> Path:
    """Write charts (PNG, SVG), ``summary.csv`` and ``report.html`` into ``out_dir``; return the HTML path.

    A ``validation.json`` (``orgsim validate --out``) or ``tornado.json`` (``orgsim tornado --out``)
    already in ``out_dir`` adds its exhibit; an ``explain.json`` (``orgsim explain --out``) adds
    its range check to the executive summary.

    ``planned`` is :func:`plan`'s result if the caller already has it; ``progress(1)`` is called
    after each chart.
    """
    out = claim_report_dir(out_dir)  # never over a user's files; see orgsim.outputs
    if data.validation is None and (out / "validation.json").is_file():
        from orgsim.analyses.validate import read_checks

        data.validation = read_checks(out / "validation.json")
        planned = None  # the validation exhibit joins the plan
    if data.explanation is None and (out / "explain.json").is_file():
        import json

        try:
            data.explanation = json.loads((out / "explain.json").read_text())
        except ValueError:
            data.explanation = None  # not ours or damaged: the summary lists the levels only
    if data.tornado is None and (out / TORNADO_FILE).is_file():
        data.tornado = read_tornado(out / TORNADO_FILE)
        planned = None  # the tornado exhibit joins the plan
    chart_list = draw_charts(data, out, planned, progress)
    table = headline(data)
    to_csv(table.drop(columns="best"), out / "summary.csv")
    path = out / "report.html"
    tmp = path.with_suffix(".html.tmp")
    tmp.write_text(render_html(data, chart_list, table), encoding="utf-8")
    tmp.replace(path)  # never a half-written report
    log.info("report written to %s", path)
    return path


def write_comparison_report(comp: Comparison, out_dir: str | Path, baseline: str | None = None) -> Path:
    """The report of ``orgsim compare ... --out DIR``; also writes ``runs.csv``. Returns report.html."""
    data = from_comparison(comp, baseline)
    out = claim_report_dir(out_dir)
    to_csv(data.runs.rename(columns={"group": "scenario"}), out / "runs.csv")
    return write_report(data, out)


def write_sweep_report(sweep_dir: str | Path, out_dir: str | Path | None = None) -> Path:
    """The report of a sweep directory, written into ``out_dir`` (default: the sweep directory)."""
    data = from_sweep(sweep_dir)
    return write_report(data, out_dir if out_dir is not None else sweep_dir)


__all__ = [
    "Chart",
    "Exhibit",
    "Plan",
    "draw_charts",
    "plan",
    "read_friction",
    "read_funnel",
    "read_leakage",
    "read_outcomes",
    "read_response",
    "read_sensitivity",
    "read_series",
    "read_tradeoff",
    "read_winner_map",
    "Factor",
    "ReportData",
    "from_comparison",
    "from_sweep",
    "headline",
    "ledger_check",
    "read_sweep",
    "render_html",
    "sensitivity_indices",
    "write_comparison_report",
    "write_report",
    "write_sweep_report",
]
