"""The store's Dataset files: exact round trip, checksum, and no code run on reading."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from store_helpers import tiny_simulation

from forceplan.store import StoreError
from forceplan.store.arrays import read_dataset, write_dataset


def test_a_simulation_comes_back_identical(tmp_path: Path) -> None:
    ds = tiny_simulation()
    digest, size = write_dataset(ds, tmp_path / "d.npz")
    assert size == (tmp_path / "d.npz").stat().st_size
    assert digest == hashlib.sha256((tmp_path / "d.npz").read_bytes()).hexdigest()
    again = read_dataset(tmp_path / "d.npz")
    xr.testing.assert_identical(again, ds)
    for name in ds.variables:
        assert again[name].dtype == ds[name].dtype, name
    assert list(tmp_path.iterdir()) == [tmp_path / "d.npz"]  # no temporary file left


def test_odd_values_and_attributes_survive(tmp_path: Path) -> None:
    ds = xr.Dataset(
        {"x": (("a", "b"), np.array([[np.nan, np.inf], [-0.0, 5e-324]]), {"note": "<&>"}),
         "n": ("a", np.array([2**62, -1], dtype=np.int64))},
        coords={"a": ["GBR", "FRA"], "b": [1.5, 2.5]},
        attrs={"gap": float("inf"), "seed": 7, "names": "a,b"},
    )
    write_dataset(ds, tmp_path / "d.npz")
    xr.testing.assert_identical(read_dataset(tmp_path / "d.npz"), ds)


def test_a_file_that_needs_pickle_is_refused_not_run(tmp_path: Path) -> None:
    path = tmp_path / "evil.npz"
    np.savez(path, __dataset__=np.array({"format": "npz-dataset-1"}, dtype=object))
    with pytest.raises(StoreError, match="cannot read"):
        read_dataset(path)
