"""The mailbox search index (storage.search_index) and compressed storage (storage.mail_codec), on real
SQLite files and PostgreSQL schemas: the index-narrowed filters give exactly the substring matches a
brute-force filter finds, pages (offset and keyset) walk them in order, the index follows inserts and
deletes, migration 0007 indexes mail stored before it, and stored bytes come back byte for byte."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from emulator.domain.messages import MailFilter
from emulator.services.core import build_core
from emulator.storage import mail_codec, mail_repo, migrate, search_index, search_pg_text
from tests.conftest import make_settings

BACKENDS = ["sqlite", "postgresql"]
# Characters the filters must get right: ASCII case, LIKE's wildcards and escape, FTS5's quote, the
# Kelvin sign (FTS5 folds it to "k", SQLite's lower() leaves it), non-ASCII case pairs.
COMMON = 'aAbBkK@._%\\" -1é'
SQLITE_ONLY = "\u212aÉİ中"  # PostgreSQL's lower() of these may differ from Python's: left out there


def lower_of(backend: str, s: str) -> str:
    """lower() as each database applies it to a column: SQLite's only folds ASCII."""
    if backend == "sqlite":
        return "".join(chr(ord(c) + 32) if "A" <= c <= "Z" else c for c in s)
    return s.lower()


def brute_force(backend: str, rows: list[dict[str, Any]], f: MailFilter) -> list[str]:
    """Today's semantics, row by row: each value, lower-cased, is a substring of the lower-cased field
    (`text`: of search_text, compared as LIKE does, i.e. ASCII case-insensitively on SQLite)."""

    def has(field: str, value: str | None) -> bool:
        return value is None or value == "" or value.lower() in lower_of(backend, field)

    def has_text(field: str, value: str | None) -> bool:
        if not value:
            return True
        v = value.lower()
        return lower_of(backend, v) in lower_of(backend, field) if backend == "sqlite" else v in field

    out = []
    for r in rows:
        if (
            (has(r["recipients_json"], f.to) or has(r["header_to"], f.to))
            and (has(r["mail_from"], f.sender) or has(r["header_from"], f.sender))
            and has(r["subject"], f.subject)
            and has_text(r["search_text"], f.text)
        ):
            out.append(r["message_id"])
    return out[::-1]  # newest first


def _row(aid: int, n: int, fields: dict[str, Any], raw: bytes | None = None) -> dict[str, Any]:
    raw = raw if raw is not None else f"Subject: {n}\r\n\r\n".encode() + b"body line\r\n" * 40
    return {
        "account_id": aid,
        "message_id": f"m-{n}",
        "source": "smtp",
        "size": len(raw),
        "raw": raw,
        "sending_ip": "198.51.100.10",
        "template_id": None,
        "account_time_us": n,
        "real_time_us": n,
        "free_units": 1,
        "paid_units": 0,
        **fields,
    }


def _store(c: Any, aid: int, rows: list[dict[str, Any]]) -> None:
    with c.db.write() as conn:
        mail_repo.insert_messages(conn, rows)


def _all_pages(c: Any, aid: int, f: MailFilter, limit: int) -> list[str]:
    """Every match by keyset paging (before= the last id of the previous page)."""
    out: list[str] = []
    before = None
    while True:
        items, _total = c.mailbox.list(aid, f, 0, limit, before)
        out += [m["id"] for m in items]
        if len(items) < limit:
            return out
        before = items[-1]["id"]


def _text(alphabet: str, max_size: int) -> st.SearchStrategy[str]:
    return st.text(alphabet=alphabet, max_size=max_size)


