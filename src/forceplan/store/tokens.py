"""Bearer tokens for the web app's writes, kept in the run store as SHA-256 digests.

A token is 32 random bytes (URL-safe base64, prefixed ``fp_``), shown once
by :func:`create_token`; the store keeps only its digest, a short prefix to
tell tokens apart in listings, and when it was created, last used and
revoked. :func:`verify_token` compares digests (a database lookup by the
digest of what was presented: no token is ever compared as text).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from forceplan.store import schema as t
from forceplan.store.errors import StoreError
from forceplan.store.runinfo import utc

if TYPE_CHECKING:
    from forceplan.store.store import Store

TOKEN_PREFIX = "fp_"
SHOWN = 10  # characters of a token kept in clear to tell tokens apart
MAX_NAME = 200


@dataclass(frozen=True)
class TokenInfo:
    """One token as listed (never the token itself)."""

    id: int
    name: str
    prefix: str
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "prefix": self.prefix,
            "created_at": self.created_at.isoformat(),
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
            "last_used_at": self.last_used_at.isoformat() if self.last_used_at else None,
        }


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()


def create_token(store: Store, name: str) -> tuple[TokenInfo, str]:
    """A new token named ``name``: its record, and the token (shown once, never stored)."""
    name = name.strip()
    if not name or len(name) > MAX_NAME:
        raise StoreError(f"a token needs a name of 1 to {MAX_NAME} characters")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    with store._write() as conn:
        key = conn.execute(
            t.api_tokens.insert().values(
                name=name, digest=digest(token), prefix=token[:SHOWN], created_at=now
            )
        ).inserted_primary_key
    assert key is not None
    return TokenInfo(int(key[0]), name, token[:SHOWN], now, None, None), token


def list_tokens(store: Store) -> list[TokenInfo]:
    """Every token, oldest first (revoked ones included)."""
    with store._read() as conn:
        rows = conn.execute(sa.select(t.api_tokens).order_by(t.api_tokens.c.id)).all()
    return [_info(row._mapping) for row in rows]


def revoke_token(store: Store, token_id: int) -> TokenInfo:
    """Revoke a token by id (revoking a revoked token changes nothing); StoreError if unknown."""
    from forceplan.store.store import MAX_ID

    if not 1 <= token_id <= MAX_ID:
        raise StoreError(f"no token {token_id} in the run store at {store.where}")
    now = datetime.now(UTC)
    with store._write() as conn:
        conn.execute(
            t.api_tokens.update()
            .where(t.api_tokens.c.id == token_id, t.api_tokens.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        row = conn.execute(sa.select(t.api_tokens).where(t.api_tokens.c.id == token_id)).first()
    if row is None:
        raise StoreError(f"no token {token_id} in the run store at {store.where}")
    return _info(row._mapping)


def verify_token(store: Store, token: str) -> TokenInfo | None:
    """The active token ``token`` is, or None (unknown or revoked); records its use."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    wanted = digest(token)
    with store._read() as conn:
        row = conn.execute(
            sa.select(t.api_tokens).where(t.api_tokens.c.digest == wanted)
        ).first()
    if row is None or row._mapping["revoked_at"] is not None:
        return None
    info = _info(row._mapping)
    now = datetime.now(UTC)
    last = info.last_used_at
    if last is None or (now - last).total_seconds() > 60:  # not a write per request
        with store._write() as conn:
            conn.execute(
                t.api_tokens.update().where(t.api_tokens.c.id == info.id)
                .values(last_used_at=now)
            )
    return info


def _info(row: Any) -> TokenInfo:
    return TokenInfo(
        id=int(row["id"]),
        name=str(row["name"]),
        prefix=str(row["prefix"]),
        created_at=utc(row["created_at"]),
        revoked_at=utc(row["revoked_at"]) if row["revoked_at"] is not None else None,
        last_used_at=utc(row["last_used_at"]) if row["last_used_at"] is not None else None,
    )
