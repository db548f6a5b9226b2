"""The web dashboard: a FastAPI app (``forceplan serve``), a thin shell over the API.

JSON API under ``/api`` (schema at ``/openapi.json``) and HTML pages over the
same functions: the scenario library and loader, plan, simulate and compare
(run by :mod:`forceplan.web.jobs` outside the request), the run store and the
report's charts, map, HTML report and workbook. It adds no model logic, and
no stage imports it. See docs/web.md.

FastAPI and the stages are imported when :func:`create_app` is called, not
when this package is imported.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fastapi import FastAPI

    from forceplan.web.settings import WebSettings


def create_app(settings: WebSettings | None = None, **kwargs: Any) -> FastAPI:
    """The app (see :func:`forceplan.web.app.create_app`)."""
    from forceplan.web.app import create_app as make

    return make(settings, **kwargs)


__all__ = ["create_app"]
