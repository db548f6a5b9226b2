"""`forceplan serve` (the web dashboard) and `forceplan token create|list|revoke`."""

from __future__ import annotations

import errno
import ipaddress
import json
import socket
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from forceplan.cli.common import app, console, err_console, fail, output_or_exit
from forceplan.cli.helptext import Group, Typer
from forceplan.cli.recording import DbOpt, open_store_or_exit
from forceplan.cli.tables import print_table

token_app = Typer(  # forceplan's Typer: real metavars and checked values
    name="token", help="Bearer tokens for the web dashboard's writes (stored hashed).",
    no_args_is_help=True, cls=Group,
)
app.add_typer(token_app, name="token")


@app.command("serve")
def serve_command(
    host: Annotated[str, typer.Option("--host", metavar="ADDRESS",
                                      help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, metavar="PORT")] = 8000,
    db: DbOpt = None,
    closed_reads: Annotated[bool, typer.Option(
        "--closed-reads", help="Reading pages and the API needs a token too (writes always do).",
    )] = False,
    scenario_dir: Annotated[str | None, typer.Option(
        "--scenarios", metavar="DIR",
        help="Folder for scenarios saved from the browser (default: in your user data folder).",
    )] = None,
    workers: Annotated[int, typer.Option("--workers", min=1, max=64, metavar="N",
                                         help="Runs computed at once (one process each).")] = 1,
) -> None:
    """Start the web dashboard (FastAPI + uvicorn) on 127.0.0.1:8000 unless told otherwise."""
    import uvicorn

    from forceplan.web import create_app
    from forceplan.web.settings import WebSettings, default_scenario_dir

    if scenario_dir is not None:
        output_or_exit(scenario_dir, "directory", "--scenarios")
    sock = _listening_socket(host, port)  # a bad address or a port in use: said now, in words
    if not _loopback(host):
        err_console.print(f"[bold yellow]warning:[/] listening on {escape(host)}: other machines "
                          "can reach this server; reads are "
                          f"{'closed' if closed_reads else 'open to anyone who can reach it'}")
    try:
        store = open_store_or_exit(db)
    except BaseException:
        sock.close()
        raise
    settings = WebSettings(
        db_url=store.url, open_reads=not closed_reads, workers=workers, prewarm=True,
        scenario_dir=Path(scenario_dir) if scenario_dir else default_scenario_dir(),
    )
    web_app = create_app(settings, store=store)
    from forceplan.cli import STOP_HOOKS

    STOP_HOOKS.append(web_app.state.services.close)
    shown = f"[{host}]" if ":" in host else host  # an IPv6 address, as a URL writes it
    console.print(f"forceplan dashboard on http://{escape(shown)}:{port}/ (run store: "
                  f"{escape(store.where)}); Ctrl-C stops it", highlight=False, soft_wrap=True)
    config = uvicorn.Config(web_app, host=host, port=port, log_level="warning")
    uvicorn.Server(config).run(sockets=[sock])


def _listening_socket(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port`` for uvicorn, or exit 2 saying which option is wrong."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
    except (OSError, UnicodeError) as exc:
        fail(f"--host {host}: not an address or a host name this machine knows "
             f"({getattr(exc, 'strerror', None) or exc})")
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            fail(f"--port {port}: already in use on {host} (another server listens there); "
                 "choose another --port")
        if exc.errno == errno.EADDRNOTAVAIL:
            fail(f"--host {host}: not an address of this machine")
        if exc.errno == errno.EACCES:
            fail(f"--port {port}: permission denied (ports below 1024 need administrator "
                 "rights)")
        fail(f"--host {host} --port {port}: cannot listen there ({exc.strerror or exc})")
    return sock


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@token_app.command("create")
def token_create(
    name: Annotated[str, typer.Argument(metavar="NAME", help="Who or what the token is for.")],
    db: DbOpt = None,
) -> None:
    """Make a token; it is printed once and only its SHA-256 digest is kept."""
    from forceplan.store import StoreError
    from forceplan.store.tokens import create_token

    store = open_store_or_exit(db)
    try:
        info, token = create_token(store, name)
    except StoreError as exc:
        fail(str(exc))
    err_console.print(f"token {info.id} ({escape(info.name)}) created; it is shown only now:",
                      highlight=False)
    print(token)


@token_app.command("list")
def token_list(
    db: DbOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the tokens as JSON.")] = False,
) -> None:
    """List tokens (their first characters, never the tokens)."""
    from forceplan.store import StoreError
    from forceplan.store.tokens import list_tokens

    store = open_store_or_exit(db)
    try:
        tokens = list_tokens(store)
    except StoreError as exc:
        fail(str(exc))
    if as_json:
        print(json.dumps({"tokens": [t.to_dict() for t in tokens]}, indent=1))
        return
    if not tokens:
        console.print("no tokens yet: forceplan token create NAME")
        return
    table = Table(title="Tokens", title_justify="left")
    for column in ("id", "name", "starts", "created (UTC)", "last used", "state"):
        table.add_column(column, overflow="fold")
    for t in tokens:
        table.add_row(
            str(t.id), escape(t.name), escape(t.prefix) + "…",
            t.created_at.strftime("%Y-%m-%d %H:%M"),
            t.last_used_at.strftime("%Y-%m-%d %H:%M") if t.last_used_at else "-",
            "active" if t.active else f"revoked {t.revoked_at:%Y-%m-%d}",
        )
    print_table(table)


@token_app.command("revoke")
def token_revoke(
    token_id: Annotated[int, typer.Argument(metavar="ID", help="Token id (from token list).")],
    db: DbOpt = None,
) -> None:
    """Revoke a token: requests carrying it are refused from now on."""
    from forceplan.store import StoreError
    from forceplan.store.tokens import revoke_token

    store = open_store_or_exit(db)
    try:
        info = revoke_token(store, token_id)
    except StoreError as exc:
        fail(str(exc))
    console.print(f"token {info.id} ({escape(info.name)}) is revoked", highlight=False)
