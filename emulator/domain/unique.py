"""Random bits for identifiers that must be unique but need not be secret (MessageId tails, RequestIds).

The OS random source costs a system call per id, more than the rest of making one. A private generator
seeded from it is as unique: private because code running beside an in-process emulator (hypothesis, a
test calling random.seed) re-seeds the global one, which would repeat ids; re-seeded in a forked worker
so no two processes share a sequence."""

from __future__ import annotations

import functools
import os
import random

_rng = random.Random()  # seeded from os.urandom
os.register_at_fork(after_in_child=_rng.seed)


def unique_bits(n: int) -> int:
    return _rng.getrandbits(n)


def unique_text(alphabet: str, k: int) -> str:
    """k characters of an ASCII alphabet: k random bytes, each mapped to alphabet[byte % len] (a slight
    bias towards the first characters, which uniqueness does not mind), in one translate call."""
    return _rng.randbytes(k).translate(_table(alphabet)).decode("ascii")


@functools.lru_cache(maxsize=8)
def _table(alphabet: str) -> bytes:
    return bytes(ord(alphabet[b % len(alphabet)]) for b in range(256))
