"""The JSON API under /api (GET: open or token by setting; writes: a token, see auth.py)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any

from fastapi import (
    APIRouter,
    Depends,
    File,
    HTTPException,
    Path,
    Query,
    Request,
    Response,
    UploadFile,
)
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import Field

from forceplan.store import RunInfo, StoreError
from forceplan.web import models as m
from forceplan.web import scenarios as lib
from forceplan.web.auth import Caller
from forceplan.web.services import Services

EVENT_INTERVAL_S = 0.25
#: an event stream ends after this long even if the run has not (the page reconnects)
EVENT_STREAM_MAX_S = 600.0
MAX_COMPARED = 8
MAX_ID = 2**31 - 1

RunId = Annotated[int, Path(ge=1, le=MAX_ID, description="A run id (from GET /api/runs).")]
RunRef = Annotated[int, Field(ge=1, le=MAX_ID)]


def services(request: Request) -> Services:
    found: Services = request.app.state.services
    return found


def reader(request: Request) -> Caller | None:
    return services(request).auth.require_read(request)


def writer(request: Request) -> Caller:
    return services(request).auth.require_write(request)


Svc = Annotated[Services, Depends(services)]
Reader = Annotated[Caller | None, Depends(reader)]
Writer = Annotated[Caller, Depends(writer)]

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": m.ErrorOut, "description": "No token"},
    403: {"model": m.ErrorOut, "description": "Token not valid, or CSRF check failed"},
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": m.ErrorOut}}
REFUSED: dict[int | str, dict[str, Any]] = {
    409: {"model": m.Problems}, 413: {"model": m.Problems}, 422: {"model": m.Problems},
}

router = APIRouter(prefix="/api", responses={401: ERRORS[401]})


def refused(exc: lib.Refused) -> JSONResponse:
    n = len(exc.problems)
    return JSONResponse(
        {"detail": f"the scenario was not saved: {n} problem{'s' if n != 1 else ''}",
         "problems": exc.problems},
        status_code=exc.status,
    )


def frozen(svc: Services, info: RunInfo, what: str, make: Callable[[], Any]) -> Response:
    """A finished run's answer, encoded once: it never changes (the cache drops deleted runs)."""
    body = svc.cached(info, f"{what}.json",
                      lambda: json.dumps(make(), allow_nan=False).encode())
    return Response(body, media_type="application/json")


def get_run(svc: Services, run_id: int) -> RunInfo:
    try:
        return svc.store.get_run(run_id)
    except StoreError as exc:
        raise HTTPException(404, str(exc)) from None


def store_error(exc: StoreError) -> HTTPException:
    text = str(exc)
    return HTTPException(409 if ("running" in text or "no plan" in text) else 400, text)


# ---------------------------------------------------------------------------
# Health and scenarios
# ---------------------------------------------------------------------------


@router.get("/health", response_model=m.Health)
def health(svc: Svc) -> dict[str, Any]:
    from forceplan import __version__

    return {"status": "ok", "version": __version__, "store": svc.store.where,
            "open_reads": svc.settings.open_reads}


@router.get("/scenarios", response_model=list[m.ScenarioSummary])
def list_scenarios(svc: Svc, _: Reader) -> list[dict[str, Any]]:
    out = []
    for entry in lib.library(svc.settings):
        title = ""
        try:
            title = _title(entry.path)
        except Exception:  # an unreadable file is listed; its page says why
            title = ""
        out.append({"name": entry.name, "title": title, "origin": entry.origin,
                    "url": f"/scenarios/{entry.name}"})
    return out


def _title(path: Any) -> str:
    import tomllib

    with open(path, "rb") as fh:
        return str(tomllib.load(fh).get("title", ""))


@router.get("/scenarios/{name}", response_model=m.ScenarioOut,
            responses={**NOT_FOUND, 422: {"model": m.Problems}})
def get_scenario(name: str, svc: Svc, _: Reader) -> Any:
    from forceplan.scenario import scenario_hash

    try:
        entry = lib.find(svc.settings, name)
        s = lib.load(svc.settings, name)
    except lib.NotFound:
        raise HTTPException(404, f"no scenario {name!r}") from None
    except lib.Refused as exc:
        return refused(exc)
    return {
        "name": name, "title": s.title, "origin": entry.origin, "hash": scenario_hash(s),
        "nations": [n.iso for n in s.nations],
        "missions": [{"id": x.id, "name": x.name, "region": x.region, "objective": x.objective}
                     for x in s.missions],
        "phases": [p.id for p in s.ordered_phases],
        "figures": lib.figures(s),
        "references": dict(s.sources),
    }


@router.get("/scenarios/{name}/toml", response_class=Response,
            responses={200: {"content": {"text/plain": {}}}, **NOT_FOUND})
