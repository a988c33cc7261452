"""SMTP load on raw asyncio streams (far cheaper than a full client library, so the generator on its own
core is never the bottleneck): one connection per message, or one reused connection per client."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid

from bench.loadgen import Budget, Client, Tally


class SmtpReplyError(Exception):
    pass


def filler(size: int) -> bytes:
    """Body lines of 76 printable characters (no leading dots) adding up to about `size` bytes."""
    line = b"The quick brown fox jumps over the lazy dog 0123456789 abcdefghijklmnopqrstu" + b"\r\n"
    n = max(1, size // len(line))
    return line * n


class Mail:
    """Envelope and message template; each message gets its own Message-ID."""

    def __init__(self, sender: str, size: int) -> None:
        self.sender, self.size = sender, size
        self._body = filler(max(0, size - 300))

    def data(self, rcpt: str, n: int) -> bytes:
        head = (
            f"From: Bench <{self.sender}>\r\nTo: <{rcpt}>\r\nSubject: bench message {n}\r\n"
            f"Message-ID: <{n}.{uuid.uuid4().hex}@bench.local>\r\nMIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=us-ascii\r\n\r\n"
        ).encode()
        return head + self._body + b".\r\n"


class SmtpConn:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.r, self.w = reader, writer

    @classmethod
    async def open(cls, host: str, port: int) -> SmtpConn:
        reader, writer = await asyncio.open_connection(host, port, limit=1 << 20)
        conn = cls(reader, writer)
        await conn.expect(220)
        await conn.cmd(b"EHLO bench.local\r\n", 250)
        return conn

    async def expect(self, code: int) -> None:
        while True:
            line = await self.r.readline()
            if not line:
                raise ConnectionError("connection closed by server")
            if line[3:4] != b"-":
                break
        if int(line[:3]) != code:
            raise SmtpReplyError(line.decode(errors="replace").strip())

    async def cmd(self, line: bytes, code: int) -> None:
        self.w.write(line)
        await self.expect(code)

    async def send(self, sender: str, rcpt: str, data: bytes) -> None:
        await self.cmd(f"MAIL FROM:<{sender}>\r\n".encode(), 250)
        await self.cmd(f"RCPT TO:<{rcpt}>\r\n".encode(), 250)
        await self.cmd(b"DATA\r\n", 354)
        await self.cmd(data, 250)

    async def quit(self) -> None:
        try:
            await self.cmd(b"QUIT\r\n", 221)
        finally:
            self.close()

    def close(self) -> None:
        self.w.close()


def smtp_client(host: str, port: int, mail: Mail, reuse: bool, rcpt_domain: str = "example.com") -> Client:
    """A client coroutine for loadgen.drive. Latency: from connecting (new connection per message) or
    from MAIL FROM (reused connection, opened before the clock starts) to the 250 after DATA."""

    async def client(index: int, budget: Budget, tally: Tally) -> None:
        rcpt = f"user{index}@{rcpt_domain}"
        conn: SmtpConn | None = None
        n = 0
        if reuse:
            try:
                conn = await SmtpConn.open(host, port)
            except (OSError, SmtpReplyError, asyncio.IncompleteReadError, ValueError) as exc:
                tally.error(f"{type(exc).__name__}: {exc}")
        await budget.ready()
        while budget.take():
            n += 1
            data = mail.data(rcpt, index * 1_000_000 + n)
            t0 = time.perf_counter()
            try:
                if conn is None:
                    conn = await SmtpConn.open(host, port)
                await conn.send(mail.sender, rcpt, data)
                tally.latencies.append(time.perf_counter() - t0)
                if not reuse:
                    await conn.quit()
                    conn = None
            except (OSError, SmtpReplyError, asyncio.IncompleteReadError, ValueError) as exc:
                tally.error(f"{type(exc).__name__}: {exc}")
                if conn is not None:
                    conn.close()
                    conn = None
        if conn is not None:
            with contextlib.suppress(OSError, SmtpReplyError):
                await conn.quit()

    return client
