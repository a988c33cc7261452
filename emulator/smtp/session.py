"""Per-connection SMTP state: who logged in, the transaction in progress, and the connection count
shared by both listeners."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Principal:
    """Who an SMTP session authenticated as."""

    account_id: int
    address: str


@dataclass(slots=True)
class Envelope:
    """One mail transaction (MAIL .. DATA); replaced on RSET, HELO/EHLO and after DATA."""

    mail_from: str | None = None
    mail_options: list[str] = field(default_factory=list)
    rcpt_tos: list[str] = field(default_factory=list)
    rcpt_options: list[str] = field(default_factory=list)
    content: bytes = b""


@dataclass(slots=True)
class Session:
    """What the client has told us so far; starts over after STARTTLS (RFC 3207 §4.2)."""

    host_name: str | None = None
    extended_smtp: bool = False
    principal: Principal | None = None
    account_id: int | None = None  # the account MAIL FROM resolved to

    @property
    def authenticated(self) -> bool:
        return self.principal is not None


class ConnectionLimit:
    """Open SMTP connections, counted across both listeners of a process."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.active = 0
