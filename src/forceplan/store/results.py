"""What a run produced, as the store keeps it: plans, simulation Datasets, comparison frames.

:func:`plan_result`, :func:`dataset_result` and :func:`frame_result` turn a
result of the Python API into a :class:`ResultPart` (metadata, tables, and
for a Dataset its arrays); a :class:`StoredResult` read back from the store
gives the same type again (:meth:`StoredResult.plan`,
:meth:`StoredResult.dataset`, :meth:`StoredResult.frame`).

A PlanResult is stored field by field: DataFrame fields as tables, every
other field as JSON metadata, so fields a later version adds are kept
without a change here. A Dataset is written whole to a file beside the
database (see arrays.py); its summary and per-outcome bands are also tables in the
database, for listings and pages that should not open the file.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from forceplan.store.errors import StoreError
from forceplan.store.serialize import from_json_value, to_json_value

if TYPE_CHECKING:
    import pandas as pd
    import xarray as xr

    from forceplan.plan import PlanResult

PLAN, DATASET, FRAME = "plan", "dataset", "frame"


@dataclass
class ResultPart:
    """One result of a run, ready to store."""

    kind: str
    label: str
    meta: dict[str, Any]
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    dataset: xr.Dataset | None = None


def plan_result(result: PlanResult, label: str | None = None) -> ResultPart:
    """A PlanResult as a part: its DataFrame fields as tables, the rest as metadata."""
    import pandas as pd

    meta: dict[str, Any] = {}
    tables: dict[str, pd.DataFrame] = {}
    for f in dataclasses.fields(result):
        value = getattr(result, f.name)
        if isinstance(value, pd.DataFrame):
            tables[f.name] = value
        else:
            meta[f.name] = to_json_value(value)
    return ResultPart(PLAN, label or result.scenario_name, meta, tables)


def dataset_result(ds: xr.Dataset, label: str | None = None) -> ResultPart:
    """A simulation Dataset: the whole Dataset as a file, its summary tables in the database."""
    import numpy as np
    import pandas as pd

    from forceplan.simulate import summary
    from forceplan.simulate.summary import band

    rows = []
    for name in ds.data_vars:
        if str(name).startswith("outcome_"):
            values = np.asarray(ds[name].values, dtype=float)
            rows.append({"outcome": str(name).removeprefix("outcome_"), **band(values)})
    tables = {"summary": summary(ds), "outcomes": pd.DataFrame(rows)}
    meta = {str(k): to_json_value(v) for k, v in ds.attrs.items()}
    return ResultPart(DATASET, label or str(ds.attrs.get("scenario_name", "")), meta, tables, ds)


def frame_result(frame: pd.DataFrame, label: str = "comparison") -> ResultPart:
    """A DataFrame with its ``attrs`` (a comparison): one table, the attrs as metadata."""
    meta = {str(k): to_json_value(v) for k, v in frame.attrs.items()}
    return ResultPart(FRAME, label, meta, {"rows": frame})


@dataclass(frozen=True)
class StoredFile:
    role: str
    path: Path
    format: str
    sha256: str
    bytes: int

    def verify(self) -> None:
        """StoreError if the file is missing or its content changed since it was stored."""
        if not self.path.is_file():
            raise StoreError(f"stored file {self.path} is missing")
        with self.path.open("rb") as fh:
            digest = hashlib.file_digest(fh, "sha256").hexdigest()
        if digest != self.sha256:
            raise StoreError(
                f"stored file {self.path} is corrupt: its SHA-256 is {digest[:16]}..., "
                f"the store recorded {self.sha256[:16]}..."
            )


@dataclass
class StoredResult:
    """One result of a stored run, read back."""

    kind: str
    label: str
    meta: dict[str, Any]
    tables: dict[str, pd.DataFrame]
    files: list[StoredFile]

    def plan(self) -> PlanResult:
        """The PlanResult this was made from (fields it did not have take their defaults)."""
        from forceplan.plan import PlanResult

        if self.kind != PLAN:
            raise StoreError(f"result {self.label!r} is a {self.kind}, not a plan")
        known = {f.name for f in dataclasses.fields(PlanResult)}
        values = {k: from_json_value(v) for k, v in self.meta.items() if k in known}
        values.update({k: v for k, v in self.tables.items() if k in known})
        try:
            return PlanResult(**values)
        except TypeError as exc:
            raise StoreError(
                f"the stored plan {self.label!r} cannot be read by this forceplan: {exc}"
            ) from None

    def dataset(self) -> xr.Dataset:
        """The Dataset, read from its file (checksum verified first) into memory."""
        from forceplan.store.arrays import FORMAT as ARRAYS_FORMAT
        from forceplan.store.arrays import read_dataset

        if self.kind != DATASET:
            raise StoreError(f"result {self.label!r} is a {self.kind}, not a Dataset")
        stored = next((f for f in self.files if f.role == "dataset"), None)
        if stored is None:
            raise StoreError(f"result {self.label!r} has no stored Dataset file")
        stored.verify()
        if stored.format == "netcdf4":  # the first format, before arrays.py
            import xarray as xr

            return xr.load_dataset(stored.path, engine="h5netcdf")
        if stored.format != ARRAYS_FORMAT:
            raise StoreError(f"{stored.path} is in a format this forceplan cannot read "
                             f"({stored.format}); upgrade forceplan")
        return read_dataset(stored.path)

    def frame(self) -> pd.DataFrame:
        """The frame with its ``attrs``."""
        if self.kind != FRAME:
            raise StoreError(f"result {self.label!r} is a {self.kind}, not a frame")
        frame = self.tables["rows"].copy()
        frame.attrs = {k: from_json_value(v) for k, v in self.meta.items()}
        return frame
