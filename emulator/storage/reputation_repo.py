"""Queries for sender-domain reputation: the day's sends grouped by their stored outcome columns, each
domain's level, and the writes of an evaluation (few statements for any number of domains)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any, NamedTuple

from sqlalchemy import Connection, Integer, bindparam, cast, func, insert, select

from emulator.domain.records.reputation import DomainLevel, ReputationHistoryRecord
from emulator.storage.schema.reputation import domain_reputation, reputation_history
from emulator.storage.tables import domains, message_recipients, messages
from emulator.storage.upsert import insert_for

CHUNK = 500  # accounts per IN list


class OutcomeGroup(NamedTuple):
    """Recipients of one account, day and sender address that share their outcome columns."""

    account_id: int
    day: str
    mail_from: str  # lower-cased
    send_status: int
    deliver_status: int
    deliver_message: str  # its first character only (5: permanent reply)
    complained: bool
    opened: bool
    n: int  # recipients


def _outcome_query() -> Any:
    mr, m = message_recipients, messages
    reply = func.substr(func.coalesce(mr.c.deliver_message, ""), 1, 1)
    sender = func.lower(m.c.mail_from)
    complained = cast(mr.c.complained, Integer)
    opened = cast(mr.c.opened, Integer)
    cols = (mr.c.account_id, mr.c.request_day, sender, mr.c.send_status, mr.c.deliver_status, reply)
    return (
        select(*cols, complained, opened, func.count())
        .select_from(mr.join(m, m.c.id == mr.c.message_pk))
        .group_by(*cols, complained, opened)
    )


def _groups(rows: Iterable[Any]) -> list[OutcomeGroup]:
    return [
        OutcomeGroup(int(a), str(d), str(f), int(s), int(ds), str(r or ""), bool(c), bool(o), int(n))
        for a, d, f, s, ds, r, c, o, n in rows
    ]


def day_outcomes(conn: Connection, account_ids: Sequence[int], first: str, last: str) -> list[OutcomeGroup]:
    """Every stored recipient of these accounts requested on UTC+8 days first..last, grouped."""
    out: list[OutcomeGroup] = []
    ids = sorted(set(account_ids))
    for i in range(0, len(ids), CHUNK):
        params = {"ids": ids[i : i + CHUNK], "first": first, "last": last}
        out.extend(_groups(conn.execute(_DAY_OUTCOMES, params)))
    return out


# Run at every day boundary of every account: built once (SQLAlchemy's compiled cache then serves them)
_DAY_OUTCOMES = _outcome_query().where(
    message_recipients.c.account_id.in_(bindparam("ids", expanding=True)),
    message_recipients.c.request_day >= bindparam("first"),
    message_recipients.c.request_day <= bindparam("last"),
)
_DOMAIN_LEVELS = (
    select(
        domains.c.account_id,
        domains.c.id,
        domains.c.domain,
        domain_reputation.c.level,
        domain_reputation.c.evaluated_day,
    )
    .select_from(domains.outerjoin(domain_reputation, domain_reputation.c.domain_id == domains.c.id))
    .where(domains.c.account_id.in_(bindparam("ids", expanding=True)))
    .order_by(domains.c.id)
)
_ADD_HISTORY = insert(reputation_history)


def domain_day_outcomes(conn: Connection, account_id: int, domain: str, day: str) -> list[OutcomeGroup]:
    """One sender domain's recipients of one day, grouped (the send path's same-day figures)."""
    mr, m = message_recipients, messages
    q = _outcome_query().where(
        mr.c.account_id == account_id,
        mr.c.request_day == day,
        func.lower(m.c.mail_from).like(f"%@{domain.lower()}"),
    )
    return _groups(conn.execute(q))


def domain_levels(conn: Connection, account_ids: Sequence[int]) -> dict[tuple[int, str], DomainLevel]:
    """{(account id, domain): its level} for every sender domain of these accounts (1 without a row)."""
    out: dict[tuple[int, str], DomainLevel] = {}
    ids = sorted(set(account_ids))
    for i in range(0, len(ids), CHUNK):
        for aid, did, name, level, day in conn.execute(_DOMAIN_LEVELS, {"ids": ids[i : i + CHUNK]}):
            out[(int(aid), str(name))] = DomainLevel(int(did), str(name), int(level or 1), day)
    return out


def save_levels(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Upsert (domain_id, account_id, level, evaluated_day, updated_us) rows."""
    if rows:
        conn.execute(_save_levels(conn.dialect.name), rows)


@lru_cache(maxsize=4)
def _save_levels(dialect: str) -> Any:
    """The upsert, built once per dialect."""
    stmt = insert_for(dialect, domain_reputation)
    return stmt.on_conflict_do_update(
        index_elements=["domain_id"],
        set_={c: stmt.excluded[c] for c in ("level", "evaluated_day", "updated_us")},
    )


def add_history(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Insert history rows; a second evaluation of a domain's day violates uq_reputation_evaluated_day."""
    if rows:
        conn.execute(_ADD_HISTORY, rows)


def history(conn: Connection, domain_id: int, limit: int) -> list[ReputationHistoryRecord]:
    """The domain's history, newest first."""
    q = (
        select(reputation_history)
        .where(reputation_history.c.domain_id == domain_id)
        .order_by(reputation_history.c.id.desc())
        .limit(limit)
    )
    return [ReputationHistoryRecord._make(r) for r in conn.execute(q)]
