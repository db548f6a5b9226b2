"""The JSON API's request and response bodies (pydantic), which /openapi.json describes."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Health(BaseModel):
    status: str
    version: str
    store: str
    open_reads: bool


class Problem(BaseModel):
    file: str
    location: str
    message: str
    line: int | None = None
    field: str | None = Field(default=None, description="The figure path the problem is about.")


class Problems(BaseModel):
    detail: str
    problems: list[Problem]


class ErrorOut(BaseModel):
    detail: Any


class ScenarioSummary(BaseModel):
    name: str
    title: str
    origin: Literal["bundled", "user"]
    url: str


class FigureOut(BaseModel):
    field: str
    value: float
    low: float | None
    high: float | None
    source: str | None
    note: str | None
    assumption: bool


class MissionOut(BaseModel):
    id: str
    name: str
    region: str
    objective: str


class ScenarioOut(BaseModel):
    name: str
    title: str
    origin: Literal["bundled", "user"]
    hash: str
    nations: list[str]
    missions: list[MissionOut]
    phases: list[str]
    figures: list[FigureOut]
    references: dict[str, str]


class NewScenario(Strict):
    name: str = Field(max_length=64, description="Name of the new scenario (its file name).")
    toml: str = Field(max_length=1_000_000, description="The scenario as TOML text.")
    replace: bool = False


class FigureEdit(Strict):
    value: float | None = None
    low: float | None = None
    high: float | None = None
    source: str | None = Field(default=None, max_length=2000)
    note: str | None = Field(default=None, max_length=2000)
    assumption: bool | None = None


class ScenarioCopy(Strict):
    name: str = Field(max_length=64, description="Name of the copy.")
    title: str | None = Field(default=None, max_length=300)
    figures: dict[str, FigureEdit] = Field(default_factory=dict,
                                           description="Changed figures by field path.")
    replace: bool = False


class Saved(BaseModel):
    name: str
    title: str
    hash: str
    url: str


class StartRun(Strict):
    kind: Literal["plan", "simulate", "compare"]
    scenarios: list[str] = Field(min_length=1, max_length=8)
    draws: int = Field(default=10_000, ge=1)
    seed: int = Field(default=0, ge=0, le=2**63 - 1)
    months: int | None = Field(default=None, ge=1, le=240)
    backstop: bool | None = None


class ProgressOut(BaseModel):
    stage: str
    done: int
    total: int


class RunOut(BaseModel):
    id: int
    kind: str
    status: str
    label: str
    scenarios: list[dict[str, str]] | None
    options: dict[str, Any]
    seed: int | None
    forceplan_version: str
    started_at: str
    finished_at: str | None
    duration_s: float | None
    error: str | None
    headline: dict[str, Any]
    progress: ProgressOut | None = None
    url: str


class RunList(BaseModel):
    runs: list[RunOut]
    total: int


class Started(BaseModel):
    id: int
    url: str
    events: str


class TableOut(BaseModel):
    columns: list[str]
    rows: list[list[Any]]


class ResultOut(BaseModel):
    kind: str
    label: str
    meta: dict[str, Any]
    tables: dict[str, TableOut]


class ResultsOut(BaseModel):
    run: RunOut
    results: list[ResultOut]


class ChartsOut(BaseModel):
    charts: dict[str, dict[str, Any]] = Field(description="Vega-Lite specs by chart name.")


class MapItem(BaseModel):
    kind: str
    name: str
    where: str
    nations: str
    placed: bool


class MapOut(BaseModel):
    phase: str
    spec: dict[str, Any]
    items: list[MapItem]


class CompareOut(BaseModel):
    runs: list[RunOut]
    rows: list[dict[str, Any]]
    spec: dict[str, Any] | None
