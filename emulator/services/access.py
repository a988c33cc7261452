"""Scoped access tokens: issue (the token is returned once, only its hash is stored), list, revoke, and
the per-request look-ups the admin API makes (token -> Grant, account reference -> id), both through the
look-up cache so that a request costs one SHA-256 and two dict hits. Any write of this process clears
that cache (a revocation holds at once here); other processes sharing the database see it within the
cache's TTL. The rules (what a grant allows) live in domain.access; docs/access.md."""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from emulator.domain import access as rules
from emulator.domain.records.access import AccessTokenRecord
from emulator.errors import FailedOperation, InvalidParameterValue, NotFound
from emulator.storage import access_repo, accounts_repo

if TYPE_CHECKING:
    from emulator.domain.clock import ClockSource
    from emulator.services.accounts import AccountService
    from emulator.services.lookup_cache import LookupCache
    from emulator.storage.db import Database, Tx


@dataclass(frozen=True)
class TokenInfo:
    """A token as listed: never the token itself."""

    record: AccessTokenRecord
    accounts: tuple[str, ...]  # account names, by id


@dataclass(frozen=True)
class IssuedToken:
    token: str  # shown once
    info: TokenInfo


class AccessService:
    def __init__(
        self, db: Database, clock: ClockSource, cache: LookupCache, accounts: AccountService
    ) -> None:
        self.db = db
        self.clock = clock
        self.cache = cache
        self.accounts = accounts

    # --- management (admin only) -----------------------------------------------------------------
    def issue(self, account_refs: Sequence[str | int], access: str, name: str | None = None) -> IssuedToken:
        if access not in rules.ACCESS_LEVELS:
            raise FailedOperation(f"access must be one of {', '.join(rules.ACCESS_LEVELS)}, not {access!r}")
        if not account_refs:
            raise FailedOperation("accounts: give at least one account name or id")
        name = (name or "").strip()
        if len(name) > rules.NAME_MAX or not name.isprintable():
            raise FailedOperation(f"name: at most {rules.NAME_MAX} printable characters")
        token = rules.new_token()
        with self.db.write() as conn:
            try:
                ids = {self.accounts.get_row(ref, conn).id for ref in account_refs}
            except NotFound as exc:  # a value of the body, not the path: bad input, nothing issued
                raise InvalidParameterValue(f"accounts: {exc.message}") from None
            token_id = access_repo.insert_token(
                conn,
                ids,
                name=name,
                token_hash=rules.digest(token),
                hint=rules.hint(token),
                access=access,
                created_us=self.clock.wall_us(),
                revoked_us=None,
            )
            info = self._info(conn, token_id)
        return IssuedToken(token, info)

    def listing(self) -> list[TokenInfo]:
        with self.db.read() as conn:
            names = {a.id: a.name for a in accounts_repo.list_accounts(conn)}
            links: dict[int, list[str]] = {}
            for link in access_repo.list_links(conn):
                links.setdefault(link.token_id, []).append(names.get(link.account_id, str(link.account_id)))
            return [TokenInfo(t, tuple(links.get(t.id, ()))) for t in access_repo.list_tokens(conn)]

    def revoke(self, token_id: int) -> TokenInfo:
        """Revokes the token at once (idempotent: revoking again keeps the first time)."""
        if not 0 <= token_id < 2**31:  # ids are 32-bit: a larger number names no token
            raise NotFound(f"no access token {token_id}")
        with self.db.write() as conn:
            access_repo.revoke(conn, token_id, self.clock.wall_us())
            return self._info(conn, token_id)

    def _info(self, conn: Tx, token_id: int) -> TokenInfo:
        record = access_repo.token_by_id(conn, token_id)
        if record is None:
            raise NotFound(f"no access token {token_id}")
        names = []
        for aid in access_repo.account_ids_of(conn, token_id):
            row = accounts_repo.account_by_id(conn, aid)
            names.append(row.name if row else str(aid))
        return TokenInfo(record, tuple(names))

    # --- per request -----------------------------------------------------------------------------
    def grant_of(self, token: str) -> rules.Grant | None:
        """The grant of a token in force, or None (unknown or revoked). Cached by the token's hash."""
        token_hash = rules.digest(token)

        def load() -> rules.Grant | None:
            with self.db.read() as conn:
                record = access_repo.token_by_hash(conn, token_hash)
                # found by an index look-up on the hash; compared again in constant time all the same
                if record is None or not hmac.compare_digest(record.token_hash, token_hash):
                    return None
                if record.revoked_us is not None:
                    return None
                ids = frozenset(access_repo.account_ids_of(conn, record.id))
            return rules.Grant(False, record.access, ids, record.id, record.name)

        return self.cache.get(("access_token", token_hash), load)

    def names_of(self, account_ids: frozenset[int]) -> list[str]:
        with self.db.read() as conn:
            return [a.name for a in accounts_repo.list_accounts(conn) if a.id in account_ids]

    def account_id(self, ref: str) -> int | None:
        """The id of the account a path names (by name or id), or None; cached."""

        def load() -> int | None:
            try:
                return self.accounts.get_row(ref).id
            except NotFound:
                return None

        return self.cache.get(("account_ref", ref), load)
