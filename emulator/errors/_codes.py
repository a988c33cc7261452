"""One class per Tencent error code the emulator answers; the tree is drawn in `emulator.errors`.

Generated once from the raise sites; keep in code order within each family. A class is named after
its code without the dots and subclasses its code family, so `except InvalidParameterValue` also
catches `InvalidParameterValueTemplateNotExist`.
"""

from __future__ import annotations

from emulator.errors._base import AuthFailure, ServerError, TencentError


class FailedOperation(TencentError):
    """The operation failed (generic; also every admin API input error without a finer code)."""

    code = "FailedOperation"


class FailedOperationAttachContentToolarge(FailedOperation):
    """The attachments are too large."""

    code = "FailedOperation.AttachContentToolarge"


class FailedOperationEmailAddrInBlacklist(FailedOperation):
    """A recipient is on the blacklist."""

    code = "FailedOperation.EmailAddrInBlacklist"


class FailedOperationEmailContentToolarge(FailedOperation):
    """The message is larger than the size limit."""

    code = "FailedOperation.EmailContentToolarge"
    smtp_reply = "552 5.3.4 Error: message too large"


class FailedOperationExceedSendLimit(FailedOperation):
    """The daily sending limit is reached."""

    code = "FailedOperation.ExceedSendLimit"


class FailedOperationExceedTemplateLimit(FailedOperation):
    """The account has the most templates it may have."""

    code = "FailedOperation.ExceedTemplateLimit"


class FailedOperationFileURLNotExist(FailedOperation):
    """An attachment URL is invalid (attachments by URL are not emulated)."""

    code = "FailedOperation.FileURLNotExist"


class FailedOperationFrequencyLimit(FailedOperation):
    """Too many messages to the same address in a short time."""

    code = "FailedOperation.FrequencyLimit"


class FailedOperationHighRejectionRate(FailedOperation):
    """A sender domain is blocked for the rest of the day: its invalid or spam-bounce rate is high."""

    code = "FailedOperation.HighRejectionRate"


class FailedOperationIncorrectEmail(FailedOperation):
    """An email address is malformed."""

    code = "FailedOperation.IncorrectEmail"


class FailedOperationIncorrectSender(FailedOperation):
    """The sender (From) is malformed."""

    code = "FailedOperation.IncorrectSender"


class FailedOperationInsufficientBalance(FailedOperation):
    """The account is suspended (arrears or by hand): every send is refused."""

    code = "FailedOperation.InsufficientBalance"
    http_status = 402


class FailedOperationInvalidAttachName(FailedOperation):
    """An attachment name or type is not accepted."""

    code = "FailedOperation.InvalidAttachName"


class FailedOperationInvalidLimit(FailedOperation):
    """Limit is out of range."""

    code = "FailedOperation.InvalidLimit"


class FailedOperationInvalidTemplateID(FailedOperation):
    """The template does not exist or is not approved."""

    code = "FailedOperation.InvalidTemplateID"


class FailedOperationMissingEmailContent(FailedOperation):
    """Neither Template nor Simple is given."""

    code = "FailedOperation.MissingEmailContent"


class FailedOperationNotAuthenticatedSender(FailedOperation):
    """The sender is not a verified sender address of the account."""

    code = "FailedOperation.NotAuthenticatedSender"


class FailedOperationNotSupportDate(FailedOperation):
    """The date is outside the queryable window."""

    code = "FailedOperation.NotSupportDate"


class FailedOperationReceiverHasUnsubscribed(FailedOperation):
    """A recipient has unsubscribed."""

    code = "FailedOperation.ReceiverHasUnsubscribed"


class FailedOperationSummaryDataNotReady(FailedOperation):
    """Billing: the month's bill summary is not built yet (a month after the account's clock)."""

    code = "FailedOperation.SummaryDataNotReady"


class FailedOperationTemplateContentToolarge(FailedOperation):
    """The template is too large."""

    code = "FailedOperation.TemplateContentToolarge"


class FailedOperationTooManyAttachments(FailedOperation):
    """More attachments than allowed."""

    code = "FailedOperation.TooManyAttachments"


