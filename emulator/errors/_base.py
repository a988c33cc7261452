"""The families of the error tree (no code of their own: raise one of the code classes)."""

from __future__ import annotations

from typing import ClassVar


class EmulatorError(Exception):
    """Base of every error the emulator reports on purpose. Each concrete class declares `code`."""

    code: ClassVar[str]  # the Tencent error code; only the concrete (code) classes set it
    http_status: ClassVar[int] = 400  # admin API status
    smtp_reply: ClassVar[str | None] = None  # None: Tencent's 554 ##SES-response-json form

    def __init__(self, message: str) -> None:
        if not hasattr(type(self), "code"):
            raise TypeError(
                f"{type(self).__name__} is a family of error codes; raise one of its code classes"
            )
        super().__init__(message)
        self.message = message

    @property
    def tencent_code(self) -> str:
        return self.code


class TencentError(EmulatorError):
    """A client error: the request cannot be served as it stands (admin 400 unless a class says else)."""


class AuthFailure(TencentError):
    """Credentials refused: bad signature, unknown SecretId, stale timestamp, bad SMTP login."""

    http_status = 401
    smtp_reply = "535 5.7.8 Authentication credentials invalid"


class ServerError(EmulatorError):
    """The emulator's own fault, temporary: the caller may try again."""

    http_status = 500
    smtp_reply = "451 4.3.0 Error: internal error, try again"


__all__ = ["AuthFailure", "EmulatorError", "ServerError", "TencentError"]
