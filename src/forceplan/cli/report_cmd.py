"""`forceplan report RUN...`: stored runs as one HTML file, an Excel workbook, chart images."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from forceplan.cli.common import app, console, fail, write_atomic
from forceplan.cli.recording import DbOpt, open_store_or_exit

if TYPE_CHECKING:
    from forceplan.report.model import ReportRun

HtmlOpt = Annotated[
    str | None,
    typer.Option("--html", metavar="PATH", help="Write one self-contained HTML report here."),
]
XlsxOpt = Annotated[
    str | None,
    typer.Option("--xlsx", metavar="PATH", help="Write an Excel workbook (one sheet per table)."),
]


def check_report_path(path: str | None) -> None:
    """Fail before any work if ``path``'s folder does not exist or is not writable."""
    if not path:
        return
    target = Path(path)
    if target.is_dir():
        fail(f"{path} is a folder, expected a file path")
    parent = target.parent
    if not parent.is_dir():
        fail(f"cannot write {path}: folder {parent} does not exist")


@app.command("report")
def report_command(
    runs: Annotated[
        list[str],
        typer.Argument(metavar="RUN...", help="Run ids (from `forceplan runs`), or 'latest'."),
    ],
    html: HtmlOpt = None,
    xlsx: XlsxOpt = None,
    charts_dir: Annotated[
        str | None,
        typer.Option("--charts", metavar="DIR", help="Write every chart as PNG and SVG here."),
    ] = None,
    db: DbOpt = None,
) -> None:
    """Report stored runs: an HTML file that opens offline, a workbook, chart images."""
    from forceplan.store import StoreError
    from forceplan.store.reporting import load_report_run

    if not (html or xlsx or charts_dir):
        fail("say what to write: --html PATH, --xlsx PATH and/or --charts DIR")
    check_report_path(html)
    check_report_path(xlsx)
    if charts_dir and not Path(charts_dir).parent.is_dir():
        fail(f"cannot write charts to {charts_dir}: folder {Path(charts_dir).parent} "
             "does not exist")
    store = open_store_or_exit(db)
    with console.status("reading the runs..."):
        try:
            loaded = [load_report_run(store, ref) for ref in runs]
        except StoreError as exc:
            fail(str(exc))
    write_reports(loaded, html, xlsx, charts_dir)


def write_reports(
    runs: list[ReportRun], html: str | None, xlsx: str | None, charts_dir: str | None = None
) -> None:
    """Write the HTML report, the workbook and the chart images that were asked for."""
    if html:
        from forceplan.report.html import html_report

        with console.status("drawing the report..."):
            text = html_report(runs)
        write_atomic(html, text)
        console.print(f"wrote {escape(html)} ({len(text.encode()) / 1e6:.1f} MB)")
    if xlsx:
        from forceplan.report.excel import workbook_bytes

        with console.status("writing the workbook..."):
            data = workbook_bytes(runs)
        write_atomic(xlsx, data)
        console.print(f"wrote {escape(xlsx)} ({len(data) / 1e6:.1f} MB)")
    if charts_dir:
        _write_charts(runs, Path(charts_dir))


def _write_charts(runs: list[ReportRun], folder: Path) -> None:
    from forceplan.report.charts import run_charts, to_png, to_svg

    folder.mkdir(exist_ok=True)
    written = 0
    with console.status("rendering the charts..."):
        for run in runs:
            prefix = f"run{run.record['id']}-" if run.record.get("id") is not None else ""
            for name, chart in run_charts(run.plans, run.dataset, run.comparison).items():
                write_atomic(folder / f"{prefix}{name}.png", to_png(chart))
                write_atomic(folder / f"{prefix}{name}.svg", to_svg(chart))
                written += 2
    console.print(f"wrote {written} chart files to {escape(str(folder))}")


def cli_record(kind: str, record: Any, scenarios: list[tuple[str, Any]],
               options: dict[str, Any], seed: int | None = None) -> dict[str, Any]:
    """What a plan/simulate/compare command knows about its own run, for its workbook."""
    from forceplan import __version__

    return {
        "id": getattr(record, "run_id", None),
        "kind": kind,
        "scenarios": [{"label": label, "hash": _hash(s)} for label, s in scenarios],
        "options": options,
        "seed": seed,
        "forceplan_version": __version__,
    }


def _hash(scenario: Any) -> str:
    from forceplan.scenario import scenario_hash

    return scenario_hash(scenario)
