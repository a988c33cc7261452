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


TOO_MANY_CONNECTIONS = b"421 4.7.0 Too many connections, try again later\r\n"
TOO_MANY_FROM_CLIENT = b"421 4.7.0 Error: too many connections from your address, try again later\r\n"


class ConnectionLimit:
    """Open SMTP connections, counted across both listeners of a process: in all (`limit`) and per client
    address (`per_client`, so that one client cannot take every slot)."""

    def __init__(self, limit: int, per_client: int | None = None) -> None:
        self.limit = limit
        self.active = 0
        self.per_client = limit if per_client is None else per_client
        self.by_client: dict[str, int] = {}  # only addresses with a connection open

    def admit(self, client: str) -> bytes | None:
        """Count one more connection from `client`; or the 421 to answer instead, when a limit is full."""
        n = self.by_client.get(client, 0)
        if n >= self.per_client:
            return TOO_MANY_FROM_CLIENT
        if self.active >= self.limit:
            return TOO_MANY_CONNECTIONS
        self.by_client[client] = n + 1
        self.active += 1
        return None

    def release(self, client: str) -> None:
        self.active -= 1
        n = self.by_client[client] - 1
        if n:
            self.by_client[client] = n
        else:
            del self.by_client[client]  # the map holds no more than the open connections' addresses
