"""Every command against the bad inputs a reviewer tries: one located message, exit 2,
no traceback, and nothing written.

Each case names a command line (``{w}`` is a workspace of prepared files) and
a piece of the message it must print. The check is the same for all: exit
code 2, the message, no exception but the clean exit, and the workspace's
files exactly as they were (no half-written output, no file made on the way).
Cases that need a fresh process (a server that must not start, a scheduler
that never answers) run the real console script with a time limit.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import sqlite3
import subprocess
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from cli_process import TINY, command
from typer.testing import CliRunner

from forceplan.cli import app

runner = CliRunner()

UPDATE = """extends = "tiny.toml"

[update]
outlet = "Test Gazette"
title = "Fewer battalions"
date = 2025-03-01

[changes]
"nations[AAA].units.infantry_battalion" = { value = 7, gist = "two fewer" }
"""


def _make_store(url: str) -> None:
    result = runner.invoke(app, ["plan", "tiny.toml", "--db", url])
    assert result.exit_code == 0, result.output


def _make_run(directory: Path) -> None:
    """A complete explore result directory, small and in threads (no process start-up)."""
    from forceplan.explore import Settings, explore
    from forceplan.scenario import load_scenario

    with ThreadPoolExecutor(2) as pool:
        explore(load_scenario(TINY), directory, Settings(experiments=16, plans=2),
                executor=pool)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    w = tmp_path_factory.mktemp("bad-inputs")
    patch = pytest.MonkeyPatch()
    patch.chdir(w)
    shutil.copy(TINY, w / "tiny.toml")
    (w / "update.toml").write_text(UPDATE)
    (w / "binary.toml").write_bytes(b"\x00\x01\xff\xfe" * 16)
    (w / "latin1.toml").write_bytes('name = "caf\xe9"\n'.encode("latin-1"))
    (w / "notes.txt").write_text("not a scenario\n")
    (w / "folder").mkdir()
    (w / "empty").mkdir()
    (w / "foreign").mkdir()
    (w / "foreign" / "manifest.json").write_text('{"name": "someone else\'s"}')
    (w / "not-json").mkdir()
    (w / "not-json" / "manifest.json").write_text("{not json")
    (w / "levers-binary.toml").write_bytes(b"\xff\xfe\x00[levers]")
    (w / "levers-unknown.toml").write_text("[levers]\nfoo = [1, 2]\n")
    (w / "junk.sqlite").write_bytes(b"not a database at all " * 64)
    with sqlite3.connect(w / "foreign.sqlite") as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER, total REAL)")
    _make_store(f"sqlite:///{w / 'runs.sqlite'}")
    _make_store(f"sqlite:///{w / 'newer.sqlite'}")
    with sqlite3.connect(w / "newer.sqlite") as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    _make_run(w / "run")
    shutil.copytree(w / "run", w / "cut")  # a chunk cut short (a full disk, a bad copy)
    chunk = sorted((w / "cut" / "chunks").glob("*.parquet"))[0]
    chunk.write_bytes(chunk.read_bytes()[:200])
    shutil.copytree(w / "run", w / "shape")  # valid JSON, the wrong shape
    manifest = w / "shape" / "manifest.json"
    manifest.write_text(manifest.read_text().replace('"chunks": [', '"chunks": 5, "x": ['))
    shutil.copytree(w / "run", w / "entry")  # a finished entry without its checksum
    manifest = w / "entry" / "manifest.json"
    manifest.write_text(manifest.read_text().replace('"sha256"', '"sha_256"'))
    yield w
    patch.undo()


DB = "--db sqlite:///{w}/runs.sqlite"
# (command line, what the message must say)
CASES: list[tuple[str, str]] = [
    # scenario files: missing, a folder, binary, another encoding, blank
    ("validate missing.toml", "missing.toml: no such file"),
    ("validate folder", "folder: is a directory, not a scenario file"),
    ("plan binary.toml --no-store", "binary.toml: line 1: not UTF-8 text"),
    ("simulate latin1.toml -n 20 --no-store", "not UTF-8 text (byte 0xe9 at column 12)"),
    ("compare tiny.toml folder -n 20 --no-store", "folder: is a directory"),
    ("sources binary.toml", "not UTF-8 text"),
    ("explore binary.toml -o new-run -n 8", "not UTF-8 text"),
    ("update new binary.toml -o new.toml --source 'A, B, 2025-01-01'", "not UTF-8 text"),
    ("diff tiny.toml binary.toml -n 20", "not UTF-8 text"),
    ("timeline binary.toml -n 20", "not UTF-8 text"),
    ("timeline empty -n 20", "empty: is a folder with no .toml update files"),
    ("timeline tiny.toml -n 20", "not an update"),
    # outputs: a folder for a file, a file for a folder, the wrong ending, an input
    ("plan tiny.toml --json folder --no-store", "--json folder: is a directory"),
    ("plan tiny.toml --csv notes.txt --no-store", "--csv notes.txt: is a file, expected a dir"),
    ("plan tiny.toml --json notes.txt/plan.json --no-store", "notes.txt is not a directory"),
    ("plan tiny.toml --json - --no-store", "--json -: this option writes a file, not standard"),
    ("plan tiny.toml --xlsx plan.txt --no-store", "--xlsx plan.txt: the name must end in .xlsx"),
    ("simulate tiny.toml -n 20 --netcdf out.json --no-store", "must end in .nc"),
    ("plan tiny.toml --json tiny.toml --no-store", "is also an input of this command"),
    ("diff tiny.toml update.toml -n 20 --json tiny.toml", "is also an input of this command"),
    ("sources tiny.toml --json tiny.toml", "is also an input of this command"),
    ("update new tiny.toml -o tiny.toml --force --source 'A, B, 2025-01-01'",
     "is also an input of this command"),
    ("update new tiny.toml -o notes.txt --source 'A, B, 2025-01-01'",
     "notes.txt exists; pass --force"),
    ("update new tiny.toml -o folder --source 'A, B, 2025-01-01'", "is a directory"),
    ("update new tiny.toml -o new.toml --source 'A, B, 2025-13-45'",
     "--source: 2025-13-45 is not a date"),
    ("schema -o folder", "--output folder: is a directory"),
    (f"report 1 --xlsx report.txt {DB}", "--xlsx report.txt: the name must end in .xlsx"),
    (f"report 1 --html report.txt {DB}", "must end in .html or .htm"),
    (f"report 1 --html folder {DB}", "--html folder: is a directory"),
    (f"report 1 --charts notes.txt {DB}", "--charts notes.txt: is a file"),
    (f"report 1 --html missing/report.html {DB}", "folder missing does not exist"),
    (f"show 1 --netcdf out.txt {DB}", "--netcdf out.txt: the name must end in .nc"),
    (f"show 1 --netcdf out.nc --json {DB}", "--json and --netcdf: choose one"),
    (f"show 1 --netcdf out.nc {DB}", "this run has no simulation Dataset"),
    ("explore tiny.toml -o notes.txt -n 8", "--out notes.txt: is a file, expected a dir"),
    ("discover run --where 'coverage_mean < 0.9' --save notes.txt",
     "--save notes.txt: is a file, expected a directory"),
    ("serve --scenarios notes.txt", "--scenarios notes.txt: is a file"),
    # numbers: zero, negative, huge, not finite
    ("simulate tiny.toml -n 0 --no-store", "draws must be a whole number of at least 1"),
    ("simulate tiny.toml -n 100000000000 --no-store", "draws must be at most 10,000,000"),
    ("simulate tiny.toml -n 20 --seed 18446744073709551616 --no-store", "at most 2**64 - 1"),
    ("simulate tiny.toml -n 20 --months 241 --no-store", "months must be between 1 and 240"),
    ("plan tiny.toml --time-limit nan --no-store", "must be a finite number"),
    ("diff tiny.toml update.toml -n -1", "draws must be a whole number of at least 1"),
    ("explore tiny.toml -o new-run -n 0", "--experiments: the sample must have at least 1"),
    ("explore tiny.toml -o new-run -n 99999999999999", "at most 100,000,000 experiments"),
    ("explore tiny.toml -o new-run -n 8 --workers -1", "--workers: must be between 1 and"),
    ("explore tiny.toml -o new-run -n 8 --workers 100000", "--workers: must be between 1 and"),
    ("explore tiny.toml -o new-run -n 8 --chunk-size 0", "--chunk-size: must be at least 1"),
    ("explore tiny.toml -o new-run -n 8 --fix exit_hazard_scale=inf",
     "'exit_hazard_scale=inf': the value must be a finite number"),
    ("explore tiny.toml -o new-run -n 8 --fix exit_hazard_scale=-5",
     "--fix: exit_hazard_scale=-5: must be positive"),
    ("explore tiny.toml -o new-run -n 8 --fix exit_hazard_scale=1e300", "implausibly large"),
    ("explore tiny.toml -o new-run -n 8 --cluster tcp://127.0.0.1:9 --connect-timeout -1",
     "--connect-timeout: must be more than 0"),
    ("discover run --where 'coverage_mean < 0.9' --max-rows 0", "--max-rows"),
    ("discover run --where 'coverage_mean < 0.9' --box -1", "--box"),
    ("sensitivity run --outcome coverage_mean --top 0", "--top"),
    ("runs --limit 0", "--limit"),
    ("token revoke -1", "ID"),
    # names that are not there
    (f"runs --kind bogus {DB}", "--kind: unknown kind 'bogus' (one of plan, simulate, compare)"),
    (f"show 999 {DB}", "no run 999 in the run store"),
    (f"show abc {DB}", "'abc' is not a run id"),
    (f"rerun 999 {DB}", "no run 999 in the run store"),
    (f"show 99999999999999999999999 {DB}", "'99999999999999999999999' is not a run id"),
    (f"show 0 {DB}", "'0' is not a run id"),
    (f"report 9223372036854775808 --html r.html {DB}", "is not a run id"),
    (f"token revoke 9223372036854775808 {DB}", "no token 9223372036854775808"),
    (f"report 999 --html r.html {DB}", "no run 999"),
    (f"token revoke 999 {DB}", "no token 999"),
    ("report latest --html r.html --db sqlite:///{w}/empty.sqlite", "holds no runs yet"),
    ("sensitivity run --outcome nosuch", "--outcome: unknown outcome 'nosuch'"),
    ("sensitivity run --outcome coverage_mean --method sobol", "Sobol indices need a run"),
    ("discover run --where 'nosuch < 1'", "no column 'nosuch'"),
    ("discover run --where 'coverage_mean <'", "is not a condition"),
    ("discover run --where '__import__(\"os\")'", "--where"),
    ("diff tiny.toml update.toml -n 20 --group 'x=nomatch*'", "matches none of the changes"),
    ("diff tiny.toml update.toml -n 20 --outcome bogus", "--outcome: unknown outcome"),
    ("diff tiny.toml update.toml -n 20 --method bogus", "--method: unknown method"),
    # --db: unreachable, unknown, in a missing folder, someone else's, newer, in memory
    ("runs --db postgresql://nohost.invalid/x", "cannot open the run store"),
    ("runs --db foo://", "unsupported database 'foo'"),
    ("runs --db notaurl", "is not a database URL"),
    ("runs --db sqlite:///{w}/missing/runs.sqlite", "folder {w}/missing does not exist"),
    ("runs --db sqlite:///{w}/folder", "is a directory, not a database file"),
    ("runs --db sqlite:///{w}/junk.sqlite", "file is not a database"),
    ("runs --db sqlite:///{w}/foreign.sqlite", "holds tables (invoices) but no forceplan"),
    ("plan tiny.toml --db sqlite:///{w}/foreign.sqlite", "not a forceplan run store"),
    ("runs --db sqlite:///{w}/newer.sqlite", "written by a newer forceplan"),
    ("runs --db sqlite://", "an in-memory database forgets every run"),
    # explore result directories: none, empty, foreign, damaged
    ("discover missing --where 'coverage_mean < 0.9'", "missing: no manifest.json"),
    ("discover empty --where 'coverage_mean < 0.9'", "empty: no manifest.json"),
    ("discover notes.txt --where 'coverage_mean < 0.9'", "notes.txt: is a file, not an"),
    ("discover foreign --where 'coverage_mean < 0.9'", "not a forceplan explore manifest"),
    ("sensitivity not-json --outcome coverage_mean", "damaged manifest, not JSON"),
    ("sensitivity shape --outcome coverage_mean", "damaged manifest: 'chunks'"),
    ("discover cut --where 'coverage_mean < 0.9'", "cut: cannot read its results"),
    ("sensitivity cut --outcome coverage_mean", "--resume` checks and redoes damaged chunks"),
    ("explore tiny.toml -o empty -n 8 --resume", "--resume: empty holds no explore run"),
    ("explore tiny.toml -o missing -n 8 --resume", "holds no explore run to finish"),
    ("explore tiny.toml -o foreign --resume", "not a forceplan explore manifest"),
    ("explore tiny.toml -o shape --resume", "damaged manifest"),
    ("explore tiny.toml -o entry --resume", "lacks its file or checksum"),
    ("explore tiny.toml -o run -n 8", "already holds explore results"),
    ("explore tiny.toml -o new-run -n 8 --levers missing.toml", "--levers missing.toml: no such"),
    ("explore tiny.toml -o new-run -n 8 --levers folder", "is a directory"),
    ("explore tiny.toml -o new-run -n 8 --levers levers-binary.toml", "not UTF-8 text"),
    ("explore tiny.toml -o new-run -n 8 --levers levers-unknown.toml", "unknown lever"),
    ("explore tiny.toml -o new-run -n 8 --cluster nonsense", "is not a scheduler address"),
    # text no command means
    ("validate ''", "is empty"),
    ("plan tiny.toml --json ' ' --no-store", "is empty"),
    ("validate $'tiny\\x1b[31m.toml'", "control character"),
]


def _files(root: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``root`` but the stores (opening one may touch its journal)."""
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in root.rglob("*") if p.is_file() and ".sqlite" not in p.name}


