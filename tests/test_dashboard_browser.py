"""The classroom dashboard in a real headless browser.

``journeysim dashboard`` is started on a free local port (as a trainer starts it) and driven
with Playwright through the system's Chromium (Debian's ``chromium`` package; Playwright's
own browser download is never used). Checked: the page loads without console errors and
without any request leaving the machine (offline), Run fills the key figures, choosing
another class exercise and pressing Run again changes them to the public API's numbers for
the same settings, and a screenshot at 1280x720 is kept as a test artefact.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.helpers import RETAIL, ROOT

pytest.importorskip("panel", reason="the dashboard extra (panel) is not installed")
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

ARTEFACTS = Path(os.environ.get("JOURNEYSIM_ARTEFACTS", ROOT / "tmp" / "artefacts"))
SMALL = "population.arrivals_per_day=8"  # a small retail: a click costs about a second
HORIZON = 60
BROWSER_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def find_chromium() -> str | None:
    for candidate in ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(candidate)
        if path:
            return path
    return None


@pytest.fixture(scope="module")
def chromium():
    path = find_chromium()
    if path is None:
        pytest.skip("no Chromium found (install Debian's `chromium` package to run this test)")
    return path


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    command = [
        sys.executable,
        "-m",
        "journeysim.cli",
        "dashboard",
        str(RETAIL),
        "--set",
        SMALL,
        "--port",
        "0",
        "--horizon",
        str(HORIZON),
        "--replications",
        "3",
        "--workers",
        "2",
    ]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    log = tmp_path_factory.mktemp("dashboard") / "stderr.txt"
    errors = log.open("w")  # a file, not a pipe nobody reads: the server never blocks on it
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=errors, text=True, cwd=ROOT, env=env
    )
    url = None
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        if line.startswith("journeysim dashboard:") and "http://" in line:
            url = line.split(" at ", 1)[1].split(" ", 1)[0]
            break
    if url is None:
        process.kill()
        process.wait()
        pytest.fail(f"the dashboard did not start: {log.read_text()[-2000:]}")
    yield url
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    errors.close()


def shown(page, kpi: str, strategy: str, field: str) -> str:
    """The first line of a key-figures cell (the value; its interval is the second line)."""
    cell = page.locator(f"td[data-kpi='{kpi}'][data-strategy='{strategy}'][data-field='{field}']")
    return cell.inner_text().strip().splitlines()[0]


def images(page) -> list[str]:
    """Digests of the pictures on the page (charts are PNG data URLs)."""
    srcs = [img.get_attribute("src") or "" for img in page.locator("img").all()]
    return [hashlib.sha1(src.encode()).hexdigest()[:12] for src in srcs]


def run_and_wait(
    page, previous: str | None = None, timeout: float = 60.0, seen: list | None = None
) -> str:
    """Press Run and wait until the status says done (and the table changed, if asked).

    ``seen`` collects the status lines shown meanwhile.
    """
    page.locator("button", has_text="Run").click()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = page.locator("#js-status").inner_text()
        if seen is not None:
            seen.append(status)
        if status.startswith("Done") and (
            previous is None or page.locator("#js-kpis").inner_text() != previous
        ):
            return status
        assert not page.locator(".js-warn#js-status").count(), status
        page.wait_for_timeout(100)
    raise AssertionError(f"no result within {timeout} s: {status}")


def test_dashboard_in_a_real_browser(chromium, server):
    import journeysim as js
    from journeysim.dashboard import apply_preset, classroom_comparison, kpi_cells
    from journeysim.dashboard.case import classroom_defaults

    host = urlparse(server).hostname
    requests, problems = [], []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=BROWSER_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            page.on("request", lambda r: requests.append(r.url))
            page.on("console", lambda m: m.type == "error" and problems.append(m.text))
            page.on("pageerror", lambda e: problems.append(str(e)))
            page.goto(server)
            page.locator("button", has_text="Run").wait_for(timeout=30_000)
            # the button can render before the empty-state text: wait for it (up to 30 s)
            empty = page.locator("#js-empty")
            for _ in range(300):
                if "press Run" in empty.inner_text():
                    break
                page.wait_for_timeout(100)
            assert "press Run" in empty.inner_text()

            started = time.perf_counter()
            seen: list[str] = []
            status = run_and_wait(page, seen=seen)
            # the page kept talking while the runs went on: progress, not a frozen page
            assert any(s.startswith("Running:") and " of " in s for s in seen), seen[:3]
            print(f"\nfirst click to result: {time.perf_counter() - started:.1f} s ({status})")
            assert f"3 paired replications of {HORIZON} days" in status
            balanced = page.locator("#js-kpis").inner_text()
            assert shown(page, "profit", "plan", "diff").startswith(("+", "-"))

            # another class exercise: all of the budget on CRM offers
            page.locator("select").first.select_option(label="CRM without campaigns")
            share = page.locator("text=Share on CRM offers")
            share.first.wait_for()
            deadline = time.monotonic() + 10
            while "100" not in share.first.inner_text() and time.monotonic() < deadline:
                page.wait_for_timeout(100)
            assert "100" in share.first.inner_text()
            run_and_wait(page, previous=balanced)
            after = {
                (kpi, s, f): shown(page, kpi, s, f)
                for kpi in ("nps", "cost", "profit", "retention_rate")
                for s, f in (("baseline", "mean"), ("plan", "mean"), ("plan", "diff"))
            }
            # the journey map recoloured by CSAT: a new picture, no new run
            page.locator(".bk-tab", has_text="Journey map").first.click()
            before = images(page)
            page.locator("button", has_text="CSAT").click()
            deadline = time.monotonic() + 30
            while images(page) == before and time.monotonic() < deadline:
                page.wait_for_timeout(100)
            assert images(page) != before, "the journey map did not change colour"
            page.locator(".bk-tab", has_text="Key figures").first.click()
            page.wait_for_timeout(300)
            ARTEFACTS.mkdir(parents=True, exist_ok=True)
            shot = ARTEFACTS / "dashboard.png"
            page.screenshot(path=str(shot))
            print(f"screenshot: {shot}")
        finally:
            browser.close()

    assert not problems, problems
    outside = [u for u in requests if urlparse(u).scheme in ("http", "https", "ws", "wss")]
    outside = [u for u in outside if urlparse(u).hostname != host]
    assert not outside, f"requests left the machine: {outside[:5]}"
    assert shot.stat().st_size > 10_000

    # the same settings through the public API give the numbers shown
    scenario = js.load_scenario(RETAIL, [SMALL])
    settings = apply_preset(
        classroom_defaults(scenario).updated(horizon_days=HORIZON, replications=3),
        "crm_no_campaigns",
    )
    expected = {
        (c["kpi"], c["strategy"]): c
        for c in kpi_cells(classroom_comparison(scenario, settings, workers=1))
    }
    for (kpi, strategy, field), text in after.items():
        want = expected[(kpi, strategy)]["mean_text" if field == "mean" else "diff_text"]
        assert text == want, (kpi, strategy, field)
    assert after[("cost", "plan", "diff")] != "+0"  # the offers cost something
