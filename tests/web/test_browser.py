"""End to end in Debian's Chromium, headless (Playwright with executable_path), and a load loop.

The dashboard is served by uvicorn on a loopback port. A person's path:
open the dashboard, sign in, open the flagship, search its figures, make a
copy with a bad figure (the problem shows beside it) then a good one, plan
it, run a 10,000-draw simulation and watch its progress to the end (with a
reload on the way), see the charts and the map drawn, compare the two runs.
Every request the page makes must go to the server (anything else is
aborted and recorded); no console error. Screenshots are kept in
test-artifacts/web/.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from live import serving

from forceplan.store import Store
from forceplan.store.tokens import create_token
from forceplan.web import create_app
from forceplan.web.settings import WebSettings

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "web"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking",
                 "--disable-component-update", "--disable-gpu"]
FLAGSHIP = "reassurance-2025"


def chromium_path() -> str:
    path = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        raise RuntimeError("Debian's chromium is not installed: apt-get install chromium")
    return path


class Served:
    def __init__(self, base: str, store: Store, token: str) -> None:
        self.base, self.store, self.token = base, store, token
        self.api = httpx.Client(base_url=base, timeout=60,
                                headers={"Authorization": f"Bearer {token}"})


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    folder = tmp_path_factory.mktemp("browser")
    store = Store.open(f"sqlite:///{folder / 'runs.sqlite'}", files=folder / "files")
    _, token = create_token(store, "browser")
    app = create_app(WebSettings(scenario_dir=folder / "scenarios"), store=store)
    with serving(app) as base:
        served = Served(base, store, token)
        yield served
        served.api.close()
    store.close()


class Browser:
    """One page; requests off the server aborted and recorded, console errors recorded."""

    def __init__(self, page: Any, base: str) -> None:
        self.page, self.base = page, base
        self.errors: list[str] = []
        self.outside: list[str] = []
        page.route("**/*", self._route)
        page.on("console", lambda m: self.errors.append(f"{m.type}: {m.text}")
                if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))

    def _route(self, route: Any) -> None:
        url = route.request.url
        if url.startswith(self.base + "/") or url.startswith(("data:", "blob:", "about:")):
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()

    def shot(self, name: str, full_page: bool = True) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=full_page)
        return path


@pytest.fixture(scope="module")
def browser(served: Served) -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        page = chromium.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(60_000)
        yield Browser(page, served.base)
        chromium.close()


def wait_for_run_page(b: Browser, timeout_s: float = 240) -> list[float]:
    """Wait until the run page shows its run finished and drawn; progress values seen."""
    seen: list[float] = []
    deadline = time.monotonic() + timeout_s
    page = b.page
    while time.monotonic() < deadline:
        try:
            if page.get_attribute("body", "data-charts-drawn") == "yes":
                return seen
            value = page.eval_on_selector("#run-progress", "e => e.hidden ? -1 : e.value / e.max")
            if value is not None and value >= 0:
                seen.append(float(value))
        except Exception:  # the page reloads itself when the run is done
            pass
        time.sleep(0.1)
    raise AssertionError(f"the run page did not finish drawing in {timeout_s} s")


def test_a_person_plans_simulates_views_and_compares_in_the_browser(
    served: Served, browser: Browser
) -> None:
    page = browser.page
    page.goto(served.base + "/")
    assert page.locator(f"#scenario-library a[href='/scenarios/{FLAGSHIP}']").count() == 1
    browser.shot("1-dashboard")

    page.goto(served.base + f"/login?next=/scenarios/{FLAGSHIP}")
    page.fill("input[name=token]", served.token)
    page.click("button[type=submit]")
    page.wait_for_url(f"**/scenarios/{FLAGSHIP}")
    assert "signed in" in page.inner_text("header")

    # search the figures
    page.fill("#figure-search", "GBR gdp")
    visible = page.locator("#figures tbody tr:visible")
    assert visible.count() == 1 and "World Bank" in visible.inner_text()
    page.fill("#figure-search", "")
    page.check("#only-assumptions")
    assert all(r == "yes" for r in page.eval_on_selector_all(
        "#figures tbody tr:not([hidden])", "rows => rows.map(r => r.dataset.assumption)"))
    browser.shot("2-scenario", full_page=False)

    # a copy with a bad figure: the problem shows beside that field; then a good one
    page.goto(served.base + f"/scenarios/{FLAGSHIP}/edit")
    row = page.locator("tr[data-field='nations[GBR].gdp_usd_bn']")
    row.locator("input[name=value]").fill("-5")
    page.fill("input[name=name]", "uk-richer")
    page.click("#edit-copy button[type=submit]")
    page.wait_for_selector("tr.has-problem")
    assert "must be positive" in row.locator(".field-problem").inner_text()
    row.scroll_into_view_if_needed()
    browser.shot("3-edit-problem", full_page=False)
    # the refused save is the one failed request the browser reports
    assert [e for e in browser.errors if "422" not in e] == []
    browser.errors.clear()
    row.locator("input[name=value]").fill("4000")
    page.click("#edit-copy button[type=submit]")
    page.wait_for_url("**/scenarios/uk-richer")

    # plan the flagship
    page.goto(served.base + f"/scenarios/{FLAGSHIP}")
    page.select_option("select[name=kind]", "plan")
    page.click("#start-run button[type=submit]")
    page.wait_for_url("**/runs/*")
    plan_id = int(page.url.rsplit("/", 1)[1])
    wait_for_run_page(browser)
    assert page.inner_text("#run-status") == "finished"
    assert page.locator("#map svg").count() == 1
    assert page.locator("#map svg path").count() > 30  # the countries
    for name in ("who-sends-what", "deployed-over-time", "coverage", "cost-vs-gdp",
                 "flank-drain"):
        assert page.locator(f"#chart-{name} svg").count() == 1, name
    browser.shot("4-plan-run")

    # a 10,000-draw simulation, followed live, with a reload on the way
    page.goto(served.base + f"/scenarios/{FLAGSHIP}")
    page.select_option("select[name=kind]", "simulate")
    page.fill("input[name=draws]", "10000")
    page.click("#start-run button[type=submit]")
    page.wait_for_url("**/runs/*")
    sim_id = int(page.url.rsplit("/", 1)[1])
    page.wait_for_function(
        "() => document.getElementById('run-stage').textContent.includes('simulating')"
        " || document.body.dataset.chartsDrawn === 'yes'", timeout=120_000)
    page.reload()
    assert page.inner_text("#run-status") in ("running", "finished")
    seen = wait_for_run_page(browser)
    assert served.store.get_run(sim_id).status == "finished"
    assert served.store.get_run(sim_id).options["draws"] == 10_000
    assert seen == sorted(seen)  # progress only goes forward
    for name in ("fan-charts", "drivers"):
        assert page.locator(f"#chart-{name} svg").count() == 1, name
    assert page.locator("#map svg").count() == 1
    assert page.locator("#run-links a#report-link").count() == 1
    browser.shot("5-simulation-run")

    # its HTML report, served with everything inlined
    page.click("#report-link")
    page.wait_for_url(f"**/runs/{sim_id}/report.html")
    page.wait_for_function("() => document.querySelectorAll('.chart svg').length >= 7",
                           timeout=60_000)

    # compare the two runs
    page.goto(served.base + f"/compare?runs={plan_id}&runs={sim_id}")
    page.wait_for_function("() => document.body.dataset.chartsDrawn === 'yes'")
    assert page.locator("#compare-table th a").count() == 2
    assert page.locator("#compare-chart svg").count() == 1
    browser.shot("6-compare")

    assert browser.outside == []
    assert browser.errors == []


def test_concurrent_readers_while_a_simulation_runs(served: Served) -> None:
    """8 readers on loopback, a bounded number of requests each, while a run computes:
    every answer is 200 and no run is lost."""
    before = {r.id for r in served.store.list_runs(limit=None)}
    started = served.api.post("/api/runs", json={"kind": "simulate", "scenarios": ["iiss-small"],
                                                 "draws": 40_000, "seed": 5})
    assert started.status_code == 202
    run_id = started.json()["id"]
    done_reading = threading.Event()
    failures: list[str] = []
    counts: list[int] = []
    seen_running: list[bool] = []

    def reader() -> None:
        paths = ["/api/runs", f"/api/runs/{run_id}", "/api/scenarios", "/",
                 f"/api/scenarios/{FLAGSHIP}"]
        n = 0
        with httpx.Client(base_url=served.base, timeout=60) as client:
            deadline = time.monotonic() + 90
            while n < 60 and time.monotonic() < deadline and not done_reading.is_set():
                path = paths[n % len(paths)]
                r = client.get(path)
                if r.status_code != 200:
                    failures.append(f"{path}: {r.status_code}")
                elif path == f"/api/runs/{run_id}" and r.json()["status"] == "running":
                    seen_running.append(True)
                n += 1
        counts.append(n)

    threads = [threading.Thread(target=reader) for _ in range(8)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 240
    while served.store.get_run(run_id).status == "running" and time.monotonic() < deadline:
        time.sleep(0.2)
    done_reading.set()
    for t in threads:
        t.join(timeout=120)
    assert failures == []
    assert sum(counts) > 8
    assert seen_running  # the readers did overlap the computation
    assert served.store.get_run(run_id).status == "finished"
    after = {r.id for r in served.store.list_runs(limit=None)}
    assert after == before | {run_id}
