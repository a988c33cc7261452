"""CAM: an account's sub-users (their own API keys, a policy each), temporary credentials (sessions)
for an account's or a sub-user's keys, and the API's credential look-up and permission check.

The API's hot path makes one cached look-up per request (`cached_principal`, then `principal` on a
miss): the SecretId's account, signing key, policies and, for a session, its token hash and expiry.
A token expires on the wall clock, not the account's: tokens are credentials the gateway checks
against real time (like the request timestamp), and an account clock is moved days ahead by tests of
billing, which must not expire the token a running application holds (nor may a frozen clock make a
token live for ever). docs/cam.md.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from emulator.domain import accounts as account_rules
from emulator.domain import cam as rules
from emulator.domain.cam import Policy
from emulator.domain.records import AccountRecord
from emulator.domain.records.cam import CamKeyRecord, CamSubUserRecord
from emulator.errors import (
    AuthFailureTokenFailure,
    AuthFailureUnauthorizedOperation,
    Conflict,
    FailedOperation,
    LimitExceeded,
    NotFound,
)
from emulator.services.lookup_cache import NOT_CACHED, NotCached
from emulator.storage import accounts_repo, cam_repo
from emulator.storage.db import Tx

if TYPE_CHECKING:
    from emulator.domain.clock import ClockSource
    from emulator.services.accounts import AccountService
    from emulator.services.lookup_cache import LookupCache
    from emulator.storage.db import Database

_NAME = re.compile(r"^[A-Za-z0-9+=,.@_-]{1,64}$")  # CAM's user-name characters
MAX_KEYS_PER_USER = 2  # CAM: at most two API keys per user
MAX_SUB_USERS = 1000
MIN_DURATION_S = 1
MAX_DURATION_S = 43_200  # STS AssumeRole's maximum (12 hours)
DEFAULT_DURATION_S = 1_800  # STS GetFederationToken's default

TOKEN_FAILURE_MESSAGES = {  # en-US: the real text (tencentcloud-sdk-go testing/integration/temp_credentials_test.go)
    "en-US": "Token verification failed, please check if your Token is correct.",
    "zh-CN": "Token验证失败，请检查Token是否正确。",
}


@dataclass(frozen=True, slots=True)
class ApiPrincipal:
    """Who a SecretId is, for the API: the account, the key that signs, and what it may do."""

    account: AccountRecord
    secret_key: str
    sub_user: str | None  # None: the account's own identity (everything allowed)
    policies: tuple[Policy, ...]  # a sub-user's policy (if it has one) and a session's narrowing
    token_sha256: str | None = None  # set for a session: the SHA-256 of its token
    expires_us: int | None = None  # a session's wall-clock expiry

    @property
    def restricted(self) -> bool:
        return self.sub_user is not None or bool(self.policies)


@dataclass(frozen=True)
class SubUserKey:
    secret_id: str
    secret_key: str | None  # only when just issued
    created_us: int


@dataclass(frozen=True)
class SubUserView:
    name: str
    uin: str
    policy: dict[str, Any] | None
    keys: tuple[SubUserKey, ...]
    created_us: int


@dataclass(frozen=True)
class SessionCredentials:
    tmp_secret_id: str
    tmp_secret_key: str
    token: str
    expires_us: int
    sub_user: str | None


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _policy_text(policy: str | dict[str, Any] | None) -> tuple[str, Policy | None]:
    if policy is None:
        return "", None
    parsed = rules.parse_policy(policy)
    return json.dumps(parsed.to_json(), separators=(",", ":")), parsed


def _parsed(text: str | None) -> Policy | None:
    return rules.parse_policy(text) if text else None


class CamService:
    def __init__(
        self, db: Database, clock: ClockSource, cache: LookupCache, accounts: AccountService
    ) -> None:
        self.db = db
        self.clock = clock
        self.cache = cache
        self.accounts = accounts

    # --- the API's look-up and checks ------------------------------------------------------------
    def cached_principal(self, secret_id: str) -> ApiPrincipal | None | NotCached:
        """`principal` from the look-up cache only (NOT_CACHED on a miss): no thread hop on a hit."""
        return self.cache.peek(("api_key", secret_id), NOT_CACHED)  # type: ignore[no-any-return]

    def principal(self, secret_id: str) -> ApiPrincipal | None:
        """The identity behind a SecretId (an account's, a sub-user's key, a session), or None."""
        return self.cache.get(("api_key", secret_id), lambda: self._load(secret_id))

    def _load(self, secret_id: str) -> ApiPrincipal | None:
        with self.db.read() as conn:
            account = accounts_repo.account_by_secret_id(conn, secret_id)
            if account is not None:
                return ApiPrincipal(account, account.secret_key, None, ())
            key = cam_repo.key_by_secret_id(conn, secret_id)
            if key is not None:
                user = cam_repo.sub_user_by_id(conn, key.sub_user_id)
                account = accounts_repo.account_by_id(conn, key.account_id)
                if user is None or account is None:
                    return None
                return ApiPrincipal(account, key.secret_key, user.name, self._user_policies(user))
            session = cam_repo.session_by_secret_id(conn, secret_id)
            if session is None:
                return None
            account = accounts_repo.account_by_id(conn, session.account_id)
            if account is None:
                return None
            name: str | None = None
            policies: tuple[Policy, ...] = ()
            if session.sub_user_id is not None:
                user = cam_repo.sub_user_by_id(conn, session.sub_user_id)
                if user is None:
                    return None
                name, policies = user.name, self._user_policies(user)
            narrowing = _parsed(session.policy_json)
            if narrowing is not None:
                policies = (*policies, narrowing)
            return ApiPrincipal(
                account,
                session.tmp_secret_key,
                name,
                policies,
                token_sha256=session.token_sha256,
                expires_us=session.expires_us,
            )

    @staticmethod
    def _user_policies(user: CamSubUserRecord) -> tuple[Policy, ...]:
        policy = _parsed(user.policy_json)
        # a sub-user with no policy may do nothing: an empty tuple would mean "unrestricted"
        return (policy,) if policy is not None else (Policy(()),)

    def check_token(self, who: ApiPrincipal, token: str | None, language: str) -> None:
        """A session's key needs its token, unexpired on the wall clock. A permanent key ignores one (as
        the emulator always has: what the real service does with that pair is not documented, and the
        SDK captures of tests/tencent_api/test_captures.py send a token with a permanent key)."""
        if who.token_sha256 is None:
            return
        if not token or not hmac.compare_digest(token_digest(token), who.token_sha256):
            raise AuthFailureTokenFailure(TOKEN_FAILURE_MESSAGES[language])
        assert who.expires_us is not None
        if self.clock.wall_us() >= who.expires_us:
            raise AuthFailureTokenFailure(
                f"{TOKEN_FAILURE_MESSAGES[language]} The token has expired; request new temporary "
                "credentials."
            )

    def authorize(self, who: ApiPrincipal, action: str, region: str, request_id: str, language: str) -> None:
        """Raise AuthFailure.UnauthorizedOperation unless `who` may call `action` (``ses:SendEmail``)."""
        if who.restricted and not rules.is_allowed(who.policies, action, region):
            raise AuthFailureUnauthorizedOperation(rules.denial_message(language, action, request_id))

    # --- sub-users -------------------------------------------------------------------------------
    def _user(self, conn: Tx, account_id: int, name: str) -> CamSubUserRecord:
        user = cam_repo.sub_user_by_name(conn, account_id, name)
        if user is None:
            raise NotFound(f"no sub-user {name!r} in this account")
        return user

    def _new_secret_id(self, conn: Tx) -> str:
        while True:
            sid = account_rules.new_secret_id()
            if not cam_repo.secret_id_in_use(conn, sid):
                return sid

    def _view(self, conn: Tx, user: CamSubUserRecord, fresh: CamKeyRecord | None = None) -> SubUserView:
        keys = tuple(
            SubUserKey(
                k.secret_id, k.secret_key if fresh is not None and k.id == fresh.id else None, k.created_us
            )
            for k in cam_repo.keys_of(conn, user.id)
        )
        policy = _parsed(user.policy_json)
        return SubUserView(
            user.name, user.uin, None if policy is None else policy.to_json(), keys, user.created_us
        )

    def _issue_key(self, conn: Tx, user: CamSubUserRecord) -> CamKeyRecord:
        if len(cam_repo.keys_of(conn, user.id)) >= MAX_KEYS_PER_USER:
            raise LimitExceeded(
                f"sub-user {user.name!r} already has {MAX_KEYS_PER_USER} API keys (CAM's limit): delete one first"
            )
        cam_repo.insert_key(
            conn,
            account_id=user.account_id,
            sub_user_id=user.id,
            secret_id=self._new_secret_id(conn),
            secret_key=account_rules.new_secret_key(),
            created_us=self.clock.wall_us(),
        )
        return cam_repo.keys_of(conn, user.id)[-1]

    def create_sub_user(
        self, account: int | str, name: str, policy: str | dict[str, Any] | None = None
    ) -> SubUserView:
        """A sub-user with one API key (its SecretKey is shown in this answer only)."""
        if not _NAME.match(name):
            raise FailedOperation("sub-user name: 1-64 letters, digits or + = , . @ _ -")
        text, _ = _policy_text(policy)
        with self.db.write() as conn:
            row = self.accounts.get_row(account, conn)
            if cam_repo.sub_user_by_name(conn, row.id, name) is not None:
                raise Conflict(f"a sub-user named {name!r} already exists in this account")
            if cam_repo.count_sub_users(conn, row.id) >= MAX_SUB_USERS:
                raise LimitExceeded(f"an account has at most {MAX_SUB_USERS} sub-users")
            uid = cam_repo.insert_sub_user(
                conn,
                account_id=row.id,
                name=name,
                uin=str(100_000_000_000 + secrets.randbelow(900_000_000_000)),
                policy_json=text,
                created_us=self.clock.wall_us(),
            )
            user = cam_repo.sub_user_by_id(conn, uid)
            assert user is not None
            return self._view(conn, user, self._issue_key(conn, user))

    def list_sub_users(self, account: int | str) -> list[SubUserView]:
        with self.db.read() as conn:
            row = self.accounts.get_row(account, conn)
            return [self._view(conn, u) for u in cam_repo.list_sub_users(conn, row.id)]

    def get_sub_user(self, account: int | str, name: str) -> SubUserView:
        with self.db.read() as conn:
            row = self.accounts.get_row(account, conn)
            return self._view(conn, self._user(conn, row.id, name))

    def delete_sub_user(self, account: int | str, name: str) -> None:
        """The sub-user, its keys and its sessions: each stops working at once."""
        with self.db.write() as conn:
            row = self.accounts.get_row(account, conn)
            cam_repo.delete_sub_user(conn, self._user(conn, row.id, name).id)

    def set_policy(self, account: int | str, name: str, policy: str | dict[str, Any] | None) -> SubUserView:
        """Replace the sub-user's policy (None: no policy, every call denied)."""
        text, _ = _policy_text(policy)
        with self.db.write() as conn:
            row = self.accounts.get_row(account, conn)
            user = self._user(conn, row.id, name)
            cam_repo.set_policy(conn, user.id, text)
            updated = cam_repo.sub_user_by_id(conn, user.id)
            assert updated is not None
            return self._view(conn, updated)

    def issue_key(self, account: int | str, name: str) -> SubUserView:
        with self.db.write() as conn:
            row = self.accounts.get_row(account, conn)
            user = self._user(conn, row.id, name)
            return self._view(conn, user, self._issue_key(conn, user))

    def delete_key(self, account: int | str, name: str, secret_id: str) -> SubUserView:
        with self.db.write() as conn:
            row = self.accounts.get_row(account, conn)
            user = self._user(conn, row.id, name)
            if cam_repo.delete_key(conn, user.id, secret_id) == 0:
                raise NotFound(f"sub-user {name!r} has no API key {secret_id!r}")
            return self._view(conn, user)

    # --- temporary credentials -------------------------------------------------------------------
    def issue_session(
        self,
        account: int | str,
        sub_user: str | None = None,
        duration_s: int = DEFAULT_DURATION_S,
        policy: str | dict[str, Any] | None = None,
    ) -> SessionCredentials:
        """Temporary credentials for the account's own identity or a sub-user's, valid `duration_s`
        seconds of real time; an optional policy narrows what they may do."""
        if not MIN_DURATION_S <= duration_s <= MAX_DURATION_S:
            raise FailedOperation(f"duration_seconds must be between {MIN_DURATION_S} and {MAX_DURATION_S}")
        text, _ = _policy_text(policy)
        token = secrets.token_urlsafe(96)
        tmp_key = account_rules.new_secret_key()
        now = self.clock.wall_us()
        expires = now + duration_s * 1_000_000
        with self.db.write() as conn:
            row = self.accounts.get_row(account, conn)
            user_id = None if sub_user is None else self._user(conn, row.id, sub_user).id
            cam_repo.delete_sessions_expired_before(conn, row.id, now - 86_400_000_000)  # keep a day
            sid = self._new_secret_id(conn)
            cam_repo.insert_session(
                conn,
                account_id=row.id,
                sub_user_id=user_id,
                tmp_secret_id=sid,
                tmp_secret_key=tmp_key,
                token_sha256=token_digest(token),
                policy_json=text or None,
                expires_us=expires,
                created_us=now,
            )
        return SessionCredentials(sid, tmp_key, token, expires, sub_user)
