"""Report commands: ``orgsim report DIR`` turns a sweep's output into charts and report.html.

``orgsim compare ... --out DIR`` writes the same kind of report for a quick comparison; both
use :mod:`orgsim.presentation.report`.
"""

from __future__ import annotations

from pathlib import Path

import click

from orgsim.cli import (
    _emit_json,
    _progress,
    err,
    json_option,
    out,
    out_dir_option,
    safe,
)
from orgsim.cli.money import currency_option


@click.command()
@click.argument("sweep_dir", metavar="DIR", type=click.Path(file_okay=False, path_type=Path))
@out_dir_option("Write report.html and charts/ here (default: DIR itself).", path_type=Path)
@click.option("--quiet", is_flag=True, help="No progress bar and no notes; only the report's path.")
@json_option
@currency_option
def report(sweep_dir: Path, out_dir: Path | None, quiet: bool, as_json: bool) -> None:
    """Write charts (PNG and SVG) and a self-contained report.html for the sweep in DIR.

    DIR is the --out directory of `orgsim sweep` (manifest.json, runs/, optional series/). The
    report picks the charts that fit the design: outcomes by structure, leakage and friction
    breakdowns, funnel, daily series, the revenue-friction tradeoff; metric-vs-factor charts and
    a "which structure wins where" map for factorial and Latin-hypercube sweeps; sensitivity
    indices for Sobol and Morris sweeps.
    """
    from orgsim.experiment.storage import load_manifest
    from orgsim.outputs import check_report_dir
    from orgsim.presentation.decision import is_decide_dir

    target = out_dir if out_dir is not None else sweep_dir
    if is_decide_dir(sweep_dir):  # an `orgsim decide` folder: the decision page
        from orgsim.presentation.decision import write_decision_page

        if out_dir is not None:
            check_report_dir(target, "--out")
        page = write_decision_page(sweep_dir, out_dir)
        if as_json:
            charts = sorted(str(p) for p in (target / "charts").glob("decision_*.png"))
            _emit_json({"report": str(page), "design": "decide", "charts": charts})
        else:
            out.print(f"decision page written to {safe(page)}", highlight=False)  # stdout: for a script
        return
    if out_dir is not None:
        check_report_dir(target, "--out")  # before reading the sweep
    else:  # the report goes into DIR: a missing or damaged manifest is the first thing to say
        load_manifest(sweep_dir)
        check_report_dir(target, "DIR")
    from orgsim.presentation.report import from_sweep, plan, write_report  # charts: slow to import

    data = from_sweep(sweep_dir)
    if data.manifest is not None:  # the sweep's currency (else its scenarios') unless --currency is given
        from orgsim import currency

        saved = sweep_dir / "manifest.json"
        if data.manifest.currency:
            currency.adopt(data.manifest.currency, f"{saved}: currency")
        else:  # a manifest from before the sweep saved its currency
            for base in data.manifest.scenarios:
                currency.adopt(base.currency, f"{saved}: experiment.currencies.{base.name}")
    planned = plan(data)
    advance, stop = _progress(len(planned), quiet, "charts")
    try:
        path = write_report(data, target, planned=planned, progress=advance)
    finally:
        stop()
    if as_json:
        _emit_json(
            {
                "report": str(path),
                "design": data.design,
                "runs": len(data.runs),
                "failed_runs": 0 if data.failed is None else len(data.failed),
                "charts": [
                    {
                        "name": ex.name,
                        "png": str(target / "charts" / f"{ex.name}.png"),
                        "svg": str(target / "charts" / f"{ex.name}.svg"),
                    }  # fmt: skip
                    for ex in planned
                ],
                "notes": data.notes,
            }
        )
        return
    out.print(f"report written to {safe(path)}", highlight=False)  # stdout: for a script
    if not quiet:
        for note in data.notes:
            err.print(f"note: {safe(note)}")