def test_filters_give_exactly_the_brute_force_matches(core: Any) -> None:
    backend = core.db.engine.dialect.name
    alphabet = COMMON + (SQLITE_ONLY if backend == "sqlite" else "")
    aid = core.accounts.create("search").account_id
    other = core.accounts.create("other").account_id
    field = _text(alphabet, 16)
    message = st.fixed_dictionaries(
        {
            "recipients": st.lists(field, min_size=1, max_size=2),
            "header_to": field,
            "mail_from": field,
            "header_from": field,
            "subject": field,
            # sometimes long enough to be stored compressed (mail_codec.TEXT_MIN)
            "search_text": st.tuples(field, st.integers(1, 40)).map(lambda t: t[0] * t[1]),
        }
    )
    counter = iter(range(1, 10**9))

    @settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.lists(message, min_size=1, max_size=8), st.data())
    def check(msgs: list[dict[str, Any]], data: st.DataObject) -> None:
        with core.db.write() as conn:
            mail_repo.delete_messages(conn, aid)  # the delete trigger keeps the index whole
        rows = []
        for m in msgs:
            n = next(counter)
            rcpts = m.pop("recipients")
            rows.append(_row(aid, n, {**m, "recipients_json": json.dumps(rcpts)}))
        _store(core, aid, rows)
        # the same text in another account never shows up here
        for r in rows[:1]:
            n = next(counter)
            _store(core, other, [{**r, "account_id": other, "message_id": f"o-{n}", "account_time_us": n}])
        pool = [r[k] for r in rows for k in ("header_to", "mail_from", "subject", "search_text")]

        def piece(s: str) -> st.SearchStrategy[str]:
            return st.tuples(st.integers(0, len(s)), st.integers(0, 6)).map(lambda t: s[t[0] : t[0] + t[1]])

        def value() -> st.SearchStrategy[str | None]:
            if not pool:
                return st.none() | _text(alphabet, 5)
            sub = st.sampled_from(pool).flatmap(piece)
            # near misses, where an index alone would be wrong: two pieces of one field that are not
            # next to each other (all trigrams present, not the value), and a piece with one character
            # changed (e.g. K into the Kelvin sign, which FTS5 folds to k and SQLite's lower() does not)
            pair = st.sampled_from(pool).flatmap(lambda s: st.tuples(piece(s), piece(s)).map("".join))
            changed = st.tuples(sub, st.integers(0, 5), st.sampled_from(alphabet)).map(
                lambda t: t[0][: t[1]] + t[2] + t[0][t[1] + 1 :]
            )
            return st.none() | _text(alphabet, 5) | sub | pair | changed

        # one or two filters at a time: with all four, a wrong candidate of one is hidden by the others
        keys = data.draw(
            st.sets(st.sampled_from(["to", "sender", "subject", "text"]), min_size=1, max_size=2)
        )
        f = MailFilter(**{k: data.draw(value()) for k in sorted(keys)})
        expected = brute_force(backend, rows, f)
        items, total = core.mailbox.list(aid, f, 0, 500)
        assert [m["id"] for m in items] == expected
        assert total == len(expected)
        assert _all_pages(core, aid, f, 2) == expected
        if len(expected) > 1:
            items, _ = core.mailbox.list(aid, f, 1, 1)
            assert [m["id"] for m in items] == expected[1:2]
        first = core.mailbox._first(aid, f)
        assert (first["id"] if first else None) == (expected[-1] if expected else None)

    check()


def test_unfiltered_pages_by_offset_and_by_keyset(core: Any) -> None:
    aid = core.accounts.create("pages").account_id
    _store(core, aid, [_row(aid, n, _plain(n)) for n in range(1, 8)])
    newest_first = [f"m-{n}" for n in range(7, 0, -1)]
    assert [m["id"] for m in core.mailbox.list(aid, MailFilter(), 5, 50)[0]] == newest_first[5:]
    assert [m["id"] for m in core.mailbox.list(aid, MailFilter(), 0, 3, "m-5")[0]] == ["m-4", "m-3", "m-2"]
    assert [m["id"] for m in core.mailbox.list(aid, MailFilter(), 1, 3, "m-5")[0]] == ["m-3", "m-2", "m-1"]
    assert _all_pages(core, aid, MailFilter(), 3) == newest_first
    assert core.mailbox.list(aid, MailFilter(), 0, 3, "m-5")[1] == 7  # the total is every match