class FailedOperationTooManyRecipients(FailedOperation):
    """More recipients than allowed."""

    code = "FailedOperation.TooManyRecipients"


class FailedOperationWithOutPermission(FailedOperation):
    """The account may only send with templates."""

    code = "FailedOperation.WithOutPermission"


class FailedOperationWrongContentJson(FailedOperation):
    """TemplateData is not a JSON object of scalar values."""

    code = "FailedOperation.WrongContentJson"


class InvalidAction(TencentError):
    """No such Action."""

    code = "InvalidAction"


class InvalidParameter(TencentError):
    """A parameter is malformed (format or type)."""

    code = "InvalidParameter"


class InvalidParameterInvalidEndTimeFormat(InvalidParameter):
    """EndTime is not YYYY-MM-DD HH:MM:SS."""

    code = "InvalidParameter.InvalidEndTimeFormat"


class InvalidParameterInvalidParameter(InvalidParameter):
    """Billing: a rule between parameters is broken (a range across months, too long, Limit too large)."""

    code = "InvalidParameter.InvalidParameter"


class InvalidParameterInvalidStartTimeFormat(InvalidParameter):
    """BeginTime is not YYYY-MM-DD HH:MM:SS."""

    code = "InvalidParameter.InvalidStartTimeFormat"


class InvalidParameterValue(TencentError):
    """A parameter has a value that is not accepted."""

    code = "InvalidParameterValue"


class InvalidParameterValueAttachContentIsWrong(InvalidParameterValue):
    """An attachment's content is not valid base64."""

    code = "InvalidParameterValue.AttachContentIsWrong"


class InvalidParameterValueBeginTimeBeforeNow(InvalidParameterValue):
    """BeginTime is in the past."""

    code = "InvalidParameterValue.BeginTimeBeforeNow"


class InvalidParameterValueEmailAddressIsNULL(InvalidParameterValue):
    """An email address is empty."""

    code = "InvalidParameterValue.EmailAddressIsNULL"


class InvalidParameterValueEmailContentIsWrong(InvalidParameterValue):
    """Simple.Html / Simple.Text is not valid base64."""

    code = "InvalidParameterValue.EmailContentIsWrong"


class InvalidParameterValueIllegalEmailAddress(InvalidParameterValue):
    """The email address is not valid."""

    code = "InvalidParameterValue.IllegalEmailAddress"


class InvalidParameterValueIllegalSenderName(InvalidParameterValue):
    """The sender's display name is not valid."""

    code = "InvalidParameterValue.IllegalSenderName"


class InvalidParameterValueInValidTemplateData(InvalidParameterValue):
    """Per-recipient template data is not valid."""

    code = "InvalidParameterValue.InValidTemplateData"


class InvalidParameterValueInvalidEmailIdentity(InvalidParameterValue):
    """The sender domain is not valid."""

    code = "InvalidParameterValue.InvalidEmailIdentity"


class InvalidParameterValueInvalidSmtpPassWord(InvalidParameterValue):
    """The SMTP password does not meet the rules."""

    code = "InvalidParameterValue.InvalidSmtpPassWord"


class InvalidParameterValueNoSuchSender(InvalidParameterValue):
    """No such sender address."""

    code = "InvalidParameterValue.NoSuchSender"


class InvalidParameterValueNotExistDomain(InvalidParameterValue):
    """No such sender domain."""

    code = "InvalidParameterValue.NotExistDomain"


class InvalidParameterValueReceiverDescIllegal(InvalidParameterValue):
    """The recipient list description is not valid."""

    code = "InvalidParameterValue.ReceiverDescIllegal"


class InvalidParameterValueReceiverNameIllegal(InvalidParameterValue):
    """The recipient list name is not valid."""

    code = "InvalidParameterValue.ReceiverNameIllegal"


class InvalidParameterValueRepeatCreation(InvalidParameterValue):
    """The resource exists already."""

    code = "InvalidParameterValue.RepeatCreation"


class InvalidParameterValueRepeatEmailAddress(InvalidParameterValue):
    """The sender address exists already."""

    code = "InvalidParameterValue.RepeatEmailAddress"


