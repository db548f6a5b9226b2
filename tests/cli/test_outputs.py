"""Output paths are checked before any work, and refused in words (exit 2).

Each case once tracebacked after the work was done (FileExistsError,
NotADirectoryError, PermissionError, an OverflowError writing the seed to
netCDF after the JSON was written) or silently replaced something it should
not have.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_process import TINY, as_unprivileged_user, command
from typer.testing import CliRunner

from forceplan.cli import app

runner = CliRunner()

# every command and option that writes, with the kind of path it takes
OUTPUTS = [
    (["plan", str(TINY)], "--json", "file"),
    (["plan", str(TINY)], "--csv", "directory"),
    (["simulate", str(TINY), "-n", "20"], "--json", "file"),
    (["simulate", str(TINY), "-n", "20"], "--netcdf", "file"),
    (["compare", str(TINY), str(TINY), "-n", "20"], "--json", "file"),
    (["schema"], "-o", "file"),
]
WORK_DONE = ("who sends what", "draws", "Comparison", '"$defs"')


def _refused(args: list[str], expect: str) -> None:
    result = runner.invoke(app, args, env={"COLUMNS": "200"})
    assert result.exit_code == 2, result.output
    assert expect in result.output, result.output
    assert "Traceback" not in result.output
    for text in WORK_DONE:  # refused before any work
        assert text not in result.output, result.output


@pytest.mark.parametrize(("args", "option", "kind"), OUTPUTS)
def test_empty_path_is_refused(args: list[str], option: str, kind: str) -> None:
    _refused([*args, option, ""], "is empty")  # refused as an option value (helptext.py)
    _refused([*args, option, "   "], "is empty")


@pytest.mark.parametrize(("args", "option", "kind"), OUTPUTS)
def test_parent_that_is_a_file_is_refused(
    args: list[str], option: str, kind: str, tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("keep me\n")
    _refused([*args, option, str(blocker / "out")], "is not a directory")
    _refused([*args, option, str(blocker / "deeper" / "out")], "is not a directory")
    assert blocker.read_text() == "keep me\n"


@pytest.mark.parametrize(("args", "option", "kind"), OUTPUTS)
def test_wrong_kind_of_path_is_refused(
    args: list[str], option: str, kind: str, tmp_path: Path
) -> None:
    if kind == "file":
        _refused([*args, option, str(tmp_path)], "is a directory, expected a file")
    else:
        existing = tmp_path / "plain.txt"
        existing.write_text("x")
        _refused([*args, option, str(existing)], "is a file, expected a directory")


@pytest.mark.parametrize(("args", "option", "kind"), [o for o in OUTPUTS if o[2] == "file"])
def test_fifo_is_refused_not_replaced(
    args: list[str], option: str, kind: str, tmp_path: Path
) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    _refused([*args, option, str(fifo)], "not a regular file")
    assert stat.S_ISFIFO(fifo.stat().st_mode)


def test_two_options_naming_one_file_are_refused(tmp_path: Path) -> None:
    same = str(tmp_path / "out.nc")
    _refused(["simulate", str(TINY), "-n", "20", "--json", same, "--netcdf", same], "same output")


def test_symlink_is_followed_and_kept(tmp_path: Path) -> None:
    target = tmp_path / "real.json"
    target.write_text("old\n")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    result = runner.invoke(app, ["plan", str(TINY), "--json", str(link)])
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and link.resolve() == target
    assert json.loads(target.read_text())["scenario"]["name"] == "tiny"


def test_symlink_loop_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    _refused(["plan", str(TINY), "--json", str(tmp_path / "a")], "a loop of symbolic links")


def test_existing_permissions_are_kept(tmp_path: Path) -> None:
    private = tmp_path / "plan.json"
    private.write_text("old\n")
    private.chmod(0o600)
    tables = tmp_path / "tables"
    tables.mkdir()
    tables.chmod(0o750)
    (tables / "allocations.csv").write_text("old\n")
    (tables / "allocations.csv").chmod(0o640)
    result = runner.invoke(app, ["plan", str(TINY), "--json", str(private), "--csv", str(tables)])
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert stat.S_IMODE(tables.stat().st_mode) == 0o750
    assert (tables / "allocations.csv").read_text().startswith("phase,")
    assert not [p for p in tmp_path.rglob("*") if ".forceplan-" in p.name]


def test_csv_into_a_folder_with_other_files_keeps_them(tmp_path: Path) -> None:
    """A folder that holds other files is not swapped: the CSVs are renamed in one by one."""
    (tmp_path / "notes.txt").write_text("mine\n")
    result = runner.invoke(app, ["plan", str(TINY), "--csv", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "notes.txt").read_text() == "mine\n"
    assert (tmp_path / "allocations.csv").exists()
    assert not [p for p in tmp_path.iterdir() if ".forceplan-" in p.name]


def test_seed_beyond_64_bits_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    out, nc = tmp_path / "a.json", tmp_path / "b.nc"
    base = ["simulate", str(TINY), "-n", "20", "--json", str(out), "--netcdf", str(nc)]
    _refused([*base, "--seed", str(2**64)], "at most 2**64 - 1")
    assert not out.exists() and not nc.exists()
    result = runner.invoke(app, [*base, "--seed", str(2**64 - 1)])
    assert result.exit_code == 0, result.output
    import xarray as xr

    with xr.open_dataset(nc, engine="h5netcdf") as ds:
        assert int(ds.attrs["seed"]) == 2**64 - 1
    assert json.loads(out.read_text())


@pytest.fixture
def shared_tmp() -> Iterator[Path]:
    """A folder an unprivileged user can work in (pytest's tmp_path is private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="forceplan-ro-"))
    folder.chmod(0o777)
    try:
        yield folder
    finally:
        for p in folder.rglob("*"):
            if p.is_dir():
                p.chmod(0o777)
        import shutil

        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.parametrize(
    "relative", ["out.json", "a/out.json", "a/b/out.json"], ids=["in", "one-down", "two-down"]
)
def test_read_only_location_is_refused_before_work(shared_tmp: Path, relative: str) -> None:
    """Run as an unprivileged user (root may write anywhere)."""
    readonly = shared_tmp / "ro"
    readonly.mkdir()
    scenario = shared_tmp / "tiny.toml"
    scenario.write_text(TINY.read_text())
    scenario.chmod(0o644)
    readonly.chmod(0o555)
    cases = [
        ["plan", str(scenario), "--json", str(readonly / relative)],
        ["plan", str(scenario), "--csv", str(readonly / relative)],
        ["schema", "-o", str(readonly / relative)],
    ]
    probe = as_unprivileged_user(command("--help"))
    if probe is None:
        pytest.skip("no way to drop root privileges here (setpriv missing)")
    if subprocess.run(probe, capture_output=True, timeout=300).returncode != 0:
        pytest.skip("an unprivileged user cannot run forceplan from this checkout")
    for args in cases:
        cmd = as_unprivileged_user(command(*args))
        assert cmd is not None
        done = subprocess.run(
            cmd,
            capture_output=True,
            text=True,
            timeout=300,
            env={**os.environ, "FORCEPLAN_NO_CACHE": "1", "COLUMNS": "200"},
        )
        assert done.returncode == 2, done.stdout + done.stderr
        assert "permission denied" in done.stderr, done.stderr
        assert "Traceback" not in done.stderr
        assert "who sends what" not in done.stdout  # refused before any work
    assert list(readonly.iterdir()) == []
    # a folder on the way that the user may not even look into
    private = shared_tmp / "private"
    private.mkdir(mode=0o700)
    cmd = as_unprivileged_user(command("plan", str(scenario), "--json", str(private / "x/o.json")))
    assert cmd is not None
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 2, done.stderr
    assert "Permission denied" in done.stderr and "Traceback" not in done.stderr