def _plain(n: int) -> dict[str, Any]:
    return {
        "recipients_json": json.dumps([f"user{n}@example.com"]),
        "header_to": f"<user{n}@example.com>",
        "mail_from": "a@example.com",
        "header_from": "A <a@example.com>",
        "subject": f"Order {n}",
        "search_text": f"order {n}\n" + "thank you for your order. " * 20,
    }


def test_before_an_unknown_message_is_not_found(core: Any) -> None:
    from emulator.errors import NotFound

    aid = core.accounts.create("pages").account_id
    with pytest.raises(NotFound):
        core.mailbox.list(aid, MailFilter(), 0, 3, "m-404")


def _candidate_ids(core: Any, table: str, value: str) -> set[int]:
    match = search_index.match_expression(value)
    with core.db.read() as conn:
        return {
            r[0]
            for r in conn.execute(text(f"SELECT rowid FROM {table} WHERE {table} MATCH :q"), {"q": match})
        }


def _index_all(core: Any) -> None:
    with core.db.write() as conn:
        while search_index.index_pending(conn, 2)[1]:  # small batches: the mark moves step by step
            pass


def _pk(core: Any, message_id: str) -> int:
    with core.db.read() as conn:
        return int(
            conn.execute(text(f"SELECT id FROM messages WHERE message_id = '{message_id}'")).scalar_one()
        )


def test_sqlite_index_is_filled_off_the_send_path_and_follows_deletes(tmp_path: Path) -> None:
    """Stored mail is found before it is indexed (the tail past the mark is scanned), the index holds
    it after index_pending, and a delete takes it out whether or not it was indexed yet."""
    settings_, _ = make_settings(tmp_path, "sqlite")
    core = build_core(settings_)
    try:
        aid = core.accounts.create("idx").account_id
        _store(core, aid, [_row(aid, n, _plain(n)) for n in range(1, 4)])
        assert _candidate_ids(core, "mail_search_to", "user2@") == set()  # not indexed in the send
        assert [m["id"] for m in core.mailbox.list(aid, MailFilter(to="user2@"))[0]] == ["m-2"]
        with core.db.read() as conn:
            assert search_index.unindexed(conn) == 3
        _index_all(core)
        pk2 = _pk(core, "m-2")
        assert _candidate_ids(core, "mail_search_to", "user2@") == {pk2}
        assert _candidate_ids(core, "mail_search_subject", "order 2") == {pk2}
        assert len(_candidate_ids(core, "mail_search_text", "thank you")) == 3
        core.mailbox.delete(aid, "m-2")
        assert _candidate_ids(core, "mail_search_to", "user2@") == set()
        _store(core, aid, [_row(aid, 4, _plain(4))])
        core.mailbox.delete(aid, "m-4")  # never indexed: nothing to take out, nothing broken
        _index_all(core)
        assert len(_candidate_ids(core, "mail_search_text", "thank you")) == 2
        with core.db.read() as conn:
            assert search_index.unindexed(conn) == 0
    finally:
        core.db.dispose()


def test_sqlite_a_reused_id_below_the_mark_is_indexed_at_once(tmp_path: Path) -> None:
    """SQLite gives a new row max(id) + 1: after the newest indexed message is deleted, the next one
    gets its id, at or below the mark, where index_pending never looks; the trigger indexes it."""
    settings_, _ = make_settings(tmp_path, "sqlite")
    core = build_core(settings_)
    try:
        aid = core.accounts.create("reuse").account_id
        _store(core, aid, [_row(aid, n, _plain(n)) for n in range(1, 3)])
        _index_all(core)
        top = _pk(core, "m-2")
        core.mailbox.delete(aid, "m-2")
        _store(core, aid, [_row(aid, 5, _plain(5))])
        assert _pk(core, "m-5") == top
        assert _candidate_ids(core, "mail_search_to", "user5@") == {top}
        assert [m["id"] for m in core.mailbox.list(aid, MailFilter(to="user5@"))[0]] == ["m-5"]
    finally:
        core.db.dispose()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(["store", "store", "index", "delete"]), min_size=1, max_size=20))
