"""A Dataset as one file of plain NumPy arrays: cheap to write, exact to read back.

The run store writes every simulation's Dataset (tens of MB of kept
trajectories and per-draw outcomes), so the write must cost little next to
the simulation itself. Through xarray and h5netcdf a netCDF-4 file took
about a sixth of a 10,000-draw simulation's CPU time (a quarter with
compression), most of it HDF5 bookkeeping; a NumPy ``.npz`` archive
(uncompressed) takes under 2%. The file holds one ``.npy`` entry per
variable and a JSON description of dimensions, coordinates and attributes
(``__dataset__``); it reads back with ``allow_pickle=False``, so a shared
store's files cannot run code. ``forceplan show RUN --netcdf PATH`` exports
a stored Dataset as netCDF for other tools.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from forceplan.store.errors import StoreError
from forceplan.store.serialize import from_json_value, to_json_value

if TYPE_CHECKING:
    import xarray as xr

FORMAT = "npz-dataset-1"
_META = "__dataset__"


def _describe(ds: xr.Dataset) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "attrs": to_json_value(dict(ds.attrs)),
        "variables": [
            {
                "name": str(name),
                "dims": [str(d) for d in var.dims],
                "coord": name in ds.coords,
                "attrs": to_json_value(dict(var.attrs)),
            }
            for name, var in ds.variables.items()
        ],
    }


def write_dataset(ds: xr.Dataset, path: Path) -> tuple[str, int]:
    """Write ``ds`` to ``path`` atomically (temporary file, fsync, rename); (sha256, bytes)."""
    import numpy as np

    path.parent.mkdir(parents=True, exist_ok=True)
    arrays = {f"v{k}": np.asarray(var.values) for k, var in enumerate(ds.variables.values())}
    for key, values in arrays.items():
        if values.dtype.kind == "O":  # strings kept as objects: fixed-width text, no pickle
            arrays[key] = values.astype(str)
    arrays[_META] = np.array(json.dumps(_describe(ds), allow_nan=False))
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, allow_pickle=False, **arrays)
            fh.flush()
            os.fsync(fh.fileno())
        with tmp.open("rb") as fh:
            digest = hashlib.file_digest(fh, "sha256").hexdigest()
        size = tmp.stat().st_size
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return digest, size


def read_dataset(path: Path) -> xr.Dataset:
    """The Dataset :func:`write_dataset` wrote, identical (values, dtypes, dims, attributes)."""
    import numpy as np
    import xarray as xr

    try:
        with np.load(path, allow_pickle=False) as archive:
            meta = json.loads(str(archive[_META]))
            if meta.get("format") != FORMAT:
                raise StoreError(f"{path} is in an unknown format {meta.get('format')!r}")
            values = {f"v{k}": archive[f"v{k}"] for k in range(len(meta["variables"]))}
    except (OSError, ValueError, KeyError) as exc:
        raise StoreError(f"cannot read {path}: {exc}") from None
    coords: dict[str, Any] = {}
    data_vars: dict[str, Any] = {}
    for k, spec in enumerate(meta["variables"]):
        variable = xr.Variable(spec["dims"], values[f"v{k}"],
                               attrs=from_json_value(spec["attrs"]))
        (coords if spec["coord"] else data_vars)[spec["name"]] = variable
    return xr.Dataset(data_vars, coords=coords, attrs=from_json_value(meta["attrs"]))