def scenario_toml(name: str, svc: Svc, _: Reader) -> Response:
    try:
        entry = lib.find(svc.settings, name)
    except lib.NotFound:
        raise HTTPException(404, f"no scenario {name!r}") from None
    return Response(entry.path.read_bytes(), media_type="text/plain; charset=utf-8")


def _saved(s: Any, name: str) -> dict[str, Any]:
    from forceplan.scenario import scenario_hash

    return {"name": name, "title": s.title, "hash": scenario_hash(s),
            "url": f"/scenarios/{name}"}


@router.post("/scenarios", status_code=201, response_model=m.Saved,
             responses={**ERRORS, **REFUSED})
def new_scenario(body: m.NewScenario, svc: Svc, _: Writer) -> Any:
    """Save a scenario given as TOML text (validated exactly as the CLI validates a file)."""
    try:
        s = lib.save(svc.settings, body.name, body.toml.encode(), replace=body.replace)
    except lib.Refused as exc:
        return refused(exc)
    return _saved(s, body.name)


@router.post("/scenarios/upload", status_code=201, response_model=m.Saved,
             responses={**ERRORS, **REFUSED})
async def upload_scenario(
    svc: Svc, _: Writer, file: Annotated[UploadFile, File(description="A scenario TOML file")],
    name: Annotated[str | None, Query(max_length=64)] = None,
) -> Any:
    """Save an uploaded scenario file under ``name`` (default: the file's name)."""
    limit = svc.settings.max_scenario_bytes
    data = await file.read(limit + 1)
    stem = name or (file.filename or "").rsplit("/", 1)[-1].removesuffix(".toml").lower()
    try:
        s = await run_in_threadpool(lib.save, svc.settings, stem, data)
    except lib.Refused as exc:
        return refused(exc)
    return _saved(s, stem)


@router.post("/scenarios/{name}/copy", status_code=201, response_model=m.Saved,
             responses={**ERRORS, **REFUSED, **NOT_FOUND})
def copy_scenario(name: str, body: m.ScenarioCopy, svc: Svc, _: Writer) -> Any:
    """Save a copy of a scenario with some figures changed (by field path)."""
    changes = {k: v.model_dump(exclude_unset=True) for k, v in body.figures.items()}
    try:
        s = lib.copy_with_changes(svc.settings, name, body.name, changes, body.title,
                                  replace=body.replace)
    except lib.NotFound:
        raise HTTPException(404, f"no scenario {name!r}") from None
    except lib.Refused as exc:
        return refused(exc)
    return _saved(s, body.name)


# ---------------------------------------------------------------------------
# Runs
# ---------------------------------------------------------------------------


@router.get("/runs", response_model=m.RunList)
def list_runs(
    svc: Svc, _: Reader,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
    kind: Annotated[str | None, Query(max_length=32)] = None,
) -> dict[str, Any]:
    runs = svc.store.list_runs(limit=limit, offset=offset, kind=kind)
    return {"runs": [svc.run_dict(r) for r in runs], "total": svc.store.count_runs(kind)}


@router.post("/runs", status_code=202, response_model=m.Started,
             responses={**ERRORS, **NOT_FOUND, 422: {"model": m.Problems}})
def start_run(body: m.StartRun, svc: Svc, _: Writer) -> Any:
    """Start a plan, simulation or comparison; it runs in a worker process (follow its events)."""
    if body.draws > svc.settings.max_draws:
        raise HTTPException(422, f"draws: at most {svc.settings.max_draws:,} from the web")
    wanted = 2 if body.kind == "compare" else 1
    if (body.kind == "compare" and len(body.scenarios) < 2) or (
        body.kind != "compare" and len(body.scenarios) != 1
    ):
        raise HTTPException(422, f"scenarios: a {body.kind} takes "
                            f"{'2 or more' if wanted == 2 else 'exactly 1'}")
    loaded = []
    for name in body.scenarios:
        try:
            loaded.append((name, lib.load(svc.settings, name)))
        except lib.NotFound:
            raise HTTPException(404, f"no scenario {name!r}") from None
        except lib.Refused as exc:
            return refused(exc)
    if body.kind == "plan":
        options: dict[str, Any] = {"scenario": body.scenarios[0], "backstop": body.backstop}
        seed = None
    elif body.kind == "simulate":
        options = {"scenario": body.scenarios[0], "draws": body.draws, "seed": body.seed,
                   "months": body.months, "backstop": body.backstop, "keep_draws": 1000}
        seed = body.seed
    else:
        labels = [s.name for _, s in loaded]
        if len(set(labels)) != len(labels):
            labels = list(body.scenarios)
        loaded = list(zip(labels, [s for _, s in loaded], strict=True))
        options = {"scenarios": list(body.scenarios), "labels": labels, "draws": body.draws,
                   "seed": body.seed, "months": body.months}
        seed = body.seed
    if body.kind != "compare":
        loaded = [(s.name, s) for _, s in loaded]
    run_id = svc.runner.submit(body.kind, loaded, options, seed=seed)
    return {"id": run_id, "url": f"/runs/{run_id}", "events": f"/api/runs/{run_id}/events"}