def test_sqlite_index_holds_exactly_the_messages_up_to_the_mark(tmp_path: Path, steps: list[str]) -> None:
    """Any interleaving of stores, index steps and deletes: the FTS tables hold exactly the stored
    messages at or below the mark, and every filter finds exactly what the brute force finds."""
    data = tmp_path / f"p{len(list(tmp_path.iterdir()))}"
    data.mkdir()
    settings_, _ = make_settings(data, "sqlite")
    core = build_core(settings_)
    try:
        aid = core.accounts.create("prop").account_id
        n = 0
        for step in steps:
            if step == "store":
                n += 1
                _store(core, aid, [_row(aid, n, _plain(n))])
            elif step == "index":
                with core.db.write() as conn:
                    search_index.index_pending(conn, 2)
            else:
                items = core.mailbox.list(aid, MailFilter())[0]
                if items:
                    core.mailbox.delete(aid, items[len(items) // 2]["id"])
        with core.db.read() as conn:
            upto = conn.execute(text(f"SELECT upto FROM {search_index.PROGRESS}")).scalar_one()
            stored = set(conn.execute(text("SELECT id FROM messages")).scalars())
        held = _candidate_ids(core, "mail_search_text", "thank you")
        assert held == {i for i in stored if i <= upto}
        assert _candidate_ids(core, "mail_search_to", "example") == held
        found = {m["id"] for m in core.mailbox.list(aid, MailFilter(text="thank you"), 0, 100)[0]}
        assert len(found) == len(stored)
    finally:
        core.db.dispose()


@pytest.mark.parametrize("backend", BACKENDS)
def test_migration_0007_indexes_the_mail_stored_before_it(tmp_path: Path, backend: str) -> None:
    """A database at 0006 holding mail (stored plain, as before compression): upgraded, its mail is found
    by every filter, reads back byte for byte, and new mail is found next to it."""
    from alembic import command

    settings_, schema = make_settings(tmp_path, backend)
    core = build_core(settings_)  # at head: go back to 0006, then store mail as that revision did
    try:
        aid = core.accounts.create("old").account_id
        with core.db.writer.begin() as conn:
            command.downgrade(migrate.config(conn), "0006")
        raw = b"Subject: Order 1\r\n\r\n" + b"thank you for your order\r\n" * 30
        with core.db.write() as conn:  # a plain insert: no triggers, no compression at 0006
            conn.execute(
                text(
                    "INSERT INTO messages (account_id, message_id, source, mail_from, recipients_json, "
                    "header_from, header_to, subject, search_text, size, raw, sending_ip, template_id, "
                    "account_time_us, real_time_us, free_units, paid_units) VALUES (:a, 'old-1', 'smtp', "
                    "'a@example.com', '[\"user1@example.com\"]', 'A <a@example.com>', 'user1@example.com', "
                    "'Order 1', :st, :size, :raw, '198.51.100.10', NULL, 1, 1, 1, 0)"
                ),
                {
                    "a": aid,
                    "st": "order 1\n" + "thank you for your order\n" * 30,
                    "size": len(raw),
                    "raw": raw,
                },
            )
        with core.db.writer.begin() as conn:
            migrate.upgrade(conn)
        _store(core, aid, [_row(aid, 2, _plain(2))])
        for f in (
            MailFilter(to="user1@"),
            MailFilter(sender="a@example"),
            MailFilter(subject="order 1"),
            MailFilter(text="your order"),
        ):
            ids = [m["id"] for m in core.mailbox.list(aid, f)[0]]
            assert "old-1" in ids, f
        assert [m["id"] for m in core.mailbox.list(aid, MailFilter(to="user1@"))[0]] == ["old-1"]
        assert core.mailbox.raw(aid, "old-1") == raw
        assert core.mailbox.list(aid, MailFilter())[1] == 2  # counted (SQLite: mail_search_counts) too
        if backend == "postgresql":
            with core.db.read() as conn:
                names = set(
                    conn.execute(
                        text(
                            "SELECT indexname FROM pg_indexes "
                            "WHERE tablename = 'messages' AND schemaname = current_schema()"
                        )
                    ).scalars()
                )
            # 0011 moved the `text` filter's index to its own table (storage.search_pg_text)
            assert set(search_index.PG_INDEXES) - {search_pg_text.MOVED_INDEX} <= names
            assert search_pg_text.MOVED_INDEX not in names
    finally:
        core.db.dispose()
        if schema is not None:
            schema.drop()


ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"Subject: short\r\n\r\nhi\r\n",
        b"Subject: text\r\n\r\n" + b"The quick brown fox jumps over the lazy dog\r\n" * 60,  # compressed
        ZSTD_MAGIC + os.urandom(3000),  # looks like a frame, does not compress: stored as it is
        ZSTD_MAGIC + b"\x00" * 3000,  # looks like a frame and compresses
        b"X" * (mail_codec.COMPRESS_MAX + 1),  # above the range: stored as it is
    ],
    ids=["empty", "short", "text", "magic-random", "magic-zeros", "large"],
)
def test_stored_mail_reads_back_byte_for_byte(core: Any, raw: bytes) -> None:
    aid = core.accounts.create("bytes").account_id
    search = "abc " * 200
    _store(core, aid, [_row(aid, 1, {**_plain(1), "search_text": search}, raw=raw)])
    assert core.mailbox.raw(aid, "m-1") == raw
    with core.db.read() as conn:
        rec = mail_repo.get_message(conn, aid, "m-1")
        stored = conn.execute(text("SELECT raw FROM messages WHERE message_id = 'm-1'")).scalar_one()
    assert rec is not None and rec.raw == raw and rec.search_text == search
    assert len(stored) <= len(raw)
    if 1000 < len(raw) <= mail_codec.COMPRESS_MAX and raw.count(raw[:8]) > 10:
        assert len(stored) < len(raw) / 4  # repetitive text does compress


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=5000) | st.text(max_size=2000).map(lambda s: (s * 3).encode()))
def test_pack_and_unpack_round_trip(raw: bytes) -> None:
    stored = mail_codec.pack(raw)
    assert len(stored) <= len(raw)
    assert mail_codec.unpack(stored, len(raw)) == raw


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=3000).map(lambda s: s * 2))
def test_search_text_pack_round_trip(value: str) -> None:
    assert mail_codec.unpack_text(mail_codec.pack_text(value)) == value


