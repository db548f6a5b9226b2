"""Writes need a valid token (and, from a browser cookie, the CSRF token); bad uploads are
refused with a located message and nothing kept."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import FLAGSHIP, Web, make_web
from typer.testing import CliRunner

from forceplan.store.tokens import create_token, list_tokens, revoke_token

VALID = """name = "tiny_copy"
extends = "reassurance-2025"
title = "A copy"
"""


def writes(web: Web, headers: dict[str, str]) -> list[int]:
    """Try every kind of write; the status codes."""
    c = web.client
    return [
        c.post("/api/runs", json={"kind": "plan", "scenarios": [FLAGSHIP]},
               headers=headers).status_code,
        c.post("/api/scenarios", json={"name": "sneaky", "toml": VALID},
               headers=headers).status_code,
        c.post("/api/scenarios/upload", files={"file": ("sneaky.toml", VALID.encode())},
               headers=headers).status_code,
        c.post(f"/api/scenarios/{FLAGSHIP}/copy", json={"name": "sneaky"},
               headers=headers).status_code,
        c.delete("/api/runs/1", headers=headers).status_code,
    ]


def nothing_changed(web: Web, runs_before: int) -> None:
    assert web.store.count_runs() == runs_before
    assert not (web.settings.scenario_dir / "sneaky.toml").exists()


def test_writes_without_a_token_get_401_and_change_nothing(sqlite_web: Web) -> None:
    before = sqlite_web.store.count_runs()
    assert writes(sqlite_web, {}) == [401] * 5
    assert writes(sqlite_web, {"Authorization": "Basic abc"}) == [401] * 5
    nothing_changed(sqlite_web, before)


def test_writes_with_a_revoked_or_unknown_token_get_403_and_change_nothing(
    sqlite_web: Web,
) -> None:
    info, token = create_token(sqlite_web.store, "soon revoked")
    assert sqlite_web.client.post(
        "/api/scenarios", json={"name": "fine", "toml": VALID.replace("tiny_copy", "fine")},
        headers={"Authorization": f"Bearer {token}"}).status_code == 201
    revoke_token(sqlite_web.store, info.id)
    before = sqlite_web.store.count_runs()
    assert writes(sqlite_web, {"Authorization": f"Bearer {token}"}) == [403] * 5
    assert writes(sqlite_web, {"Authorization": "Bearer fp_made_up"}) == [403] * 5
    nothing_changed(sqlite_web, before)


def test_a_browser_cookie_writes_only_with_the_csrf_token_from_this_site(
    sqlite_web: Web,
) -> None:
    c = sqlite_web.client
    signed_in = c.post("/login", data={"token": sqlite_web.token, "next": "/"},
                       follow_redirects=False)
    assert signed_in.status_code == 303
    assert "httponly" in signed_in.headers["set-cookie"].lower()
    assert "samesite=strict" in signed_in.headers["set-cookie"].lower()
    before = sqlite_web.store.count_runs()
    # the cookie alone, as a forged cross-site form would send it
    assert writes(sqlite_web, {}) == [403] * 5
    page = c.get("/").text
    csrf = page.split('name="csrf-token" content="')[1].split('"')[0]
    assert len(csrf) == 40
    assert writes(sqlite_web, {"X-CSRF-Token": "0" * 40}) == [403] * 5
    assert writes(sqlite_web, {"X-CSRF-Token": csrf, "Origin": "http://evil.example"}) == [403] * 5
    nothing_changed(sqlite_web, before)
    ok = c.post("/api/scenarios", json={"name": "mine", "toml": VALID.replace("tiny_copy", "m")},
                headers={"X-CSRF-Token": csrf, "Origin": "http://testserver"})
    assert ok.status_code == 201, ok.text
    c.post("/logout", follow_redirects=False)
    c.cookies.clear()


def test_sign_in_rejects_a_bad_token_and_never_redirects_off_site(sqlite_web: Web) -> None:
    c = sqlite_web.client
    bad = c.post("/login", data={"token": "fp_nope", "next": "/"}, follow_redirects=False)
    assert bad.status_code == 303 and bad.headers["location"].startswith("/login?error=1")
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil"):
        r = c.post("/login", data={"token": sqlite_web.token, "next": target},
                   follow_redirects=False)
        assert r.headers["location"] == "/"
    c.cookies.clear()


@pytest.fixture
def closed_web(tmp_path: Path) -> Iterator[Web]:
    yield from make_web(f"sqlite:///{tmp_path / 'runs.sqlite'}", tmp_path, open_reads=False)


def test_closed_reads_need_a_token(closed_web: Web) -> None:
    c = closed_web.client
    for path in ("/api/scenarios", "/api/runs", f"/api/scenarios/{FLAGSHIP}"):
        assert c.get(path).status_code == 401
        assert c.get(path, headers=closed_web.auth).status_code == 200
    page = c.get("/", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login?next=")
    assert c.get("/api/health").status_code == 200  # says only that it is up


def test_oversized_requests_are_refused(sqlite_web: Web) -> None:
    c = sqlite_web.client
    big = "#" * (sqlite_web.settings.max_body_bytes + 1)
    r = c.post("/api/scenarios", json={"name": "big", "toml": big}, headers=sqlite_web.auth)
    assert r.status_code == 413 and "1,000,000 bytes" in r.json()["detail"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        for _ in range(30):
            yield b"x" * 50_000

    r = c.post("/api/scenarios", content=chunks(), headers={
        **sqlite_web.auth, "Content-Type": "application/json"})
    assert r.status_code == 413
    # a scenario file over the scenario limit, in a request under the body limit
    upload = ("name = 'x'\n" + "#" * sqlite_web.settings.max_scenario_bytes).encode()
    r = c.post("/api/scenarios/upload?name=huge", files={"file": ("huge.toml", upload)},
               headers=sqlite_web.auth)
    assert r.status_code == 413
    assert r.json()["problems"][0]["file"] == "huge.toml"
    assert not (sqlite_web.settings.scenario_dir / "huge.toml").exists()


@pytest.mark.parametrize(
    ("toml", "location", "why"),
    [
        ('extends = "../../../../etc/passwd"\n', "extends", "outside the scenario folders"),
        ('extends = "/etc/passwd"\n', "extends", "outside the scenario folders"),
        ('extends = "sub/../../x.toml"\n', "extends", "outside the scenario folders"),
        ('[tables]\nnations = "../../secret.csv"\n', "tables.nations",
         "outside the scenario folders"),
        ("a = " + "[" * 100_000 + "]" * 100_000 + "\n", "line 1", "nested 100000 deep"),
        ("x = 1\n" + "b = " + "{ c = " * 40 + "1" + " }" * 40 + "\n", "line 2", "nested 40 deep"),
        ('name = "x"\ntitle = [1,\n', "line 3", "TOML syntax error"),
    ],
)
def test_malicious_or_broken_scenarios_are_refused_with_a_located_message(
    sqlite_web: Web, toml: str, location: str, why: str
) -> None:
    r = sqlite_web.client.post("/api/scenarios", json={"name": "bad", "toml": toml},
                               headers=sqlite_web.auth)
    assert r.status_code == 422, r.text
    (problem,) = r.json()["problems"]
    assert problem["file"] == "bad.toml" and problem["location"] == location
    assert why in problem["message"]
    assert not list(sqlite_web.settings.scenario_dir.glob("*bad*"))


def test_non_utf8_upload_is_refused_naming_the_line(sqlite_web: Web) -> None:
    data = b'name = "ok"\ntitle = "caf\xe9"\n'
    r = sqlite_web.client.post("/api/scenarios/upload", files={"file": ("latin.toml", data)},
                               headers=sqlite_web.auth)
    assert r.status_code == 422
    (problem,) = r.json()["problems"]
    assert (problem["file"], problem["line"]) == ("latin.toml", 2)
    assert "not UTF-8" in problem["message"]


def test_invalid_figures_come_back_beside_their_fields(sqlite_web: Web) -> None:
    r = sqlite_web.client.post(
        f"/api/scenarios/{FLAGSHIP}/copy",
        json={"name": "broken", "figures": {"nations[GBR].gdp_usd_bn": {"value": -5},
                                            "nations[FRA].army_personnel": {"value": 10**6}}},
        headers=sqlite_web.auth)
    assert r.status_code == 422
    by_field = {p["field"]: p["message"] for p in r.json()["problems"]}
    assert by_field["nations[GBR].gdp_usd_bn"] == "must be positive (got -5)"
    assert "exceeds active_personnel" in by_field["nations[FRA].army_personnel"]
    assert not (sqlite_web.settings.scenario_dir / "broken.toml").exists()


def test_a_valid_copy_is_kept_and_validated_as_on_the_cli(sqlite_web: Web) -> None:
    from forceplan import load_scenario

    r = sqlite_web.client.post(
        f"/api/scenarios/{FLAGSHIP}/copy",
        json={"name": "richer-uk", "figures": {"nations[GBR].gdp_usd_bn": {"value": 4000}}},
        headers=sqlite_web.auth)
    assert r.status_code == 201, r.text
    kept = sqlite_web.settings.scenario_dir / "richer-uk.toml"
    assert load_scenario(kept).nation("GBR").gdp_usd_bn.value == 4000
    listed = {s["name"]: s["origin"] for s in sqlite_web.client.get("/api/scenarios").json()}
    assert listed["richer-uk"] == "user"
    # bundled names and existing names are not overwritten
    for name in (FLAGSHIP, "richer-uk"):
        again = sqlite_web.client.post("/api/scenarios", json={"name": name, "toml": VALID},
                                       headers=sqlite_web.auth)
        assert again.status_code == 409


def test_pages_carry_security_headers_and_load_nothing_from_elsewhere(sqlite_web: Web) -> None:
    r = sqlite_web.client.get("/")
    csp = r.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert r.headers["x-frame-options"] == "DENY"
    assert "http" not in r.text.split("<main>")[0].replace("http://testserver", "")


def test_token_commands_keep_only_a_digest(tmp_path: Path) -> None:
    from forceplan.cli import app
    from forceplan.store import Store

    url = f"sqlite:///{tmp_path / 'runs.sqlite'}"
    runner = CliRunner()
    made = runner.invoke(app, ["token", "create", "analyst", "--db", url])
    assert made.exit_code == 0, made.output
    token = made.stdout.strip().splitlines()[-1]
    assert token.startswith("fp_") and len(token) > 40
    assert token.encode() not in (tmp_path / "runs.sqlite").read_bytes()
    listed = runner.invoke(app, ["token", "list", "--json", "--db", url])
    assert '"name": "analyst"' in listed.stdout and token not in listed.stdout
    assert runner.invoke(app, ["token", "revoke", "1", "--db", url]).exit_code == 0
    store = Store.open(url)
    assert [t.active for t in list_tokens(store)] == [False]
    assert runner.invoke(app, ["token", "revoke", "7", "--db", url]).exit_code == 2


def test_serve_listens_on_loopback_unless_told() -> None:
    import inspect

    from forceplan.cli.web_cmd import serve_command

    default = inspect.signature(serve_command).parameters["host"].default
    assert default == "127.0.0.1"
