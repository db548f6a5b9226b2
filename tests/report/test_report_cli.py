"""`forceplan report` on stored runs: HTML, workbook and chart files; bad input exits 2."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from forceplan.cli import app
from forceplan.store import Store

TINY = str(Path(__file__).parents[1] / "fixtures" / "tiny.toml")
runner = CliRunner()


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    assert "Traceback" not in result.output
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def store_with_runs(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('reports') / 'runs.sqlite'}"
    assert invoke("plan", "reassurance-2025", "--db", url)[0] == 0
    assert invoke("simulate", "reassurance-2025", "--draws", "1000", "--seed", "7",
                  "--db", url)[0] == 0
    assert invoke("compare", "reassurance-2025", "iiss-small", "--draws", "200",
                  "--db", url)[0] == 0
    return url


def test_report_of_stored_runs(store_with_runs: str, tmp_path: Path) -> None:
    html, xlsx = tmp_path / "r.html", tmp_path / "r.xlsx"
    code, out = invoke("report", "1", "2", "3", "--html", str(html), "--xlsx", str(xlsx),
                       "--db", store_with_runs)
    assert code == 0, out
    text = html.read_text()
    for title in ("Run 1: plan of reassurance_2025", "Run 2: simulate of reassurance_2025",
                  "Run 3: compare of reassurance_2025 vs iiss_small"):
        assert title in text
    assert "sha256" in text  # the record lists the stored files with their checksums
    assert html.stat().st_size < 5_000_000
    book = openpyxl.load_workbook(xlsx)
    assert {"r1 allocations", "r2 summary", "r3 comparison"} <= set(book.sheetnames)


def test_report_writes_every_chart_as_png_and_svg(store_with_runs: str, tmp_path: Path) -> None:
    charts = tmp_path / "charts"
    code, out = invoke("report", "latest", "--charts", str(charts), "--db", store_with_runs)
    assert code == 0, out
    names = {"who-sends-what", "deployed-over-time", "coverage", "cost-vs-gdp", "flank-drain"}
    expected = {f"run3-{label}-{n}" for label in ("reassurance_2025", "iiss_small")
                for n in names} | {"run3-compare"}
    assert {p.stem for p in charts.glob("*.png")} == expected
    assert {p.stem for p in charts.glob("*.svg")} == expected
    assert all(p.read_bytes()[:4] == b"\x89PNG" for p in charts.glob("*.png"))
    assert all(p.read_text().startswith("<svg") for p in charts.glob("*.svg"))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["1", "--html", "/no/such/folder/r.html"], "folder /no/such/folder does not exist"),
        (["1", "--xlsx", "/no/such/folder/r.xlsx"], "folder /no/such/folder does not exist"),
        (["99", "--html", "{tmp}/r.html"], "no run 99 in the run store"),
        (["1"], "say what to write"),
    ],
)
def test_report_bad_input(store_with_runs: str, tmp_path: Path, args: list[str],
                          message: str) -> None:
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    code, out = invoke("report", *args, "--db", store_with_runs)
    assert code == 2 and message in out
    assert list(tmp_path.iterdir()) == []


def test_report_of_an_unfinished_run(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'runs.sqlite'}"
    store = Store.open(url)
    from forceplan import load_scenario

    run_id = store.start_run("plan", [("tiny", load_scenario(TINY))], {})
    store.fail_run(run_id, "stopped")
    code, out = invoke("report", str(run_id), "--html", str(tmp_path / "r.html"), "--db", url)
    assert code == 2 and "failed: it has no results to report" in out
    assert not (tmp_path / "r.html").exists()
