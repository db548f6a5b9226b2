"""`forceplan report RUN...`: stored runs as one HTML file, an Excel workbook, chart images."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from forceplan.cli.common import app, console, fail, outputs_or_exit, writing
from forceplan.cli.recording import DbOpt, open_store_or_exit
from forceplan.cli.tables import print_wrapped
from forceplan.cli.workbook import XlsxOpt, bytes_writer

if TYPE_CHECKING:

    from forceplan.report.model import ReportRun

HtmlOpt = Annotated[
    str | None,
    typer.Option("--html", metavar="PATH", help="Write one self-contained HTML report here."),
]
def check_report_path(path: str | None) -> None:
    """Fail before any work if ``path``'s folder does not exist (a report is not written
    into a folder made up on the spot: a mistyped folder is more likely)."""
    if not path:
        return
    parent = Path(path).parent
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
    targets = outputs_or_exit([db], html=(html, "file"), xlsx=(xlsx, "file"),
                              charts=(charts_dir, "directory"))
    for path in (html, xlsx, charts_dir):
        check_report_path(path)
    store = open_store_or_exit(db)
    with console.status("reading the runs..."):
        try:
            loaded = [load_report_run(store, ref) for ref in runs]
        except StoreError as exc:
            fail(str(exc))
    with console.status("drawing the report..."):
        html_text = _html(loaded) if html else None
        workbook = _workbook(loaded) if xlsx else None
        images: dict[str, str | bytes] = _images(loaded) if charts_dir else {}
    with writing() as out:
        if targets["html"] is not None and html_text is not None:
            out.write_text(targets["html"], html_text)
        if targets["xlsx"] is not None and workbook is not None:
            out.write_with(targets["xlsx"], bytes_writer(workbook))
        if targets["charts"] is not None:
            folder = out.directory(targets["charts"], sorted(images))
            for name in sorted(images):
                folder.write_text(name, images[name])
    if html and html_text is not None:
        print_wrapped(f"wrote {escape(html)} ({len(html_text.encode()) / 1e6:.1f} MB)")
    if xlsx and workbook is not None:
        print_wrapped(f"wrote {escape(xlsx)} ({len(workbook) / 1e6:.1f} MB)")
    if charts_dir:
        print_wrapped(f"wrote {len(images)} chart files to {escape(charts_dir)}")


def _html(runs: list[ReportRun]) -> str:
    from forceplan.report.html import html_report

    return html_report(runs)


def _workbook(runs: list[ReportRun]) -> bytes:
    from forceplan.report.excel import workbook_bytes

    return workbook_bytes(runs)


def _images(runs: list[ReportRun]) -> dict[str, str | bytes]:
    """Every chart of every run as SVG text and PNG bytes, by file name."""
    from forceplan.report.charts import run_charts, to_png, to_svg

    images: dict[str, str | bytes] = {}
    for run in runs:
        prefix = f"run{run.record['id']}-" if run.record.get("id") is not None else ""
        for name, chart in run_charts(run.plans, run.dataset, run.comparison).items():
            images[f"{prefix}{name}.svg"] = to_svg(chart)
            images[f"{prefix}{name}.png"] = to_png(chart)
    return images
