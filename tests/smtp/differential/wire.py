"""A raw-socket SMTP client that plays a scripted session and records every reply, and the paired
rendering of two sessions that the deviation table is written in. Bytes are sent exactly as scripted:
no client library normalises line ends, dots or case."""

from __future__ import annotations

import hashlib
import re
import select
import socket
import ssl
import time
from dataclasses import dataclass, field

STARTTLS = "starttls"  # a script step: send STARTTLS, and on 220 do the TLS handshake
HANDSHAKE = "handshake"  # a script step: wait for a 220 (to a STARTTLS already written), then handshake
Step = bytes | str
GAP_S = 0.01  # between writes, so each write is its own TCP segment
IDLE_S = 0.5  # no reply for this long: the session is over (a message that never ended)
LATE_S = 10.0  # but a message whose end was sent is answered: wait that long for it (a loaded machine)

_ENHANCED = re.compile(rb"^\d{3}[ -]([245]\.\d{1,3}\.\d{1,3})(?:\s|$)")
_QUEUED = re.compile(rb"queued as (\S+)")


def insecure_tls() -> ssl.SSLContext:
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


@dataclass(frozen=True)
class Reply:
    lines: tuple[bytes, ...]

    @property
    def code(self) -> str:
        return self.lines[-1][:3].decode("ascii", "replace")

    @property
    def enhanced(self) -> str | None:
        m = _ENHANCED.match(self.lines[-1])
        return m.group(1).decode() if m else None

    @property
    def caps(self) -> str:
        """EHLO keywords (the lines after the greeting line), sorted."""
        words = sorted(line[4:].split(b" ")[0].decode("ascii", "replace").upper() for line in self.lines[1:])
        return ",".join(words)

    @property
    def queued_id(self) -> str | None:
        m = _QUEUED.search(self.lines[-1])
        return m.group(1).decode() if m else None


@dataclass(frozen=True)
class Stored:
    """One accepted message: envelope and content bytes as the server kept them."""

    mail_from: str
    rcpts: tuple[str, ...]
    content: bytes


@dataclass
class Session:
    replies: list[Reply] = field(default_factory=list)
    stored: list[Stored] = field(default_factory=list)


def parse_replies(data: bytes) -> list[Reply]:
    """Complete replies in `data` (a trailing partial line is dropped)."""
    out: list[Reply] = []
    pending: list[bytes] = []
    for line in data.split(b"\r\n")[:-1]:
        pending.append(line)
        if line[3:4] != b"-":
            out.append(Reply(tuple(pending)))
            pending = []
    return out


class _Conn:
    def __init__(self, port: int, implicit: bool) -> None:
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock: socket.socket = insecure_tls().wrap_socket(sock) if implicit else sock
        self.data = b""
        self.mark = 0  # where the replies not yet looked at for a STARTTLS 220 begin
        self.eof = False

    def send(self, data: bytes) -> None:
        """Write, unless the server has hung up: data sent after its close would draw an RST, and an
        RST discards the replies still unread in our receive buffer."""
        self.drain()
        if self.eof:
            return
        try:
            self.sock.sendall(data)
        except OSError:
            self.eof = True

    def drain(self) -> None:
        """Take whatever has already arrived, without waiting."""
        while not self.eof:
            buffered = isinstance(self.sock, ssl.SSLSocket) and self.sock.pending() > 0
            if not buffered and not select.select([self.sock], [], [], 0)[0]:
                return
            if not self._recv(0.0):
                return

    def _recv(self, idle: float) -> bool:
        """One read; False after `idle` seconds of silence (0: nothing there now)."""
        try:
            self.sock.settimeout(idle)
            got = self.sock.recv(65536)
        except (TimeoutError, BlockingIOError, ssl.SSLWantReadError):
            return False
        except (OSError, ssl.SSLError):
            got = b""
        if not got:
            self.eof = True
        self.data += got
        return True

    def read(self, idle: float, until_220: bool = False) -> None:
        """Read until EOF, `idle` seconds of silence, or (until_220) a 220 reply after `mark`."""
        while not self.eof:
            if until_220 and any(r.code == "220" for r in parse_replies(self.data[self.mark :])):
                return
            if not self._recv(idle):
                return

    def greeting(self) -> None:
        self.read(IDLE_S, until_220=True)
        self.mark = len(self.data)

    def handshake(self) -> None:
        self.read(IDLE_S, until_220=True)
        new = parse_replies(self.data[self.mark :])
        self.mark = len(self.data)
        if self.eof or not new or new[-1].code != "220":
            return
        if isinstance(self.sock, ssl.SSLSocket):  # a nested handshake: not attempted, the session goes on
            return
        try:
            self.sock.settimeout(10)
            self.sock = insecure_tls().wrap_socket(self.sock)
        except (OSError, ssl.SSLError):
            self.eof = True

    def close(self) -> None:
        self.sock.close()


