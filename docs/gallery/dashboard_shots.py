"""Screenshots of the dashboard for this gallery, from a real `orgsim dashboard` in headless Chromium.

    uv run python docs/gallery/dashboard_shots.py [NAME ...]

NAME is any of ``controls``, ``leakage``, ``ten_seeds`` (default: all); each writes
``docs/gallery/dashboard_<NAME>.png``. The page shows a 60-day scenario with a 20-day warm-up,
money in EUR, run 20 business days (``ten_seeds`` then runs 10 seeds, a few minutes). Needs
Chromium at /usr/bin/chromium and the Playwright package (the browser is not downloaded).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
SCENARIO = """name = "gallery"
description = "The default company over 60 business days after a 20-day warm-up"
structure = "separate"
[horizon]
days = 60
warmup_days = 20
"""
SHOTS = ("controls", "leakage", "ten_seeds")


def shoot(names: list[str]) -> list[Path]:
    """Serve the dashboard, step it 20 days and write the screenshots ``names``; their paths."""
    from playwright.sync_api import expect, sync_playwright

    from orgsim.presentation.dashboard.server import free_port

    work = Path(tempfile.mkdtemp(prefix="orgsim-gallery-"))
    scenario = work / "gallery.toml"
    scenario.write_text(SCENARIO)
    port = free_port()
    command = [sys.executable, "-m", "orgsim", "dashboard", str(scenario), "--port", str(port),
               "--reports", str(work / "reports"), "--currency", "EUR"]  # fmt: skip
    server = subprocess.Popen(
        command, stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"}
    )
    written = []
    try:
        url = server.stdout.readline().split(": ", 1)[1].strip()  # "orgsim dashboard: URL"
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(600_000)
            expect.set_options(timeout=600_000)
            page.goto(url)
            expect(page.get_by_text("Day 0 of 60", exact=True)).to_be_visible()
            if "controls" in names:
                out = HERE / "dashboard_controls.png"
                page.locator(".v-navigation-drawer").first.screenshot(path=str(out))
                written.append(out)
            for day in (10, 20):
                page.get_by_role("button", name="Step").click()
                expect(page.get_by_text(f"Day {day} of 60", exact=True)).to_be_visible()
            page.wait_for_timeout(1500)  # let ECharts draw
            if "leakage" in names:
                out = HERE / "dashboard_leakage.png"
                page.locator(".orgsim-chart-leakage").screenshot(path=str(out))
                written.append(out)
            if "ten_seeds" in names:
                page.get_by_role("button", name="Run 10 seeds").click()
                expect(page.locator(".orgsim-spread")).to_be_visible()
                out = HERE / "dashboard_ten_seeds.png"
                page.locator(".orgsim-spread").locator("xpath=ancestor::div[contains(@class,'v-card')][1]").screenshot(
                    path=str(out)
                )
                written.append(out)
            browser.close()
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    return written


def main(argv: list[str]) -> int:
    """Write the screenshots named in ``argv`` (all when empty); exit code 2 for an unknown name."""
    names = argv or list(SHOTS)
    unknown = [n for n in names if n not in SHOTS]
    if unknown:
        print(f"dashboard_shots: unknown shot {unknown[0]!r}; use any of {', '.join(SHOTS)}", file=sys.stderr)
        return 2
    for path in shoot(names):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
