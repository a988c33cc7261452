"""Accounts: creation with every credential, state, top-up, reset, and credential look-ups."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from emulator.domain import accounts as rules
from emulator.domain import profiles
from emulator.domain.addresses import domain_of, is_valid_email
from emulator.domain.clock import ClockState
from emulator.domain.records import AccountRecord
from emulator.errors import (
    Conflict,
    EmulatorError,
    FailedOperation,
    FailedOperationNotAuthenticatedSender,
    NotFound,
)
from emulator.storage import accounts_repo, billing_repo, mail_repo, notices_repo
from emulator.storage.db import Tx

if TYPE_CHECKING:
    from emulator.config import Settings
    from emulator.domain.clock import ClockSource
    from emulator.services.lookup_cache import LookupCache
    from emulator.services.scheduler import Scheduler
    from emulator.services.settlement import Settlement
    from emulator.storage.db import Database

MAX_BULK = 100_000  # accounts per bulk creation
DEFAULT_ACCOUNT = "default"


@dataclass(frozen=True)
class Credentials:
    account_id: int
    name: str
    app_id: str
    secret_id: str
    secret_key: str
    sender: str
    smtp_password: str


@dataclass(frozen=True)
class AccountState:
    id: int
    name: str
    app_id: str
    secret_id: str
    free_quota: int
    free_used: int
    free_left: int
    paid_units: int
    balance_micro: int
    unpaid_micro: int
    suspended: bool
    suspended_reason: str | None
    suspended_us: int | None
    clock_us: int
    clock_frozen: bool
    profile: str = profiles.SANDBOX
    simple_allowed: bool = True
    smtp_checks: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class AccountService:
    def __init__(
        self,
        db: Database,
        clock: ClockSource,
        settings: Settings,
        cache: LookupCache,
        scheduler: Scheduler,
        settlement: Settlement,
    ) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings
        self.cache = cache
        self.scheduler = scheduler
        self.settlement = settlement

    # --- creation --------------------------------------------------------------------------------
    def create(
        self,
        name: str | None = None,
        *,
        secret_id: str | None = None,
        secret_key: str | None = None,
        sender: str | None = None,
        smtp_password: str | None = None,
        app_id: str | None = None,
        free_quota: int | None = None,
        profile: str | None = None,
    ) -> Credentials:
        """A new account with every credential; `profile` (default: the `default_profile` setting) sets
        its switches (domain.profiles)."""
        s = self.settings
        profile = profiles.check_profile(s.default_profile if profile is None else profile)
        switches = profiles.defaults(profile)
        secret_id = secret_id or rules.new_secret_id()
        secret_key = secret_key or rules.new_secret_key()
        sender = (sender or s.default_sender).strip()
        smtp_password = smtp_password or rules.new_smtp_password()
        if not is_valid_email(sender):
            raise FailedOperation(f"sender {sender!r} is not a valid email address")
        rules.validate_smtp_password(smtp_password)
        if not secret_id.startswith("AKID") or len(secret_id) < 8 or not secret_id.isalnum():
            raise FailedOperation(
                "secret_id must look like a Tencent SecretId: 'AKID' followed by letters and digits"
            )
        if len(secret_key) < 16 or not secret_key.isprintable():
            raise FailedOperation("secret_key must be at least 16 printable characters")
        wall = self.clock.wall_us()
        with self.db.write() as conn:
            if name is None:
                name = f"acct-{accounts_repo.count_accounts(conn) + 1}-{secret_id[-6:].lower()}"
            if not rules.valid_account_name(name):
                raise FailedOperation("account name: 1-64 letters, digits, '.', '_' or '-'")
            if accounts_repo.account_by_name(conn, name):
                raise Conflict(f"an account named {name!r} already exists")
            if accounts_repo.account_by_secret_id(conn, secret_id):
                raise Conflict("that SecretId is already in use by another account")
            app_id = app_id or rules.new_app_id()
            account_id = accounts_repo.insert_account(
                conn,
                name=name,
                app_id=app_id,
                secret_id=secret_id,
                secret_key=secret_key,
                created_us=wall,
                clock_offset_us=0,
                clock_frozen_us=None,
                events_until_us=wall,
                free_quota=s.free_quota if free_quota is None else free_quota,
                free_used=0,
                simple_allowed=switches.simple_allowed,
                settings_json=json.dumps({"limits": switches.limits}) if switches.limits else "{}",
                profile=profile,
                smtp_checks=switches.smtp_checks,
            )
            domain = domain_of(sender)
            accounts_repo.insert_domain(
                conn, account_id=account_id, domain=domain, verified=True, created_us=wall
            )
            accounts_repo.insert_sender(
                conn,
                account_id=account_id,
                address=sender,
                sender_name=None,
                smtp_password_hash=rules.hash_password(smtp_password),
                created_us=wall,
            )
        return Credentials(account_id, name, app_id, secret_id, secret_key, sender, smtp_password)

    def create_many(
        self,
        count: int,
        prefix: str,
        *,
        first: int = 1,
        sender: str | None = None,
        free_quota: int | None = None,
        top_up_micro: int = 0,
        batch: int = 500,
        progress: Callable[[int], object] | None = None,
    ) -> list[Credentials]:
        """A test fleet: `count` accounts named <prefix>-<first> .. <prefix>-<first + count - 1>, each with generated
        credentials, the one sender (its domain verified) and optionally a first top-up, written
        `batch` accounts per transaction as multi-row inserts. All names are checked before anything
        is written: a taken name refuses the whole request. `progress(n)` is told after each batch."""
        s = self.settings
        if not 1 <= count <= MAX_BULK:
            raise FailedOperation(f"count must be between 1 and {MAX_BULK}")
        if top_up_micro < 0:
            raise FailedOperation("top_up must not be negative")
        names = [f"{prefix}-{i}" for i in range(first, first + count)]
        if not rules.valid_account_name(names[-1]) or not rules.valid_account_name(prefix):
            raise FailedOperation("prefix: letters, digits, '.', '_' or '-', at most 64 with the number")
        sender = (sender or s.default_sender).strip()
        if not is_valid_email(sender):
            raise FailedOperation(f"sender {sender!r} is not a valid email address")
        quota = s.free_quota if free_quota is None else free_quota
        with self.db.read() as conn:
            taken = accounts_repo.names_taken(conn, names)
        if taken:
            raise Conflict(f"{len(taken)} of those names exist already, e.g. {sorted(taken)[0]!r}")
        out: list[Credentials] = []
        for start in range(0, count, batch):
            part = names[start : start + batch]
            creds = [
                (
                    n,
                    rules.new_app_id(),
                    rules.new_secret_id(),
                    rules.new_secret_key(),
                    rules.new_smtp_password(),
                )
                for n in part
            ]
            wall = self.clock.wall_us()
            with self.db.write() as conn:
                ids = accounts_repo.insert_accounts(
                    conn,
                    [
                        {
                            "name": n,
                            "app_id": app,
                            "secret_id": sid,
                            "secret_key": skey,
                            "created_us": wall,
                            "clock_offset_us": 0,
                            "clock_frozen_us": None,
                            "events_until_us": wall,
                            "free_quota": quota,
                            "free_used": 0,
                            "simple_allowed": True,
                            "settings_json": "{}",
                        }
                        for n, app, sid, skey, _pw in creds
                    ],
                )
                accounts_repo.insert_identities(
                    conn,
                    [
                        {"account_id": aid, "domain": domain_of(sender), "verified": True, "created_us": wall}
                        for aid in ids
                    ],
                    [
                        {
                            "account_id": aid,
                            "address": sender,
                            "sender_name": None,
                            "smtp_password_hash": rules.hash_password(c[4]),
                            "created_us": wall,
                        }
                        for aid, c in zip(ids, creds, strict=True)
                    ],
                )
                if top_up_micro:
                    billing_repo.post_ledger_many(
                        conn,
                        [
                            {
                                "account_id": aid,
                                "kind": "topup",
                                "amount_micro": top_up_micro,
                                "bill_id": None,
                                "note": "bulk creation",
                                "account_time_us": wall,
                                "real_time_us": wall,
                            }
                            for aid in ids
                        ],
                    )
            out.extend(
                Credentials(aid, n, app, sid, skey, sender, pw)
                for aid, (n, app, sid, skey, pw) in zip(ids, creds, strict=True)
            )
            if progress is not None:
                progress(len(out))
        return out

    def ensure_default(self) -> Credentials:
        """The default account with the documented (or configured) fixed credentials."""
        s = self.settings
        with self.db.read() as conn:
            row = accounts_repo.account_by_name(conn, DEFAULT_ACCOUNT)
        if row is None:
            try:
                return self.create(
                    DEFAULT_ACCOUNT,
                    secret_id=s.default_secret_id,
                    secret_key=s.default_secret_key,
                    sender=s.default_sender,
                    smtp_password=s.default_smtp_password,
                    app_id=s.default_app_id,
                )
            except Conflict:  # another process created it first
                pass
        return Credentials(
            self.get_row(DEFAULT_ACCOUNT).id,
            DEFAULT_ACCOUNT,
            s.default_app_id,
            s.default_secret_id,
            s.default_secret_key,
            s.default_sender,
            s.default_smtp_password,
        )

    # --- reads -----------------------------------------------------------------------------------
    def get_row(self, ref: int | str, conn: Tx | None = None) -> AccountRecord:
        if conn is None:
            with self.db.read() as c:
                return self.get_row(ref, c)
        key = _ref_key(ref)
        if isinstance(key, int):  # ids are 32-bit: a larger number names no account
            row = accounts_repo.account_by_id(conn, key) if 0 <= key < 2**31 else None
        else:
            row = accounts_repo.account_by_name(conn, key)
        if row is None:
            raise NotFound(f"no account {key!r}")
        return row

    def locked_row(self, ref: int | str, conn: Tx) -> AccountRecord:
        """The account's row locked for the caller's write transaction (PostgreSQL: FOR UPDATE), read
        after the lock is taken, so what the caller decides from it stays true until it commits."""
        key = _ref_key(ref)
        aid = key if isinstance(key, int) else self.get_row(key, conn).id
        row = accounts_repo.lock_accounts(conn, [aid]).get(aid) if 0 <= aid < 2**31 else None
        if row is None:
            raise NotFound(f"no account {key!r}")
        return row

    def list(self) -> list[AccountState]:
        """Every account's state: four queries whatever the number of accounts (the totals grouped)."""
        with self.db.read() as conn:
            rows = accounts_repo.list_accounts(conn)
            paid = mail_repo.paid_units_by_account(conn)
            balances = billing_repo.balances_by_account(conn)
            unpaid = billing_repo.unpaid_totals_by_account(conn)
        return [
            self._state_of(r, paid.get(r.id, 0), balances.get(r.id, 0), unpaid.get(r.id, 0)) for r in rows
        ]

    def state(self, ref: int | str) -> AccountState:
        with self.db.read() as conn:
            return self._state(conn, self.get_row(ref, conn))

    def state_in(self, conn: Tx, account_id: int) -> AccountState:
        """The state inside the caller's transaction (e.g. as a write leaves it, before it commits)."""
        return self._state(conn, self.locked_row(account_id, conn))

    def _state(self, conn: Tx, row: AccountRecord) -> AccountState:
        _free, paid = mail_repo.usage_totals(conn, row.id)
        balance = billing_repo.balance(conn, row.id)
        unpaid = billing_repo.unpaid_total(conn, row.id)
        return self._state_of(row, paid, balance, unpaid)

    def _state_of(self, row: AccountRecord, paid: int, balance: int, unpaid: int) -> AccountState:
        clock = ClockState(row.clock_offset_us, row.clock_frozen_us)
        return AccountState(
            id=row.id,
            name=row.name,
            app_id=row.app_id,
            secret_id=row.secret_id,
            free_quota=row.free_quota,
            free_used=row.free_used,
            free_left=max(row.free_quota - row.free_used, 0),
            paid_units=paid,
            balance_micro=balance,
            unpaid_micro=unpaid,
            suspended=row.suspended_reason is not None,
            suspended_reason=row.suspended_reason,
            suspended_us=row.suspended_us,
            clock_us=clock.now_us(self.clock.wall_us()),
            clock_frozen=clock.frozen,
            profile=row.profile,
            simple_allowed=row.simple_allowed,
            smtp_checks=row.smtp_checks,
        )

    def smtp_login(self, address: str, password: str) -> tuple[int, str] | None:
        """(account id, sender address) for valid SMTP credentials, else None."""

        def load() -> tuple[int, str] | None:
            with self.db.read() as conn:
                for row in accounts_repo.senders_by_address(conn, address.strip()):
                    if rules.check_password(password, row.smtp_password_hash):
                        return int(row.account_id), str(row.address)
            return None

        return self.cache.get(("smtp_login", address.lower(), password), load)

    def owner_of_sender(self, address: str) -> int:
        """For SMTP without auth: the account owning the envelope sender, else the default account."""

        def load() -> int:
            with self.db.read() as conn:
                owners = accounts_repo.senders_by_address(conn, address.strip())
                if owners:
                    return int(owners[0].account_id)
                return int(self.get_row(DEFAULT_ACCOUNT, conn).id)

        return self.cache.get(("owner", address.lower()), load)

    def smtp_checks(self, account_id: int) -> bool:
        """Are the SMTP message checks (domain.message_checks) on for this account? (cached)"""

        def load() -> bool:
            return bool(self.get_row(account_id).smtp_checks)

        return self.cache.get(("smtp_checks", account_id), load)

    def cached_smtp_checks(self, account_id: int) -> bool | None:
        """`smtp_checks` from the look-up cache only: None on a miss (the event loop skips a thread hop
        on a hit)."""
        found = self.cache.peek(("smtp_checks", account_id), None)
        return found if isinstance(found, bool) else None

    @staticmethod
    def _mail_from_key(account_id: int | None, address: str) -> tuple[Any, ...]:
        return ("mail_from", account_id, address.lower())

    def cached_mail_from(self, account_id: int | None, address: str) -> int | None:
        """`mail_from`'s account id from the look-up cache only: None on a miss or a cached refusal."""
        found = self.cache.peek(self._mail_from_key(account_id, address), None)
        return found if isinstance(found, int) else None

    def mail_from(self, account_id: int | None, address: str) -> int:
        """SMTP MAIL FROM in one look-up: the account the message belongs to (the authenticated one,
        whose sender the address must be; else the address's owner) — refused while it is suspended."""

        def load() -> int | EmulatorError:
            with self.db.read() as conn:
                if account_id is not None:
                    if accounts_repo.get_sender(conn, account_id, address) is None:
                        return FailedOperationNotAuthenticatedSender(
                            f"{address} is not a sender address of the authenticated account",
                        )
                    aid = account_id
                else:
                    owners = accounts_repo.senders_by_address(conn, address.strip())
                    aid = int(owners[0].account_id) if owners else int(self.get_row(DEFAULT_ACCOUNT, conn).id)
                row = self.get_row(aid, conn)
                return rules.suspension_refusal(row.suspended_reason) if row.suspended_reason else aid

        found = self.cache.get(self._mail_from_key(account_id, address), load)
        if isinstance(found, EmulatorError):
            raise found
        return found

    def top_up(self, ref: int | str, amount_micro: int, note: str = "") -> AccountState:
        if amount_micro <= 0:
            raise FailedOperation("a top-up must be a positive amount")
        with self.db.write() as conn:  # one transaction: the due bills, the top-up, what it pays
            row = self.locked_row(ref, conn)
            now = self.clock.of(row).now_us()
            self.scheduler.apply_due(conn, row, now)  # bills due by now come first
            billing_repo.post_ledger(
                conn,
                account_id=row.id,
                kind="topup",
                amount_micro=amount_micro,
                note=note,
                account_time_us=now,
                real_time_us=self.clock.wall_us(),
            )
            self.settlement.settle_after_top_up(conn, row.id, now, self.clock.wall_us())
            return self.state_in(conn, row.id)

    def reset(self, ref: int | str) -> AccountState:
        """Back to a fresh account: mail, usage, bills, ledger, notices and clock cleared; credentials,
        identities, templates and notification settings kept (the low-balance warning re-armed)."""
        wall = self.clock.wall_us()
        with self.db.write() as conn:
            row = self.get_row(ref, conn)
            aid = row.id
            mail_repo.delete_account_mail(conn, aid)
            billing_repo.delete_books(conn, aid)
            notices_repo.reset(conn, aid)
            accounts_repo.update_account(
                conn,
                aid,
                free_used=0,
                suspended_reason=None,
                suspended_us=None,
                clock_offset_us=0,
                clock_frozen_us=None,
                events_until_us=wall,
            )
        return self.state(aid)


def _ref_key(ref: int | str) -> int | str:
    """An account reference as an id or a name: digits name an id (ASCII only: int() takes '²' or '١')."""
    if isinstance(ref, str) and ref.isascii() and ref.isdigit():
        return int(ref)
    return ref
