"""Issue 14: SIGKILL while `POST /admin/clock/advance` moves every account. The move is one target
recorded before any clock moves, so after the restart every account reads that instant (frozen clocks
exactly, running clocks through the same offset from wall time) — or, if the kill came before the record,
every clock is where it was. Each due event ran once (check_books), and the client's retry with the same
key converges without moving anyone twice."""

from __future__ import annotations

import random
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from emulator.domain.clock import BEIJING
from tests.hardening.proc import Db, ServerProc, database
from tests.hardening.test_crash_clock_advance import check_books, open_accounts, send_day

ACCOUNTS = 12
DAYS = 5  # per round
ROUNDS = 6
DAY_US = 86_400_000_000
HOUR_US = 3_600_000_000
# Near real time (a clock move costs a query per day passed), at noon: no midnight while a check runs.
START = (
    datetime.now(BEIJING).replace(hour=12, minute=0, second=0, microsecond=0) + timedelta(days=2)
).isoformat()


class Inspect(Db):
    """The server's database read directly, while it is down as well as up."""

    def clocks(self) -> dict[str, tuple[int, int | None]]:
        rows = (
            self._connect().execute("SELECT name, clock_offset_us, clock_frozen_us FROM accounts").fetchall()
        )
        return {r[0]: (int(r[1]), None if r[2] is None else int(r[2])) for r in rows}

    def move(self, key: str) -> tuple[int, int, bool] | None:
        """(target, decided at wall time, done) of the move recorded under `key`."""
        mark = "%s" if self.srv.database_url else "?"
        sql = f"SELECT target_us, created_us, done FROM clock_moves WHERE key = {mark}"
        r = self._connect().execute(sql, (key,)).fetchone()
        return None if r is None else (int(r[0]), int(r[1]), bool(r[2]))


def wall_us() -> int:
    return time.time_ns() // 1000


def latest(clocks: dict[str, tuple[int, int | None]], wall: int) -> int:
    return max(frozen if frozen is not None else wall + offset for offset, frozen in clocks.values())


def at_target(clock: tuple[int, int | None], target: int, decided: int) -> bool:
    offset, frozen = clock
    return frozen == target if frozen is not None else offset == target - decided


def assert_common(db: Inspect, key: str, before: dict[str, tuple[int, int | None]], t0: int) -> int:
    """Every account at the move recorded under `key`, which is done; its target is the latest clock
    at the decision plus DAYS (what every clock read `before` it, no one having moved since)."""
    move = db.move(key)
    assert move is not None, f"{key}: no move recorded"
    target, decided, done = move
    assert done, f"{key}: still pending"
    assert t0 <= decided and target == latest(before, decided) + DAYS * DAY_US
    off = {n: c for n, c in db.clocks().items() if not at_target(c, target, decided)}
    assert not off, f"{key}: not at the target {target} (decided {decided}): {off}"
    return target


def advance_and_kill(srv: ServerProc, db: Inspect, key: str, trigger: tuple[str, float]) -> bool:
    """Start the global move; SIGKILL it when `trigger` fires: ("record", 0) once the decision is
    recorded, ("bills", n) once n more bills exist, ("delay", s) after s seconds. True if it answered."""
    kind, value = trigger
    bills = db.count("bills")
    answered: dict[str, int] = {}

    def move() -> None:
        try:
            body = {"duration": f"{DAYS}d", "key": key}
            answered["status"] = httpx.post(
                srv.url + "/admin/clock/advance", json=body, timeout=60
            ).status_code
        except httpx.HTTPError:
            pass  # the server died under it

    t = threading.Thread(target=move)
    t.start()
    deadline = time.monotonic() + 60
    if kind == "delay":
        time.sleep(value)
    while kind != "delay" and t.is_alive():
        assert time.monotonic() < deadline
        if (kind == "record" and db.move(key) is not None) or (
            kind == "bills" and db.count("bills") >= bills + value
        ):
            break
        time.sleep(0.0005)
    srv.kill()
    t.join(30)
    return "status" in answered


def landing(db: Inspect, key: str) -> str:
    move = db.move(key)
    if move is None:
        return "before the record"
    target, decided, done = move
    moved = sum(at_target(c, target, decided) for c in db.clocks().values())
    total = len(db.clocks())
    if done:
        return "after done"
    return f"mid-move ({moved}/{total} moved)" if moved < total else f"all moved, not done ({total})"


