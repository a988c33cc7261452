"""The SMTP server protocol: callbacks, not streams. Input is buffered in `data_received` and every
complete line is answered at once, so pipelined commands (RFC 2920) cost one pass; only steps that must
wait (credential checks, a sender look-up missing the cache, the commit of a message, the TLS handshake)
run as a task, during which further input just waits in the buffer. Reply texts are aiosmtpd's, which
this replaces: clients and their logs know them."""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable, Coroutine
from typing import Any, ClassVar, cast

from emulator.observability import SmtpSessionMetrics
from emulator.smtp.auth import MECHANISMS, AuthExchange, Credentials
from emulator.smtp.data import MAX_LINE, DataCollector
from emulator.smtp.listener import Listener
from emulator.smtp.parse import check_mail_params, get_address, get_params, strip_keyword
from emulator.smtp.replies import reply_for
from emulator.smtp.session import Envelope, Session

COMMAND_LIMIT = 512  # RFC 5321 §4.5.3.1.4
MAIL_EXTRA = 26  # room for SIZE= after EHLO (RFC 1870 §3)
MAX_PENDING_LINE = 4096  # a line without its LF longer than this is discarded up to its end
MAX_BUFFERED = 1 << 20  # input waiting behind a slow step beyond this pauses reading
BOGUS_LIMIT = 5  # unknown commands before the session is dropped

TOO_LONG_LINE = (
    "554 5.0.0 Error: transaction failed, blame it on the weather: "
    f"smtp: too longer line, a line must be at most {MAX_LINE} characters"
)

OK = b"250 OK\r\n"
_COMMAND_TOO_LONG = b"500 Command line too long\r\n"
_BAD_SYNTAX = b"500 Error: bad syntax\r\n"
_AUTH_REQUIRED = b"530 5.7.0 Authentication required\r\n"
_MAIL_SYNTAX = "501 Syntax: MAIL FROM: <address>"
_RCPT_SYNTAX = "501 Syntax: RCPT TO: <address>"
_PARAMS_SYNTAX = " [SP <mail-parameters>]"

Command = Callable[["SMTPProtocol", str | None], None]


