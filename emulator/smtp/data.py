"""Reading SMTP DATA in bulk: chunks as they arrive, the end marker found with bytes.find (a per-line
reader costs a call per line, which dominates for large messages)."""

from __future__ import annotations

from dataclasses import dataclass

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


class DataCollector:
    """Collects one message from the chunks fed to it, up to the end-of-data marker. Past `size_limit`
    the data is counted and dropped (the reply, 552, comes after the marker, as RFC 5321 §4.2.5 implies).
    """

    __slots__ = ("_size_limit", "_chunks", "_size", "_tail", "_dropping", "_end", "leftover")

    def __init__(self, size_limit: int | None) -> None:
        self._size_limit = size_limit
        self._chunks: list[bytes] = []
        self._size = 0  # bytes received before the current chunk (kept or dropped)
        self._tail = b"\r\n"  # the stream's last bytes; DATA starts at the beginning of a line
        self._dropping = False
        self._end = -1  # content length (stream offset after the last line's CRLF) once complete
        self.leftover = b""  # bytes after the marker: pipelined commands

    def feed(self, chunk: bytes) -> bool:
        """Take the next chunk; True once the marker has been seen (then `leftover` is set)."""
        tail = self._tail
        j = (tail + chunk[:4]).find(TERMINATOR)
        if j != -1 and j < len(tail):  # the marker starts in earlier bytes
            after = j + len(TERMINATOR) - len(tail)
            self._end = self._size - len(tail) + j + 2
        else:
            k = chunk.find(TERMINATOR)
            if k == -1:
                self._size += len(chunk)
                self._tail = chunk[-4:] if len(chunk) >= 4 else (tail + chunk)[-4:]
                # up to 3 bytes (".\r" of the marker, before its last LF) may still turn out not to be
                # content: only past those is the message surely too big (result() checks exactly)
                if self._size_limit and self._size > self._size_limit + 3:
                    self._dropping = True
                    self._chunks.clear()
                if not self._dropping:
                    self._chunks.append(chunk)
                return False
            after = k + len(TERMINATOR)
            self._end = self._size + k + 2
        self.leftover = chunk[after:]
        if not self._dropping:
            self._chunks.append(chunk)
        return True

    def result(self) -> DataResult:
        """The message, dot-unstuffed, once `feed` returned True."""
        end = self._end
        if self._dropping or (self._size_limit and end > self._size_limit):
            return DataResult(b"", too_big=True)
        chunks = self._chunks
        if end <= 0:
            body = b""
        elif len(chunks) == 1:
            body = chunks[0][:end]
        else:  # the marker and what follows it are in the last chunks: cut there without a second copy
            keep: list[bytes | memoryview] = []
            left = end
            for c in chunks:
                if left <= 0:
                    break
                keep.append(c if len(c) <= left else memoryview(c)[:left])
                left -= len(c)
            body = b"".join(keep)
        if b"\r\n." in body:
            body = body.replace(b"\r\n.", b"\r\n")
        if body.startswith(b"."):
            body = body[1:]
        return DataResult(body, too_long_line=has_long_line(body))