class InvalidParameterValueRepeatReceiverName(InvalidParameterValue):
    """A recipient list of that name exists already."""

    code = "InvalidParameterValue.RepeatReceiverName"


class InvalidParameterValueSubjectLengthError(InvalidParameterValue):
    """The subject is empty or too long."""

    code = "InvalidParameterValue.SubjectLengthError"


class InvalidParameterValueTemplateContentIsNULL(InvalidParameterValue):
    """The template has no content."""

    code = "InvalidParameterValue.TemplateContentIsNULL"


class InvalidParameterValueTemplateContentIsWrong(InvalidParameterValue):
    """The template content is not valid base64 of UTF-8 text."""

    code = "InvalidParameterValue.TemplateContentIsWrong"


class InvalidParameterValueTemplateDataError(InvalidParameterValue):
    """The template data is not valid JSON."""

    code = "InvalidParameterValue.TemplateDataError"


class InvalidParameterValueTemplateDataInconsistent(InvalidParameterValue):
    """The template data does not match across recipients."""

    code = "InvalidParameterValue.TemplateDataInconsistent"


class InvalidParameterValueTemplateDataLenLimit(InvalidParameterValue):
    """The template data is too long."""

    code = "InvalidParameterValue.TemplateDataLenLimit"


class InvalidParameterValueTemplateNameIllegal(InvalidParameterValue):
    """The template name is not valid."""

    code = "InvalidParameterValue.TemplateNameIllegal"


class InvalidParameterValueTemplateNameIsNULL(InvalidParameterValue):
    """The template name is empty."""

    code = "InvalidParameterValue.TemplateNameIsNULL"


class InvalidParameterValueTemplateNotExist(InvalidParameterValue):
    """No such template."""

    code = "InvalidParameterValue.TemplateNotExist"


class InvalidParameterValueWrongDate(InvalidParameterValue):
    """A date is malformed or out of range."""

    code = "InvalidParameterValue.WrongDate"


class LimitExceeded(TencentError):
    """A quantity limit was reached."""

    code = "LimitExceeded"
    http_status = 429


class LimitExceededExceedReceiverLimit(LimitExceeded):
    """The account has the most recipient lists it may have."""

    code = "LimitExceeded.ExceedReceiverLimit"


class LimitExceededReceiverDetailCountLimit(LimitExceeded):
    """The recipient list holds the most addresses it may hold."""

    code = "LimitExceeded.ReceiverDetailCountLimit"


class LimitExceededReceiverDetailRequestLimit(LimitExceeded):
    """Too many addresses in one request."""

    code = "LimitExceeded.ReceiverDetailRequestLimit"


class MissingParameter(TencentError):
    """A required parameter is missing."""

    code = "MissingParameter"


class MissingParameterCycleParamNecessary(MissingParameter):
    """CycleParam is required for this TaskType."""

    code = "MissingParameter.CycleParamNecessary"


class MissingParameterEmailsNecessary(MissingParameter):
    """The email addresses are required."""

    code = "MissingParameter.EmailsNecessary"


class MissingParameterReceiverIdNecessary(MissingParameter):
    """ReceiverId is required."""

    code = "MissingParameter.ReceiverIdNecessary"


class MissingParameterSendParamNecessary(MissingParameter):
    """The send parameters are required."""

    code = "MissingParameter.SendParamNecessary"


class MissingParameterTimedParamNecessary(MissingParameter):
    """TimedParam is required for this TaskType."""

    code = "MissingParameter.TimedParamNecessary"


class NoSuchVersion(TencentError):
    """No such API version."""

    code = "NoSuchVersion"


class OperationDenied(TencentError):
    """The operation is not allowed in the resource's current state."""

    code = "OperationDenied"


class OperationDeniedDomainNotVerified(OperationDenied):
    """The sender domain is not verified."""

    code = "OperationDenied.DomainNotVerified"


class OperationDeniedExceedDomainLimit(OperationDenied):
    """The account has the most sender domains it may have."""

    code = "OperationDenied.ExceedDomainLimit"


class OperationDeniedExceedSenderLimit(OperationDenied):
    """The account has the most sender addresses it may have."""

    code = "OperationDenied.ExceedSenderLimit"