def _argv(line: str, w: Path) -> list[str]:
    import shlex

    if "$'" in line:  # a control character, as bash's $'...' writes it
        head, _, rest = line.partition("$'")
        quoted, _, tail = rest.partition("'")
        return [*shlex.split(head), quoted.encode().decode("unicode_escape"), *shlex.split(tail)]
    return shlex.split(line.replace("{w}", str(w)))


@pytest.mark.parametrize(("line", "message"), CASES, ids=[c[0][:60] for c in CASES])
def test_refused_in_words_with_nothing_written(workspace: Path, line: str, message: str) -> None:
    before = _files(workspace)
    result = runner.invoke(app, _argv(line, workspace), env={"COLUMNS": "300"})
    output = " ".join(result.output.split())
    assert result.exit_code == 2, output
    assert isinstance(result.exception, SystemExit), result.exception
    assert message.replace("{w}", str(workspace)) in output, output
    assert "Traceback" not in output
    assert _files(workspace) == before, "a refused command changed the workspace"


ENV_CASES: list[tuple[str, dict[str, str | None], str]] = [
    ("runs", {"FORCEPLAN_DB": "foo://"}, "unsupported database 'foo' (use sqlite or "
     "postgresql) (the URL is FORCEPLAN_DB's)"),
    ("plan tiny.toml", {"FORCEPLAN_DB": "sqlite:///{w}/missing/runs.sqlite"},
     "(the URL is FORCEPLAN_DB's) (or run with --no-store)"),
    ("simulate tiny.toml -n 20", {"FORCEPLAN_STORE_FILES": "{w}/notes.txt"},
     "{w}/notes.txt is not a folder (FORCEPLAN_STORE_FILES chooses another)"),
    ("runs", {"FORCEPLAN_DB": None, "XDG_DATA_HOME": "{w}/notes.txt"},
     "cannot create the run store's folder {w}/notes.txt/forceplan"),
]


