"""Scoped access tokens (issue 19): who may read or change which accounts over HTTP.

Design overview. The admin token (setting `admin_token`) keeps everything. A scoped token names one or
more accounts and an access level: `read` (safe methods only) or `full`. A token is 32 random bytes,
URL-safe base64 behind the prefix `sesemu_` (so secret scanners and people recognise it); the server
keeps only its SHA-256. A fast hash is right here: a slow password hash (bcrypt, scrypt, Argon2) buys
time against guessing a low-entropy password, but 256 random bits cannot be guessed, and a slow hash
would cost milliseconds on every request instead of a microsecond. `Grant` is what one request may do;
`scope_refusal` and `write_refusal` are the two rules, applied in that order by the admin API.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

READ = "read"
FULL = "full"
ACCESS_LEVELS = (READ, FULL)
TOKEN_PREFIX = "sesemu_"
HINT_CHARS = len(TOKEN_PREFIX) + 4  # shown in listings: enough to tell tokens apart, 24 of 256 bits
SAFE_METHODS = frozenset({"GET", "HEAD"})
NAME_MAX = 64


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def digest(token: str) -> str:
    """What is stored and looked up: the token's SHA-256, hex."""
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()


def hint(token: str) -> str:
    return token[:HINT_CHARS]


@dataclass(frozen=True)
class Grant:
    """What one request may do: everything (`admin`), or `access` on `account_ids` only."""

    admin: bool
    access: str
    account_ids: frozenset[int]
    token_id: int | None = None
    name: str = ""

    def sees(self, account_id: int) -> bool:
        return self.admin or account_id in self.account_ids


ADMIN = Grant(admin=True, access=FULL, account_ids=frozenset())


def scope_refusal(grant: Grant, account_id: int | None, account_ref: str) -> str | None:
    """None if the grant covers the account (`account_id` None: no such account), else why not."""
    if account_id is not None and grant.sees(account_id):
        return None
    return f"this token has no access to account {account_ref!r}"


def write_refusal(grant: Grant, method: str) -> str | None:
    if grant.access == FULL or method in SAFE_METHODS:
        return None
    return f"this token is read-only: {method} is refused (issue a `full` token to change accounts)"


def secrets_refusal(grant: Grant) -> str | None:
    """Reads that carry the account's API keys (a snapshot) need a `full` token: keys can send."""
    if grant.access == FULL:
        return None
    return "this token is read-only: a snapshot holds the account's API keys (issue a `full` token)"


def admin_only_refusal(grant: Grant) -> str | None:
    if grant.admin:
        return None
    return "this route is for the admin token only (a scoped token reaches /admin/accounts/{its account}/...)"