class OperationDeniedReceiverIsOperating(OperationDenied):
    """The recipient list is being uploaded or used."""

    code = "OperationDenied.ReceiverIsOperating"


class OperationDeniedReceiverNotExist(OperationDenied):
    """No such recipient list."""

    code = "OperationDenied.ReceiverNotExist"


class OperationDeniedReceiverStatusError(OperationDenied):
    """The recipient list cannot be used in its current state."""

    code = "OperationDenied.ReceiverStatusError"


class OperationDeniedRepeatPassWord(OperationDenied):
    """The new SMTP password equals the old one."""

    code = "OperationDenied.RepeatPassWord"


class OperationDeniedSendAddressStatusError(OperationDenied):
    """The sender address cannot be used in its current state."""

    code = "OperationDenied.SendAddressStatusError"


class OperationDeniedSenderWithDomainIsNotEmpty(OperationDenied):
    """The domain still has sender addresses."""

    code = "OperationDenied.SenderWithDomainIsNotEmpty"


class OperationDeniedTemplateStatusError(OperationDenied):
    """The template cannot be used in its current state."""

    code = "OperationDenied.TemplateStatusError"


class RequestLimitExceeded(TencentError):
    """Too many requests."""

    code = "RequestLimitExceeded"


class RequestLimitExceededSmtpRateLimit(RequestLimitExceeded):
    """SMTP sending frequency limit (SMTP only; not in the SDK's list, reference section 6)."""

    code = "RequestLimitExceeded.SmtpRateLimit"


class RequestSizeLimitExceeded(TencentError):
    """The request is too large."""

    code = "RequestSizeLimitExceeded"


class ResourceInUse(TencentError):
    """The request clashes with the current state (e.g. a name already taken)."""

    code = "ResourceInUse"
    http_status = 409


class ResourceNotFound(TencentError):
    """No such account, message or resource."""

    code = "ResourceNotFound"
    http_status = 404


class UnknownParameter(TencentError):
    """A parameter that the Action does not define."""

    code = "UnknownParameter"


class UnsupportedOperation(TencentError):
    """The Action is not supported (not emulated yet)."""

    code = "UnsupportedOperation"


class UnsupportedProtocol(TencentError):
    """Only GET and POST are supported."""

    code = "UnsupportedProtocol"


class UnsupportedRegion(TencentError):
    """The Action is not offered in this region."""

    code = "UnsupportedRegion"


class AuthFailureInvalidAuthorization(AuthFailure):
    """The Authorization header is malformed."""

    code = "AuthFailure.InvalidAuthorization"


class AuthFailureSecretIdNotFound(AuthFailure):
    """The SecretId is unknown."""

    code = "AuthFailure.SecretIdNotFound"


class AuthFailureSignatureExpire(AuthFailure):
    """The request timestamp is too far from server time."""

    code = "AuthFailure.SignatureExpire"


class AuthFailureSignatureFailure(AuthFailure):
    """The signature does not match; or a bad SMTP login."""

    code = "AuthFailure.SignatureFailure"


class AuthFailureUnauthorizedOperation(AuthFailure):
    """The caller may not perform this Action."""

    code = "AuthFailure.UnauthorizedOperation"


class AuthFailureTokenFailure(AuthFailure):
    """A temporary credential's token is missing, wrong or expired."""

    code = "AuthFailure.TokenFailure"


class InternalError(ServerError):
    """Something unexpected; logged with its traceback."""

    code = "InternalError"


class ClockBackwards(InvalidParameterValue):
    """Clocks never move backwards (a specialisation: same code, not a registry entry of its own)."""


