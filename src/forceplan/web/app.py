"""The FastAPI app: the API and pages, request limits, security headers, the lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from importlib import resources
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from forceplan.store import Store
from forceplan.web import api, pages
from forceplan.web.services import Services
from forceplan.web.settings import WebSettings

#: pages load scripts and styles from this server only; Vega compiles its expressions
#: with Function (unsafe-eval) and sets styles on the elements it draws
CSP = ("default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; "
       "base-uri 'none'")


def create_app(settings: WebSettings | None = None, store: Store | None = None,
               **overrides: Any) -> FastAPI:
    """The dashboard app over ``store`` (default: opened from ``settings.db_url``)."""
    from forceplan import __version__

    settings = replace(settings or WebSettings(), **overrides)
    store = store or Store.open(settings.db_url)
    svc = Services(settings, store)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.prewarm:
            svc.prewarm()
        yield
        svc.close()

    app = FastAPI(
        title="forceplan",
        version=__version__,
        description="Plan, cost and stress-test a multinational military deployment: "
        "scenarios, runs (plan, simulate, compare) and their results. Writes need a bearer "
        "token (`forceplan token create NAME`).",
        lifespan=lifespan,
        docs_url=None,  # Swagger UI would load scripts from a CDN; /openapi.json is served
        redoc_url=None,
    )
    app.state.services = svc
    app.include_router(api.router)
    app.include_router(pages.router)
    static = resources.files("forceplan.web") / "static"
    app.mount("/static", StaticFiles(directory=str(static)), name="static")

    @app.exception_handler(pages.SignIn)
    async def _sign_in(request: Request, _exc: pages.SignIn) -> RedirectResponse:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)

    app.add_middleware(SecurityHeaders)
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    return app


class BodyLimit:
    """Refuse a request body over ``limit`` bytes with 413, by its Content-Length or, for a
    body sent without one, as soon as it has read more than that."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.limit):
            await self._refuse(scope, receive, send)
            return
        seen = 0
        refused = False

        async def counted() -> Message:
            nonlocal seen, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    # answer now; the app sees the client gone and its answer is dropped
                    refused = True
                    await self._refuse(scope, receive, send)
                    return {"type": "http.disconnect"}
            return message

        async def guarded(message: Message) -> None:
            if not refused:
                await send(message)

        try:
            await self.app(scope, counted, guarded)
        except Exception:
            if not refused:
                raise

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = JSONResponse(
            {"detail": f"request body over {self.limit:,} bytes: refused"}, status_code=413
        )
        await response(scope, receive, send)


class SecurityHeaders:
    """No framing, no sniffing, scripts and styles from this server only."""

    HEADERS = [
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"same-origin"),
    ]

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                names = {k.lower() for k, _ in headers}
                headers += [h for h in self.HEADERS if h[0] not in names]
                if b"content-security-policy" not in names:
                    headers.append((b"content-security-policy", CSP.encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)
