"""``orgsim dashboard``: the interactive browser view (Solara), served from this process."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from orgsim.cli import err
from orgsim.cli.money import currency_option


@click.command()
@click.argument("scenario", default="separate")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8765,
    show_default=True,
    help="Port to listen on (0: any free port).",
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on (0.0.0.0: reachable from other machines).",
)
@click.option(
    "--reports",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("dashboard-reports"),
    show_default=True,
    help="Where the page's 'Write report' button writes.",
)
@currency_option
def dashboard(scenario: str, port: int, host: str, reports: Path) -> None:
    """Serve the interactive dashboard for SCENARIO and print its URL (Ctrl-C stops it).

    Move the sliders, press Reset, then Play or Step: revenue, friction, leakage by cause and
    the funnel update as the days run, beside the same seed under a second structure, the
    salespeople's queues and trust, and the friction events as they happen.
    """
    from orgsim.presentation.dashboard.server import is_local, serve
    from orgsim.scenario import load_scenario

    load_scenario(scenario)  # a bad name is one line and exit 2, before the server starts
    if not is_local(host):
        err.print(
            f"warning: --host {host}: the dashboard has no login; anyone who can reach this machine "
            "can use it and write reports here (use 127.0.0.1 unless the network is trusted)",
            markup=False,
            highlight=False,
        )

    def ready(url: str) -> None:
        click.echo(f"orgsim dashboard: {url}")
        sys.stdout.flush()
        err.print("Ctrl-C stops it.")

    serve(scenario, host=host, port=port, reports=reports, on_ready=ready)