@pytest.mark.parametrize(
    ("value", "terms"),
    [
        ("ab", []),
        ("abc", ["abc"]),
        ("abcd", ["abc", "bcd"]),
        ("aaaa", ["aaa"]),
        ('a"b', ['a"b']),
        # of the uncommon ones, the two with the most distinct uncommon characters ("r00" and "er0" are in
        # every "user0..." and "sender0..." address: a doclist of nearly every message each)
        ("user0077@example.com", ["007", "077"]),
        ("sender0042@", ["042", "004"]),
        ("a1bc", ["a1b", "1bc"]),
        ("x1yz", ["x1y", "1yz"]),
        ("ab1", ["ab1"]),  # one uncommon trigram: all of them (here: the same one)
    ],
)
def test_trigrams_worked_examples(value: str, terms: list[str]) -> None:
    assert search_index.trigrams(value) == terms


def test_a_long_value_looks_up_at_most_max_terms_spread_over_it() -> None:
    value = "".join(chr(0x4E00 + i) for i in range(40))  # 38 distinct (uncommon) trigrams
    grams = search_index.trigrams(value)
    assert len(grams) == search_index.MAX_TERMS
    assert grams[0] == value[:3] and grams[-1] == value[-3:]
    assert search_index.match_expression('x"yz') == '"x""y" AND """yz"'


