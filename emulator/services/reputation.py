"""Sender-domain reputation that moves (reference §7.2; rules in `domain.reputation`, docs/reputation.md).

`ReputationEvents.close_days` is the day-boundary step: for a batch of accounts whose clocks crossed
one or more 00:00 UTC+8 boundaries, it evaluates every finished day of every sender domain in a few
statements (one grouped read of the days' sends per window, one read of the levels, one upsert of the
levels, one insert of the history), whatever the number of accounts, domains and days. Exactly once:
it runs in the caller's transaction with the accounts locked (the scheduler moves each account's event
cursor in the same transaction), each domain remembers the last day evaluated and skips it after, and
the database refuses a second history row for a domain's day. It is the scheduler's event source
(`due`), so a clock move, the real-time tick, the start-up catch-up and the send path's "a midnight
passed" step all run it; a set-based settlement may call `close_days` directly with its whole batch.

`ReputationService` is what front-ends read (levels, today's figures, history) and the admin's
"set a level" for test set-ups. The send path's enforcement is in `services.limits`, through
`send_levels` and `day_stats` below."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from emulator.domain import reputation as rules
from emulator.domain.addresses import domain_of
from emulator.domain.billing import daily_settlements
from emulator.domain.clock import beijing_day
from emulator.domain.records import AccountRecord
from emulator.domain.records.reputation import DomainLevel, ReputationHistoryRecord
from emulator.errors import FailedOperation, NotFound
from emulator.services.scheduler import Change
from emulator.services.txn_scratch import scratch
from emulator.storage import accounts_repo, reputation_repo
from emulator.storage.db import Tx

if TYPE_CHECKING:
    from emulator.domain.clock import ClockSource
    from emulator.services.accounts import AccountService
    from emulator.services.scheduler import Window
    from emulator.storage.db import Database

Span = tuple[int, int, int]
"""(account id, after_us, until_us): the account's clock moved over (after, until]; every UTC+8 day
whose end (the next 00:00) lies in that interval is closed."""


def _fold(groups: Sequence[reputation_repo.OutcomeGroup]) -> dict[tuple[int, str, str], rules.DayStats]:
    """{(account, domain, day): figures} from the grouped outcome columns."""
    out: dict[tuple[int, str, str], rules.DayStats] = defaultdict(rules.DayStats)
    for g in groups:
        cols = {
            "send_status": g.send_status,
            "deliver_status": g.deliver_status,
            "deliver_message": g.deliver_message,
            "complained": g.complained,
            "opened": g.opened,
        }
        key = (g.account_id, domain_of(g.mail_from), g.day)
        out[key] = out[key] + rules.category_counts(cols, g.n)
    return out


class ReputationEvents:
    """The day-boundary evaluation, as a scheduler event source."""

    def __init__(self, clock: ClockSource) -> None:
        self.clock = clock

    def next_due_by_account(self, conn: Tx) -> dict[int, int]:
        return {}  # every 00:00 is already a settlement event: the scheduler wakes the account then

    def due(self, conn: Tx, acct: AccountRecord, after_us: int, until_us: int) -> list[tuple[int, Change]]:
        ends = daily_settlements(after_us, until_us)
        if not ends:
            return []
        span = (acct.id, after_us, until_us)

        def close(c: Tx) -> None:
            self.close_days(c, [span])

        return [(ends[-1].at_us, close)]

    def close_batch(self, conn: Tx, windows: Sequence[Window]) -> None:
        """The scheduler's batch step (global moves, the real-time pass): every account of the batch,
        over its window; the accounts the batch ran one by one were evaluated already (a no-op)."""
        self.close_days(conn, [(w.acct.id, w.acct.events_until_us, w.until_us) for w in windows])

    def close_days(self, conn: Tx, spans: Sequence[Span]) -> int:
        """Evaluate every finished day of every sender domain of these accounts (rows locked by the
        caller); returns the number of domain-days evaluated."""
        windows: dict[tuple[str, str], list[int]] = defaultdict(list)
        ends_of: dict[int, dict[str, int]] = {}  # account -> {day: the 00:00 that ends it}
        by_window: dict[tuple[int, int], dict[str, int]] = {}  # one map per distinct window, shared
        for aid, after, until in spans:
            ends = by_window.get((after, until))
            if ends is None:
                ends = by_window[(after, until)] = {
                    e.period: e.at_us for e in daily_settlements(after, until)
                }
            if ends:
                windows[(next(iter(ends)), next(reversed(ends)))].append(aid)  # oldest, newest
                ends_of[aid] = ends
        stats: dict[tuple[int, str, str], rules.DayStats] = {}
        for (first_day, last_day), aids in windows.items():
            stats.update(_fold(reputation_repo.day_outcomes(conn, aids, first_day, last_day)))
        if not stats:
            return 0
        levels = reputation_repo.domain_levels(conn, sorted({k[0] for k in stats}))
        by_domain: dict[tuple[int, str], list[str]] = defaultdict(list)
        for aid, domain, day in stats:
            by_domain[(aid, domain)].append(day)
        wall = self.clock.wall_us()
        states: list[dict[str, Any]] = []
        history: list[dict[str, Any]] = []
        for (aid, domain), days in sorted(by_domain.items()):
            known = levels.get((aid, domain))
            if known is None:
                continue  # not a sender domain of the account (lenient SMTP): no reputation
            level, last = known.level, known.evaluated_day
            for day in sorted(days):
                if last is not None and day <= last:
                    continue  # evaluated before: never twice
                s = stats[(aid, domain, day)]
                v = rules.evaluate(level, s)
                at = ends_of[aid][day]
                history.append(
                    {
                        "account_id": aid,
                        "domain_id": known.domain_id,
                        "kind": "evaluation",
                        "evaluated_day": day,
                        "effective_day": beijing_day(at),
                        "level_before": v.level_before,
                        "level_after": v.level_after,
                        "verdict": v.verdict,
                        "blocked": v.blocked,
                        **s._asdict(),
                        "account_time_us": at,
                        "real_time_us": wall,
                    }
                )
                level, last = v.level_after, day
            if last != known.evaluated_day:
                states.append(
                    {
                        "domain_id": known.domain_id,
                        "account_id": aid,
                        "level": level,
                        "evaluated_day": last,
                        "updated_us": ends_of[aid][last] if last else 0,
                    }
                )
        reputation_repo.save_levels(conn, states)
        reputation_repo.add_history(conn, history)
        return len(history)


# --- the send path: read once per transaction ----------------------------------------------------


def send_levels(conn: Tx, account_id: int) -> dict[str, int]:
    """{sender domain: level} of the account, read once per sending transaction (after the due
    boundary evaluations the committer runs first)."""
    cache = scratch(conn)
    key = ("reputation_levels", account_id)
    found = cache.get(key)
    if found is None:
        levels = reputation_repo.domain_levels(conn, [account_id])
        found = cache[key] = {domain: dl.level for (_aid, domain), dl in levels.items()}
    return dict(found)


def day_stats(conn: Tx, account_id: int, domain: str, day: str) -> rules.DayStats:
    """One domain's stored sends of one day and their outcomes."""
    folded = _fold(reputation_repo.domain_day_outcomes(conn, account_id, domain, day))
    return folded.get((account_id, domain, day), rules.DayStats())


