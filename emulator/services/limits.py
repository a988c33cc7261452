"""Sending limits (behaviour §9): settings (global defaults and per account, admin API) and their
enforcement. Each limit is off unless switched on.

- per-recipient hourly limit → FailedOperation.FrequencyLimit (rolling hour of account time)
- API request rate per account and action → RequestLimitExceeded (real time, in this process)
- SMTP message rate per account → RequestLimitExceeded.SmtpRateLimit (real time, from stored mail)
- sender-domain daily cap by reputation level (a new domain is level 1: 500) → FailedOperation.ExceedSendLimit
- account daily total (300,000) → FailedOperation.ExceedSendLimit

The per-message checks run inside the sending transaction with the account row locked, counting
stored mail plus what earlier jobs of the same transaction were allowed, so they are exact across
threads and processes. Days are UTC+8 days of the account's clock."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter, defaultdict, deque
from typing import TYPE_CHECKING, Any

from emulator.domain import limits as rules
from emulator.domain.addresses import domain_of
from emulator.domain.clock import beijing_day
from emulator.domain.messages import OutgoingMessage
from emulator.domain.records import AccountRecord
from emulator.errors import (
    EmulatorError,
    FailedOperation,
    FailedOperationExceedSendLimit,
    FailedOperationFrequencyLimit,
    InvalidParameter,
    RequestLimitExceeded,
    RequestLimitExceededSmtpRateLimit,
    UnknownParameter,
)
from emulator.services.sending import SendContext
from emulator.services.txn_scratch import scratch
from emulator.storage import accounts_repo, limits_repo

if TYPE_CHECKING:
    from emulator.domain.clock import ClockSource
    from emulator.services.accounts import AccountService
    from emulator.storage.db import Database

GLOBAL_KEY = "limits"
GLOBAL_CACHE_S = 1.0


def patch_error(exc: ValueError) -> EmulatorError:
    """A refused limits patch as its kind of mistake: an unknown name, a wrong type, a bad value."""
    if isinstance(exc, rules.UnknownSetting):
        return UnknownParameter(str(exc))
    if isinstance(exc, rules.WrongSettingType):
        return InvalidParameter(str(exc))
    return FailedOperation(str(exc))


class LimitService:
    def __init__(self, db: Database, clock: ClockSource, accounts: AccountService) -> None:
        self.db = db
        self.clock = clock
        self.accounts = accounts
        self._lock = threading.Lock()
        self._global: tuple[float, dict[str, Any]] | None = None
        self._hits: dict[tuple[int, str], deque[int]] = defaultdict(deque)
        self._effective: dict[tuple[int, str], tuple[dict[str, Any], dict[str, dict[str, Any]]]] = {}

    # --- settings --------------------------------------------------------------------------------
    def global_layer(self, fresh: bool = False) -> dict[str, Any]:
        with self._lock:
            cached = self._global
        if cached is not None and not fresh and cached[0] > time.monotonic():
            return cached[1]
        with self.db.read() as conn:
            layer = limits_repo.get_global(conn, GLOBAL_KEY)
        with self._lock:
            self._global = (time.monotonic() + GLOBAL_CACHE_S, layer)
        return layer

    def get_global(self) -> dict[str, Any]:
        return rules.merge(rules.DEFAULTS, self.global_layer(fresh=True))

    def patch_global(self, patch: dict[str, Any]) -> dict[str, Any]:
        with self.db.write() as conn:
            try:
                layer = rules.apply_patch(limits_repo.get_global(conn, GLOBAL_KEY), patch)
            except ValueError as exc:
                raise patch_error(exc) from None
            limits_repo.put_global(conn, GLOBAL_KEY, layer)
        with self._lock:
            self._global = None
        return self.get_global()

    @staticmethod
    def account_layer(acct: AccountRecord) -> dict[str, Any]:
        return dict(json.loads(acct.settings_json or "{}").get("limits", {}))

    def effective(self, acct: AccountRecord) -> dict[str, dict[str, Any]]:
        """Read-only: memoized per (global layer, account settings), as every message asks."""
        layer = self.global_layer()
        key = (id(layer), acct.settings_json)
        hit = self._effective.get(key)
        if hit is None or hit[0] is not layer:
            if len(self._effective) > 1000:
                self._effective.clear()
            hit = self._effective[key] = (layer, rules.effective(layer, self.account_layer(acct)))
        return hit[1]

    def get_account(self, ref: int | str) -> dict[str, Any]:
        acct = self.accounts.get_row(ref)
        return {
            **rules.effective(self.global_layer(fresh=True), self.account_layer(acct)),
            "simple_sending": bool(acct.simple_allowed),
        }

    def patch_account(self, ref: int | str, patch: dict[str, Any]) -> dict[str, Any]:
        patch = dict(patch)
        simple = patch.pop("simple_sending", None)
        if simple is not None and not isinstance(simple, bool):
            raise InvalidParameter("simple_sending must be true or false")
        with self.db.write() as conn:
            acct = self.accounts.get_row(ref, conn)
            accounts_repo.lock_accounts(conn, [acct.id])
            acct = self.accounts.get_row(acct.id, conn)
            settings = dict(json.loads(acct.settings_json or "{}"))
            try:
                settings["limits"] = rules.apply_patch(settings.get("limits", {}), patch)
            except ValueError as exc:
                raise patch_error(exc) from None
            values: dict[str, Any] = {"settings_json": json.dumps(settings)}
            if simple is not None:
                values["simple_allowed"] = simple
            accounts_repo.update_account(conn, acct.id, **values)
        return self.get_account(acct.id)

    # --- API request rate ------------------------------------------------------------------------
    def check_api_rate(self, acct: AccountRecord, action: str) -> None:
        """At most `per_second` requests per account and action in any rolling second (real time)."""
        cfg = self.effective(acct)["api_rate"]
        if not cfg["enabled"]:
            return
        now = self.clock.wall_us()
        with self._lock:
            hits = self._hits[(int(acct.id), action)]
            while hits and hits[0] <= now - rules.SECOND_US:
                hits.popleft()
            if len(hits) >= cfg["per_second"]:
                raise RequestLimitExceeded(
                    f"The request rate of {action} exceeds {cfg['per_second']} requests per second.",
                )
            hits.append(now)

    # --- per-message checks ----------------------------------------------------------------------
    def check(self, ctx: SendContext, msg: OutgoingMessage) -> None:
        cfg = self.effective(ctx.account)
        if not any(c["enabled"] for c in cfg.values()):
            return
        aid = int(ctx.account.id)
        tally = scratch(ctx.conn).setdefault(
            ("limits", aid), {"rcpt": Counter(), "domain": Counter(), "total": 0, "smtp": 0}
        )
        day = beijing_day(ctx.now_us)
        n = len(msg.recipients)
        if msg.source == "smtp" and cfg["api_rate"]["enabled"]:
            per_s = cfg["api_rate"]["per_second"]
            wall = self.clock.wall_us()
            if (
                limits_repo.smtp_messages_since(ctx.conn, aid, wall - rules.SECOND_US) + tally["smtp"]
                >= per_s
            ):
                raise RequestLimitExceededSmtpRateLimit(
                    f"smtp sending frequency limit: at most {per_s} messages per second",
                )
        if cfg["recipient_hourly"]["enabled"]:
            limit = cfg["recipient_hourly"]["limit"]
            counts = limits_repo.recipient_counts(ctx.conn, aid, msg.recipients, ctx.now_us - rules.HOUR_US)
            for addr in msg.recipients:
                if counts.get(addr.lower(), 0) + tally["rcpt"][addr.lower()] >= limit:
                    raise FailedOperationFrequencyLimit(
                        f"Too many emails to {addr}: at most {limit} per hour to the same recipient.",
                    )
        domain = domain_of(msg.mail_from)
        if cfg["domain_daily_cap"]["enabled"]:
            cap = rules.domain_cap(rules.NEW_DOMAIN_LEVEL)
            sent = limits_repo.domain_day_count(ctx.conn, aid, domain, day) + tally["domain"][domain]
            if sent + n > cap:
                raise FailedOperationExceedSendLimit(
                    f"The daily sending limit of {domain} (reputation level {rules.NEW_DOMAIN_LEVEL}: "
                    f"{cap} emails) is reached for {day}.",
                )
        if cfg["daily_total"]["enabled"]:
            limit = cfg["daily_total"]["limit"]
            if limits_repo.day_total(ctx.conn, aid, day) + tally["total"] + n > limit:
                raise FailedOperationExceedSendLimit(
                    f"The account's daily sending limit of {limit} emails is reached for {day}.",
                )
        for addr in msg.recipients:
            tally["rcpt"][addr.lower()] += 1
        tally["domain"][domain] += n
        tally["total"] += n
        tally["smtp"] += 1 if msg.source == "smtp" else 0
