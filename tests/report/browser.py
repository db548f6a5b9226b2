"""Open a page in Debian's Chromium, headless, through Playwright (no `playwright install`).

Every request is watched: anything that is not the local file (or inline
data) is aborted and recorded, so a test can assert that nothing left the
machine. Console errors and page errors are recorded too.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-gpu",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def chromium_path() -> str:
    path = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        raise RuntimeError("Debian's chromium is not installed: apt-get install chromium")
    return path


@dataclass
class Visit:
    page: Any
    console_errors: list[str] = field(default_factory=list)
    outside_requests: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)


@contextmanager
def open_page(path: Path, width: int = 1280) -> Iterator[Visit]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": 900})
            visit = Visit(page)

            def route(r: Any) -> None:
                url = r.request.url
                visit.requests.append(url)
                if url.startswith(("file://", "data:", "blob:", "about:")):
                    r.continue_()
                else:
                    visit.outside_requests.append(url)
                    r.abort()

            page.route("**/*", route)
            page.on("console", lambda m: visit.console_errors.append(f"{m.type}: {m.text}")
                    if m.type in ("error", "warning") else None)
            page.on("pageerror", lambda e: visit.console_errors.append(f"page error: {e}"))
            page.goto(path.resolve().as_uri())
            yield visit
        finally:
            browser.close()
