"""Queries for scoped access tokens: insert, look up by hash, list, revoke."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, insert, select, update

from emulator.domain.records.access import AccessTokenAccountRecord, AccessTokenRecord
from emulator.storage.schema.access import access_token_accounts, access_tokens


def insert_token(conn: Connection, account_ids: Iterable[int], **values: Any) -> int:
    token_id = int(conn.execute(insert(access_tokens).values(**values)).inserted_primary_key[0])  # type: ignore[index]
    rows = [{"token_id": token_id, "account_id": a} for a in sorted(set(account_ids))]
    conn.execute(insert(access_token_accounts), rows)
    return token_id


def token_by_hash(conn: Connection, token_hash: str) -> AccessTokenRecord | None:
    row = conn.execute(select(access_tokens).where(access_tokens.c.token_hash == token_hash)).first()
    return None if row is None else AccessTokenRecord._make(row)


def token_by_id(conn: Connection, token_id: int) -> AccessTokenRecord | None:
    row = conn.execute(select(access_tokens).where(access_tokens.c.id == token_id)).first()
    return None if row is None else AccessTokenRecord._make(row)


def account_ids_of(conn: Connection, token_id: int) -> list[int]:
    q = select(access_token_accounts.c.account_id).where(access_token_accounts.c.token_id == token_id)
    return [int(a) for a in conn.execute(q.order_by(access_token_accounts.c.account_id)).scalars()]


def list_tokens(conn: Connection) -> list[AccessTokenRecord]:
    return [
        AccessTokenRecord._make(r) for r in conn.execute(select(access_tokens).order_by(access_tokens.c.id))
    ]


def list_links(conn: Connection) -> list[AccessTokenAccountRecord]:
    q = select(access_token_accounts).order_by(
        access_token_accounts.c.token_id, access_token_accounts.c.account_id
    )
    return [AccessTokenAccountRecord._make(r) for r in conn.execute(q)]


def revoke(conn: Connection, token_id: int, at_us: int) -> None:
    """Marks the token revoked (once: a second revocation keeps the first time)."""
    conn.execute(
        update(access_tokens)
        .where(access_tokens.c.id == token_id, access_tokens.c.revoked_us.is_(None))
        .values(revoked_us=at_us)
    )
