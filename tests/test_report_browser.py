"""report.html in a real browser (playwright driving the system's Chromium, offline: every request other
than the file itself is refused and recorded), at 1400 and 800 px: the first viewport holds the
recommendation and its scope, the speed chart renders with its data, a filter changes what it shows,
hover text carries the CI, no table spills past the content column, no console errors. Screenshots
land in the test's temporary folder (and in $DLARENA_TEST_ARTIFACTS when set).

Needs playwright (dev extra) and Debian's ``chromium`` (``make test`` installs it as root; elsewhere:
``apt-get install chromium`` or DLARENA_CHROMIUM=/path/to/chrome). A skip for either fails the session
unless DLARENA_TESTS_WITHOUT names it (tests/helpers/skips_allowed.py)."""

import os
import shutil
from pathlib import Path

import pytest

from dlarena.report.render import write_report
from helpers import report_runs

sync_api = pytest.importorskip("playwright.sync_api")
VIEWPORT_H = 900


def chromium() -> str:
    path = os.environ.get("DLARENA_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        pytest.skip("no chromium browser found (apt-get install chromium, or DLARENA_CHROMIUM=/path/to/chrome; "
                    "make test installs it as root)")
    return path


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    store = report_runs.build(tmp_path_factory.mktemp("browser") / "r.duckdb")
    return write_report(store, store.run("b"), tmp_path_factory.mktemp("report"))[0]


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=chromium(), args=["--no-sandbox"])
        yield launched
        launched.close()


def _open(browser, report: Path, width: int):
    context = browser.new_context(viewport={"width": width, "height": VIEWPORT_H}, offline=True)
    page = context.new_page()
    errors, fetched = [], []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))

    def route(r):
        if r.request.url.startswith("file://"):
            return r.continue_()
        fetched.append(r.request.url)
        return r.abort()

    page.route("**/*", route)
    page.goto(report.as_uri())
    page.wait_for_function("document.querySelector('#chart-mlp .main-svg') !== null")
    return page, errors, fetched


def _shot(page, tmp_path: Path, name: str) -> None:
    page.screenshot(path=str(tmp_path / name))
    folder = os.environ.get("DLARENA_TEST_ARTIFACTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / name))


@pytest.mark.parametrize("width", [1400, 800])
def test_report_in_a_browser(browser, report, width, tmp_path):
    page, errors, fetched = _open(browser, report, width)
    _shot(page, tmp_path, f"report-{width}-first-screen.png")

    # the answer first: the recommendation paragraph and its scope inside the first viewport
    for selector in ("#recommendation p.verdict", "#recommendation ul li"):
        box = page.locator(selector).first.bounding_box()
        assert box and box["y"] + box["height"] <= VIEWPORT_H, (selector, box)
    assert page.locator("#recommendation p.verdict").inner_text().startswith("With equal priorities")
    assert "Machine:" in page.locator("#recommendation ul li").first.inner_text()

    # the chart renders with the stored cells: 8 points, each with its error bar
    chart = "document.getElementById('chart-mlp')"
    assert page.evaluate(f"{chart}.data.length") == 8
    assert page.locator("#chart-mlp .scatterlayer .point").count() == 8
    assert page.locator("#chart-mlp .errorbar").count() == 8

    # a filter changes what is shown: best mode per framework leaves 2 per scenario
    shown = f"{chart}.data.filter(t => t.visible !== false).length"
    page.select_option('select[data-filter="mode"]', "@best")
    assert page.evaluate(shown) == 4 and page.locator("#chart-mlp .scatterlayer .point").count() == 4
    page.select_option('select[data-filter="framework"]', "tensorflow")
    assert page.evaluate(shown) == 2
    page.select_option('select[data-filter="mode"]', "")
    page.select_option('select[data-filter="framework"]', "")
    assert page.evaluate(shown) == 8

    # hover text carries the estimate's CI, windows and parity
    page.locator("#chart-mlp").scroll_into_view_if_needed()
    page.locator("#chart-mlp .scatterlayer .point").first.hover(force=True)
    page.wait_for_selector("#chart-mlp .hovertext")
    hover = page.locator("#chart-mlp .hovertext").first.text_content()
    assert "95% CI" in hover and "4 timing windows" in hover and "parity: ok" in hover
    _shot(page, tmp_path, f"report-{width}-chart.png")

    # every part opened: no table spills past the content column, the page does not scroll sideways
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    spills = page.evaluate("""() => { const right = document.body.getBoundingClientRect().right;
        return [...document.querySelectorAll('table')].filter(t => t.getBoundingClientRect().right > right + 1)
                                                       .map(t => t.textContent.slice(0, 60)); }""")
    assert spills == []
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    # the History part's charts draw when it opens
    page.wait_for_function("""[...document.querySelectorAll('div.chart[data-figure^="history:"]')]
                              .every(div => div.querySelector('.main-svg') && div.data.length > 0)""")
    assert page.locator('div.chart[data-figure^="history:"]').count() == 2

    assert errors == [] and fetched == []
    page.context.close()