@pytest.mark.parametrize(("line", "env", "message"), ENV_CASES,
                         ids=[f"{c[0]} {sorted(c[1])}" for c in ENV_CASES])
def test_bad_environment_is_named(
    workspace: Path, line: str, env: dict[str, str | None], message: str
) -> None:
    before = _files(workspace)
    env = {k: None if v is None else v.replace("{w}", str(workspace)) for k, v in env.items()}
    result = runner.invoke(app, _argv(line, workspace), env={"COLUMNS": "300", **env})
    output = " ".join(result.output.split())
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit), output
    assert message.replace("{w}", str(workspace)) in output, output
    assert _files(workspace) == before


# -- cases that need their own process ------------------------------------------------


def _run(*args: str, cwd: Path, limit: float = 60) -> tuple[int, str, float]:
    started = time.monotonic()
    done = subprocess.run(command(*args), capture_output=True, text=True, timeout=limit,
                          cwd=cwd, env={**os.environ, "COLUMNS": "300"})
    return done.returncode, " ".join((done.stdout + done.stderr).split()), \
        time.monotonic() - started


def test_serve_on_a_port_in_use_says_so(workspace: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        code, output, _ = _run("serve", "--port", str(port), cwd=workspace)
    assert code == 2 and f"--port {port}: already in use on 127.0.0.1" in output, output
    assert "Traceback" not in output


@pytest.mark.parametrize(("host", "message"), [
    ("not..a..host", "--host not..a..host: not an address or a host name"),
    ("192.0.2.1", "--host 192.0.2.1: not an address of this machine"),  # TEST-NET-1
])
def test_serve_on_a_bad_host_says_so(workspace: Path, host: str, message: str) -> None:
    code, output, _ = _run("serve", "--host", host, "--port", "8765", cwd=workspace)
    assert code == 2 and message in output, output
    assert "Traceback" not in output


class _Listener:
    """A local TCP server that is not a Dask scheduler: silent, or answering HTTP."""

    def __init__(self, reply: bytes) -> None:
        self.reply = reply
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.address = f"tcp://127.0.0.1:{self.sock.getsockname()[1]}"
        self.conns: list[socket.socket] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(conn)
            if self.reply:
                with contextlib.suppress(OSError):
                    conn.sendall(self.reply)

    def close(self) -> None:
        self.sock.close()
        for conn in self.conns:
            conn.close()


@pytest.mark.parametrize(("reply", "message"), [
    (b"", "no answer within 2 s"),
    (b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n" * 20, "not as a Dask scheduler"),
])
def test_a_cluster_that_is_not_dask_is_named_in_time(
    workspace: Path, reply: bytes, message: str
) -> None:
    server = _Listener(reply)
    try:
        code, output, took = _run("explore", "tiny.toml", "-o", "cluster-run", "-n", "8",
                                  "--cluster", server.address, "--connect-timeout", "2",
                                  cwd=workspace)
    finally:
        server.close()
    assert code == 2 and "--cluster: " in output and message in output, output
    assert "Traceback" not in output and took < 40
    assert not (workspace / "cluster-run").exists()


def test_a_limit_past_what_a_database_counts_lists_every_run(workspace: Path) -> None:
    result = runner.invoke(app, ["runs", "-n", str(2**64 - 1), "--json", "--db",
                                 f"sqlite:///{workspace}/runs.sqlite"])
    assert result.exit_code == 0, result.output
    assert '"total": 1' in result.output


def test_a_second_explore_into_a_busy_directory_is_refused(workspace: Path) -> None:
    from forceplan.explore.results import exclusive

    busy = workspace / "busy"
    with exclusive(busy):  # as a run in progress holds it
        before = _files(workspace)
        result = runner.invoke(app, ["explore", "tiny.toml", "-o", "busy", "-n", "8"])
        assert _files(workspace) == before
    output = " ".join(result.output.split())
    assert result.exit_code == 2, output
    assert "busy: another forceplan explore is writing here now" in output


# -- every output and every --db, found in the app itself ---------------------------
# A command added later with a PATH or DIR option, or a --db, is tested here without
# anyone listing it; it only needs its least valid arguments below (the test fails
# until it has them).

LEAST_ARGS: dict[str, list[str]] = {
    "schema": [], "sources": ["tiny.toml"], "plan": ["tiny.toml"],
    "simulate": ["tiny.toml", "-n", "20"], "compare": ["tiny.toml", "tiny.toml", "-n", "20"],
    "explore": ["tiny.toml", "-n", "8"], "discover": ["run", "--where", "coverage_mean < 0.9"],
    "diff": ["tiny.toml", "update.toml", "-n", "20"], "timeline": ["update.toml", "-n", "20"],
    "runs": [], "show": ["1"], "rerun": ["1"], "report": ["1", "--html", "r.html"],
    "serve": [], "update new": ["tiny.toml", "--source", "A, B, 2025-01-01"],
    "token create": ["someone"], "token list": [], "token revoke": ["1"],
}
#: PATH and FILE options that are read, not written.
INPUT_OPTIONS = {("explore", "--levers")}


def _commands() -> list[tuple[str, object]]:
    import typer

    from forceplan.cli import load_app

    out: list[tuple[str, object]] = []

    def walk(group: object, prefix: str) -> None:
        for name, cmd in group.commands.items():  # type: ignore[attr-defined]
            if hasattr(cmd, "commands"):
                walk(cmd, f"{prefix}{name} ")
            else:
                out.append((f"{prefix}{name}", cmd))

    walk(typer.main.get_command(load_app()), "")
    return out


def _options(metavars: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(name, param.opts[0]) for name, cmd in _commands()
            for param in cmd.params  # type: ignore[attr-defined]
            if param.param_type_name == "option" and param.metavar in metavars
            and (name, param.opts[0]) not in INPUT_OPTIONS]


OUTPUT_OPTIONS = _options(("PATH", "DIR", "FILE"))
DB_OPTIONS = _options(("URL",))


def test_every_command_with_an_output_or_a_store_has_its_least_arguments() -> None:
    assert {name for name, _ in OUTPUT_OPTIONS + DB_OPTIONS} <= set(LEAST_ARGS)
    assert len(OUTPUT_OPTIONS) >= 15 and len(DB_OPTIONS) >= 10


@pytest.mark.parametrize(("name", "option"), OUTPUT_OPTIONS,
                         ids=[f"{n} {o}" for n, o in OUTPUT_OPTIONS])
def test_every_output_under_a_file_is_refused_first(
    workspace: Path, name: str, option: str
) -> None:
    args = [*name.split(), *LEAST_ARGS[name], option, "notes.txt/out"]
    before = _files(workspace)
    result = runner.invoke(app, args, env={"COLUMNS": "300"})
    output = " ".join(result.output.split())
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit), output
    assert f"{option} notes.txt/out" in output and "notes.txt is not a directory" in output
    assert _files(workspace) == before


@pytest.mark.parametrize(("name", "option"), DB_OPTIONS, ids=[f"{n} {o}" for n, o in DB_OPTIONS])
def test_every_store_option_refuses_someone_elses_database(
    workspace: Path, name: str, option: str
) -> None:
    args = [*name.split(), *LEAST_ARGS[name], option, f"sqlite:///{workspace}/foreign.sqlite"]
    before = _files(workspace)
    result = runner.invoke(app, args, env={"COLUMNS": "300"})
    output = " ".join(result.output.split())
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit), output
    assert "holds tables (invoices) but no forceplan schema revision" in output, output
    assert _files(workspace) == before


