"""Queries on captured mail, its recipients and daily usage."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, or_, select

from emulator.domain.messages import MailFilter
from emulator.domain.records.mail import (
    EmailStatus,
    MessageListing,
    MessageRecipientRecord,
    MessageRecord,
    UsageDayRecord,
)
from emulator.storage import mail_codec, search_index
from emulator.storage.raw import RawInsert, RawStatement
from emulator.storage.tables import message_recipients, messages, usage_daily
from emulator.storage.upsert import dialect_insert

# the columns of the projections (tests/storage/test_projections.py holds the records to them)
LIST_COLUMNS = [c for c in messages.c if c.name not in ("raw", "search_text")]  # MessageListing
STATUS_COLUMNS = [*message_recipients.c, messages.c.message_id, messages.c.mail_from]  # EmailStatus


# The group committer's statements run on the DB-API cursor (see storage.raw).
_INSERT_MESSAGES = RawInsert(messages)
_INSERT_RECIPIENTS = RawInsert(message_recipients)
_USAGE_UPSERT: dict[str, RawStatement] = {}


@dataclass(frozen=True, slots=True)
class StoredForm:
    """A message's columns as they are stored: raw MIME and (SQLite) search text packed
    (storage.mail_codec), recipients as JSON. The committer makes them before its transaction, so the
    lock it holds does not cover the compression (issue 18: a short serial section)."""

    raw: bytes
    size: int
    search_text: str | bytes
    recipients_json: str


def stored_form(conn: Connection, raw: bytes, search_text: str, recipients: list[str]) -> StoredForm:
    """Needs no transaction: only the connection's dialect."""
    text = mail_codec.stored_text(search_text, sqlite=conn.dialect.name == "sqlite")
    return StoredForm(mail_codec.pack(raw), len(raw), text, json.dumps(recipients))


def insert_messages(conn: Connection, rows: list[dict[str, Any]], packed: bool = False) -> list[int]:
    """Insert many messages (raw MIME compressed where it pays: storage.mail_codec; the search index
    follows by itself: storage.search_index); returns their primary keys in input order. `packed`: the
    rows hold a StoredForm's values already."""
    if not packed:
        rows = mail_codec.pack_rows(rows, sqlite=conn.dialect.name == "sqlite")
    return _INSERT_MESSAGES.many_returning_keys(conn, rows)


def insert_recipients(conn: Connection, rows: list[dict[str, Any]]) -> None:
    _INSERT_RECIPIENTS.many(conn, rows)


def _usage_upsert(conn: Connection) -> RawStatement:
    stmt = _USAGE_UPSERT.get(conn.dialect.name)
    if stmt is None:
        ins = dialect_insert(conn, usage_daily).values(
            account_id=bindparam("account_id"),
            day=bindparam("day"),
            free_units=bindparam("free_units"),
            paid_units=bindparam("paid_units"),
        )
        stmt = _USAGE_UPSERT[conn.dialect.name] = RawStatement(
            ins.on_conflict_do_update(
                index_elements=["account_id", "day"],
                set_={
                    "free_units": usage_daily.c.free_units + ins.excluded.free_units,
                    "paid_units": usage_daily.c.paid_units + ins.excluded.paid_units,
                },
            )
        )
    return stmt


def add_usage_many(conn: Connection, rows: list[tuple[int, str, int, int]]) -> None:
    """Add (account_id, day, free, paid) to the daily usage, creating days as needed."""
    if rows:
        params = [{"account_id": a, "day": d, "free_units": f, "paid_units": p} for a, d, f, p in rows]
        _usage_upsert(conn).executemany(conn, params)


_USAGE = select(usage_daily).where(usage_daily.c.account_id == bindparam("aid")).order_by(usage_daily.c.day)
_USAGE_OF_DAY = _USAGE.where(usage_daily.c.day == bindparam("day"))
_USAGE_TOTALS = select(
    func.coalesce(func.sum(usage_daily.c.free_units), 0),
    func.coalesce(func.sum(usage_daily.c.paid_units), 0),
).where(usage_daily.c.account_id == bindparam("aid"))


def usage_rows(conn: Connection, account_id: int, day: str | None = None) -> list[UsageDayRecord]:
    if day is None:
        rows = conn.execute(_USAGE, {"aid": account_id})
    else:
        rows = conn.execute(_USAGE_OF_DAY, {"aid": account_id, "day": day})
    return [UsageDayRecord._make(r) for r in rows]


