"""The mailbox search index: what the `to`, `from`, `subject` and `text` filters look up instead of
scanning every message (docs/storage.md, "Search").

Results stay exactly today's substring matches: the index only narrows the rows the exact predicate
(mail_repo._where) is evaluated on, and it never drops a row that predicate would keep.

SQLite: one contentless FTS5 table per filter, `trigram` tokenizer, `detail=none` (rowids only, no
positions: a third of the size and cost of a positional index). It is filled off the send path: it
holds exactly the messages up to a mark (PROGRESS), which index_pending() moves on between sends
(services.search_indexer); a search looks up the index and adds the few messages past the mark, so
results never depend on how far behind it is. Deletes leave it by trigger. A value of three characters or more becomes the AND of its
trigrams (at most MAX_TERMS of them, spread over the value): every message containing the value
contains each of its trigrams, and FTS5 folds case per character, a superset of SQLite's lower() on
ASCII. Shorter values have no trigram: they are evaluated by the exact predicate alone (a scan of the
account's mail; such a value matches most mail anyway, so the newest page fills at once, but the total
counts them all).

PostgreSQL: `pg_trgm` GIN indexes on the very expressions the predicate compares (`lower(subject)`,
...): the planner uses them for the `LIKE '%...%'` itself and rechecks every candidate; a value with
uncommon trigrams among common ones is looked up by those alone (pg_candidates). Without the extension
(not installable on the server) there are no such indexes and the filters scan, as before; the
migration logs it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, and_, column, func, literal_column, or_, select, table, text, union_all
from sqlalchemy.sql import ColumnElement

from emulator.domain.messages import MailFilter
from emulator.storage import pg_ddl, search_pg_text
from emulator.storage.tables import messages

MIN_CHARS = 3
MAX_TERMS = 12  # trigrams looked up per value; more narrow little further and cost a doclist each
MAX_RARE = 2  # of trigrams with uncommon characters: the two rarest-looking already narrow to the matches

# filter -> (FTS5 table, the text it indexes as an SQL expression over a `messages` row named `r`)
SQLITE_TABLES = {
    "to": ("mail_search_to", "{r}.recipients_json || char(10) || {r}.header_to"),
    "sender": ("mail_search_from", "{r}.mail_from || char(10) || {r}.header_from"),
    "subject": ("mail_search_subject", "{r}.subject"),
    "text": ("mail_search_text", "ses_text({r}.search_text)"),  # storage.mail_codec
}
# PostgreSQL: index name -> the indexed expression (the exact predicate's own)
PG_INDEXES = {
    "ix_messages_trgm_recipients": "lower(recipients_json)",
    "ix_messages_trgm_header_to": "lower(header_to)",
    "ix_messages_trgm_mail_from": "lower(mail_from)",
    "ix_messages_trgm_header_from": "lower(header_from)",
    "ix_messages_trgm_subject": "lower(subject)",
    "ix_messages_trgm_text": "search_text",
}
TRIGGERS = ("messages_search_insert", "messages_search_delete")


def is_index_object(name: str | None, type_: str) -> bool:
    """Schema objects of this index (not in the models; Alembic's comparison leaves them out)."""
    if name is None:
        return False
    if type_ == "table":
        return name.startswith("mail_search_")
    if type_ == "index":
        return name in PG_INDEXES or name == search_pg_text.BODIES_INDEX
    return False


def include_name(name: str | None, type_: str, _parents: Any) -> bool:
    """Alembic's `include_name` hook: compare everything but this index's objects."""
    return not is_index_object(name, type_)


# --- DDL (migration 0007) ------------------------------------------------------------------------


COUNTS = "mail_search_counts"  # messages per account, kept by triggers (PostgreSQL: migration 0010)
COUNTS_DDL = f"CREATE TABLE IF NOT EXISTS {COUNTS} (account_id INTEGER PRIMARY KEY, n INTEGER NOT NULL)"
COUNT_INSERT = (
    f"INSERT INTO {COUNTS}(account_id, n) VALUES (new.account_id, 1) "
    "ON CONFLICT(account_id) DO UPDATE SET n = n + 1;\n"
)
COUNT_DELETE = f"UPDATE {COUNTS} SET n = n - 1 WHERE account_id = old.account_id;\n"
COUNTS_BACKFILL = (
    f"INSERT INTO {COUNTS}(account_id, n) SELECT account_id, count(*) FROM messages GROUP BY account_id"
)


def _index_statements(r: str, delete: bool) -> str:
    if delete:
        return "".join(
            f"INSERT INTO {name}({name}, rowid, body) VALUES ('delete', {r}.id, {expr.format(r=r)});\n"
            for name, expr in SQLITE_TABLES.values()
        )
    return "".join(
        f"INSERT INTO {name}(rowid, body) VALUES ({r}.id, {expr.format(r=r)});\n"
        for name, expr in SQLITE_TABLES.values()
    )


def sqlite_triggers(conn: Connection) -> None:
    """Migration 0007's triggers: every insert indexed in its own transaction (replaced by 0009's)."""
    inserts = _index_statements("new", delete=False)
    deletes = _index_statements("old", delete=True)
    conn.exec_driver_sql(
        f"CREATE TRIGGER IF NOT EXISTS {TRIGGERS[0]} AFTER INSERT ON messages BEGIN\n{inserts}{COUNT_INSERT}END"
    )
    conn.exec_driver_sql(
        f"CREATE TRIGGER IF NOT EXISTS {TRIGGERS[1]} AFTER DELETE ON messages BEGIN\n{deletes}{COUNT_DELETE}END"
    )


def sqlite_create(conn: Connection) -> None:
    from emulator.storage import mail_codec  # the function storage.db registers on its connections

    raw: Any = conn.connection.dbapi_connection
    raw.create_function("ses_text", 1, mail_codec.unpack_text, deterministic=True)
    for name, _expr in SQLITE_TABLES.values():
        conn.exec_driver_sql(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {name} USING fts5("
            "body, tokenize='trigram', content='', detail='none', columnsize=0)"
        )
    conn.exec_driver_sql(COUNTS_DDL)
    sqlite_triggers(conn)
    conn.exec_driver_sql(COUNTS_BACKFILL)
    for name, expr in SQLITE_TABLES.values():  # backfill: the mail stored before this revision
        conn.exec_driver_sql(
            f"INSERT INTO {name}(rowid, body) SELECT m.id, {expr.format(r='m')} FROM messages AS m"
        )


# --- deferred indexing (migration 0009) -----------------------------------------------------------
# Indexing a message in the transaction that stores it cost ~340 CPU-µs of a 2 KB message (each FTS5
# table writes a segment per transaction), inside the send's serial section; 500 at a time cost ~110.
# So the index holds exactly the messages with id <= PROGRESS.upto, advanced by index_pending() off the
# send path (services.search_indexer), and a search adds the unindexed tail (id > upto) to the index's
# candidates: results stay exact whatever the lag.
PROGRESS = "mail_search_progress"
DEFERRED_TRIGGERS = (
    "messages_search_index_late",  # an id at or below upto (SQLite reuses a deleted top id): index now
    "messages_search_unindex",
    "messages_search_count_insert",
    "messages_search_count_delete",
)
_INDEXED = f"(SELECT upto FROM {PROGRESS})"


def sqlite_defer(conn: Connection) -> None:
    """0007's per-insert triggers become the progress mark and deferred-index triggers; everything
    stored so far is indexed already (0007's triggers did it)."""
    for trigger in TRIGGERS:
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {trigger}")
    conn.exec_driver_sql(
        f"CREATE TABLE IF NOT EXISTS {PROGRESS} (id INTEGER PRIMARY KEY CHECK (id = 1), upto INTEGER NOT NULL)"
    )
    conn.exec_driver_sql(
        f"INSERT OR IGNORE INTO {PROGRESS}(id, upto) SELECT 1, coalesce(max(id), 0) FROM messages"
    )
    late, unindex, count_in, count_out = DEFERRED_TRIGGERS
    statements = {
        late: ("INSERT", f"new.id <= {_INDEXED}", _index_statements("new", delete=False)),
        unindex: ("DELETE", f"old.id <= {_INDEXED}", _index_statements("old", delete=True)),
        count_in: ("INSERT", "1", COUNT_INSERT),
        count_out: ("DELETE", "1", COUNT_DELETE),
    }
    for name, (event, when, body) in statements.items():
        conn.exec_driver_sql(
            f"CREATE TRIGGER IF NOT EXISTS {name} AFTER {event} ON messages WHEN {when} BEGIN\n{body}END"
        )


def sqlite_undefer(conn: Connection) -> None:
    """Back to 0007: index the tail, then the per-insert triggers again."""
    while index_pending(conn, 10_000)[1]:
        pass
    for trigger in DEFERRED_TRIGGERS:
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {trigger}")
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {PROGRESS}")
    sqlite_triggers(conn)


def index_pending(conn: Connection, limit: int) -> tuple[int, bool]:
    """Index up to `limit` of the messages stored since the mark, oldest first, and move the mark past
    them: (how many, whether more remain). In the caller's (write) transaction. PostgreSQL: the
    `text` filter's pending messages (storage.search_pg_text; its other filters are indexed in the send)."""
    if conn.dialect.name != "sqlite":
        return search_pg_text.index_pending(conn, limit)
    upto = int(conn.exec_driver_sql(f"SELECT upto FROM {PROGRESS}").scalar_one())
    ids = [
        int(i)
        for (i,) in conn.exec_driver_sql(
            "SELECT id FROM messages WHERE id > ? ORDER BY id LIMIT ?", (upto, limit + 1)
        )
    ]
    if not ids:
        return 0, False
    done = min(limit, len(ids))
    hi = ids[done - 1]
    for name, expr in SQLITE_TABLES.values():
        conn.exec_driver_sql(
            f"INSERT INTO {name}(rowid, body) SELECT m.id, {expr.format(r='m')} FROM messages AS m "
            "WHERE m.id > ? AND m.id <= ?",
            (upto, hi),
        )
    conn.exec_driver_sql(f"UPDATE {PROGRESS} SET upto = ?", (hi,))
    return done, len(ids) > limit


def unindexed(conn: Connection) -> int:
    """How many stored messages the index does not hold yet (PostgreSQL: its `text` index)."""
    if conn.dialect.name != "sqlite":
        return search_pg_text.unindexed(conn)
    return int(conn.exec_driver_sql(f"SELECT count(*) FROM messages WHERE id > {_INDEXED}").scalar_one())


def sqlite_drop(conn: Connection) -> None:
    for trigger in TRIGGERS:
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {trigger}")
    for name, _expr in SQLITE_TABLES.values():
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {name}")
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {COUNTS}")


# --- PostgreSQL counts (migration 0010) -----------------------------------------------------------
# Counting the account's index entries for an unfiltered page's `total` cost ~70 ms at 1M messages. The
# same counts table as SQLite's, kept by statement-level triggers: one upsert per INSERT statement (a
# group commit's batch is one statement), in account id order, the order the send path locks accounts
# in, so two writers never take two accounts' count rows in opposite orders.
PG_COUNT_TRIGGERS: pg_ddl.Triggers = {
    "messages_count_insert": ("INSERT", "NEW TABLE AS changed", "ses_count_inserted"),
    "messages_count_delete": ("DELETE", "OLD TABLE AS changed", "ses_count_deleted"),
}
_PG_COUNT_BODIES = {
    "ses_count_inserted": (
        f"INSERT INTO {COUNTS} AS c (account_id, n) "
        "SELECT account_id, count(*) FROM changed GROUP BY account_id ORDER BY account_id "
        "ON CONFLICT (account_id) DO UPDATE SET n = c.n + excluded.n;"
    ),
    "ses_count_deleted": (
        "FOR r IN SELECT account_id, count(*) AS k FROM changed GROUP BY account_id ORDER BY account_id LOOP "
        f"UPDATE {COUNTS} SET n = n - r.k WHERE account_id = r.account_id; END LOOP;"
    ),
}


def pg_counts_create(conn: Connection) -> None:
    """The counts table, its triggers, and the counts of the mail stored so far (in the migration's
    transaction, so no insert falls between the backfill and the triggers)."""
    conn.exec_driver_sql(COUNTS_DDL)
    pg_ddl.statement_triggers(conn, _PG_COUNT_BODIES, PG_COUNT_TRIGGERS)
    conn.exec_driver_sql(f"DELETE FROM {COUNTS}")
    conn.exec_driver_sql(COUNTS_BACKFILL)


def pg_counts_drop(conn: Connection) -> None:
    pg_ddl.drop_statement_triggers(conn, _PG_COUNT_BODIES, PG_COUNT_TRIGGERS)
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {COUNTS}")


def pg_trgm_schema(conn: Connection) -> str | None:
    """The schema pg_trgm is installed in, installing it (in `public`) if it is not; None if it cannot
    be (not available on the server, or no privilege)."""
    find = text(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
        "WHERE e.extname = 'pg_trgm'"
    )
    found = conn.execute(find).scalar()
    if found is not None:
        return str(found)
    for ddl in (
        "CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public",
        "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    ):
        try:
            with conn.begin_nested():
                conn.exec_driver_sql(ddl)
        except Exception:  # noqa: BLE001 - next way, or none: the filters then scan
            continue
        break
    found = conn.execute(find).scalar()
    return None if found is None else str(found)


def pg_create(conn: Connection) -> bool:
    """The trigram indexes; False (and nothing created) without pg_trgm."""
    schema = pg_trgm_schema(conn)
    if schema is None:
        return False
    for name, expr in PG_INDEXES.items():
        pg_ddl.trigram_index(conn, name, "messages", expr, schema)
    return True


def pg_drop(conn: Connection) -> None:
    for name in PG_INDEXES:
        conn.exec_driver_sql(f"DROP INDEX IF EXISTS {name}")


# --- queries -------------------------------------------------------------------------------------


# characters most mail has plenty of; a trigram with any other (a digit, most non-ASCII) narrows more
_COMMON = frozenset("abcdefghijklmnopqrstuvwxyz .@-_\"[]<>,:;'/\n")


def trigrams(value: str) -> list[str]:
    """The distinct trigrams of `value` (already lower-cased as the exact predicate uses it) to look up;
    [] when it is shorter than MIN_CHARS. When two or more hold an uncommon character, only the MAX_RARE
    with the most distinct uncommon characters (then the most uncommon ones; the first on a tie): in
    "sender0042@example.com" the trigrams of "@example.com" are in almost every message's sender and
    cost a doclist of nearly every row each, and so do "er0" and "r00" where every sender is
    "sender0..." (measured at 1,000,000 messages: the five digit-holding trigrams 15.7 ms, "042" and
    "004" 1.4 ms, for the same 10,000 candidates), while "042" and "004" narrow it down. Otherwise at most
    MAX_TERMS, spread over the value. Any subset of them still finds every match (the exact predicate
    decides)."""
    rare = rare_trigrams(value)
    if rare is not None:
        return rare
    grams = _grams(value)
    if len(grams) <= MAX_TERMS:
        return grams
    step = (len(grams) - 1) / (MAX_TERMS - 1)
    return [grams[round(i * step)] for i in range(MAX_TERMS)]


def _grams(value: str) -> list[str]:
    return list(dict.fromkeys(value[i : i + MIN_CHARS] for i in range(len(value) - MIN_CHARS + 1)))


def rare_trigrams(value: str) -> list[str] | None:
    """The MAX_RARE trigrams with uncommon characters that trigrams() looks up alone, or None when the
    value has fewer than two such trigrams or nothing but (then every trigram is looked up)."""
    grams = _grams(value)
    rare = [g for g in grams if any(c not in _COMMON for c in g)]
    if 2 <= len(rare) < len(grams):  # (all of them uncommon, e.g. CJK: spread as in trigrams())
        return sorted(rare, key=_rarity, reverse=True)[:MAX_RARE]  # sorted() is stable: first on a tie
    return None


def _rarity(gram: str) -> tuple[int, int]:
    uncommon = [c for c in gram if c not in _COMMON]
    return len(set(uncommon)), len(uncommon)


def match_expression(value: str) -> str | None:
    """The FTS5 query of a value: the AND of its trigrams as quoted strings; None when it has none."""
    if "\x00" in value:
        return None
    grams = trigrams(value)
    if not grams:
        return None
    return " AND ".join('"' + g.replace('"', '""') + '"' for g in grams)


_STORED_COUNT = text(f"SELECT n FROM {COUNTS} WHERE account_id = :aid")


def stored_count(conn: Connection, account_id: int) -> int:
    """The account's number of messages, from the counts table the triggers keep (SQLite since 0007,
    PostgreSQL since 0010): one row read, however much mail the account holds."""
    n = conn.execute(_STORED_COUNT, {"aid": account_id}).scalar()
    return int(n or 0)


def _values(f: MailFilter) -> dict[str, str | None]:
    return {"to": f.to, "sender": f.sender, "subject": f.subject, "text": f.text}


_upto = select(table(PROGRESS, column("upto")).c.upto).scalar_subquery()
_tail = messages.alias("unindexed")


def escape_like(value: str) -> str:
    """`value` as a literal inside a LIKE pattern with ESCAPE '\\'."""
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# PostgreSQL: filter -> the columns whose GIN index it reads (of lower(column); `text` has its own table,
# storage.search_pg_text)
PG_COLUMNS = {
    "to": ("recipients_json", "header_to"),
    "sender": ("mail_from", "header_from"),
    "subject": ("subject",),
}
# With at most this many matches, their page is taken from the narrowed candidates too (sorted); with
# more, from the plain predicate, which the planner serves by walking the newest first to the page's end.
PG_NARROW_PAGE_MAX = 1_000


def pg_candidates(f: MailFilter) -> dict[str, ColumnElement[Any]]:
    """PostgreSQL: per filter whose value has uncommon trigrams among common ones, LIKEs on those
    trigrams alone. pg_trgm reads the posting list of every trigram of a pattern, and the common ones
    ("@example.com") list nearly every message: 338 ms at 1M for one recipient, against about a
    millisecond for its two uncommon trigrams. The caller puts the exact predicate of these filters in a
    form the indexes do not serve (else the planner folds it into the same index scan)."""
    out: dict[str, ColumnElement[Any]] = {}
    for key, value in _values(f).items():
        if not value or "\x00" in value or key not in PG_COLUMNS:
            continue
        grams = rare_trigrams(value.lower())
        if grams is None:
            continue
        per_column = []
        for name in PG_COLUMNS[key]:
            expr = func.lower(messages.c[name])
            per_column.append(and_(*(expr.like(f"%{escape_like(g)}%", escape="\\") for g in grams)))
        out[key] = or_(*per_column)
    return out


def candidates(conn: Connection, f: MailFilter) -> list[ColumnElement[Any]]:
    """Conditions narrowing `messages` to the index's candidates for the filter's text values. On
    PostgreSQL only `text` (its own table, storage.search_pg_text): the other filters' indexes serve the
    exact predicate itself, or pg_candidates narrows it."""
    if conn.dialect.name != "sqlite":
        return _pg_text_candidates(f.text)
    out: list[ColumnElement[Any]] = []
    for key, value in _values(f).items():
        match = match_expression(value.lower()) if value else None
        if match is None:
            continue
        name = SQLITE_TABLES[key][0]
        fts = table(name, column("rowid"))
        hits = select(fts.c.rowid).where(literal_column(name).op("MATCH")(match))
        tail = select(_tail.c.id).where(_tail.c.id > _upto)  # not indexed yet: the exact predicate decides
        out.append(messages.c.id.in_(union_all(hits, tail)))
    return out


def _pg_text_candidates(value: str | None) -> list[ColumnElement[Any]]:
    """The `text` value's candidates on PostgreSQL: its uncommon trigrams alone where it has some (as
    pg_candidates, and for the same reason), else the value itself, which pg_trgm splits into trigrams.
    None for a value without trigrams: the exact predicate alone (a scan, as on SQLite)."""
    if not value or "\x00" in value:
        return []
    lowered = value.lower()
    if not trigrams(lowered):
        return []
    grams = rare_trigrams(lowered) or [lowered]
    return [search_pg_text.candidates([f"%{escape_like(g)}%" for g in grams])]
