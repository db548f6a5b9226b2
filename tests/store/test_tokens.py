"""API tokens in the run store (migration 0003): digests only, revocation, an upgraded store."""

from __future__ import annotations

import hashlib

import sqlalchemy as sa

from forceplan.store import Store
from forceplan.store.db import make_engine
from forceplan.store.migrate import current_revision, upgrade
from forceplan.store.tokens import create_token, list_tokens, revoke_token, verify_token


def test_a_store_of_revision_0002_gains_tokens_and_keeps_its_runs(store_url: str) -> None:
    engine = make_engine(store_url)
    upgrade(engine, "0002")
    with engine.connect() as conn:
        assert not sa.inspect(conn).has_table("api_tokens")
    engine.dispose()
    store = Store.open(store_url)
    old = store.start_run("plan", [], {})
    with store.engine.connect() as conn:
        assert current_revision(conn) == "0003"
    info, token = create_token(store, "analyst")
    assert verify_token(store, token).id == info.id  # type: ignore[union-attr]
    with store.engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT digest, prefix FROM api_tokens")).one()
    assert stored[0] == hashlib.sha256(token.encode()).hexdigest()
    assert token.startswith(stored[1]) and len(stored[1]) == 10
    assert store.get_run(old).kind == "plan"
    store.close()


def test_revoked_and_unknown_tokens_do_not_verify(store_url: str) -> None:
    store = Store.open(store_url)
    first, token = create_token(store, "one")
    _, other = create_token(store, "two")
    assert revoke_token(store, first.id).revoked_at is not None
    assert verify_token(store, token) is None
    assert verify_token(store, other) is not None
    assert verify_token(store, other + "x") is None
    assert verify_token(store, "not-a-token") is None
    assert [(t.name, t.active) for t in list_tokens(store)] == [("one", False), ("two", True)]
    assert list_tokens(store)[1].last_used_at is not None
    store.close()
