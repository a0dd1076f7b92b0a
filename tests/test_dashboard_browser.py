"""The dashboard in a real browser: `orgsim dashboard` served, headless Debian Chromium, Playwright.

The test starts the command on a free port, opens the page, moves a slider, resets, runs some
days and checks the charts changed, with no console error and nothing fetched from outside.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from orgsim.presentation.dashboard.server import free_port

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
START_SECONDS = 240  # imports and the first model on a busy two-core machine
DAY_AT_LEAST = """n => Array.from(document.querySelectorAll("span")).some(e => {
    const m = /^Day (\\d+) of \\d+$/.exec(e.textContent.trim());
    return m && Number(m[1]) >= n;
})"""  # the page shows "Day N of H" with N >= n

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="/usr/bin/chromium is missing (apt-get install -y chromium)"
    ),
    pytest.mark.timeout(1500),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port = free_port()
    reports = tmp_path_factory.mktemp("reports")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "orgsim",
            "dashboard",
            "separate",
            "--port",
            str(port),
            "--reports",
            str(reports),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True).start()
    try:
        first = lines.get(timeout=START_SECONDS)
    except queue.Empty:
        proc.kill()
        pytest.fail(
            f"no URL within {START_SECONDS} s: {proc.stderr.read() if proc.poll() is not None else ''}"
        )
    assert first.strip() == f"orgsim dashboard: http://127.0.0.1:{port}"
    yield first.split(": ", 1)[1].strip()
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()


def test_move_a_slider_run_some_days_and_watch_the_charts_change(server):
    from playwright.sync_api import expect, sync_playwright

    errors: list[str] = []
    outside: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("requestfailed", lambda req: errors.append(f"request failed: {req.url}"))
        page.on("request", lambda req: outside.append(req.url) if not req.url.startswith(server) else None)
        page.set_default_timeout(120_000)
        expect.set_options(timeout=120_000)
        page.goto(server)
        expect(page.get_by_text("Day 0 of 250", exact=True)).to_be_visible()
        revenue = page.locator(".orgsim-chart-revenue canvas").first
        expect(revenue).to_be_visible()
        page.wait_for_timeout(1000)  # let ECharts draw
        blank = revenue.screenshot()

        # move a slider with the keyboard: sales headcount 10 -> 12
        slider = page.locator(".v-input", has_text="Sales headcount").locator("[role=slider]")
        slider.focus()
        slider.press("ArrowRight")
        slider.press("ArrowRight")
        expect(page.get_by_text("Sales headcount: 12 people")).to_be_visible()
        expect(page.get_by_text("Moved from the scenario: sales.headcount")).to_be_visible()
        page.get_by_role("button", name="Reset").click()
        expect(page.get_by_text("Rep 12", exact=True)).to_be_visible()

        for day in (10, 20):
            page.get_by_role("button", name="Step").click()
            expect(page.get_by_text(f"Day {day} of 250", exact=True)).to_be_visible()
        page.get_by_role("button", name="Play").click()
        page.wait_for_function(DAY_AT_LEAST, arg=40)
        page.get_by_role("button", name="Pause").click()
        page.wait_for_timeout(1000)
        assert revenue.screenshot() != blank
        browser.close()
    assert errors == []
    assert outside == []


def test_move_a_slider_run_ten_seeds_and_write_their_report(server):
    """The teaching path: a titled page, the one-seed warning, 10 seeds' spread, a report of them."""
    from playwright.sync_api import expect, sync_playwright

    from orgsim.presentation.dashboard.app import ONE_SEED

    errors: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.set_default_timeout(120_000)
        expect.set_options(timeout=120_000)
        page.goto(server)
        expect(page.get_by_text("Day 0 of 250", exact=True)).to_be_visible()
        expect(page).to_have_title("orgsim dashboard")
        expect(page.get_by_text(ONE_SEED)).to_be_visible()
        expect(page.get_by_text("Quota-carrying salespeople.", exact=False).first).to_be_visible()

        slider = page.locator(".v-input", has_text="Sales headcount").locator("[role=slider]")
        slider.focus()
        slider.press("ArrowLeft")
        slider.press("ArrowLeft")
        expect(page.get_by_text("Sales headcount: 8 people")).to_be_visible()
        page.get_by_role("button", name="Reset").click()
        expect(page.get_by_text("Rep 8", exact=True)).to_be_visible()
        page.get_by_role("button", name="Step").click()
        expect(page.get_by_text("Day 10 of 250", exact=True)).to_be_visible()

        page.get_by_role("button", name="Run 10 seeds").click()
        spread = page.locator(".orgsim-spread")
        expect(spread).to_be_visible(timeout=800_000)  # 20 runs of warm-up + 10 days on a busy machine
        expect(spread).to_contain_text("10 seeds at day 10")
        expect(spread).to_contain_text("separate")
        expect(spread).to_contain_text("aligned")

        page.get_by_role("button", name="Write report of this run").click()
        written = page.get_by_text("Written: ", exact=False)
        expect(written).to_be_visible(timeout=300_000)
        report = Path(written.inner_text().split("Written: ", 1)[1].strip())
        browser.close()
    assert errors == []
    text = report.read_text()
    assert "10 replications" in text and "one run per structure" not in text
    import pandas as pd

    runs = pd.read_csv(report.parent / "runs.csv")
    label = "group" if "group" in runs else "scenario"
    assert runs.groupby(label).size().to_dict() == {"aligned": 10, "separate": 10}
    assert set(runs.loc[runs[label] == "aligned", "structure"]) == {"aligned"}
