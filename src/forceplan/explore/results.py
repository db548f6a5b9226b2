"""A result directory: manifest, journal, Parquet chunks; written atomically, read lazily.

Layout of ``DIR``::

    manifest.json        the design (scenario hash, version, sampler, seed,
                         dimensions with sources, plan design, chunk list);
                         at the end also every chunk's and plan's SHA-256
    journal.jsonl        one line per finished plan or chunk, appended as they
                         finish (folded into the manifest at the end)
    plans/<hash>.json    each plan (``forceplan plan --json`` format), by content hash
    chunks/part-<policy>-<first draw>.parquet
                         one row per experiment: indices, levers, plan hash,
                         every input, every outcome (units and long names in
                         each field's metadata)

Every file is written to a temporary name beside it and renamed when complete,
so a crash leaves finished files whole and unfinished ones absent.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

try:
    import fcntl
except ImportError:  # Windows: no advisory locks, one run at a time is the user's care
    fcntl = None  # type: ignore[assignment]

import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.parquet as pq

from forceplan.explore.design import DRAWN_INPUTS, OUTCOMES, Spec
from forceplan.explore.errors import ExploreError
from forceplan.explore.levers import LEVER_UNITS

if TYPE_CHECKING:
    import pandas as pd
    import xarray as xr

MANIFEST = "manifest.json"
JOURNAL = "journal.jsonl"
FORMAT = "forceplan-explore/1"

_LEVER_TYPES = {
    "backstop": pa.bool_(),
    "variant": pa.string(),
    "burden_sharing": pa.string(),
    "min_nations_on_ground": pa.int64(),
    "rotation_policy": pa.float64(),
}
_INDEX = {
    "experiment": ("Experiment: position in the sampler's design", "index", pa.int64()),
    "draw": ("Draw: index of the simulation's random streams", "index", pa.int64()),
    "policy": ("Lever combination", "index", pa.int32()),
    "plan_point": ("Point of the outer (plan-stage) design", "index", pa.int32()),
    "plan": ("Content hash of the plan (plans/<hash>.json)", "hash", pa.string()),
    "plan_status": ("Solver status of the plan", "status", pa.string()),
}


def _field(name: str, kind: str, type_: pa.DataType, long_name: str, unit: str,
           **extra: str | None) -> pa.Field:
    meta = {"kind": kind, "long_name": long_name, "unit": unit}
    meta.update({k: v for k, v in extra.items() if v})
    return pa.field(name, type_, metadata={k: str(v) for k, v in meta.items()})


def schema(spec: Spec) -> pa.Schema:
    """Column types and metadata (kind, long name, unit, stage, source) of every chunk."""
    fields = [_field(n, "index", t, ln, u) for n, (ln, u, t) in list(_INDEX.items())[:3]]
    for name in spec.combos[0]:
        fields.append(_field(name, "lever", _LEVER_TYPES[name], f"Lever: {name}",
                             LEVER_UNITS[name]))
    fields += [_field(n, "index", t, ln, u) for n, (ln, u, t) in list(_INDEX.items())[3:]]
    for dim in spec.sim_dims:
        fields.append(_field(
            dim.name, "input", pa.float64(), dim.distribution.description or dim.name, dim.unit,
            stage=dim.stage, source=dim.distribution.source,
        ))
    for name, (long_name, unit) in DRAWN_INPUTS.items():
        fields.append(_field(name, "input", pa.float64(), long_name, unit, stage="drawn"))
    for dim in spec.plan_dims:
        fields.append(_field(
            dim.name, "input", pa.float64(), dim.distribution.description or dim.name, dim.unit,
            stage=dim.stage, source=dim.distribution.source,
        ))
    for name, (long_name, unit) in OUTCOMES.items():
        fields.append(_field(name, "outcome", pa.float64(), long_name, unit))
    return pa.schema(fields)


# ---------------------------------------------------------------------------
# Atomic files
# ---------------------------------------------------------------------------


@contextmanager
def _atomic(target: Path) -> Iterator[Path]:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json(path: Path, data: Any) -> None:
    with _atomic(path) as tmp:
        tmp.write_text(json.dumps(data, indent=1, allow_nan=False) + "\n")


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_chunk(directory: Path, relative: str, table: pa.Table) -> str:
    """Write one Parquet chunk atomically; return its SHA-256."""
    with _atomic(directory / relative) as tmp:
        pq.write_table(table, tmp, compression="zstd")
        digest = file_sha256(tmp)
    return digest


def write_plan(directory: Path, key: str, payload: dict[str, Any]) -> str:
    path = directory / "plans" / f"{key}.json"
    write_json(path, payload)
    return file_sha256(path)


# ---------------------------------------------------------------------------
# Journal
# ---------------------------------------------------------------------------


class Journal:
    """Append-only record of finished plans and chunks (one JSON object a line, fsynced)."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / JOURNAL

    def read(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        entries = []
        for line in self.path.read_bytes().decode("utf-8", "replace").splitlines():
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                continue  # a line torn by a crash: that item is simply not finished
            if (isinstance(entry, dict) and isinstance(entry.get("item"), str)
                    and isinstance(entry.get("file"), str)
                    and isinstance(entry.get("sha256"), str)):
                entries.append(entry)  # anything else: a line torn or damaged, not finished
        return entries

    def append(self, entry: dict[str, Any]) -> None:
        with self.path.open("a") as fh:
            fh.write(json.dumps(entry, sort_keys=True) + "\n")
            fh.flush()
            os.fsync(fh.fileno())


#: What a manifest must hold, and of which JSON type, for anything here to read it.
_MANIFEST_SHAPE: dict[str, type] = {
    "scenario": dict, "settings": dict, "levers": dict, "dimensions": list, "outcomes": list,
    "plan_design": dict, "chunks": list, "experiments": int,
}


LOCK = ".forceplan-explore.lock"


@contextmanager
def exclusive(directory: Path) -> Iterator[None]:
    """Hold DIR for one writer: a second ``explore`` into it at the same time is refused
    (two runs would otherwise mix their chunks). The lock is the kernel's (``flock``),
    so a killed run leaves none behind."""
    directory.mkdir(parents=True, exist_ok=True)
    fd = os.open(directory / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise ExploreError(str(directory), "another forceplan explore is writing here "
                                   "now; wait for it to finish, or choose another --out") from None
        yield
    finally:
        os.close(fd)


def read_manifest(directory: Path) -> dict[str, Any]:
    path = directory / MANIFEST
    if directory.exists() and not directory.is_dir():
        raise ExploreError(str(directory), "is a file, not an explore result directory")
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
    except FileNotFoundError:
        raise ExploreError(str(directory), "no manifest.json: not a forceplan explore "
                           "result directory") from None
    except OSError as exc:
        raise ExploreError(str(path), f"cannot read the manifest: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ExploreError(str(path), f"damaged manifest, not JSON ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        found = data.get("format") if isinstance(data, dict) else None
        raise ExploreError(str(path), f"not a forceplan explore manifest (format {found!r}, "
                           f"expected {FORMAT!r})")
    _check_shape(path, data)
    return dict(data)


def _check_shape(path: Path, data: dict[str, Any]) -> None:
    """A damaged manifest is named here, not met later as a KeyError deep in an analysis."""
    for key, kind in _MANIFEST_SHAPE.items():
        if not isinstance(data.get(key), kind):
            raise ExploreError(str(path), f"damaged manifest: {key!r} is missing or not a "
                               f"JSON {'object' if kind is dict else kind.__name__}")
    for i, chunk in enumerate(data["chunks"]):
        if not (isinstance(chunk, dict) and isinstance(chunk.get("id"), str)
                and isinstance(chunk.get("file"), str)):
            raise ExploreError(str(path), f"damaged manifest: chunks[{i}] lacks its id or file")
    for key in ("source", "options"):
        if key not in data["levers"]:
            raise ExploreError(str(path), f"damaged manifest: levers.{key} is missing")
    finished = data.get("finished", {})
    if not isinstance(finished, dict):
        raise ExploreError(str(path), "damaged manifest: 'finished' is not a JSON object")
    for item, entry in finished.items():
        if not (isinstance(entry, dict) and isinstance(entry.get("file"), str)
                and isinstance(entry.get("sha256"), str)):
            raise ExploreError(str(path), f"damaged manifest: finished[{item!r}] lacks its "
                               "file or checksum")


def finished(directory: Path, manifest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Finished items (``chunk:<id>``, ``plan:<key>``) from the manifest and the journal."""
    out: dict[str, dict[str, Any]] = dict(manifest.get("finished", {}))
    for entry in Journal(directory).read():
        out[str(entry["item"])] = entry
    return out


# ---------------------------------------------------------------------------
# Reading results
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Results:
    """An explore result directory, opened lazily (nothing is read until asked)."""

    directory: Path
    manifest: dict[str, Any]
    files: tuple[Path, ...]

    @property
    def complete(self) -> bool:
        return bool(self.manifest.get("complete"))

    @property
    def inputs(self) -> list[str]:
        """Every input column: the design's dimensions and the inputs the model drew."""
        drawn = [d["name"] for d in self.manifest.get("drawn_inputs", [])]
        return [d["name"] for d in self.manifest["dimensions"]] + drawn

    @property
    def levers(self) -> list[str]:
        return list(self.manifest["levers"]["options"])

    @property
    def outcomes(self) -> list[str]:
        return [o["name"] for o in self.manifest["outcomes"]]

    def dataset(self) -> pads.Dataset:
        """A pyarrow Dataset over the finished chunks (scanned lazily, batch by batch)."""
        return pads.dataset([str(f) for f in self.files], format="parquet")

    def to_pandas(self, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """The rows (or some columns), in chunk order: by lever combination, then draw."""
        if not self.files:
            import pandas as pd

            return pd.DataFrame(columns=list(columns or []))
        table = self.dataset().to_table(columns=list(columns) if columns else None)
        return table.to_pandas()

    def scan(self) -> Any:
        """A polars LazyFrame over the chunks (needs polars)."""
        import polars as pl

        return pl.scan_parquet([str(f) for f in self.files])

    def to_xarray(self, columns: Sequence[str] | None = None) -> xr.Dataset:
        """Variables on dims (policy, experiment), with units and long names as attributes."""
        frame = self.to_pandas(columns=None if columns is None else
                               ["policy", "experiment", *columns])
        ds = frame.set_index(["policy", "experiment"]).sort_index().to_xarray()
        meta = {f.name: f.metadata or {} for f in self.dataset().schema}
        for name in ds.data_vars:
            info = {k.decode(): v.decode() for k, v in meta.get(str(name), {}).items()}
            ds[name].attrs.update(info)
        ds.attrs.update({
            "title": f"forceplan exploration of {self.manifest['scenario']['name']}",
            "scenario_hash": self.manifest["scenario"]["hash"],
            "forceplan_version": self.manifest["forceplan_version"],
            "sampler": self.manifest["settings"]["sampler"],
            "seed": self.manifest["settings"]["seed"],
        })
        return ds


def open_results(directory: str | Path) -> Results:
    """Open a result directory (complete or not) without reading its rows."""
    root = Path(directory)
    manifest = read_manifest(root)
    done = finished(root, manifest)
    files = tuple(
        root / c["file"] for c in manifest["chunks"] if f"chunk:{c['id']}" in done
    )
    return Results(root, manifest, files)
