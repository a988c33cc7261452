"""Sending limits (behaviour §9): settings (global defaults and per account, admin API) and their
enforcement. Each limit is off unless switched on.

- per-recipient hourly limit → FailedOperation.FrequencyLimit (rolling hour of account time)
- API request rate per account and action → RequestLimitExceeded (real time, counted in the database)
- SMTP message rate per account → RequestLimitExceeded.SmtpRateLimit (real time, from stored mail)
- sender-domain daily cap by reputation level (a new domain is level 1: 500) → FailedOperation.ExceedSendLimit,
  and the same-day block of a domain whose day went bad → FailedOperation.HighRejectionRate
  (levels move at each 00:00: services.reputation, docs/reputation.md)
- account daily total (300,000) → FailedOperation.ExceedSendLimit

The per-message checks run inside the sending transaction with the account row locked, counting
stored mail plus what earlier jobs of the same transaction were allowed, so they are exact across
threads and processes. Days are UTC+8 days of the account's clock."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter, defaultdict
from typing import TYPE_CHECKING, Any

from emulator.domain import limits as rules
from emulator.domain import reputation as reputation_rules
from emulator.domain.addresses import domain_of
from emulator.domain.clock import beijing_day
from emulator.domain.messages import OutgoingMessage
from emulator.domain.outcomes import columns_for, first_outcome
from emulator.domain.records import AccountRecord
from emulator.errors import (
    EmulatorError,
    FailedOperation,
    FailedOperationExceedSendLimit,
    FailedOperationFrequencyLimit,
    FailedOperationHighRejectionRate,
    InvalidParameter,
    RequestLimitExceeded,
    RequestLimitExceededSmtpRateLimit,
    UnknownParameter,
)
from emulator.services import reputation
from emulator.services.send_request import SendContext
from emulator.services.txn_scratch import scratch, send_policy
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
            "smtp_checks": bool(acct.smtp_checks),
            "profile": acct.profile,
        }

    def patch_account(self, ref: int | str, patch: dict[str, Any]) -> dict[str, Any]:
        patch = dict(patch)
        simple = patch.pop("simple_sending", None)
        checks = patch.pop("smtp_checks", None)
        for key, value in (("simple_sending", simple), ("smtp_checks", checks)):
            if value is not None and not isinstance(value, bool):
                raise InvalidParameter(f"{key} must be true or false")
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
            if checks is not None:
                values["smtp_checks"] = checks
            accounts_repo.update_account(conn, acct.id, **values)
        return self.get_account(acct.id)

    # --- API request rate ------------------------------------------------------------------------
    def api_rate_on(self, acct: AccountRecord) -> bool:
        """Whether `check_api_rate` has anything to do (cheap: cached settings), so the front-end only
        leaves its event loop for the count when the limit is on."""
        return bool(self.effective(acct)["api_rate"]["enabled"])

    def check_api_rate(self, acct: AccountRecord, action: str) -> None:
        """At most `per_second` requests per account and action in any rolling second (real time),
        counted in the database: every process serving it counts the same requests."""
        cfg = self.effective(acct)["api_rate"]
        if not cfg["enabled"]:
            return
        with self.db.write_counters() as conn:
            room = limits_repo.take_rate_slot(
                conn, int(acct.id), action, self.clock.wall_us(), rules.SECOND_US, cfg["per_second"]
            )
        if not room:
            raise RequestLimitExceeded(
                f"The request rate of {action} exceeds {cfg['per_second']} requests per second.",
            )

    # --- per-message checks ----------------------------------------------------------------------
    def check(self, ctx: SendContext, msg: OutgoingMessage) -> None:
        cfg = self.effective(ctx.account)
        if not any(c["enabled"] for c in cfg.values()):
            return
        aid = int(ctx.account.id)
        tally = scratch(ctx.conn).setdefault(
            ("limits", aid),
            {
                "rcpt": Counter(),
                "domain_stats": defaultdict(reputation_rules.DayStats),
                "total": 0,
                "smtp": 0,
            },
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
        domain_sends = None
        if cfg["domain_daily_cap"]["enabled"]:
            domain_sends = self._check_domain(ctx, msg, domain, day, tally)
        if cfg["daily_total"]["enabled"]:
            limit = cfg["daily_total"]["limit"]
            if limits_repo.day_total(ctx.conn, aid, day) + tally["total"] + n > limit:
                raise FailedOperationExceedSendLimit(
                    f"The account's daily sending limit of {limit} emails is reached for {day}.",
                )
        for addr in msg.recipients:
            tally["rcpt"][addr.lower()] += 1
        if domain_sends is not None:
            tally["domain_stats"][domain] += domain_sends
        tally["total"] += n
        tally["smtp"] += 1 if msg.source == "smtp" else 0

    @staticmethod
    def _check_domain(
        ctx: SendContext, msg: OutgoingMessage, domain: str, day: str, tally: dict[str, Any]
    ) -> reputation_rules.DayStats:
        """The sender domain's daily cap by its reputation level, and the same-day block (docs/reputation.md):
        the day's stored sends plus what earlier jobs of this transaction were allowed, with the outcomes
        the account's fault rules give their recipients. Returns what this message adds to the day."""
        aid = int(ctx.account.id)
        level = reputation.send_levels(ctx.conn, aid).get(domain, reputation_rules.NEW_DOMAIN_LEVEL)
        cap = rules.domain_cap(level)
        stats = reputation.day_stats(ctx.conn, aid, domain, day) + tally["domain_stats"][domain]
        if reputation_rules.blocked(stats):
            raise FailedOperationHighRejectionRate(
                f"Sending from {domain} is blocked for the rest of {day} (UTC+8): of its {stats.sends} emails "
                f"today {stats.invalid} went to invalid addresses and {stats.spam_bounces} were rejected as "
                "spam (block above 300 emails with more than 11 % invalid or 15 % spam bounces).",
            )
        if stats.sends + len(msg.recipients) > cap:
            raise FailedOperationExceedSendLimit(
                f"The daily sending limit of {domain} (reputation level {level}: "
                f"{cap} emails) is reached for {day}.",
            )
        rules_of = send_policy(ctx.conn, aid).rules
        added = reputation_rules.DayStats()
        for addr in msg.recipients:  # what this message will add once stored (its recipients' outcomes)
            added += reputation_rules.category_counts(
                columns_for(first_outcome(rules_of, addr) or "delivered", 0)
            )
        return added