def paid_units_by_account(conn: Connection) -> dict[int, int]:
    """{account: paid units over all days} for every account with usage, in one grouped query."""
    query = select(usage_daily.c.account_id, func.sum(usage_daily.c.paid_units)).group_by(
        usage_daily.c.account_id
    )
    return {int(a): int(s) for a, s in conn.execute(query)}


def usage_totals(conn: Connection, account_id: int) -> tuple[int, int]:
    row = conn.execute(_USAGE_TOTALS, {"aid": account_id}).one()
    return int(row[0]), int(row[1])


def _like(value: str) -> str:
    return f"%{search_index.escape_like(value.lower())}%"


def _where(account_id: int, f: MailFilter, dialect: str, opaque: frozenset[str] = frozenset()) -> list[Any]:
    """The exact predicate. The filters named in `opaque` compare `expression || ''`: the same values,
    which PostgreSQL's indexes (on the expression itself) do not serve (search_index.pg_candidates)."""

    def cmp(key: str, expr: Any) -> Any:
        return expr.concat("") if key in opaque else expr

    cond: list[Any] = [messages.c.account_id == account_id]
    if f.to:
        cond.append(
            or_(
                cmp("to", func.lower(messages.c.recipients_json)).like(_like(f.to), escape="\\"),
                cmp("to", func.lower(messages.c.header_to)).like(_like(f.to), escape="\\"),
            )
        )
    if f.sender:
        cond.append(
            or_(
                cmp("sender", func.lower(messages.c.mail_from)).like(_like(f.sender), escape="\\"),
                cmp("sender", func.lower(messages.c.header_from)).like(_like(f.sender), escape="\\"),
            )
        )
    if f.subject:
        cond.append(cmp("subject", func.lower(messages.c.subject)).like(_like(f.subject), escape="\\"))
    if f.text:
        text = func.ses_text(messages.c.search_text) if dialect == "sqlite" else messages.c.search_text
        cond.append(cmp("text", text).like(_like(f.text), escape="\\"))
    if f.since_us is not None:
        cond.append(messages.c.account_time_us >= f.since_us)
    if f.until_us is not None:
        cond.append(messages.c.account_time_us <= f.until_us)
    if f.source:
        cond.append(messages.c.source == f.source)
    return cond


def _search(conn: Connection, account_id: int, f: MailFilter) -> list[Any]:
    """The exact predicate, plus the search index's candidates where it has some. With candidates,
    SQLite compares the account as `account_id + 0`: that keeps it from walking the account's index
    (every message of it) instead of looking up the few candidates by key."""
    exact = _where(account_id, f, conn.dialect.name)
    narrow = search_index.candidates(conn, f)
    if not narrow:
        return exact
    if conn.dialect.name != "sqlite":
        return [*exact, *narrow]
    return [(messages.c.account_id + 0) == account_id, *exact[1:], *narrow]


def _pg_narrowed(conn: Connection, account_id: int, f: MailFilter) -> list[Any] | None:
    """PostgreSQL, for filters with uncommon trigrams: the exact predicate the indexes do not serve,
    and the candidates of those trigrams alone (search_index.pg_candidates); None where there are none."""
    if conn.dialect.name != "postgresql":
        return None
    narrow = search_index.pg_candidates(f)
    if not narrow:
        return None
    return [*_where(account_id, f, "postgresql", frozenset(narrow)), *narrow.values()]


def message_pk(conn: Connection, account_id: int, message_id: str) -> int | None:
    value = conn.execute(
        select(messages.c.id).where(messages.c.account_id == account_id, messages.c.message_id == message_id)
    ).scalar()
    return None if value is None else int(value)


def list_messages(
    conn: Connection,
    account_id: int,
    f: MailFilter,
    offset: int,
    limit: int,
    before_pk: int | None = None,
) -> tuple[list[MessageListing], int]:
    """Newest first: `limit` matches after skipping `offset` of them, counted from the newest or, with
    `before_pk` (keyset paging), from the first match older than that message; and the total of matches.
    Unfiltered offsets are found on the (account_id, id) index alone (no row read per skipped message)."""
    cond = _search(conn, account_id, f)
    if len(cond) == 1:  # the account alone
        total = search_index.stored_count(conn, account_id)
    else:
        narrowed = _pg_narrowed(conn, account_id, f)
        counted = cond if narrowed is None else narrowed
        total = conn.execute(select(func.count()).select_from(messages).where(*counted)).scalar_one()
        if narrowed is not None and total <= search_index.PG_NARROW_PAGE_MAX:
            cond = narrowed  # few matches: sort them (else the plain predicate, newest first, stops early)
    page = cond if before_pk is None else [*cond, messages.c.id < before_pk]
    query = select(*LIST_COLUMNS)
    if offset and len(page) == 1:  # the account alone: skip on the covering index
        keys = select(messages.c.id).where(*page).order_by(messages.c.id.desc()).offset(offset).limit(limit)
        query = query.where(messages.c.id.in_(keys))
    else:
        query = query.where(*page).offset(offset)
    rows = conn.execute(query.order_by(messages.c.id.desc()).limit(limit))
    return [MessageListing._make(r) for r in rows], int(total)