__all__ = [
    "AuthFailureInvalidAuthorization",
    "AuthFailureSecretIdNotFound",
    "AuthFailureSignatureExpire",
    "AuthFailureSignatureFailure",
    "AuthFailureUnauthorizedOperation",
    "AuthFailureTokenFailure",
    "ClockBackwards",
    "FailedOperation",
    "FailedOperationAttachContentToolarge",
    "FailedOperationEmailAddrInBlacklist",
    "FailedOperationEmailContentToolarge",
    "FailedOperationExceedSendLimit",
    "FailedOperationExceedTemplateLimit",
    "FailedOperationFileURLNotExist",
    "FailedOperationFrequencyLimit",
    "FailedOperationHighRejectionRate",
    "FailedOperationIncorrectEmail",
    "FailedOperationIncorrectSender",
    "FailedOperationInsufficientBalance",
    "FailedOperationInvalidAttachName",
    "FailedOperationInvalidLimit",
    "FailedOperationInvalidTemplateID",
    "FailedOperationMissingEmailContent",
    "FailedOperationNotAuthenticatedSender",
    "FailedOperationNotSupportDate",
    "FailedOperationReceiverHasUnsubscribed",
    "FailedOperationSummaryDataNotReady",
    "FailedOperationTemplateContentToolarge",
    "FailedOperationTooManyAttachments",
    "FailedOperationTooManyRecipients",
    "FailedOperationWithOutPermission",
    "FailedOperationWrongContentJson",
    "InternalError",
    "InvalidAction",
    "InvalidParameter",
    "InvalidParameterInvalidEndTimeFormat",
    "InvalidParameterInvalidParameter",
    "InvalidParameterInvalidStartTimeFormat",
    "InvalidParameterValue",
    "InvalidParameterValueAttachContentIsWrong",
    "InvalidParameterValueBeginTimeBeforeNow",
    "InvalidParameterValueEmailAddressIsNULL",
    "InvalidParameterValueEmailContentIsWrong",
    "InvalidParameterValueIllegalEmailAddress",
    "InvalidParameterValueIllegalSenderName",
    "InvalidParameterValueInValidTemplateData",
    "InvalidParameterValueInvalidEmailIdentity",
    "InvalidParameterValueInvalidSmtpPassWord",
    "InvalidParameterValueNoSuchSender",
    "InvalidParameterValueNotExistDomain",
    "InvalidParameterValueReceiverDescIllegal",
    "InvalidParameterValueReceiverNameIllegal",
    "InvalidParameterValueRepeatCreation",
    "InvalidParameterValueRepeatEmailAddress",
    "InvalidParameterValueRepeatReceiverName",
    "InvalidParameterValueSubjectLengthError",
    "InvalidParameterValueTemplateContentIsNULL",
    "InvalidParameterValueTemplateContentIsWrong",
    "InvalidParameterValueTemplateDataError",
    "InvalidParameterValueTemplateDataInconsistent",
    "InvalidParameterValueTemplateDataLenLimit",
    "InvalidParameterValueTemplateNameIllegal",
    "InvalidParameterValueTemplateNameIsNULL",
    "InvalidParameterValueTemplateNotExist",
    "InvalidParameterValueWrongDate",
    "LimitExceeded",
    "LimitExceededExceedReceiverLimit",
    "LimitExceededReceiverDetailCountLimit",
    "LimitExceededReceiverDetailRequestLimit",
    "MissingParameter",
    "MissingParameterCycleParamNecessary",
    "MissingParameterEmailsNecessary",
    "MissingParameterReceiverIdNecessary",
    "MissingParameterSendParamNecessary",
    "MissingParameterTimedParamNecessary",
    "NoSuchVersion",
    "OperationDenied",
    "OperationDeniedDomainNotVerified",
    "OperationDeniedExceedDomainLimit",
    "OperationDeniedExceedSenderLimit",
    "OperationDeniedReceiverIsOperating",
    "OperationDeniedReceiverNotExist",
    "OperationDeniedReceiverStatusError",
    "OperationDeniedRepeatPassWord",
    "OperationDeniedSendAddressStatusError",
    "OperationDeniedSenderWithDomainIsNotEmpty",
    "OperationDeniedTemplateStatusError",
    "RequestLimitExceeded",
    "RequestLimitExceededSmtpRateLimit",
    "RequestSizeLimitExceeded",
    "ResourceInUse",
    "ResourceNotFound",
    "UnknownParameter",
    "UnsupportedOperation",
    "UnsupportedProtocol",
    "UnsupportedRegion",
]