def test_rerun_needs_no_scenario_file(workspace: Path) -> None:
    """A run keeps its scenario: the file it was read from may be gone."""
    db = f"sqlite:///{workspace}/rerun.sqlite"
    shutil.copy(workspace / "tiny.toml", workspace / "gone.toml")
    assert runner.invoke(app, ["plan", "gone.toml", "--db", db]).exit_code == 0
    (workspace / "gone.toml").unlink()
    result = runner.invoke(app, ["rerun", "latest", "--db", db])
    assert result.exit_code == 0, result.output
    assert "identical" in result.output


def _without_privileges() -> list[str] | None:
    """A command prefix under which file permissions hold (root's capabilities dropped)."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    return None if setpriv is None else [setpriv, "--inh-caps=-all", "--bounding-set=-all"]


@pytest.mark.parametrize(("args", "message"), [
    (["validate", "locked.toml"], "locked.toml: cannot read scenario file: Permission denied"),
    (["plan", "tiny.toml", "--json", "read-only/plan.json", "--no-store"],
     "--json read-only/plan.json: permission denied: cannot write in read-only"),
    (["runs", "--db", "sqlite:///read-only/runs.sqlite"],
     "permission denied: cannot create runs.sqlite in folder read-only"),
])
def test_what_cannot_be_read_or_written_is_named(
    tmp_path: Path, args: list[str], message: str
) -> None:
    prefix = _without_privileges()
    if prefix is None:
        pytest.skip("root without setpriv: permissions do not hold")
    shutil.copy(TINY, tmp_path / "tiny.toml")
    (tmp_path / "locked.toml").write_text("name = 'x'\n")
    (tmp_path / "locked.toml").chmod(0)
    (tmp_path / "read-only").mkdir()
    (tmp_path / "read-only").chmod(0o555)
    try:
        done = subprocess.run([*prefix, *command(*args)], capture_output=True, text=True,
                              timeout=120, cwd=tmp_path, env={**os.environ, "COLUMNS": "300"})
    finally:
        (tmp_path / "read-only").chmod(0o755)
    output = " ".join((done.stdout + done.stderr).split())
    assert done.returncode == 2 and message in output, output
    assert "Traceback" not in output and not any((tmp_path / "read-only").iterdir())