def first_match(conn: Connection, account_id: int, f: MailFilter) -> MessageListing | None:
    row = conn.execute(
        select(*LIST_COLUMNS).where(*_search(conn, account_id, f)).order_by(messages.c.id).limit(1)
    ).first()
    return None if row is None else MessageListing._make(row)


def get_message(conn: Connection, account_id: int, message_id: str) -> MessageRecord | None:
    row = conn.execute(
        select(messages).where(messages.c.account_id == account_id, messages.c.message_id == message_id)
    ).first()
    if row is None:
        return None
    rec = MessageRecord._make(row)
    return rec._replace(
        raw=mail_codec.unpack(rec.raw, rec.size), search_text=mail_codec.unpack_text(rec.search_text)
    )


def recipients_of(conn: Connection, message_pk: int) -> list[MessageRecipientRecord]:
    query = (
        select(message_recipients)
        .where(message_recipients.c.message_pk == message_pk)
        .order_by(message_recipients.c.id)
    )
    return [MessageRecipientRecord._make(r) for r in conn.execute(query)]


def delete_messages(conn: Connection, account_id: int, message_id: str | None = None) -> int:
    """Delete mail (and its recipient rows). Metering and bills are never touched."""
    sel = select(messages.c.id).where(messages.c.account_id == account_id)
    if message_id is not None:
        sel = sel.where(messages.c.message_id == message_id)
    conn.execute(delete(message_recipients).where(message_recipients.c.message_pk.in_(sel)))
    res = conn.execute(delete(messages).where(messages.c.id.in_(sel.scalar_subquery())))
    return res.rowcount or 0


def delete_account_mail(conn: Connection, account_id: int) -> None:
    """All of an account's mail, recipient rows and usage (reset: metering starts over with it)."""
    conn.execute(delete(message_recipients).where(message_recipients.c.account_id == account_id))
    conn.execute(delete(messages).where(messages.c.account_id == account_id))
    conn.execute(delete(usage_daily).where(usage_daily.c.account_id == account_id))


def status_rows(
    conn: Connection,
    account_id: int,
    day: str,
    message_id: str | None,
    to: str | None,
    offset: int,
    limit: int,
) -> list[EmailStatus]:
    """GetSendEmailStatus: one row per recipient of mail requested on that UTC+8 day."""
    q = (
        select(*STATUS_COLUMNS)
        .join(messages, messages.c.id == message_recipients.c.message_pk)
        .where(message_recipients.c.account_id == account_id, message_recipients.c.request_day == day)
    )
    if message_id:
        q = q.where(messages.c.message_id == message_id)
    if to:
        q = q.where(func.lower(message_recipients.c.address) == to.lower())
    rows = conn.execute(q.order_by(message_recipients.c.id).offset(offset).limit(limit))
    return [EmailStatus._make(r) for r in rows]


def keep_newest(conn: Connection, account_id: int, keep: int) -> int:
    """Delete all but the newest `keep` messages of the account (and their recipient rows)."""
    boundary = conn.execute(
        select(messages.c.id)
        .where(messages.c.account_id == account_id)
        .order_by(messages.c.id.desc())
        .offset(keep)
        .limit(1)
    ).scalar()
    if boundary is None:
        return 0
    conn.execute(
        delete(message_recipients).where(
            message_recipients.c.account_id == account_id, message_recipients.c.message_pk <= boundary
        )
    )
    res = conn.execute(delete(messages).where(messages.c.account_id == account_id, messages.c.id <= boundary))
    return res.rowcount or 0


def delete_before(conn: Connection, account_id: int, before_us: int) -> int:
    """Delete the account's messages stored (account time) before this instant."""
    conn.execute(
        delete(message_recipients).where(
            message_recipients.c.account_id == account_id, message_recipients.c.request_us < before_us
        )
    )
    res = conn.execute(
        delete(messages).where(messages.c.account_id == account_id, messages.c.account_time_us < before_us)
    )
    return res.rowcount or 0
