"""PostgreSQL's `text` filter index kept off the send path (storage.search_pg_text, migration 0011), on
real PostgreSQL schemas: a stored message is in exactly one of the pending queue and the indexed table,
the filter finds it either way, two committers moving batches at once lose and duplicate nothing,
deletes leave both tables, and the migration moves the mail stored before it."""

from __future__ import annotations

import itertools
import re
import threading
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from emulator.domain.messages import MailFilter
from emulator.storage import mail_repo, migrate, search_index, search_pg_text
from tests.storage.test_search_index import _plain, _row, _store


def _held(core: Any) -> tuple[set[int], set[int], set[int]]:
    """(stored message ids, ids in the pending queue, ids in the indexed table)."""
    with core.db.read() as conn:
        return tuple(  # type: ignore[return-value]
            set(conn.execute(text(q)).scalars())
            for q in (
                "SELECT id FROM messages",
                f"SELECT message_pk FROM {search_pg_text.PENDING}",
                f"SELECT message_pk FROM {search_pg_text.BODIES}",
            )
        )


def _found(core: Any, aid: int, value: str) -> list[str]:
    return [m["id"] for m in core.mailbox.list(aid, MailFilter(text=value), 0, 500)[0]]


def test_the_send_queues_the_text_and_a_step_indexes_it(pg: Any) -> None:
    aid = pg.accounts.create("queue").account_id
    _store(pg, aid, [_row(aid, n, _plain(n)) for n in range(1, 4)])
    stored, pending, bodies = _held(pg)
    assert pending == stored and len(stored) == 3 and bodies == set()  # no GIN work in the send
    assert _found(pg, aid, "order 2\n") == ["m-2"]  # found while pending
    with pg.db.read() as conn:
        assert search_index.unindexed(conn) == 3
    with pg.db.write() as conn:
        assert search_index.index_pending(conn, 2) == (2, True)  # oldest first
    stored, pending, bodies = _held(pg)
    assert len(pending) == 1 and max(stored) in pending and bodies == stored - pending
    with pg.db.write() as conn:
        assert search_index.index_pending(conn, 2) == (1, False)
    stored, pending, bodies = _held(pg)
    assert (pending, bodies) == (set(), stored)
    assert _found(pg, aid, "order 2\n") == ["m-2"]  # found through the index
    assert _found(pg, aid, "thank you") == ["m-3", "m-2", "m-1"]
    with pg.db.write() as conn:
        mail_repo.delete_messages(conn, aid, "m-2")
    _store(pg, aid, [_row(aid, 4, _plain(4))])
    pg.mailbox.delete(aid, "m-4")  # never indexed: its queue entry goes with it
    stored, pending, bodies = _held(pg)
    assert (pending, bodies) == (set(), stored) and len(stored) == 2
    assert _found(pg, aid, "order 2\n") == []


def test_the_filter_reads_the_index_for_a_value_with_trigrams_only(pg: Any) -> None:
    """A value of three characters or more looks up the indexed table (its rare trigrams alone where it
    has some); a shorter one has no candidates, only the exact predicate."""
    with pg.db.read() as conn:
        assert search_index.candidates(conn, MailFilter(text="ab")) == []
        (long,) = search_index.candidates(conn, MailFilter(text="Thank You"))
        (rare,) = search_index.candidates(conn, MailFilter(text="order 0042 shipped"))
        sql = {
            k: str(c.compile(conn, compile_kwargs={"literal_binds": True})).replace("%%", "%")
            for k, c in (("long", long), ("rare", rare))
        }
    assert f"{search_pg_text.BODIES}.body LIKE '%thank you%'" in sql["long"]
    assert f"FROM {search_pg_text.PENDING}" in sql["long"]
    rare_likes = re.findall(r"body LIKE '([^']*)'", sql["rare"])
    assert sorted(rare_likes) == sorted(
        f"%{g}%" for g in search_index.rare_trigrams("order 0042 shipped") or []
    )
    assert len(rare_likes) == search_index.MAX_RARE, sql


