"""The SMTP connection limits counted across the processes of `serve --workers N`, so that N workers on
one port admit `smtp_max_connections` (and `..._per_client` from one address) in all, not N times as many.

The counts live in one shared memory block the parent allocates: the total, then an open-addressing
table of (client digest, open connections) with linear probing and backward-shift deletion, so it never
fills with tombstones. Distinct clients with a connection open are at most `limit`, so 2 × limit + 1
slots always leave room. Every operation takes one inter-process lock, once per connection (not per
message). The parent runs no SMTP itself and never touches the counts."""

from __future__ import annotations

import hashlib
import struct
from multiprocessing.context import BaseContext
from typing import Any

from emulator.smtp.session import TOO_MANY_CONNECTIONS, TOO_MANY_FROM_CLIENT

_TOTAL = struct.Struct("<I")
_SLOT = struct.Struct("<16sI")
_EMPTY = bytes(16)


def allocate(ctx: BaseContext, limit: int) -> tuple[Any, Any]:
    """(shared memory block, lock) for the workers, made by the parent before it starts them."""
    slots = 2 * limit + 1
    return ctx.RawArray("B", _TOTAL.size + slots * _SLOT.size), ctx.Lock()


class SharedConnectionLimit:
    """ConnectionLimit's admit/release over a block from `allocate`, shared by every worker."""

    def __init__(self, block: Any, lock: Any, limit: int, per_client: int | None = None) -> None:
        self.buf = memoryview(block).cast("B")
        self.lock = lock
        self.limit = limit
        self.per_client = limit if per_client is None else per_client
        self.slots = (len(self.buf) - _TOTAL.size) // _SLOT.size
        if self.slots < 2 * limit + 1:
            raise ValueError("the shared block is too small for this limit")

    @property
    def active(self) -> int:
        return int(_TOTAL.unpack_from(self.buf, 0)[0])

    def admit(self, client: str) -> bytes | None:
        key = _key(client)
        with self.lock:
            slot, n = self._find(key)
            if n >= self.per_client:
                return TOO_MANY_FROM_CLIENT
            total = self.active
            if total >= self.limit:
                return TOO_MANY_CONNECTIONS
            _SLOT.pack_into(self.buf, self._at(slot), key, n + 1)
            _TOTAL.pack_into(self.buf, 0, total + 1)
        return None

    def release(self, client: str) -> None:
        key = _key(client)
        with self.lock:
            slot, n = self._find(key)
            if n == 0:  # never admitted here: nothing to give back
                return
            _TOTAL.pack_into(self.buf, 0, self.active - 1)
            if n > 1:
                _SLOT.pack_into(self.buf, self._at(slot), key, n - 1)
            else:
                self._delete(slot)

    def _at(self, slot: int) -> int:
        return _TOTAL.size + slot * _SLOT.size

    def _home(self, key: bytes) -> int:
        return int.from_bytes(key[:8], "little") % self.slots

    def _find(self, key: bytes) -> tuple[int, int]:
        """(the key's slot, its count) or (the empty slot where it would go, 0)."""
        slot = self._home(key)
        while True:
            k, n = _SLOT.unpack_from(self.buf, self._at(slot))
            if k in (key, _EMPTY):
                return slot, (n if k == key else 0)
            slot = (slot + 1) % self.slots

    def _delete(self, slot: int) -> None:
        """Empty `slot`, moving later entries of its probe run back so every key stays findable."""
        hole = slot
        nxt = (slot + 1) % self.slots
        while True:
            k, n = _SLOT.unpack_from(self.buf, self._at(nxt))
            if k == _EMPTY:
                break
            home = self._home(k)
            # the entry at nxt may fill the hole if its home is not in (hole, nxt] (cyclically)
            if (nxt - home) % self.slots >= (nxt - hole) % self.slots:
                _SLOT.pack_into(self.buf, self._at(hole), k, n)
                hole = nxt
            nxt = (nxt + 1) % self.slots
        _SLOT.pack_into(self.buf, self._at(hole), _EMPTY, 0)


def _key(client: str) -> bytes:
    digest = hashlib.blake2b(client.encode(), digest_size=16).digest()
    return digest if digest != _EMPTY else b"\x01" + digest[1:]
