"""The one error tree. Every front-end maps it once, at its edge.

One class per Tencent error code the emulator answers (`emulator.errors._codes`), named after the
code without its dots; a code's class subclasses its code family, so `except InvalidParameterValue`
catches every `InvalidParameterValue.*`. Families have no code and cannot be raised.

    EmulatorError                          family: code (ClassVar), http_status = admin API status, smtp_reply
    ├── TencentError                       family: client errors (admin 400)
    │   ├── FailedOperation                FailedOperation; admin API input errors
    │   │   ├── SmtpMessageRefused         same code, SMTP message checks of reference §6 (_message.py):
    │   │   │     MissingHeader, UnsupportedContentType, UnsupportedMimeVersion,
    │   │   │     UnsupportedAttachmentEncoding, UnsupportedAttachmentDisposition, BodyTooLarge,
    │   │   │     AttachmentsTooLarge
    │   │   ├── FailedOperationInsufficientBalance  (= InsufficientBalance; admin 402)
    │   │   ├── FailedOperationEmailContentToolarge (= MessageTooLarge; SMTP 552)
    │   │   └── FailedOperation{AttachContentToolarge, EmailAddrInBlacklist, ExceedSendLimit,
    │   │         ExceedTemplateLimit, FileURLNotExist, FrequencyLimit, HighRejectionRate, IncorrectEmail,
    │   │         IncorrectSender,
    │   │         InvalidAttachName, InvalidLimit, InvalidTemplateID, MissingEmailContent,
    │   │         NotAuthenticatedSender, NotSupportDate, ReceiverHasUnsubscribed, SummaryDataNotReady,
    │   │         TemplateContentToolarge, TooManyAttachments, TooManyRecipients, WithOutPermission,
    │   │         WrongContentJson}
    │   ├── InvalidParameter               └── InvalidParameter{InvalidEndTimeFormat, InvalidParameter,
    │   │                                        InvalidStartTimeFormat}
    │   ├── InvalidParameterValue
    │   │   ├── ClockBackwards             same code, clock rule (no registry entry of its own)
    │   │   └── InvalidParameterValue{AttachContentIsWrong, BeginTimeBeforeNow, EmailAddressIsNULL,
    │   │         EmailContentIsWrong, IllegalEmailAddress, IllegalSenderName, InValidTemplateData,
    │   │         InvalidEmailIdentity, InvalidSmtpPassWord, NoSuchSender, NotExistDomain,
    │   │         ReceiverDescIllegal, ReceiverNameIllegal, RepeatCreation, RepeatEmailAddress,
    │   │         RepeatReceiverName, SubjectLengthError, TemplateContentIsNULL, TemplateContentIsWrong,
    │   │         TemplateDataError, TemplateDataInconsistent, TemplateDataLenLimit, TemplateNameIllegal,
    │   │         TemplateNameIsNULL, TemplateNotExist, WrongDate}
    │   ├── LimitExceeded                  (= LimitError; admin 429)
    │   │   └── LimitExceeded{ExceedReceiverLimit, ReceiverDetailCountLimit, ReceiverDetailRequestLimit}
    │   ├── MissingParameter               └── MissingParameter{CycleParamNecessary, EmailsNecessary,
    │   │                                        ReceiverIdNecessary, SendParamNecessary, TimedParamNecessary}
    │   ├── OperationDenied                └── OperationDenied{DomainNotVerified, ExceedDomainLimit,
    │   │         ExceedSenderLimit, ReceiverIsOperating, ReceiverNotExist, ReceiverStatusError,
    │   │         RepeatPassWord, SendAddressStatusError, SenderWithDomainIsNotEmpty, TemplateStatusError}
    │   ├── RequestLimitExceeded           └── RequestLimitExceededSmtpRateLimit (SMTP only)
    │   ├── ResourceInUse                  (= Conflict; admin 409)
    │   ├── ResourceNotFound               (= NotFound; admin 404)
    │   ├── InvalidAction, NoSuchVersion, RequestSizeLimitExceeded, UnknownParameter,
    │   │   UnsupportedOperation, UnsupportedProtocol, UnsupportedRegion
    │   └── AuthFailure                    family: admin 401, SMTP 535
    │       └── AuthFailure{InvalidAuthorization, SecretIdNotFound, SignatureExpire, SignatureFailure,
    │             TokenFailure, UnauthorizedOperation}
    └── ServerError                        family: temporary, the emulator's fault (admin 500, SMTP 451)
        └── InternalError

The Tencent API answers HTTP 200 with Response.Error {Code, Message}; SMTP answers Tencent's own
`554 5.0.0 ... ##SES-response-json: {...}` form unless a class names another reply; the admin API
answers the status and code of the error's kind of mistake (`emulator.admin_api.errors`, by code family;
docs/admin-api.md) with {"code", "message"}. `ALL_CODES` maps each code to its one class
(tests/tencent_api/test_error_codes.py checks it against the official SES and billing SDKs' codes). No
code is chosen at run time: a helper that picks among codes takes the class (e.g. `decode_text(..., error=)`).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from emulator.errors._base import AuthFailure, EmulatorError, ServerError, TencentError
from emulator.errors._codes import *  # noqa: F403  (the code classes; listed in _codes.__all__)
from emulator.errors._codes import (
    FailedOperationEmailContentToolarge,
    FailedOperationInsufficientBalance,
    LimitExceeded,
    ResourceInUse,
    ResourceNotFound,
)
from emulator.errors._codes import __all__ as _code_names
from emulator.errors._message import *  # noqa: F403  (SMTP message refusals; listed in _message.__all__)
from emulator.errors._message import __all__ as _message_names

# Names older than the code classes, kept for readability where the meaning matters more than the code.
InsufficientBalance = FailedOperationInsufficientBalance
MessageTooLarge = FailedOperationEmailContentToolarge
NotFound = ResourceNotFound
Conflict = ResourceInUse
LimitError = LimitExceeded


def _code_classes(root: type[EmulatorError] = EmulatorError) -> list[type[EmulatorError]]:
    """Every class under `root` that declares a code of its own (a specialisation that inherits its
    parent's code, such as ClockBackwards, is not an entry)."""
    found: list[type[EmulatorError]] = []
    for sub in root.__subclasses__():
        if "code" in vars(sub):
            found.append(sub)
        found.extend(_code_classes(sub))
    return found


ALL_ERRORS: tuple[type[EmulatorError], ...] = tuple(_code_classes())
ALL_CODES: Mapping[str, type[EmulatorError]] = MappingProxyType({c.code: c for c in ALL_ERRORS})

__all__ = [
    "ALL_CODES",
    "ALL_ERRORS",
    "AuthFailure",
    "Conflict",
    "EmulatorError",
    "InsufficientBalance",
    "LimitError",
    "MessageTooLarge",
    "NotFound",
    "ServerError",
    "TencentError",
    *_code_names,
    *_message_names,
]
