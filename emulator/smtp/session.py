"""aiosmtpd's SMTP protocol with the emulator's needs: credentials checked off the event loop, and
implicit TLS (port 465 style) counted as TLS for AUTH."""

from __future__ import annotations

import asyncio
import warnings
from dataclasses import dataclass
from typing import Any

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

from emulator.observability import SmtpSessionMetrics

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


class EmulatorSMTP(SMTP):
    def __init__(self, handler: Any, *, implicit_tls: bool = False, **kwargs: Any) -> None:
        super().__init__(handler, authenticator=_defer, **kwargs)
        self._implicit_tls = implicit_tls

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if self.transport is None:  # not the re-entry after STARTTLS; sets the log context's session id
            self._ops = SmtpSessionMetrics(self.event_handler.core, "smtps" if self._implicit_tls else "smtp")
        super().connection_made(transport)
        if self._implicit_tls and transport.get_extra_info("ssl_object") is not None:
            self._tls_protocol = True  # type: ignore[assignment]  # marks the session as encrypted
            assert self.session is not None
            self.session.ssl = {"ssl_object": transport.get_extra_info("ssl_object")}

    def connection_lost(self, exc: Exception | None) -> None:
        if getattr(self, "_ops", None) is not None:
            self._ops.closed()
        super().connection_lost(exc)

    async def _verify(self, result: AuthResult) -> AuthResult:
        if not result.success or not isinstance(result.auth_data, LoginPassword):
            return result
        data: LoginPassword = result.auth_data
        principal = await self.event_handler.check_login(data.login, data.password)
        if principal is None:
            return AuthResult(success=False, handled=False)
        return AuthResult(success=True, handled=False, auth_data=principal)

    async def auth_PLAIN(self, _: Any, args: list[str]) -> AuthResult:
        return await self._verify(await super().auth_PLAIN(_, args))

    async def auth_LOGIN(self, _: Any, args: list[str]) -> AuthResult:
        return await self._verify(await super().auth_LOGIN(_, args))
