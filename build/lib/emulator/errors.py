"""The one error tree. Every front-end maps it once, at its edge.

    EmulatorError                      code = Tencent error code, http_status = admin API status
    ├── TencentError                   any Tencent code, given at raise time (e.g. "FailedOperation.IncorrectSender")
    │   ├── AuthFailure                AuthFailure.*                    (SMTP: 535)
    │   ├── InsufficientBalance        FailedOperation.InsufficientBalance (account suspended / in arrears)
    │   └── MessageTooLarge            FailedOperation.EmailContentToolarge (SMTP: 552)
    ├── NotFound                       ResourceNotFound                  (admin 404)
    ├── Conflict                       ResourceInUse                     (admin 409)
    ├── LimitError                     LimitExceeded                     (admin 429)
    ├── ClockBackwards                 InvalidParameterValue             (admin 400)
    └── InternalError                  InternalError                     (admin 500, SMTP 451)

The Tencent API answers HTTP 200 with Response.Error {Code, Message}; SMTP answers Tencent's own
`554 5.0.0 ... ##SES-response-json: {...}` form unless a class names another reply; the admin API
answers `http_status` with {"code", "message"}.
"""

from __future__ import annotations

from typing import ClassVar


class EmulatorError(Exception):
    """Base of every error the emulator reports on purpose."""

    code: ClassVar[str] = "FailedOperation"
    http_status: ClassVar[int] = 400
    smtp_reply: ClassVar[str | None] = None  # None: Tencent's 554 ##SES-response-json form

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self._code = code

    @property
    def tencent_code(self) -> str:
        return self._code or self.code


class TencentError(EmulatorError):
    """A Tencent API error with its exact code, e.g. InvalidParameterValue.TemplateNotExist."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message, code)


class AuthFailure(TencentError):
    """Credentials refused: bad signature, unknown SecretId, stale timestamp, bad SMTP login."""

    http_status = 401
    smtp_reply = "535 5.7.8 Authentication credentials invalid"


class InsufficientBalance(EmulatorError):
    """The account is suspended (arrears or by hand): every send is refused."""

    code = "FailedOperation.InsufficientBalance"
    http_status = 402


class MessageTooLarge(EmulatorError):
    """The message is larger than the size limit."""

    code = "FailedOperation.EmailContentToolarge"
    smtp_reply = "552 5.3.4 Error: message too large"


class NotFound(EmulatorError):
    """No such account, message or resource."""

    code = "ResourceNotFound"
    http_status = 404


class Conflict(EmulatorError):
    """The request clashes with the current state (e.g. a name already taken)."""

    code = "ResourceInUse"
    http_status = 409


class LimitError(EmulatorError):
    """A quantity limit was reached."""

    code = "LimitExceeded"
    http_status = 429


class ClockBackwards(EmulatorError):
    """Clocks never move backwards."""

    code = "InvalidParameterValue"


class InternalError(EmulatorError):
    """Something unexpected; logged with its traceback."""

    code = "InternalError"
    http_status = 500
    smtp_reply = "451 4.3.0 Error: internal error, try again"


__all__ = [
    "AuthFailure",
    "ClockBackwards",
    "Conflict",
    "EmulatorError",
    "InsufficientBalance",
    "InternalError",
    "LimitError",
    "MessageTooLarge",
    "NotFound",
    "TencentError",
]
