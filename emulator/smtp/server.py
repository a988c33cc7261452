"""Starts the two SMTP listeners (plain+STARTTLS, implicit TLS) on the running event loop."""

from __future__ import annotations

import asyncio
import ssl
from typing import TYPE_CHECKING, Any

from emulator.netutil import bind_socket
from emulator.smtp.handler import Handler
from emulator.smtp.listener import Listener
from emulator.smtp.protocol import SMTPProtocol
from emulator.smtp.session import ConnectionLimit
from emulator.smtp.shared_limit import SharedConnectionLimit

if TYPE_CHECKING:
    from emulator.services.core import Core


async def start_smtp(
    core: Core,
    tls: ssl.SSLContext,
    smtp_port: int,
    smtps_port: int,
    limit: ConnectionLimit | SharedConnectionLimit | None = None,
) -> list[asyncio.Server]:
    """`limit`: the connection counts (one for both ports; shared by the workers of `serve --workers`)."""
    s = core.settings
    handler = Handler(core)
    if limit is None:
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
    servers = [await loop.create_server(lambda: SMTPProtocol(plain), sock=bind_socket(s.host, smtp_port))]
    servers.append(
        await loop.create_server(
            lambda: SMTPProtocol(implicit), sock=bind_socket(s.host, smtps_port), ssl=tls
        )
    )
    return servers
