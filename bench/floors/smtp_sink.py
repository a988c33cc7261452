"""The Python SMTP floor: bare aiosmtpd on uvloop keeping each message in a list; no metering, no disk.

python -m bench.floors.smtp_sink --port 2600
"""

from __future__ import annotations

import argparse
import asyncio
import signal
from typing import Any

import uvloop
from aiosmtpd.smtp import SMTP, Envelope, Session

KEEP_BYTES = 64 * 1024 * 1024  # drop the kept messages past this, so long runs stay bounded


class ListSink:
    def __init__(self) -> None:
        self.messages: list[bytes] = []
        self.kept = 0

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        self.messages.append(content)
        self.kept += len(content)
        if self.kept > KEEP_BYTES:
            self.messages.clear()
            self.kept = 0
        return "250 OK"


async def serve(host: str, port: int) -> None:
    loop = asyncio.get_running_loop()
    sink = ListSink()
    server = await loop.create_server(lambda: SMTP(sink, hostname="sink.local"), host, port)
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    print(f"smtp sink on {host}:{port}", flush=True)
    await stop.wait()
    server.close()


def main(argv: Any = None) -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    a = p.parse_args(argv)
    uvloop.run(serve(a.host, a.port))


if __name__ == "__main__":
    main()
