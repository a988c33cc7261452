"""The SMTP connection limits shared by `serve --workers N`: the shared-memory table answers exactly as
the single-process ConnectionLimit (its oracle) on any sequence of connects and disconnects, also with
every client colliding into a tiny table; across real processes the counts stay exact; and a server of
two workers admits the limit in all, not per worker."""

from __future__ import annotations

import multiprocessing
import socket
import time
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from emulator.smtp.session import ConnectionLimit
from emulator.smtp.shared_limit import SharedConnectionLimit, allocate
from tests.hardening.proc import ServerProc

CTX = multiprocessing.get_context("spawn")

ops = st.lists(st.tuples(st.booleans(), st.integers(0, 7)), max_size=200)


@settings(max_examples=300, deadline=None)
@given(ops, st.integers(1, 6), st.integers(1, 4))
def test_it_answers_as_the_single_process_limit(
    seq: list[tuple[bool, int]], limit: int, per_client: int
) -> None:
    block, lock = allocate(CTX, limit)
    shared, oracle = SharedConnectionLimit(block, lock, limit, per_client), ConnectionLimit(limit, per_client)
    open_: dict[str, int] = {}
    for connect, who in seq:
        client = f"10.0.0.{who}"
        if connect:
            answer = oracle.admit(client)
            assert shared.admit(client) == answer
            if answer is None:
                open_[client] = open_.get(client, 0) + 1
        elif open_.get(client):
            oracle.release(client)
            shared.release(client)
            open_[client] -= 1
        assert shared.active == oracle.active
        for c, n in open_.items():  # every open client is still found with its exact count
            assert shared._find(shared_key(c))[1] == n


def shared_key(client: str) -> bytes:
    from emulator.smtp.shared_limit import _key

    return _key(client)


def _hammer(block: Any, lock: Any, limit: int, rounds: int, out: Any) -> None:
    lim = SharedConnectionLimit(block, lock, limit, limit)
    peak = 0
    for i in range(rounds):
        client = f"192.0.2.{i % 13}"
        if lim.admit(client) is None:
            peak = max(peak, lim.active)
            lim.release(client)
    out.put(peak)


def test_counts_stay_exact_across_processes() -> None:
    block, lock = allocate(CTX, 8)
    out = CTX.Queue()
    procs = [CTX.Process(target=_hammer, args=(block, lock, 8, 3000, out)) for _ in range(3)]
    for p in procs:
        p.start()
    peaks = [out.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(60)
    lim = SharedConnectionLimit(block, lock, 8, 8)
    assert lim.active == 0 and all(1 <= p <= 8 for p in peaks)
    assert all(lim._find(shared_key(f"192.0.2.{i}"))[1] == 0 for i in range(13))


def test_two_workers_admit_the_limit_in_all(tmp_path: Path) -> None:
    """With smtp_max_connections 4 and two workers on one port, the fifth open connection is refused
    whichever worker the kernel hands it to (with per-process counts, up to 8 would be admitted)."""
    proc = ServerProc(
        tmp_path / "data",
        env={"SES_EMULATOR_SMTP_MAX_CONNECTIONS": "4", "SES_EMULATOR_SMTP_MAX_CONNECTIONS_PER_CLIENT": "4"},
    ).start("--workers", "2")
    port = proc.smtp
    try:
        socks, greetings = [], []
        for _ in range(10):
            s = socket.create_connection(("127.0.0.1", port), timeout=10)
            s.settimeout(10)
            socks.append(s)
            greetings.append(s.recv(200)[:3])
            time.sleep(0.05)
        assert greetings.count(b"220") == 4 and greetings.count(b"421") == 6, greetings
        for s in socks:
            s.close()
        time.sleep(1)
        s = socket.create_connection(("127.0.0.1", port), timeout=10)  # the slots came back
        assert s.recv(200)[:3] == b"220"
        s.close()
    finally:
        proc.stop()
