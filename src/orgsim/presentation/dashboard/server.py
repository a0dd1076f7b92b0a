"""Serve the dashboard: Solara's Starlette app under uvicorn, in this process.

The page's scripts and styles come from the ``solara-assets`` package (no CDN), and Solara's
usage telemetry is off.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from pathlib import Path

from orgsim.errors import InputError

APP = "orgsim.presentation.dashboard.app"


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def check_port(host: str, port: int) -> None:
    """Raise InputError naming the flag when ``host:port`` cannot be listened on."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise InputError(
                f"--port/--host: cannot listen on {host}:{port} ({exc.strerror}); try --port 0"
            ) from None


def serve(
    scenario: str,
    host: str = "127.0.0.1",
    port: int = 8765,
    reports: Path = Path("dashboard-reports"),
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Serve the dashboard until interrupted; ``on_ready(url)`` once it listens."""
    from orgsim.presentation.dashboard.app import REPORTS_ENV
    from orgsim.presentation.dashboard.session import SCENARIO_ENV

    port = free_port(host) if port == 0 else port
    check_port(host, port)
    os.environ.update(
        {
            SCENARIO_ENV: scenario,
            REPORTS_ENV: str(reports),
            "SOLARA_APP": APP,
            "SERVER_NAME": host,
            "SERVER_PORT": str(port),
            "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false",
        }
    )
    import solara.server.settings as settings
    import uvicorn

    settings.main.mode = "production"
    settings.telemetry.mixpanel_enable = False
    hide_resourcez()
    config = uvicorn.Config("solara.server.starlette:app", host=host, port=port, log_level="warning")
    server = uvicorn.Server(config)
    url = f"http://{host}:{port}"

    if on_ready is not None:
        started = server.startup

        async def startup(sockets: list[socket.socket] | None = None) -> None:
            await started(sockets=sockets)
            if server.started:
                on_ready(url)

        server.startup = startup  # type: ignore[method-assign]
    server.run()


def hide_resourcez() -> None:
    """Take Solara's ``/resourcez`` (server internals: kernels, memory, sessions) off the app."""
    from solara.server.starlette import app

    app.router.routes = [r for r in app.router.routes if getattr(r, "path", None) != "/resourcez"]


LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def is_local(host: str) -> bool:
    """Whether ``host`` is reachable from this machine only."""
    return host in LOCAL_HOSTS or host.startswith("127.")