def vary_clocks(srv: ServerProc, accts: list[dict[str, Any]], round_no: int) -> None:
    """Different clocks before each move: one account an hour ahead, one switched frozen <-> running."""
    srv.admin(
        "POST", f"/accounts/{accts[round_no % ACCOUNTS]['name']}/clock/advance", json={"duration": "1h"}
    )
    name = accts[(round_no * 5 + 1) % ACCOUNTS]["name"]
    frozen = srv.admin("GET", f"/accounts/{name}").json()["clock"]["frozen"]
    assert srv.admin("POST", f"/accounts/{name}/clock/{'resume' if frozen else 'freeze'}").status_code == 200


def settle(srv: ServerProc, accts: list[dict[str, Any]], top_ups: dict[str, int]) -> None:
    """Top up what each account owes: settles its bills and resumes it, so it can send again."""
    for a in accts:
        owed = srv.admin("GET", f"/accounts/{a['name']}").json()["unpaid_micro"]
        if owed:
            top_ups[a["name"]] += owed
            r = srv.admin("POST", f"/accounts/{a['name']}/top-up", json={"amount_micro": owed})
            assert not r.json()["suspended"]


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_sigkill_during_global_advance_leaves_one_instant(tmp_path: Path, backend: str) -> None:
    url, schema = database(backend)
    # two accounts per settlement transaction (500 by default): a kill can land between batches
    srv = ServerProc(tmp_path / "data", url, env={"SES_EMULATOR_SETTLE_BATCH_ACCOUNTS": "2"})
    db = Inspect(srv)
    rng = random.Random(f"global-clock-{backend}")
    try:
        srv.start()
        accts, top_ups = open_accounts(srv, ACCOUNTS, START)
        for a in accts[3::4]:  # a quarter of the clocks run with wall time
            srv.admin("POST", f"/accounts/{a['name']}/clock/resume")
        send_day(srv, accts, 0)
        began = time.monotonic()
        assert srv.admin("POST", "/clock/advance", json={"duration": f"{DAYS}d"}).status_code == 200
        took = time.monotonic() - began
        settle(srv, accts, top_ups)
        send_day(srv, accts, 1)
        triggers = [("record", 0.0), ("bills", rng.randint(1, ACCOUNTS - 2)), ("delay", rng.uniform(0, took))]
        triggers += [("bills", rng.randint(1, ACCOUNTS - 2)), ("delay", rng.uniform(0, took)), ("delay", 0.0)]
        landed: list[str] = []
        for round_no, trigger in enumerate(triggers[:ROUNDS]):
            vary_clocks(srv, accts, round_no)
            key = f"round-{round_no}"
            before, t0 = db.clocks(), wall_us()
            answered = advance_and_kill(srv, db, key, trigger)
            landed.append(f"{trigger[0]}={trigger[1]:.3g}: {landing(db, key)}, answered={answered}")
            recorded = db.move(key) is not None
            srv.start()  # start-up finishes the recorded move, then runs what fell due
            if recorded:
                assert_common(db, key, before, t0)
            else:
                assert db.clocks() == before, "no move was recorded, yet a clock moved"
            check_books(srv, accts, top_ups)
            after = db.clocks()
            # the client retries the same call: it converges; a move already made is not made again
            r = srv.admin("POST", "/clock/advance", json={"duration": f"{DAYS}d", "key": key})
            assert r.status_code == 200, r.text
            assert_common(db, key, before, t0)
            if recorded:
                assert db.clocks() == after
            check_books(srv, accts, top_ups)
            settle(srv, accts, top_ups)
            send_day(srv, accts, 2 + round_no)
        print(f"\n[global-clock-kill {backend}] move took {took:.3f}s unkilled; " + "; ".join(landed))
        assert sum(x.split(": ")[1].startswith("mid-move") for x in landed) >= 2, landed
        # one more move on top: every account reads the same instant again
        before, t0 = db.clocks(), wall_us()
        r = srv.admin("POST", "/clock/advance", json={"duration": f"{DAYS}d", "key": "final"})
        assert r.status_code == 200
        assert_common(db, "final", before, t0)
        check_books(srv, accts, top_ups)
        assert "Traceback" not in srv.output()
    finally:
        db.close()
        srv.kill()
        if schema:
            schema.drop()
