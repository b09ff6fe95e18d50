"""The shareable HTML report: self-contained, complete, and it opens in a real browser."""

import base64
import re
import shutil
import subprocess

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

import journeysim as js  # noqa: E402
from journeysim.cli import main  # noqa: E402
from tests.helpers import RETAIL  # noqa: E402

SHORT = ["--set", "simulation.horizon=60 d", "--set", "population.arrivals_per_day=6"]


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    path = tmp_path_factory.mktemp("report") / "out" / "report.html"
    args = ["compare", str(RETAIL), "--strategies", "baseline,cem", "--replications", "3"]
    assert (
        main([*args, "--seed", "7", "--workers", "1", "--quiet", "--report", str(path), *SHORT])
        == 0
    )
    return path


def test_report_is_self_contained_and_says_what_ran(report):
    text = report.read_text(encoding="utf-8")
    assert not re.search(r'(src|href)="(?!data:)', text)  # nothing fetched from elsewhere
    assert "<script" not in text
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', text)
    assert len(images) >= 8
    assert all(base64.b64decode(i).startswith(b"\x89PNG") for i in images)
    for fact in ("retail", "baseline, cem", "<td>seed</td><td>7</td>", js.__version__):
        assert fact in text
    assert "replications per strategy</td><td>3</td>" in text
    assert "Paired difference vs baseline" in text and "Payback" in text
    assert "WARNING" not in text


def test_report_warns_below_three_replications(tmp_path):
    path = tmp_path / "two.html"
    args = ["compare", str(RETAIL), "--strategies", "baseline,crm", "--replications", "2"]
    assert main([*args, "--workers", "1", "--quiet", "--report", str(path), *SHORT]) == 0
    assert "WARNING: only 2 replications: no confidence intervals" in path.read_text()
    assert main([*args, "--quiet", "--report", str(tmp_path), *SHORT]) == 2  # a directory


def _browser():
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


CHECK = """<script>
window.addEventListener('load', () => {
  const bad = [...document.images].filter(i => !(i.complete && i.naturalWidth > 0)).length;
  document.title = 'CHECK images=' + document.images.length + ' broken=' + bad;
});
</script>"""


def test_report_opens_in_headless_chromium(report, tmp_path):
    browser = _browser()
    if browser is None:
        pytest.skip("no Chromium/Chrome installed (apt-get install -y chromium) to open the report")
    probe = tmp_path / "probe.html"  # the report plus a probe that counts undecodable images
    probe.write_text(report.read_text(encoding="utf-8").replace("</body>", CHECK + "</body>"))
    command = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--allow-file-access-from-files",
        "--virtual-time-budget=10000",
        "--dump-dom",
        probe.as_uri(),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    match = re.search(r"<title>CHECK images=(\d+) broken=(\d+)</title>", done.stdout)
    assert match, done.stdout[:500]
    assert int(match.group(1)) >= 8 and int(match.group(2)) == 0
    assert "Paired difference vs baseline" in done.stdout