def test_two_committers_moving_at_once_lose_and_duplicate_nothing(pg: Any) -> None:
    """Two processes' committers index the same queue at once (FOR UPDATE SKIP LOCKED): every stored
    message ends up indexed exactly once (the primary key would refuse a second), and the queue is empty."""
    aid = pg.accounts.create("two").account_id
    _store(pg, aid, [_row(aid, n, _plain(n)) for n in range(1, 601)])
    moved: list[int] = []
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def committer() -> None:
        try:
            start.wait()
            more = True
            while more:
                with pg.db.write() as conn:
                    done, more = search_index.index_pending(conn, 7)
                moved.append(done)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=committer) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    stored, pending, bodies = _held(pg)
    assert sum(moved) == 600 and pending == set() and bodies == stored
    assert len(_found(pg, aid, "thank you")) == 500  # (the page size)
    assert pg.mailbox.list(aid, MailFilter(text="thank you"), 0, 1)[1] == 600


_EXAMPLES = itertools.count()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(["store", "store", "index", "delete"]), min_size=1, max_size=16))
def test_every_message_is_in_exactly_one_of_queue_and_index(pg: Any, steps: list[str]) -> None:
    """Any interleaving of stores, index steps and deletes: the queue and the indexed table partition the
    stored messages, and the `text` filter finds exactly the stored messages holding the value."""
    aid = pg.accounts.create(f"prop-{next(_EXAMPLES)}").account_id
    with pg.db.write() as conn:  # the last example's mail (message ids are unique across accounts)
        conn.execute(text("DELETE FROM message_recipients"))
        conn.execute(text("DELETE FROM messages"))
    n = 0
    for step in steps:
        if step == "store":
            n += 1
            _store(pg, aid, [_row(aid, n, _plain(n))])
        elif step == "index":
            with pg.db.write() as conn:
                search_index.index_pending(conn, 2)
        else:
            items = pg.mailbox.list(aid, MailFilter())[0]
            if items:
                pg.mailbox.delete(aid, items[len(items) // 2]["id"])
    stored, pending, bodies = _held(pg)
    assert pending | bodies == stored and not pending & bodies
    mine = [m["id"] for m in pg.mailbox.list(aid, MailFilter(), 0, 500)[0]]
    assert _found(pg, aid, "thank you") == mine
    assert _found(pg, aid, "order 1\n") == [i for i in mine if i == "m-1"]


def test_migration_0011_moves_the_mail_stored_before_it(pg: Any) -> None:
    """At 0010 (the GIN index on messages.search_text, no queue), mail stored; upgraded, it is in the
    indexed table and found, 0007's index is gone, and new mail is queued; downgraded, the old index is
    back, and upgraded again, everything is indexed and found."""
    from alembic import command

    aid = pg.accounts.create("old").account_id
    with pg.db.writer.begin() as conn:
        command.downgrade(migrate.config(conn), "0010")
    _store(pg, aid, [_row(aid, n, _plain(n)) for n in range(1, 4)])
    with pg.db.writer.begin() as conn:
        migrate.upgrade(conn)
    stored, pending, bodies = _held(pg)
    assert (pending, bodies) == (set(), stored) and len(stored) == 3

    def indexes() -> set[str]:
        with pg.db.read() as conn:
            return set(
                conn.execute(
                    text("SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()")
                ).scalars()
            )

    assert search_pg_text.BODIES_INDEX in indexes() and search_pg_text.MOVED_INDEX not in indexes()
    _store(pg, aid, [_row(aid, 4, _plain(4))])
    assert len(_held(pg)[1]) == 1
    assert _found(pg, aid, "thank you") == ["m-4", "m-3", "m-2", "m-1"]
    with pg.db.writer.begin() as conn:
        command.downgrade(migrate.config(conn), "0010")
    assert search_pg_text.MOVED_INDEX in indexes() and search_pg_text.BODIES_INDEX not in indexes()
    with pg.db.writer.begin() as conn:
        migrate.upgrade(conn)
    stored, pending, bodies = _held(pg)
    assert (pending, bodies) == (set(), stored) and len(stored) == 4
    assert _found(pg, aid, "thank you") == ["m-4", "m-3", "m-2", "m-1"]