@pytest.mark.parametrize(
    ("fields", "f", "found"),
    [
        # every trigram of "abcd" is in "abc bcd", the value is not: the index alone would say yes
        ({"subject": "abc bcd"}, MailFilter(subject="abcd"), False),
        ({"subject": "xabcdx"}, MailFilter(subject="ABCD"), True),
        ({"search_text": "abc bcd " * 40}, MailFilter(text="abcd"), False),  # stored compressed
        ({"search_text": "the abcd " * 40}, MailFilter(text="abcd"), True),
        # the recipients and the To: header are indexed as one text: a value across the two is no match
        ({"recipients_json": '["ab"]', "header_to": "cd"}, MailFilter(to='"]\ncd'), False),
        ({"mail_from": "a@x", "header_from": "abc"}, MailFilter(sender="x\nab"), False),
        ({"subject": "100% off_now"}, MailFilter(subject="0% o"), True),
        ({"subject": "1000 off"}, MailFilter(subject="0% o"), False),  # % is literal
    ],
)
def test_the_exact_predicate_decides_over_the_index(
    core: Any, fields: dict[str, Any], f: MailFilter, found: bool
) -> None:
    aid = core.accounts.create("near").account_id
    _store(core, aid, [_row(aid, 1, {**_plain(1), "subject": "", "search_text": "", **fields})])
    assert core.mailbox.list(aid, f)[1] == (1 if found else 0)


def test_sqlite_kelvin_sign_is_not_a_k(tmp_path: Path) -> None:
    """FTS5 folds U+212A KELVIN SIGN to "k"; SQLite's lower() (the filter's meaning) leaves it."""
    settings_, _ = make_settings(tmp_path, "sqlite")
    core = build_core(settings_)
    try:
        aid = core.accounts.create("kelvin").account_id
        _store(core, aid, [_row(aid, 1, {**_plain(1), "subject": "\u212aelvin"})])
        _index_all(core)
        assert _candidate_ids(core, "mail_search_subject", "kel")  # the index's candidate ...
        assert core.mailbox.list(aid, MailFilter(subject="kelvin"))[1] == 0  # ... is no match
        assert core.mailbox.list(aid, MailFilter(subject="elvin"))[1] == 1
    finally:
        core.db.dispose()


def _counts(core: Any) -> tuple[dict[int, int], dict[int, int]]:
    """(the counts table, count(*) grouped by account), accounts with no mail left out."""
    with core.db.read() as conn:
        kept = dict(conn.execute(text(f"SELECT account_id, n FROM {search_index.COUNTS} WHERE n <> 0")).all())
        real = dict(conn.execute(text("SELECT account_id, count(*) FROM messages GROUP BY account_id")).all())
    return kept, real


def test_the_counts_table_follows_batches_deletes_and_resets_of_several_accounts(core: Any) -> None:
    """The unfiltered `total` reads the counts table (both databases): after one multi-account insert
    (a group commit's batch), single and whole-account deletes and a reset it still equals count(*)."""
    a, b, c = (core.accounts.create(n).account_id for n in ("ca", "cb", "cc"))
    rows = [_row(aid, n, _plain(n)) for n, aid in enumerate([a, b, a, c, a, b, c, a], start=1)]
    _store(core, a, rows)  # one statement, three accounts
    assert _counts(core) == ({a: 4, b: 2, c: 2}, {a: 4, b: 2, c: 2})
    assert core.mailbox.list(a, MailFilter())[1] == 4
    with core.db.write() as conn:
        assert mail_repo.delete_messages(conn, a, "m-3") == 1
        assert mail_repo.delete_messages(conn, b) == 2
    assert _counts(core) == ({a: 3, c: 2}, {a: 3, c: 2})
    core.accounts.reset("cc")
    _store(core, b, [_row(b, 9, _plain(9))])
    assert _counts(core) == ({a: 3, b: 1}, {a: 3, b: 1})
    assert [core.mailbox.list(x, MailFilter())[1] for x in (a, b, c)] == [3, 1, 0]


