"""MessageIds and RequestIds come from a private generator: code beside an in-process emulator that
re-seeds the global `random` (hypothesis does, for every example) must not make ids repeat."""

from __future__ import annotations

import os
import random
import uuid

from emulator.domain.messages import new_message_id
from emulator.domain.unique import unique_bits
from emulator.tencent_api.router import new_request_id


def test_ids_do_not_repeat_when_the_global_random_is_reseeded() -> None:
    first: list[str] = []
    second: list[str] = []
    for out in (first, second):
        random.seed(1234)
        out += [new_message_id("1300000000", 1_700_000_000_000_000) for _ in range(50)]
        out += [new_request_id() for _ in range(50)]
    assert len(set(first + second)) == 200


def test_request_ids_are_version_4_uuids() -> None:
    for _ in range(1000):
        u = uuid.UUID(new_request_id())
        assert u.version == 4 and u.variant == uuid.RFC_4122


def test_a_forked_child_draws_its_own_sequence() -> None:
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child reports its next draw
        os.write(w, unique_bits(64).to_bytes(8, "big"))
        os._exit(0)
    os.close(w)
    child = int.from_bytes(os.read(r, 8), "big")
    os.waitpid(pid, 0)
    assert child != unique_bits(64)