@router.get("/runs/{run_id}", response_model=m.RunOut, responses=NOT_FOUND)
def run(run_id: RunId, svc: Svc, _: Reader) -> dict[str, Any]:
    return svc.run_dict(get_run(svc, run_id))


@router.delete("/runs/{run_id}", status_code=204, response_class=Response,
               responses={**ERRORS, **NOT_FOUND, 409: {"model": m.ErrorOut}})
def delete_run(run_id: RunId, svc: Svc, _: Writer) -> Response:
    info = get_run(svc, run_id)
    try:
        svc.store.delete_run(info.id)
    except StoreError as exc:
        raise store_error(exc) from None
    svc.forget(info.id)
    return Response(status_code=204)


def finished(svc: Services, run_id: int) -> RunInfo:
    info = get_run(svc, run_id)
    if info.status != "finished":
        raise HTTPException(409, f"run {info.id} is {info.status}: it has no results"
                            + (f" ({info.error})" if info.error else ""))
    return info


@router.get("/runs/{run_id}/results", response_model=m.ResultsOut,
            responses={**NOT_FOUND, 409: {"model": m.ErrorOut}})
def results(run_id: RunId, svc: Svc, _: Reader) -> Response:
    """The run's stored results: metadata and tables (a simulation's arrays stay in its file)."""
    info = finished(svc, run_id)
    try:
        return frozen(svc, info, "results",
                      lambda: {"run": svc.run_dict(info), "results": svc.results(info)})
    except StoreError as exc:
        raise store_error(exc) from None


@router.get("/runs/{run_id}/charts", response_model=m.ChartsOut,
            responses={**NOT_FOUND, 409: {"model": m.ErrorOut}})
def charts(run_id: RunId, svc: Svc, _: Reader) -> Response:
    """Every chart of the run, as Vega-Lite specs (the report's chart functions)."""
    info = finished(svc, run_id)
    try:
        return frozen(svc, info, "charts", lambda: {"charts": svc.charts(info)})
    except StoreError as exc:
        raise store_error(exc) from None


@router.get("/runs/{run_id}/map", response_model=m.MapOut,
            responses={**NOT_FOUND, 409: {"model": m.ErrorOut}})
def run_map(run_id: RunId, svc: Svc, _: Reader) -> Response:
    """Where the plan's mission lines and eastern-flank commitments sit (Vega-Lite spec)."""
    info = finished(svc, run_id)
    try:
        return frozen(svc, info, "map", lambda: svc.map(info))
    except StoreError as exc:
        raise store_error(exc) from None


@router.get("/runs/{run_id}/events", response_class=StreamingResponse,
            responses={200: {"content": {"text/event-stream": {}}}, **NOT_FOUND})
async def events(run_id: RunId, request: Request, svc: Svc, _: Reader) -> StreamingResponse:
    """Server-sent events: ``progress`` while the run goes, then one ``done``."""
    await run_in_threadpool(get_run, svc, run_id)
    return StreamingResponse(_event_stream(run_id, request, svc),
                             media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


async def _event_stream(run_id: int, request: Request, svc: Services) -> AsyncIterator[str]:
    loop = asyncio.get_running_loop()
    start = loop.time()
    last = None
    yield "retry: 1000\n\n"
    while loop.time() - start < EVENT_STREAM_MAX_S:
        try:
            info = await run_in_threadpool(svc.store.get_run, run_id)
        except StoreError as exc:
            yield _event("done", {"status": "deleted", "error": str(exc)})
            return
        state = svc.run_dict(info)
        payload = {"status": state["status"], "progress": state["progress"],
                   "error": state["error"]}
        if info.status != "running":
            yield _event("done", payload)
            return
        if payload != last:
            yield _event("progress", payload)
            last = payload
        if await request.is_disconnected():
            return
        await asyncio.sleep(EVENT_INTERVAL_S)


def _event(name: str, data: dict[str, Any]) -> str:
    return f"event: {name}\ndata: {json.dumps(data)}\n\n"


@router.get("/compare", response_model=m.CompareOut,
            responses={**NOT_FOUND, 422: {"model": m.ErrorOut}})
def compare_runs(
    svc: Svc, _: Reader,
    runs: Annotated[list[RunRef], Query(min_length=2, max_length=MAX_COMPARED)],
) -> dict[str, Any]:
    """Two or more runs side by side: headline numbers, and simulated outcomes as one chart."""
    infos = [get_run(svc, r) for r in runs]
    try:
        rows, spec = svc.compare(infos)
    except StoreError as exc:
        raise store_error(exc) from None
    return {"runs": [svc.run_dict(i) for i in infos], "rows": rows, "spec": spec}
