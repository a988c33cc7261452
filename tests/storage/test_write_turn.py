"""SQLite writers of several processes take turns (storage.write_turn): a write waits while another
process holds the turn, and goes ahead as soon as that turn ends, or its process dies."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from emulator.storage.db import Database, make_engine
from emulator.storage.write_turn import WriteTurn
from tests.turn_holder import turn_held_elsewhere


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(make_engine(f"sqlite:///{tmp_path / 'turn.db'}"))
    with database.write() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
    yield database
    database.dispose()


@pytest.mark.parametrize("release", ["turn ends", "holder killed"])
def test_a_write_waits_for_another_process_turn(db: Database, release: str) -> None:
    with turn_held_elsewhere(str(db.engine.url)) as holder:
        done = threading.Event()

        def write() -> None:
            with db.write() as conn:  # the holder has no SQLite lock: only the turn can hold this back
                conn.exec_driver_sql("INSERT INTO t VALUES (1)")
            done.set()

        writer = threading.Thread(target=write, daemon=True)
        writer.start()
        assert not done.wait(0.5), "the write went ahead while another process held the turn"
        if release == "turn ends":
            holder.release()
        else:
            holder.kill()
        assert done.wait(30), "the write did not go ahead once the turn was free"
        writer.join(5)
    with db.read() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM t").scalar() == 1


def test_threads_of_one_process_take_turns(db: Database) -> None:
    """flock alone would not do: the threads share the process's one descriptor."""
    inside, most = [0], [0]
    lock = threading.Lock()

    def take(_i: int) -> None:
        for _ in range(50):
            with db.turn():
                with lock:
                    inside[0] += 1
                    most[0] = max(most[0], inside[0])
                time.sleep(0.0005)
                with lock:
                    inside[0] -= 1

    threads = [threading.Thread(target=take, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert most[0] == 1


def test_no_turn_where_the_database_locks_rows_or_is_private() -> None:
    assert WriteTurn.of(make_engine("sqlite://")).path is None
    assert WriteTurn.of(make_engine("postgresql://postgres@127.0.0.1:5432/test")).path is None


def test_a_nested_turn_does_not_wait_for_itself(db: Database) -> None:
    """A write opened inside another on one thread is SQLite's to refuse (busy), not a hang here."""
    done = threading.Event()

    def nested() -> None:
        with db.turn(), db.turn():
            pass
        with db.write() as conn:  # and the turn was given back
            conn.exec_driver_sql("INSERT INTO t VALUES (2)")
        done.set()

    threading.Thread(target=nested, daemon=True).start()
    assert done.wait(10)
