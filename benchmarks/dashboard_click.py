"""Click-to-result time of the classroom dashboard at classroom settings.

What one press of **Run** costs on the server: :func:`journeysim.dashboard.classroom_comparison`
on the dashboard's persistent pool of worker processes (started once, before the first
click, as ``journeysim dashboard`` does) plus drawing the page's charts as PNG. The browser's
share (a websocket message and decoding five images) is small next to it; the browser test
prints the full click-to-result time it sees.

Each click uses another seed, so no result is served from the dashboard's cache.

With ``--browser`` the real page is measured instead: ``journeysim dashboard`` is started on a
free port and headless Chromium (the system's, through Playwright) presses Run, once per class
exercise (each a new setting), timing click to "Done"; ``--screenshot PNG`` keeps the page
after the first click at 1280x720 (the README's picture is made so).

    python benchmarks/dashboard_click.py                      # retail, 180 d, 3 replications
    python benchmarks/dashboard_click.py --horizon 365 --replications 5 --clicks 2
    python benchmarks/dashboard_click.py --browser --screenshot docs/images/dashboard.png
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import journeysim as js  # noqa: E402
from journeysim.dashboard import classroom_defaults  # noqa: E402
from journeysim.dashboard.app import Dashboard  # noqa: E402
from journeysim.dashboard.progress import CountingExecutor  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", default=str(ROOT / "scenarios" / "retail.toml"))
    parser.add_argument("--horizon", type=int, default=180, help="days (default 180)")
    parser.add_argument("--replications", type=int, default=3)
    parser.add_argument("--clicks", type=int, default=3)
    parser.add_argument("--workers", type=int, default=None, help="default: every core")
    parser.add_argument("--pure-plans", action="store_true", help="also all-CRM and all-CEM")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--browser", action="store_true", help="time the real page")
    parser.add_argument("--screenshot", metavar="PNG", help="with --browser: keep the page")
    args = parser.parse_args()
    if args.browser:
        browser_clicks(args)
        return

    # as `journeysim dashboard` does: an empty start unless --set says otherwise
    scenario = js.load_scenario(
        args.scenario, ["simulation.start=empty", "simulation.burn_in=0 d", *args.set]
    )
    settings = classroom_defaults(scenario).updated(
        horizon_days=args.horizon, replications=args.replications, pure_plans=args.pure_plans
    )
    board = Dashboard(scenario, defaults=settings, workers=args.workers)
    started = time.perf_counter()
    board.warm_up()
    print(
        f"{scenario.name}: {args.horizon} d, {args.replications} paired replications, "
        f"{2 + 2 * args.pure_plans} strategies, {board.workers} worker processes "
        f"(started in {time.perf_counter() - started:.1f} s), {os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    walls = []
    try:
        for click in range(args.clicks):
            job = CountingExecutor(board.pool)
            wall0 = time.perf_counter()
            comparison, figures = board.results(settings.updated(seed=click), job)
            wall = time.perf_counter() - wall0
            walls.append(wall)
            nps = comparison.table.set_index(["strategy", "kpi"]).loc[("plan", "nps"), "diff"]
            print(
                f"click {click + 1}: {wall:5.2f} s wall, "
                f"{job.finished} runs, {sum(len(png) for png in figures.values()) / 1e3:.0f} kB "
                f"of charts; plan's NPS difference {nps:+.2f}"
            )
    finally:
        board.close()
    walls.sort()
    print(f"median click-to-result: {walls[len(walls) // 2]:.2f} s (best {walls[0]:.2f} s)")
    # CPU time is what a shared machine's load does not inflate: one click in this process
    from journeysim.dashboard import classroom_comparison
    from journeysim.dashboard.app import _figures

    cpu0 = time.process_time()
    comparison = classroom_comparison(scenario, settings.updated(seed=99), workers=1)
    cpu_runs = time.process_time() - cpu0
    _figures(scenario, comparison)
    cpu_charts = time.process_time() - cpu0 - cpu_runs
    runs = len(comparison.strategies) * comparison.replications
    workers = board.workers
    rounds = -(-runs // workers)
    print(
        f"CPU per click: {cpu_runs:.2f} s for {runs} runs + {cpu_charts:.2f} s of charts; "
        f"on {workers} idle cores about {rounds * cpu_runs / runs + cpu_charts:.1f} s "
        f"({rounds} rounds of one run per worker, then the charts)"
    )


def browser_clicks(args: argparse.Namespace) -> None:
    """Start ``journeysim dashboard`` and time Run in headless Chromium, once per exercise."""
    import shutil
    import signal
    import subprocess
    import sys

    from playwright.sync_api import sync_playwright

    from journeysim.dashboard import PRESETS

    command = [sys.executable, "-m", "journeysim.cli", "dashboard", args.scenario, "--port", "0"]
    command += ["--horizon", str(args.horizon), "--replications", str(args.replications)]
    command += [f"--set={item}" for item in args.set]
    if args.workers:
        command += ["--workers", str(args.workers)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    server = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)
    try:
        url = None
        for line in server.stdout:
            if " at http://" in line:
                url = line.split(" at ", 1)[1].split(" ", 1)[0]
                break
        if url is None:
            raise SystemExit("the dashboard did not start")
        print(f"server up in {time.perf_counter() - started:.1f} s at {url}")
        chromium = shutil.which("chromium") or "/usr/bin/chromium"
        flags = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=flags)
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            page.goto(url)
            run = page.locator("button", has_text="Run")
            run.wait_for(timeout=60_000)
            titles = [preset.title for key, preset in PRESETS.items() if key != "crm_vs_cem"]
            walls = []
            for click in range(args.clicks):
                title = titles[click % len(titles)]
                page.locator("select").first.select_option(label=title)
                page.wait_for_timeout(500)
                wall0 = time.perf_counter()
                run.click()
                status = ""
                while not status.startswith("Done"):
                    page.wait_for_timeout(50)
                    status = page.locator("#js-status").inner_text()
                walls.append(time.perf_counter() - wall0)
                print(f"click {click + 1} ({title}): {walls[-1]:.2f} s in the browser; {status}")
                if click == 0 and args.screenshot:  # the first exercise, as a class sees it
                    page.wait_for_timeout(500)
                    page.screenshot(path=args.screenshot)
                    print(f"screenshot: {args.screenshot}")
            browser.close()
        walls.sort()
        print(f"median click-to-result in the browser: {walls[len(walls) // 2]:.2f} s")
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
