"""AUTH PLAIN and LOGIN (RFC 4954, 4616): decoding the client's lines into a login/password pair. Pure
and synchronous; the protocol sends the replies and checks the pair off the event loop."""

from __future__ import annotations

import binascii
from base64 import b64decode, b64encode
from dataclasses import dataclass

MECHANISMS = ("LOGIN", "PLAIN")  # advertised sorted, as aiosmtpd did

_CANT_DECODE = b"501 5.5.2 Can't decode base64"
_ABORTED = b"501 5.7.0 Auth aborted"
_PASSWORD_CHALLENGE = b"334 " + b64encode(b"Password\x00")


@dataclass(frozen=True, slots=True)
class Credentials:
    login: bytes
    password: bytes


class AuthExchange:
    """One AUTH command and its 334 continuations. Each step returns either the reply to send (a 334
    challenge when the exchange goes on, a 5xx refusal when it is over) or the decoded Credentials."""

    CHALLENGE = b"334 "

    def __init__(self, mechanism: str) -> None:
        self.mechanism = mechanism
        self._login: bytes | None = None

    def start(self, initial: str | None) -> bytes | Credentials:
        if initial is None:
            return b"334 " if self.mechanism == "PLAIN" else b"334 " + b64encode(b"User Name\x00")
        try:
            decoded = b64decode(initial.encode(), validate=True)
        except (binascii.Error, ValueError):
            return _CANT_DECODE
        return self._take(decoded)

    def answer(self, line: bytes) -> bytes | Credentials:
        blob = line.strip()
        if blob == b"*":
            return _ABORTED
        try:
            decoded = b64decode(blob, validate=True)
        except (binascii.Error, ValueError):
            return _CANT_DECODE
        return self._take(decoded)

    def _take(self, decoded: bytes) -> bytes | Credentials:
        if self.mechanism == "PLAIN":
            parts = decoded.split(b"\x00")  # authzid \0 login \0 password; authzid ignored
            if len(parts) != 3:
                return b"501 5.5.2 Can't split auth value"
            return Credentials(parts[1], parts[2])
        if self._login is None:
            self._login = decoded
            return _PASSWORD_CHALLENGE
        return Credentials(self._login, decoded)