class SMTPProtocol(asyncio.Protocol):
    COMMANDS: ClassVar[dict[str, Command]]

    def __init__(self, listener: Listener) -> None:
        self._l = listener
        self._handler = listener.handler
        self._closed = True  # until connection_made accepts the connection
        self._client: str | None = None  # the address counted in the connection limit
        self._busy = False  # a task is running; input waits in _buf
        self._tls = listener.implicit_tls
        self._buf = bytearray()
        self._discarding = False  # inside an over-long line
        self._reading_paused = False
        self._writing_paused = False
        self._session = Session()
        self._envelope = Envelope()
        self._collector: DataCollector | None = None  # in DATA
        self._auth: AuthExchange | None = None  # after a 334 challenge
        self._bogus = BOGUS_LIMIT
        self._metrics: SmtpSessionMetrics | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._task: asyncio.Task[None] | None = None
        self._last = 0.0  # loop time of the client's last sign of life

    # --- transport callbacks ------------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        t = cast(asyncio.Transport, transport)
        peer = t.get_extra_info("peername")
        client = str(peer[0]) if peer else ""
        refusal = self._l.limit.admit(client)
        if refusal is not None:
            t.write(refusal)
            t.close()
            return
        self._client = client  # counted against this address until connection_lost
        self._closed = False
        self._transport = t
        self._loop = asyncio.get_running_loop()
        # the session's own context: its log records carry its session id, tasks and threads included
        self._ctx = contextvars.copy_context()
        self._metrics = self._ctx.run(SmtpSessionMetrics, self._handler.core, self._l.name)
        self._last = self._loop.time()
        self._timer = self._loop.call_later(self._l.timeout, self._on_timer)
        t.write(self._l.greeting)

    def data_received(self, data: bytes) -> None:
        if self._closed:
            return
        if self._busy:
            self._buf += data
            if len(self._buf) > MAX_BUFFERED:
                self._update_reading()
            return
        collector = self._collector
        if collector is not None and not self._buf:  # the body straight to the collector, no copy
            self._last = self._loop.time()
            if collector.feed(data):
                self._ctx.run(self._data_complete)
            return
        self._buf += data
        self._ctx.run(self._process)

    def eof_received(self) -> bool | None:
        return False  # the client is done: close (pending replies are dropped, as aiosmtpd did)

    def connection_lost(self, exc: Exception | None) -> None:
        self._closed = True
        self._collector = None  # a message cut off mid-DATA is never stored
        if self._timer is not None:
            self._timer.cancel()
        if self._metrics is not None:
            self._metrics.closed()
        if self._client is not None:
            self._l.limit.release(self._client)
            self._client = None

    def pause_writing(self) -> None:
        self._writing_paused = True  # a client that does not read its replies: stop reading its input
        self._update_reading()

    def resume_writing(self) -> None:
        self._writing_paused = False
        self._update_reading()

    # --- plumbing -------------------------------------------------------------------------------------
    def _write(self, data: bytes) -> None:
        if not self._closed:
            self._transport.write(data)

    def _reply(self, text: str) -> None:
        if not self._closed:
            self._transport.write(text.encode("utf-8", "surrogateescape") + b"\r\n")

    def _close(self) -> None:
        self._buf.clear()
        self._transport.close()
        self.connection_lost(None)  # state and counts now; the transport's own call is then a no-op

    def _update_reading(self) -> None:
        paused = self._writing_paused or (self._busy and len(self._buf) > MAX_BUFFERED)
        if paused != self._reading_paused and not self._closed:
            self._reading_paused = paused
            if paused:
                self._transport.pause_reading()
            else:
                self._transport.resume_reading()

    def _on_timer(self) -> None:
        if self._closed:
            return
        idle = self._loop.time() - self._last
        if self._busy or idle < self._l.timeout:  # waiting on ourselves is not the client idling
            self._timer = self._loop.call_later(max(self._l.timeout - idle, 0.05), self._on_timer)
            return
        self._write(self._l.timeout_reply)
        self._close()

    def _wait(self, step: Coroutine[Any, Any, str | None]) -> None:
        """Run a step that must wait; its reply is sent and input processing resumes when it is done."""
        self._busy = True
        self._task = self._loop.create_task(self._run(step), context=self._ctx)

    async def _run(self, step: Coroutine[Any, Any, str | None]) -> None:
        try:
            reply = await step
        except Exception as exc:  # noqa: BLE001 - any failure becomes a reply
            reply = reply_for(exc)
        self._busy = False
        self._task = None
        if self._closed:
            return
        self._last = self._loop.time()
        if reply is not None:
            self._reply(reply)
        self._process()

    # --- input ----------------------------------------------------------------------------------------
    def _process(self) -> None:
        """Answer every complete line in the buffer (or feed it to DATA) until a step must wait."""
        buf = self._buf
        while not self._busy and not self._closed:
            if self._collector is not None:
                if not buf:
                    break
                chunk = bytes(buf)
                buf.clear()
                self._last = self._loop.time()
                if self._collector.feed(chunk):
                    self._end_data()
                continue
            nl = buf.find(b"\n")
            if nl == -1:
                if len(buf) > MAX_PENDING_LINE:
                    buf.clear()
                    self._discarding = True
                break
            line = bytes(buf[:nl])
            del buf[: nl + 1]
            if self._discarding:
                self._discarding = False
                self._write(_COMMAND_TOO_LONG)
                continue
            try:
                if self._auth is not None:
                    self._auth_answer(line)
                else:
                    self._command(line.rstrip(b"\r\n"))
            except Exception as exc:  # noqa: BLE001 - any failure becomes a reply
                self._reply(reply_for(exc))
        if self._reading_paused:
            self._update_reading()

    def _command(self, line: bytes) -> None:
        if not line:
            self._write(_BAD_SYNTAX)
            return
        name, _, rest = line.partition(b" ")
        try:
            command = name.upper().decode("ascii")
        except UnicodeDecodeError:
            self._write(_BAD_SYNTAX)
            return
        arg: str | None = None
        if rest:
            try:
                arg = rest.strip().decode("ascii")
            except UnicodeDecodeError:
                self._write(b"500 Error: strict ASCII mode\r\n")
                return
        limit = COMMAND_LIMIT
        if command == "MAIL" and self._session.extended_smtp:
            limit += MAIL_EXTRA
        if len(line) > limit:
            self._write(_COMMAND_TOO_LONG)
            return
        method = self.COMMANDS.get(command)
        if method is None:
            self._bogus -= 1
            if self._bogus < 1:
                self._write(b"502 5.5.1 Too many unrecognized commands, goodbye.\r\n")
                self._close()
                return
            self._reply(f'500 Error: command "{command}" not recognized')
            return
        self._last = self._loop.time()
        method(self, arg)

    def _data_complete(self) -> None:
        self._end_data()
        self._process()

    def _end_data(self) -> None:
        collector = self._collector
        assert collector is not None
        self._collector = None
        self._buf += collector.leftover  # pipelined commands after the marker
        result = collector.result()
        envelope, self._envelope = self._envelope, Envelope()
        if result.too_big:
            self._write(b"552 5.3.4 Error: message size exceeds fixed maximum message size\r\n")
        elif result.too_long_line:
            self._reply(TOO_LONG_LINE)
        else:
            envelope.content = result.content
            self._wait(self._handler.data(self._session, envelope))

    # --- checks shared by commands --------------------------------------------------------------------
    def _helo_needed(self, helo: str = "HELO") -> bool:
        if not self._session.host_name:
            self._reply(f"503 Error: send {helo} first")
            return True
        return False

    def _auth_needed(self) -> bool:
        if self._l.auth_required and self._session.principal is None:
            self._write(_AUTH_REQUIRED)
            return True
        return False

    # --- commands -------------------------------------------------------------------------------------
    def smtp_HELO(self, arg: str | None) -> None:
        if not arg:
            self._reply("501 Syntax: HELO hostname")
            return
        self._envelope = Envelope()
        self._session.extended_smtp = False
        self._session.host_name = arg
        self._write(self._l.helo_reply)

    def smtp_EHLO(self, arg: str | None) -> None:
        if not arg:
            self._reply("501 Syntax: EHLO hostname")
            return
        self._envelope = Envelope()
        self._session.extended_smtp = True
        self._session.host_name = arg
        self._write(self._l.ehlo_reply[self._tls])

    def smtp_NOOP(self, arg: str | None) -> None:
        self._write(OK)

    def smtp_QUIT(self, arg: str | None) -> None:
        if arg:
            self._reply("501 Syntax: QUIT")
            return
        self._write(b"221 Bye\r\n")
        self._close()

    def smtp_RSET(self, arg: str | None) -> None:
        if arg:
            self._reply("501 Syntax: RSET")
            return
        self._envelope = Envelope()
        self._write(OK)

    def smtp_EXPN(self, arg: str | None) -> None:
        self._reply("502 EXPN not implemented")

    def smtp_HELP(self, arg: str | None) -> None:
        if self._auth_needed():
            return
        code = 250
        if arg:
            syntax = self._l.syntax.get(arg.upper())
            if syntax is not None:
                text, extended = syntax
                self._reply("250 Syntax: " + text + (extended if self._session.extended_smtp else ""))
                return
            code = 501
        self._reply(f"{code} Supported commands: {' '.join(sorted(self._l.syntax))}")

    def smtp_VRFY(self, arg: str | None) -> None:
        if self._auth_needed():
            return
        if not arg:
            self._reply("501 Syntax: VRFY <address>")
        elif get_address(arg)[0] is None:
            self._reply("502 Could not VRFY " + arg)
        else:
            self._reply("252 Cannot VRFY user, but will accept message and attempt delivery")

    def smtp_STARTTLS(self, arg: str | None) -> None:
        if self._tls:  # a handshake inside TLS would corrupt the stream: refuse it as Postfix does
            self._reply("554 5.5.1 Error: TLS already active")
            return
        if arg:
            self._reply("501 Syntax: STARTTLS")
            return
        if self._l.tls_context is None:
            self._reply("454 TLS not available")
            return
        self._write(b"220 Ready to start TLS\r\n")
        self._buf.clear()  # plaintext sent after STARTTLS must not count as encrypted (RFC 3207 §4.2)
        self._transport.pause_reading()  # the client's handshake is for the TLS layer, not for us
        self._wait(self._starttls())

    async def _starttls(self) -> None:
        assert self._l.tls_context is not None
        plain = self._transport
        try:
            tls = await self._loop.start_tls(plain, self, self._l.tls_context, server_side=True)
        except Exception:  # noqa: BLE001 - the handshake failed or the client left
            tls = None
        if tls is None:
            plain.close()
            self.connection_lost(None)
            return
        self._transport = tls
        self._reading_paused = False
        self._tls = True
        self._session = Session()  # the client starts over (RFC 3207 §4.2)
        self._envelope = Envelope()

    def smtp_AUTH(self, arg: str | None) -> None:
        if self._helo_needed("EHLO"):
            return
        session = self._session
        if not session.extended_smtp:
            self._reply("500 Error: command 'AUTH' not recognized")
        elif self._l.auth_require_tls and not self._tls:
            self._reply("538 5.7.11 Encryption required for requested authentication mechanism")
        elif session.authenticated:
            self._reply("503 Already authenticated")
        elif not arg:
            self._reply("501 Not enough value")
        else:
            args = arg.split()
            if len(args) > 2:
                self._reply("501 Too many values")
                return
            mechanism = args[0].upper()
            if mechanism not in MECHANISMS:
                self._reply("504 5.5.4 Unrecognized authentication type")
                return
            exchange = AuthExchange(mechanism)
            self._auth_step(exchange, exchange.start(args[1] if len(args) == 2 else None))

    def _auth_answer(self, line: bytes) -> None:
        exchange, self._auth = self._auth, None
        assert exchange is not None
        self._last = self._loop.time()
        self._auth_step(exchange, exchange.answer(line))

    def _auth_step(self, exchange: AuthExchange, step: bytes | Credentials) -> None:
        if isinstance(step, Credentials):
            self._wait(self._login(step))
            return
        if step.startswith(AuthExchange.CHALLENGE):
            self._auth = exchange
        self._write(step + b"\r\n")

    async def _login(self, credentials: Credentials) -> str:
        principal = await self._handler.check_login(credentials.login, credentials.password)
        if principal is None:
            return "535 5.7.8 Authentication credentials invalid"
        self._session.principal = principal
        return "235 2.7.0 Authentication successful"

    def _path(self, keyword: str, arg: str | None, syntax_error: str) -> tuple[str, list[str]] | None:
        """The address and upper-cased parameters of `MAIL FROM:` / `RCPT TO:`; None once refused."""
        arg = strip_keyword(keyword, arg) if arg is not None else None
        if arg is None:
            self._reply(syntax_error)
            return None
        address, rest = get_address(arg)
        if address is None:
            self._reply("553 5.1.3 Error: malformed address")
            return None
        if not address or (rest and not self._session.extended_smtp):
            self._reply(syntax_error)
            return None
        return address, rest.upper().split()

    def smtp_MAIL(self, arg: str | None) -> None:
        if self._helo_needed() or self._auth_needed():
            return
        session = self._session
        syntax_error = _MAIL_SYNTAX + _PARAMS_SYNTAX if session.extended_smtp else _MAIL_SYNTAX
        path = self._path("FROM:", arg, syntax_error)
        if path is None:
            return
        address, options = path
        if self._envelope.mail_from:
            self._reply("503 Error: nested MAIL command")
            return
        if options:
            params = get_params(options)
            refusal = "" if params is None else check_mail_params(params, self._l.data_size_limit)
            if refusal is not None:
                self._reply(refusal or syntax_error)
                return
        result = self._handler.mail(session, self._envelope, address, options)
        if isinstance(result, str):
            self._reply(result)
        else:
            self._wait(result)

    def smtp_RCPT(self, arg: str | None) -> None:
        if self._helo_needed() or self._auth_needed():
            return
        envelope, session = self._envelope, self._session
        if not envelope.mail_from:
            self._reply("503 Error: need MAIL command")
            return
        syntax_error = _RCPT_SYNTAX + _PARAMS_SYNTAX if session.extended_smtp else _RCPT_SYNTAX
        path = self._path("TO:", arg, syntax_error)
        if path is None:
            return
        address, options = path
        if options:
            params = get_params(options)
            if params is None:
                self._reply(syntax_error)
                return
            if params:  # none are supported
                self._reply("555 RCPT TO parameters not recognized or not implemented")
                return
        self._reply(self._handler.rcpt(envelope, address, options))

    def smtp_DATA(self, arg: str | None) -> None:
        if self._helo_needed() or self._auth_needed():
            return
        if not self._envelope.rcpt_tos:
            self._reply("503 Error: need RCPT command")
            return
        if arg:
            self._reply("501 Syntax: DATA")
            return
        self._write(b"354 End data with <CR><LF>.<CR><LF>\r\n")
        self._collector = DataCollector(self._l.data_size_limit)


SMTPProtocol.COMMANDS = {
    name[5:]: getattr(SMTPProtocol, name) for name in dir(SMTPProtocol) if name.startswith("smtp_")
}