@pytest.mark.parametrize("backend", BACKENDS)
def test_migration_0010_counts_the_mail_stored_before_it(tmp_path: Path, backend: str) -> None:
    """A database at 0009 holding mail of two accounts (PostgreSQL: no counts table then): upgraded, the
    unfiltered totals are the stored counts, and later inserts and deletes keep them."""
    from alembic import command

    settings_, schema = make_settings(tmp_path, backend)
    core = build_core(settings_)
    try:
        a, b = core.accounts.create("old-a").account_id, core.accounts.create("old-b").account_id
        with core.db.writer.begin() as conn:
            command.downgrade(migrate.config(conn), "0009")
        _store(core, a, [_row(aid, n, _plain(n)) for n, aid in enumerate([a, a, b, a], start=1)])
        with core.db.writer.begin() as conn:
            migrate.upgrade(conn)
        assert [core.mailbox.list(x, MailFilter())[1] for x in (a, b)] == [3, 1]
        _store(core, b, [_row(b, 5, _plain(5))])
        with core.db.write() as conn:
            mail_repo.delete_messages(conn, a, "m-1")
        assert _counts(core) == ({a: 2, b: 2}, {a: 2, b: 2})
    finally:
        core.db.dispose()
        if schema is not None:
            schema.drop()


@pytest.mark.parametrize("page_max", [1_000, 2])
def test_postgresql_looks_up_uncommon_trigrams_alone_with_the_same_results(
    tmp_path: Path, page_max: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`user0077@example.com` on PostgreSQL: the index is read for `007` and `077` only (not for the
    trigrams of `@example.com`, in every row), and pages, keyset pages and totals are the brute force's,
    with the page taken from those candidates (few matches) or from the plain predicate (more than
    PG_NARROW_PAGE_MAX)."""
    monkeypatch.setattr(search_index, "PG_NARROW_PAGE_MAX", page_max)
    settings_, schema = make_settings(tmp_path, "postgresql")
    core = build_core(settings_)
    try:
        aid = core.accounts.create("rare").account_id
        rows = []
        for n in range(1, 301):
            fields = _plain(n)
            to = f"user{n % 40:04d}@example.com" if n % 7 else "USER0077@Example.com"
            fields["recipients_json"] = json.dumps([to])
            fields["header_to"] = f"<{to}>" if n % 3 else "<other@example.com>"
            rows.append(_row(aid, n, fields))
        _store(core, aid, rows)
        f = MailFilter(to="user0077@example.com")
        expected = brute_force("postgresql", rows, f)
        assert len(expected) == 42 > page_max or page_max == 1_000
        items, total = core.mailbox.list(aid, f, 0, 10)
        assert total == len(expected) and [m["id"] for m in items] == expected[:10]
        assert _all_pages(core, aid, f, 8) == expected
        assert [m["id"] for m in core.mailbox.list(aid, f, 5, 3)[0]] == expected[5:8]
        with core.db.read() as conn:
            sql = count_sql(conn, aid, f).replace("%%", "%")  # (psycopg's escaped %)
        # the exact predicate on `lower(column) || ''` (no index serves it), and every LIKE on a bare
        # lower(column), what the GIN indexes serve, on an uncommon trigram
        assert sql.count("|| '') LIKE '%user0077@example.com%'") == 2, sql
        likes = re.findall(r"lower\(messages\.\w+\) LIKE '([^']*)'", sql)
        assert sorted(likes) == ["%007%", "%007%", "%077%", "%077%"], sql
    finally:
        core.db.dispose()
        if schema is not None:
            schema.drop()


def count_sql(conn: Any, aid: int, f: MailFilter) -> str:
    """The count query list_messages runs for `f` on PostgreSQL, its values inlined."""
    from sqlalchemy import func, select

    from emulator.storage.tables import messages

    where = mail_repo._pg_narrowed(conn, aid, f)
    assert where is not None
    query = select(func.count()).select_from(messages).where(*where)
    return str(query.compile(conn, compile_kwargs={"literal_binds": True}))