# --- what front-ends read and the admin sets -----------------------------------------------------


@dataclass(frozen=True)
class DomainReputationView:
    domain: str
    level: int
    daily_quota: int
    evaluated_day: str | None
    today: str
    today_stats: rules.DayStats
    blocked_today: bool


class ReputationService:
    def __init__(
        self, db: Database, clock: ClockSource, accounts: AccountService, events: ReputationEvents
    ) -> None:
        self.db = db
        self.clock = clock
        self.accounts = accounts
        self.events = events

    def levels(self, account_id: int) -> dict[str, int]:
        """{domain: current level} (ListEmailIdentities)."""
        with self.db.read() as conn:
            found = reputation_repo.domain_levels(conn, [account_id])
        return {domain: dl.level for (_aid, domain), dl in found.items()}

    def overview(self, ref: int | str) -> list[DomainReputationView]:
        """Every sender domain's level and today's figures so far (admin API, console)."""
        with self.db.read() as conn:
            acct = self.accounts.get_row(ref, conn)
            today = beijing_day(self.clock.of(acct).now_us())
            found = reputation_repo.domain_levels(conn, [acct.id])
            stats = _fold(reputation_repo.day_outcomes(conn, [acct.id], today, today))
        out = []
        for (_aid, domain), dl in found.items():
            s = stats.get((acct.id, domain, today), rules.DayStats())
            out.append(
                DomainReputationView(
                    domain,
                    dl.level,
                    rules.daily_quota(dl.level),
                    dl.evaluated_day,
                    today,
                    s,
                    rules.blocked(s),
                )
            )
        return out

    def _domain(self, conn: Tx, account_id: int, domain: str) -> DomainLevel:
        name = (domain or "").strip().lower()
        found = reputation_repo.domain_levels(conn, [account_id]).get((account_id, name))
        if found is None:
            raise NotFound(f"domain {domain!r} is not a sender domain of this account")
        return found

    def history(
        self, ref: int | str, domain: str, limit: int = 400
    ) -> tuple[DomainLevel, list[ReputationHistoryRecord]]:
        """The domain's level and its history, newest first."""
        with self.db.read() as conn:
            acct = self.accounts.get_row(ref, conn)
            found = self._domain(conn, acct.id, domain)
            return found, reputation_repo.history(conn, found.domain_id, limit)

    def set_level(self, ref: int | str, domain: str, level: object) -> DomainLevel:
        """Set a domain's level now (test set-ups): it applies at once, the day's evaluation at the
        next 00:00 starts from it. Days that ended before now are evaluated first, so a lagging
        scheduler never overwrites the level set here."""
        try:
            new = rules.valid_level(level)
        except ValueError as exc:
            raise FailedOperation(str(exc)) from None
        with self.db.write() as conn:
            acct = self.accounts.get_row(ref, conn)
            acct = accounts_repo.lock_accounts(conn, [acct.id])[acct.id]
            now = self.clock.of(acct).now_us()
            self.events.close_days(conn, [(acct.id, acct.events_until_us, now)])
            found = self._domain(conn, acct.id, domain)
            reputation_repo.save_levels(
                conn,
                [
                    {
                        "domain_id": found.domain_id,
                        "account_id": acct.id,
                        "level": new,
                        "evaluated_day": found.evaluated_day,
                        "updated_us": now,
                    }
                ],
            )
            reputation_repo.add_history(
                conn,
                [
                    {
                        "account_id": acct.id,
                        "domain_id": found.domain_id,
                        "kind": "admin",
                        "evaluated_day": None,
                        "effective_day": beijing_day(now),
                        "level_before": found.level,
                        "level_after": new,
                        "verdict": "set",
                        "blocked": False,
                        **rules.DayStats()._asdict(),
                        "account_time_us": now,
                        "real_time_us": self.clock.wall_us(),
                    }
                ],
            )
            return found._replace(level=new)
