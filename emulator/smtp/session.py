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
    """Open SMTP connections, counted across both listeners of a process: in all (`limit`, checked by
    SMTPProtocol) and per client address (`per_client`, so that one client cannot take every slot)."""

    def __init__(self, limit: int, per_client: int | None = None) -> None:
        self.limit = limit
        self.active = 0
        self.per_client = limit if per_client is None else per_client
        self.by_client: dict[str, int] = {}  # only addresses with a connection open

    def admit(self, client: str) -> bool:
        """Count one more connection from `client`, unless it holds `per_client` already."""
        n = self.by_client.get(client, 0)
        if n >= self.per_client:
            return False
        self.by_client[client] = n + 1
        return True

    def release(self, client: str) -> None:
        n = self.by_client[client] - 1
        if n:
            self.by_client[client] = n
        else:
            del self.by_client[client]  # the map holds no more than the open connections' addresses
