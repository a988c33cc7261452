"""Reading SMTP DATA in bulk. aiosmtpd reads DATA line by line (one await per line); reading chunks and
finding the terminator with bytes.find is what makes large messages fast."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

CHUNK = 256 * 1024
TERMINATOR = b"\r\n.\r\n"
MAX_LINE = 2000  # Tencent refuses body lines longer than 2000 characters (reference §6)


@dataclass
class DataResult:
    content: bytes
    too_big: bool = False
    too_long_line: bool = False


def has_long_line(body: bytes, limit: int = MAX_LINE) -> bool:
    """Any line longer than `limit` (CRLF excluded)? A line that long contains a whole aligned block of
    limit/2 bytes without a newline, so only ~2·len/limit bounded finds run (a regex or split over a
    200 KB body costs milliseconds)."""
    step = limit // 2
    n = len(body)
    for start in range(0, n - step + 1, step):
        if body.find(b"\n", start, start + step) == -1:
            line_start = body.rfind(b"\n", 0, start) + 1
            line_end = body.find(b"\n", start)
            line_end = n if line_end == -1 else line_end
            length = line_end - line_start - (1 if body[line_end - 1 : line_end] == b"\r" else 0)
            if length > limit:
                return True
    return False


async def read_data(
    reader: asyncio.StreamReader, size_limit: int | None, on_chunk: Callable[[], object] = lambda: None
) -> DataResult:
    """Read up to the end-of-data marker; un-stuff dots. Past `size_limit` the data is drained and
    dropped (the caller answers 552 after the marker, as RFC 5321 §4.2.5 implies)."""
    chunks: list[bytes] = []
    size = 0  # bytes received so far (kept or dropped)
    tail = b"\r\n"  # DATA starts at the beginning of a line
    dropping = False
    while True:
        chunk = await reader.read(CHUNK)
        if not chunk:
            raise ConnectionResetError("connection closed during DATA")
        on_chunk()
        window = tail + chunk
        end = window.find(TERMINATOR)
        if end != -1:
            leftover = window[end + len(TERMINATOR) :]
            if leftover:  # pipelined commands after the marker go back to the reader
                reader._buffer[:0] = leftover  # type: ignore[attr-defined]
            content_len = size + end - len(tail) + 2  # keep the CRLF that ends the last line
            chunks.append(chunk)
            break
        tail = window[-4:]
        size += len(chunk)
        if size_limit and size > size_limit:
            dropping = True
        if not dropping:
            chunks.append(chunk)
    if dropping or (size_limit and content_len > size_limit):
        return DataResult(b"", too_big=True)
    body = b"".join(chunks)[:content_len]
    if b"\r\n." in body:
        body = body.replace(b"\r\n.", b"\r\n")
    if body.startswith(b"."):
        body = body[1:]
    return DataResult(body, too_long_line=has_long_line(body))
