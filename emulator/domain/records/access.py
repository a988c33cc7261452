"""Scoped access tokens (domain.access): the token rows (a hash, never the token) and their accounts."""

from __future__ import annotations

from typing import NamedTuple


class AccessTokenRecord(NamedTuple):
    id: int
    name: str
    token_hash: str  # SHA-256 of the token, hex (domain.access.digest)
    hint: str  # the token's first characters, for listings
    access: str  # read | full
    created_us: int  # wall clock
    revoked_us: int | None  # None: in force


class AccessTokenAccountRecord(NamedTuple):
    token_id: int
    account_id: int


TABLES = {AccessTokenRecord: "access_tokens", AccessTokenAccountRecord: "access_token_accounts"}
