"""Who may do what: bearer tokens for writes (and for reads when they are closed), CSRF checks.

A token (``forceplan token create NAME``) is presented either as
``Authorization: Bearer TOKEN`` (scripts, the API) or, in a browser, as the
``forceplan_token`` cookie that the sign-in form sets (HttpOnly,
SameSite=Strict). A cookie is sent by the browser on its own, so a write
that relies on it must also carry the page's CSRF token (``X-CSRF-Token``
header, derived from the token with a key only this server process knows)
and, where the browser says where it comes from (``Origin``), come from
this server. A bearer header is never sent by a browser unasked, so it
needs neither.

Missing token: 401. Unknown or revoked token, or a failed CSRF check: 403.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from fastapi import HTTPException, Request

from forceplan.store.tokens import TokenInfo, verify_token

if TYPE_CHECKING:
    from forceplan.store import Store

COOKIE = "forceplan_token"
CSRF_HEADER = "x-csrf-token"


@dataclass(frozen=True)
class Caller:
    token: TokenInfo
    via: str  # bearer | cookie
    csrf: str


class Auth:
    def __init__(self, store: Store, open_reads: bool) -> None:
        self.store = store
        self.open_reads = open_reads
        self._key = secrets.token_bytes(32)

    def csrf_for(self, token: str) -> str:
        """The CSRF token of a signed-in browser (tied to its token and to this process)."""
        return hmac.new(self._key, token.encode(), hashlib.sha256).hexdigest()[:40]

    def presented(self, request: Request) -> tuple[str, str] | None:
        """(token, how it came) if the request carries one."""
        header = request.headers.get("authorization", "")
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            return value.strip(), "bearer"
        cookie = request.cookies.get(COOKIE)
        if cookie:
            return cookie, "cookie"
        return None

    def caller(self, request: Request) -> Caller | None:
        """The signed-in caller, None if no token came; 403 if the token is not valid."""
        found = self.presented(request)
        if found is None:
            return None
        token, via = found
        info = verify_token(self.store, token)
        if info is None:
            raise HTTPException(403, "this token is not valid (unknown or revoked)")
        return Caller(info, via, self.csrf_for(token))

    def require_read(self, request: Request) -> Caller | None:
        if self.open_reads:
            try:
                return self.caller(request)
            except HTTPException:
                return None  # a stale cookie does not stop open reads
        caller = self.caller(request)
        if caller is None:
            raise HTTPException(401, "reading needs a token: sign in, or send "
                                "'Authorization: Bearer TOKEN'",
                                headers={"WWW-Authenticate": "Bearer"})
        return caller

    def require_write(self, request: Request) -> Caller:
        caller = self.caller(request)
        if caller is None:
            raise HTTPException(401, "this needs a token (forceplan token create NAME): sign "
                                "in, or send 'Authorization: Bearer TOKEN'",
                                headers={"WWW-Authenticate": "Bearer"})
        if caller.via == "cookie":
            self._check_csrf(request, caller)
        return caller

    def _check_csrf(self, request: Request, caller: Caller) -> None:
        sent = request.headers.get(CSRF_HEADER, "")
        if not hmac.compare_digest(sent, caller.csrf):
            raise HTTPException(403, "missing or wrong CSRF token: reload the page and try again")
        origin = request.headers.get("origin")
        if origin and not same_origin(origin, request):
            raise HTTPException(403, f"a write from another site ({origin}) is refused")


def same_origin(origin: str, request: Request) -> bool:
    host = request.headers.get("host", "")
    return urlsplit(origin).netloc == host
