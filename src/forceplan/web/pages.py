"""The HTML pages: server-drawn (Jinja2, every text escaped), with app.js for the live parts.

Pages read through the same services as the JSON API; their forms call the
API with fetch (JSON bodies, the CSRF header), so a page adds no write path
of its own. Sign-in (a form that sets an HttpOnly, SameSite=Strict cookie
holding the token) is the only form posted directly.
"""

from __future__ import annotations

from importlib import resources
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, HTTPException, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from forceplan.store import StoreError
from forceplan.web import scenarios as lib
from forceplan.web.api import MAX_COMPARED, RunId, RunRef, get_run, services
from forceplan.web.auth import COOKIE, Caller, same_origin

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=str(resources.files("forceplan.web") / "templates"))


def _fmt(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return "" if value is None else ("yes" if value else "no")
    if isinstance(value, float | int):
        if isinstance(value, float) and not value.is_integer():
            return f"{value:,.3g}" if abs(value) < 10 else f"{value:,.1f}"
        return f"{value:,.0f}"
    return str(value)


templates.env.filters["num"] = _fmt


class SignIn(Exception):
    """Reading needs a token and none came: go to the sign-in page."""


def _page(request: Request, template: str, **context: Any) -> HTMLResponse:
    svc = services(request)
    caller = _caller(request)
    return templates.TemplateResponse(
        request, template,
        {"caller": caller, "csrf": caller.csrf if caller else "",
         "open_reads": svc.settings.open_reads, **context},
    )


def _caller(request: Request) -> Caller | None:
    try:
        return services(request).auth.require_read(request)
    except HTTPException as exc:
        if exc.status_code in (401, 403):
            raise SignIn() from None
        raise


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request) -> HTMLResponse:
    svc = services(request)
    _caller(request)
    runs = [svc.run_dict(r) for r in svc.store.list_runs(limit=50)]
    return _page(request, "dashboard.html", scenarios=lib.library(svc.settings), runs=runs,
                 total=svc.store.count_runs())


@router.get("/scenarios/{name}", response_class=HTMLResponse)
def scenario_page(request: Request, name: str) -> HTMLResponse:
    svc = services(request)
    _caller(request)
    try:
        entry = lib.find(svc.settings, name)
        scenario = lib.load(svc.settings, name)
    except lib.NotFound:
        raise HTTPException(404, f"no scenario {name!r}") from None
    except lib.Refused as exc:
        return _page(request, "problems.html", name=name, problems=exc.problems)
    others = [e.name for e in lib.library(svc.settings) if e.name != name]
    return _page(request, "scenario.html", name=name, entry=entry, s=scenario,
                 figures=lib.figures(scenario), others=others)


@router.get("/scenarios/{name}/edit", response_class=HTMLResponse)
def edit_page(request: Request, name: str) -> HTMLResponse:
    svc = services(request)
    _caller(request)
    try:
        scenario = lib.load(svc.settings, name)
    except lib.NotFound:
        raise HTTPException(404, f"no scenario {name!r}") from None
    except lib.Refused as exc:
        return _page(request, "problems.html", name=name, problems=exc.problems)
    return _page(request, "edit.html", name=name, s=scenario, figures=lib.figures(scenario))


@router.get("/new-scenario", response_class=HTMLResponse)
def new_scenario_page(request: Request, base: str | None = None) -> HTMLResponse:
    svc = services(request)
    _caller(request)
    text = ""
    if base:
        try:
            text = lib.find(svc.settings, base).path.read_text()
        except (lib.NotFound, OSError, UnicodeDecodeError):
            text = ""
    return _page(request, "new.html", text=text, base=base or "",
                 limit=svc.settings.max_scenario_bytes)


@router.get("/runs/{run_id}", response_class=HTMLResponse)
def run_page(request: Request, run_id: RunId) -> HTMLResponse:
    svc = services(request)
    _caller(request)
    info = get_run(svc, run_id)
    return _page(request, "run.html", run=svc.run_dict(info))


@router.get("/runs/{run_id}/report.html", response_class=HTMLResponse)
def report_html(request: Request, run_id: RunId) -> HTMLResponse:
    svc = services(request)
    _caller(request)
    info = get_run(svc, run_id)
    try:
        text = svc.report_html(info)
    except StoreError as exc:
        raise HTTPException(409, str(exc)) from None
    # the report is one file with its scripts inlined: it gets its own, looser policy
    return HTMLResponse(text, headers={"Content-Security-Policy": REPORT_CSP})


REPORT_CSP = ("default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; "
              "style-src 'unsafe-inline'; img-src data:")


@router.get("/runs/{run_id}/report.xlsx")
def report_xlsx(request: Request, run_id: RunId) -> Response:
    svc = services(request)
    _caller(request)
    info = get_run(svc, run_id)
    try:
        data = svc.report_xlsx(info)
    except StoreError as exc:
        raise HTTPException(409, str(exc)) from None
    return Response(
        data,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="forceplan-run-{run_id}.xlsx"'},
    )


@router.get("/compare", response_class=HTMLResponse)
def compare_page(
    request: Request, runs: Annotated[list[RunRef] | None, Query(max_length=MAX_COMPARED)] = None
) -> HTMLResponse:
    svc = services(request)
    _caller(request)
    chosen = [svc.run_dict(get_run(svc, r)) for r in (runs or [])]
    recent = [svc.run_dict(r) for r in svc.store.list_runs(limit=50)]
    return _page(request, "compare.html", chosen=chosen, recent=recent,
                 query="&".join(f"runs={r['id']}" for r in chosen))


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/", error: str = "") -> HTMLResponse:
    return templates.TemplateResponse(
        request, "login.html",
        {"caller": None, "csrf": "", "next": _local(next), "error": error,
         "open_reads": services(request).settings.open_reads},
    )


@router.post("/login")
def login(
    request: Request, token: Annotated[str, Form(max_length=200)],
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    from forceplan.store.tokens import verify_token

    origin = request.headers.get("origin")
    if origin and not same_origin(origin, request):
        raise HTTPException(403, "sign-in from another site is refused")
    if verify_token(services(request).store, token.strip()) is None:
        return RedirectResponse(f"/login?error=1&next={quote(_local(next))}", status_code=303)
    response = RedirectResponse(_local(next), status_code=303)
    response.set_cookie(COOKIE, token.strip(), httponly=True, samesite="strict",
                        secure=request.url.scheme == "https", path="/")
    return response


@router.post("/logout")
def logout(request: Request) -> Response:
    origin = request.headers.get("origin")
    if origin and not same_origin(origin, request):
        raise HTTPException(403, "sign-out from another site is refused")
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


def _local(target: str) -> str:
    """Only paths on this server are followed after sign-in (no open redirect)."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@router.get("/static/vega.js")
def vega_js(request: Request) -> Response:
    """The Vega/Vega-Lite/Vega-Embed runtime, from the installed vl-convert package."""
    return Response(services(request).vega_bundle(), media_type="text/javascript",
                    headers={"Cache-Control": "public, max-age=86400"})
