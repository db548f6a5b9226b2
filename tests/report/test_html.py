"""The HTML report: one file that renders offline in headless Chromium and prints."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
import xarray as xr
from browser import ARTIFACTS, open_page

from forceplan.plan import PlanResult
from forceplan.report.html import DETERRENCE_CAVEAT, html_report
from forceplan.report.model import ReportRun
from forceplan.scenario import Scenario


@pytest.fixture(scope="module")
def report_file(
    tmp_path_factory: pytest.TempPathFactory,
    flagship: Scenario,
    flagship_plan: PlanResult,
    flagship_simulation: xr.Dataset,
    comparison: pd.DataFrame,
) -> Path:
    runs = [
        ReportRun({"id": 1, "kind": "simulate", "seed": 7}, [("flagship", flagship)],
                  [("flagship", flagship_plan)], flagship_simulation),
        ReportRun({"id": 2, "kind": "compare", "seed": 7},
                  [("flagship", flagship), ("small", flagship)],
                  [("flagship", flagship_plan), ("small", flagship_plan)],
                  comparison=comparison),
    ]
    path = tmp_path_factory.mktemp("report") / "report.html"
    path.write_text(html_report(runs))
    return path


def test_the_report_is_one_file_with_everything_inlined(report_file: Path) -> None:
    text = report_file.read_text()
    assert not re.search(r"""<(script|link|img)[^>]+(src|href)=["']?https?:""", text)
    assert "vegaEmbed" in text and text.count('data-spec="spec-') >= 10
    for heading in ("Run record", "Plan", "Simulation", "Comparison", "Assumptions", "Sources",
                    "Per nation over the whole plan", "Shortfalls the coalition cannot fill"):
        assert f">{heading}" in text, heading
    assert DETERRENCE_CAVEAT in text
    assert report_file.stat().st_size < 5_000_000


def test_it_renders_in_chromium_offline_with_no_error(report_file: Path) -> None:
    with open_page(report_file) as visit:
        page = visit.page
        page.wait_for_function(
            "document.querySelectorAll('.chart').length > 0 && "
            "document.querySelectorAll('.chart svg').length === "
            "document.querySelectorAll('.chart').length",
            timeout=60_000,
        )
        charts = page.evaluate("document.querySelectorAll('.chart svg').length")
        titles = page.evaluate(
            "Array.from(document.querySelectorAll('.chart svg')).map(s => s.textContent)")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=False)
        pdf = page.pdf(format="A4")
    assert visit.console_errors == []
    assert visit.outside_requests == []
    assert visit.requests == [report_file.resolve().as_uri()]
    assert charts >= 10
    assert any("Who sends what" in t for t in titles)
    assert any("Monte Carlo fan charts" in t for t in titles)
    assert pdf[:5] == b"%PDF-" and pdf.count(b"/Type /Page") > 5  # it prints, page by page
    assert (ARTIFACTS / "report.png").stat().st_size > 10_000


def test_user_text_is_escaped(tmp_path: Path, flagship_plan: PlanResult) -> None:
    from forceplan import load_scenario

    tiny = Path(__file__).parents[1] / "fixtures" / "tiny.toml"
    hostile = tmp_path / "hostile.toml"
    hostile.write_text(tiny.read_text().replace(
        'source = "test figure"', 'source = "</script><script>alert(1)</script><b>x"'))
    scenario = load_scenario(hostile)
    text = html_report([ReportRun({"id": 3, "kind": "plan", "label": "<i>x</i>"},
                                  [("tiny", scenario)])])
    assert "<script>alert(1)" not in text and "<b>x" not in text
    assert "&lt;/script&gt;&lt;script&gt;alert(1)" in text
