"""The report in a real browser: headless Debian Chromium, driven by Playwright.

It must load from a file:// URL with no console error, fetch nothing outside itself, and decode
every embedded chart (naturalWidth > 0). `.ci/run` installs chromium with apt when it is missing,
so in CI this test runs; it skips only where /usr/bin/chromium is absent.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from orgsim.presentation import report
from report_fixtures import make_sweep_dir, small_comparison

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="/usr/bin/chromium is missing (apt-get install -y chromium; .ci/run does it)",
    ),
]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield instance
        instance.close()


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    root = tmp_path_factory.mktemp("browser")
    sweep = make_sweep_dir(
        root / "sweep",
        "factorial",
        {"sales.headcount": [4, 12], "market.demand": [0.6, 1.5]},
        structures=("separate", "aligned"),
        reps=2,
        series=True,
        fail_one=True,
    )
    return {
        "compare": report.write_comparison_report(small_comparison(), root / "compare"),
        "sweep": report.write_sweep_report(sweep),
    }


@pytest.mark.parametrize("kind", ["compare", "sweep"])
def test_report_loads_offline_with_every_image_decoded(browser, reports, kind):
    path = reports[kind]
    page = browser.new_page()
    errors: list[str] = []
    outside: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("requestfailed", lambda req: errors.append(f"request failed: {req.url}"))
    page.on(
        "request", lambda req: outside.append(req.url) if not req.url.startswith(("file:", "data:")) else None
    )
    page.goto(path.resolve().as_uri(), wait_until="load")
    images = page.evaluate(
        "Array.from(document.images).map(i => ({complete: i.complete, width: i.naturalWidth, alt: i.alt}))"
    )
    first_section = page.evaluate("document.querySelector('h2').textContent")
    verdict = page.evaluate("document.querySelector('.verdict').getBoundingClientRect().top")
    page.close()
    assert first_section == "Executive summary"
    assert 0 < verdict < 600  # the recommendation is on the first screen
    assert errors == []
    assert outside == []
    charts = list((path.parent / "charts").glob("*.png"))
    assert len(images) == len(charts) >= 6
    for image in images:
        assert image["complete"] and image["width"] > 0, image["alt"]
