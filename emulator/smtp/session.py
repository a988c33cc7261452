"""aiosmtpd's SMTP protocol with the emulator's needs: credentials checked off the event loop, and
implicit TLS (port 465 style) counted as TLS for AUTH."""

from __future__ import annotations

import asyncio
import inspect
import re
import warnings
from dataclasses import dataclass
from typing import Any, ClassVar

import aiosmtpd.smtp as aiosmtpd_smtp
from aiosmtpd.smtp import MISSING, SMTP, AuthResult, LoginPassword

from emulator.observability import SmtpSessionMetrics
from emulator.smtp.data import MAX_LINE, read_data

TOO_LONG_LINE = (
    "554 5.0.0 Error: transaction failed, blame it on the weather: "
    f"smtp: too longer line, a line must be at most {MAX_LINE} characters"
)

# aiosmtpd itself sets the deprecated attribute on every AUTH; the warning is noise for our users.
warnings.filterwarnings("ignore", message="Session.login_data is deprecated", category=DeprecationWarning)


@dataclass(frozen=True)
class Principal:
    """Who an SMTP session authenticated as."""

    account_id: int
    address: str


def _defer(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
    """Accept the decoded pair provisionally; `EmulatorSMTP` checks it asynchronously."""
    return AuthResult(success=True, handled=False, auth_data=data)


class _AuthMembers:
    """Stands in for `inspect` inside aiosmtpd.smtp, whose SMTP.__init__ calls inspect.getmembers() on
    the protocol and the handler for every connection (about a tenth of the per-connection CPU) only to
    find `auth_*` methods. The names are fixed per class, so they are looked up once per class."""

    _names: ClassVar[dict[type, list[str]]] = {}
    signature = staticmethod(inspect.signature)  # aiosmtpd also uses it for handle_EHLO hooks

    @classmethod
    def getmembers(cls, obj: Any) -> list[tuple[str, Any]]:
        names = cls._names.get(type(obj))
        if names is None:
            names = cls._names[type(obj)] = [n for n in dir(obj) if n.startswith("auth_")]
        return [(n, getattr(obj, n)) for n in names]


aiosmtpd_smtp.inspect = _AuthMembers  # type: ignore[attr-defined,assignment]

# MAIL FROM:<a@b> / RCPT TO:<a@b> in their common form; anything else goes to aiosmtpd's full parser.
_SIMPLE_ADDR = re.compile(r"\s*<([A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9.-]+)>(.*)\Z", re.S)


TOO_MANY_CONNECTIONS = b"421 4.7.0 Too many connections, try again later\r\n"


class ConnectionLimit:
    """Open SMTP connections, counted across both listeners of a process."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.active = 0


class EmulatorSMTP(SMTP):
    def __init__(
        self,
        handler: Any,
        *,
        implicit_tls: bool = False,
        limit: ConnectionLimit | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(handler, authenticator=_defer, **kwargs)
        self._implicit_tls = implicit_tls
        self._limit = limit
        self._counted = False
        self._refused = False

    def _getaddr(self, arg: str) -> tuple[str | None, str | None]:
        m = _SIMPLE_ADDR.match(arg)
        if m is not None and ".." not in m.group(1) and not m.group(1).startswith("."):
            return m.group(1), m.group(2)
        return super()._getaddr(arg)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if self._limit is not None and self.transport is None:  # not the STARTTLS re-entry
            if self._limit.active >= self._limit.limit:
                self._refused = True
                transport.write(TOO_MANY_CONNECTIONS)  # type: ignore[attr-defined]
                transport.close()
                return
            self._limit.active += 1
            self._counted = True
        if self.transport is None:  # not the re-entry after STARTTLS; sets the log context's session id
            self._ops = SmtpSessionMetrics(self.event_handler.core, "smtps" if self._implicit_tls else "smtp")
        super().connection_made(transport)
        if self._implicit_tls and transport.get_extra_info("ssl_object") is not None:
            self._tls_protocol = True  # type: ignore[assignment]  # marks the session as encrypted
            assert self.session is not None
            self.session.ssl = {"ssl_object": transport.get_extra_info("ssl_object")}

    def connection_lost(self, error: Exception | None) -> None:
        if getattr(self, "_ops", None) is not None:
            self._ops.closed()
        if self._counted and self._limit is not None:
            self._counted = False
            self._limit.active -= 1
        if not self._refused:
            super().connection_lost(error)

    def eof_received(self) -> bool | None:
        return False if self._refused else super().eof_received()

    def data_received(self, data: bytes) -> None:
        if not self._refused:
            super().data_received(data)

    def _timeout_cb(self) -> None:
        """Say why before closing an idle session (aiosmtpd just drops it)."""
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(  # type: ignore[attr-defined]
                f"421 4.4.2 {self.hostname} Error: timeout exceeded\r\n".encode()
            )
        super()._timeout_cb()  # type: ignore[no-untyped-call]

    async def _verify(self, result: AuthResult) -> AuthResult:
        if not result.success or not isinstance(result.auth_data, LoginPassword):
            return result
        data: LoginPassword = result.auth_data
        principal = await self.event_handler.check_login(data.login, data.password)
        if principal is None:
            return AuthResult(success=False, handled=False)
        return AuthResult(success=True, handled=False, auth_data=principal)

    async def smtp_STARTTLS(self, arg: str) -> None:
        """A second STARTTLS inside TLS would start a handshake over the encrypted stream (aiosmtpd
        allows it; the session then dies with a logged traceback): refuse it as Postfix does."""
        if self._tls_protocol is not None:
            await self.push("554 5.5.1 Error: TLS already active")
            return
        await super().smtp_STARTTLS(arg)

    async def smtp_DATA(self, arg: str) -> None:
        """aiosmtpd's DATA, reading the message in bulk (see smtp.data)."""
        if await self.check_helo_needed() or await self.check_auth_needed("DATA"):
            return
        assert self.envelope is not None
        if not self.envelope.rcpt_tos:
            await self.push("503 Error: need RCPT command")
            return
        if arg:
            await self.push("501 Syntax: DATA")
            return
        await self.push("354 End data with <CR><LF>.<CR><LF>")
        try:
            # an upload that keeps sending is not idle, however long it takes
            result = await read_data(self._reader, self.data_size_limit, self._reset_timeout)
        except ConnectionResetError:
            self._writer.close()
            return
        if result.too_big:
            self._set_post_data_state()  # type: ignore[no-untyped-call]
            await self.push("552 5.3.4 Error: message size exceeds fixed maximum message size")
            return
        if result.too_long_line:
            self._set_post_data_state()  # type: ignore[no-untyped-call]
            await self.push(TOO_LONG_LINE)
            return
        self.envelope.content = self.envelope.original_content = result.content
        status = await self._call_handler_hook("DATA")
        self._set_post_data_state()  # type: ignore[no-untyped-call]
        await self.push("250 OK" if status is MISSING else status)

    async def auth_PLAIN(self, _: Any, args: list[str]) -> AuthResult:
        return await self._verify(await super().auth_PLAIN(_, args))

    async def auth_LOGIN(self, _: Any, args: list[str]) -> AuthResult:
        return await self._verify(await super().auth_LOGIN(_, args))
