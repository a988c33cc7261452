"""What every connection on one SMTP port shares: settings and the fixed replies built from them."""

from __future__ import annotations

import ssl

from emulator.smtp.auth import MECHANISMS
from emulator.smtp.handler import Handler
from emulator.smtp.session import ConnectionLimit
from emulator.smtp.shared_limit import SharedConnectionLimit

# command -> (HELP syntax, extra syntax shown after EHLO), as aiosmtpd answered HELP
_SYNTAX = {
    "AUTH": ("AUTH <mechanism>", ""),
    "DATA": ("DATA", ""),
    "EHLO": ("EHLO hostname", ""),
    "HELO": ("HELO hostname", ""),
    "HELP": ("HELP [command]", ""),
    "MAIL": ("MAIL FROM: <address>", " [SP <mail-parameters>]"),
    "NOOP": ("NOOP [ignored]", ""),
    "QUIT": ("QUIT", ""),
    "RCPT": ("RCPT TO: <address>", " [SP <mail-parameters>]"),
    "RSET": ("RSET", ""),
    "STARTTLS": ("STARTTLS", ""),
    "VRFY": ("VRFY <address>", ""),
}


class Listener:
    def __init__(
        self,
        handler: Handler,
        *,
        hostname: str,
        data_size_limit: int | None,
        auth_required: bool,
        auth_require_tls: bool,
        timeout: float,
        limit: ConnectionLimit | SharedConnectionLimit,
        tls_context: ssl.SSLContext | None = None,
        implicit_tls: bool = False,
        ident: str = "Tencent SES emulator",
    ) -> None:
        """`tls_context` offers STARTTLS; `implicit_tls` says the listening socket itself is TLS."""
        self.handler = handler
        self.hostname = hostname
        self.data_size_limit = data_size_limit
        self.auth_required = auth_required
        self.auth_require_tls = auth_require_tls
        self.timeout = timeout
        self.limit = limit
        self.tls_context = tls_context
        self.implicit_tls = implicit_tls
        self.name = "smtps" if implicit_tls else "smtp"
        self.greeting = f"220 {hostname} {ident}\r\n".encode()
        self.timeout_reply = f"421 4.4.2 {hostname} Error: timeout exceeded\r\n".encode()
        self.helo_reply = f"250 {hostname}\r\n".encode()
        self.ehlo_reply = {tls: self._ehlo(tls) for tls in (False, True)}
        self.syntax = {k: v for k, v in _SYNTAX.items() if k != "STARTTLS" or tls_context is not None}

    def _ehlo(self, tls_active: bool) -> bytes:
        lines = [self.hostname]
        if self.data_size_limit:
            lines.append(f"SIZE {self.data_size_limit}")
        lines += ["8BITMIME", "PIPELINING"]
        if self.tls_context is not None and not tls_active:
            lines.append("STARTTLS")
        if not self.auth_require_tls or tls_active:
            lines.append("AUTH " + " ".join(MECHANISMS))
        lines.append("HELP")
        return "".join(
            f"250{'-' if i < len(lines) - 1 else ' '}{x}\r\n" for i, x in enumerate(lines)
        ).encode()