def play(port: int, steps: tuple[Step, ...], implicit: bool = False, quit: bool = True) -> list[Reply]:
    """Connect, send each step as its own write, then QUIT (with the last write, so it cannot arrive
    after a hang-up), and return every reply received."""
    if quit and steps and isinstance(steps[-1], bytes):
        steps, quit = (*steps[:-1], steps[-1] + b"QUIT\r\n"), False
    conn = _Conn(port, implicit)
    try:
        conn.greeting()
        for step in steps:
            if step == STARTTLS:
                conn.send(b"STARTTLS\r\n")
                conn.handshake()
            elif step == HANDSHAKE:
                conn.handshake()
            else:
                assert isinstance(step, bytes)
                conn.send(step)
                time.sleep(GAP_S)
        if quit:
            conn.send(b"QUIT\r\n")
        conn.read(IDLE_S)
        if not conn.eof and _answer_pending(steps, parse_replies(conn.data)):
            conn.read(LATE_S)  # the reply to an ended message is late, not absent
    finally:
        conn.close()
    return parse_replies(conn.data)


def _answer_pending(steps: tuple[Step, ...], replies: list[Reply]) -> bool:
    """The replies end at DATA's 354 although the message's end marker was sent after the DATA: its
    250 (or 554) is still to come, however long the commit takes; a message that never ended is not."""
    if not replies or replies[-1].code != "354":
        return False
    sent = b"".join(s for s in steps if isinstance(s, bytes))
    start = sent.upper().rfind(b"DATA\r\n")
    return start >= 0 and b"\r\n.\r\n" in sent[start:]


def render(emu: Session, aio: Session, caps: bool = False) -> tuple[str, str]:
    """Both sessions as comparable strings: reply codes in order, the enhanced status code where both
    replies carry one, EHLO keywords when `caps`, and the stored messages only where they differ."""
    out: tuple[list[str], list[str]] = ([], [])
    for i in range(max(len(emu.replies), len(aio.replies))):
        pair = [s.replies[i] if i < len(s.replies) else None for s in (emu, aio)]
        both_enhanced = all(r is not None and r.enhanced for r in pair)
        for side, r in zip(out, pair, strict=True):
            if r is None:
                continue
            token = r.code + (f"/{r.enhanced}" if both_enhanced else "")
            if caps and len(r.lines) > 1:
                token += f"[{r.caps}]"
            side.append(token)
    if emu.stored != aio.stored:
        for side, s in zip(out, (emu, aio), strict=True):
            side.append("|" + ";".join(_stored(m) for m in s.stored))
    return _runs(out[0]), _runs(out[1])


def _runs(tokens: list[str]) -> str:
    """Space-separated, a run of one token written once with its count: 250*50."""
    out: list[str] = []
    i = 0
    while i < len(tokens):
        j = i
        while j < len(tokens) and tokens[j] == tokens[i]:
            j += 1
        out += tokens[i:j] if j - i < 3 else [f"{tokens[i]}*{j - i}"]
        i = j
    return " ".join(out)


def _stored(m: Stored) -> str:
    digest = hashlib.sha256(m.content).hexdigest()[:8]
    rcpts = ",".join(m.rcpts) if len(m.rcpts) <= 3 else f"{len(m.rcpts)} rcpts"
    return f"{m.mail_from}>{rcpts}:{len(m.content)}B#{digest}"
