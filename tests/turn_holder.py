"""Another process holding a SQLite database's write turn (storage.write_turn), for the tests of what
waits behind it."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

_HOLDER = """
import sys
from emulator.storage.db import Database, make_engine
db = Database(make_engine(sys.argv[1]))
with db.turn():
    print("holding", flush=True)
    sys.stdin.readline()
"""


class TurnHolder:
    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        self.proc = proc

    def release(self) -> None:
        """End the turn as its holder would (a line on its stdin)."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"\n")
        self.proc.stdin.flush()

    def kill(self) -> None:
        self.proc.kill()


@contextmanager
def turn_held_elsewhere(url: str) -> Iterator[TurnHolder]:
    """Yields once the other process holds the turn; killed on the way out."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, url], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline() == b"holding\n"
        yield TurnHolder(proc)
    finally:
        proc.kill()
        proc.wait(10)
