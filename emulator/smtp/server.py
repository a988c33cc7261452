"""Starts the two SMTP listeners (plain+STARTTLS, implicit TLS) on the running event loop."""

from __future__ import annotations

import asyncio
import ssl
from typing import TYPE_CHECKING, Any, cast

from emulator.netutil import bind_socket
from emulator.smtp.handler import Handler
from emulator.smtp.listener import Listener
from emulator.smtp.protocol import SMTPProtocol
from emulator.smtp.session import ConnectionLimit

if TYPE_CHECKING:
    from emulator.services.core import Core

TOO_MANY_FROM_CLIENT = b"421 4.7.0 Error: too many connections from your address, try again later\r\n"


class CountedProtocol(SMTPProtocol):
    """SMTPProtocol that also counts its connection against the client's address: beyond
    `smtp_max_connections_per_client` the client gets 421 and other addresses keep their slots. Every close
    path ends in connection_lost (SMTPProtocol calls it itself when it closes), which releases the count
    once."""

    def __init__(self, listener: Listener) -> None:
        super().__init__(listener)
        self._limit = listener.limit
        self._client: str | None = None  # the address this connection is counted against

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        peer = transport.get_extra_info("peername")
        client = str(peer[0]) if peer else ""
        if not self._limit.admit(client):
            t = cast(asyncio.Transport, transport)
            t.write(TOO_MANY_FROM_CLIENT)
            t.close()
            return
        self._client = client
        super().connection_made(transport)  # may refuse it (global limit): connection_lost still follows

    def connection_lost(self, exc: Exception | None) -> None:
        super().connection_lost(exc)
        if self._client is not None:
            self._limit.release(self._client)
            self._client = None


async def start_smtp(
    core: Core, tls: ssl.SSLContext, smtp_port: int, smtps_port: int
) -> list[asyncio.Server]:
    s = core.settings
    handler = Handler(core)
    # one count for both ports
    limit = ConnectionLimit(s.smtp_max_connections, s.smtp_max_connections_per_client)
    loop = asyncio.get_running_loop()

    common: dict[str, Any] = {
        "hostname": s.smtp_hostname,
        "data_size_limit": s.max_message_bytes,
        "auth_required": s.smtp_auth == "required",
        "auth_require_tls": not s.smtp_allow_plain_auth,
        "timeout": s.smtp_idle_timeout_s,
        "limit": limit,
    }
    plain = Listener(handler, tls_context=tls, **common)
    implicit = Listener(handler, implicit_tls=True, **common)
    servers = [await loop.create_server(lambda: CountedProtocol(plain), sock=bind_socket(s.host, smtp_port))]
    servers.append(
        await loop.create_server(
            lambda: CountedProtocol(implicit), sock=bind_socket(s.host, smtps_port), ssl=tls
        )
    )
    return servers
