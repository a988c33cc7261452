"""SMTP message refusals (reference §6, `domain.message_checks`): specialisations of the generic
`FailedOperation`, the code Tencent's SMTP error table gives each of these checks (so no registry entry
of their own; `isinstance` tells the rules apart). SMTP answers them in Tencent's `554 ...
##SES-response-json` form, the message starting with Tencent's documented text."""

from __future__ import annotations

from emulator.errors._codes import FailedOperation


class SmtpMessageRefused(FailedOperation):
    """A message received by SMTP breaks one of the §6 rules (the specialisations below say which)."""


class MissingHeader(SmtpMessageRefused):
    """From, To or Subject is absent or empty: `msg.From is null`, ..."""


class UnsupportedContentType(SmtpMessageRefused):
    """The top-level Content-Type is not one of Tencent's five: `Content-Type must in...`."""


class UnsupportedMimeVersion(SmtpMessageRefused):
    """MIME-Version is present and not 1.0: `Mime-Version must in...`."""


class UnsupportedAttachmentEncoding(SmtpMessageRefused):
    """An attachment part is not base64: `Content-Transfer-Encoding must in...`."""


class UnsupportedAttachmentDisposition(SmtpMessageRefused):
    """An attachment part is not `Content-Disposition: attachment`, or has a Content-ID (inline)."""


class BodyTooLarge(SmtpMessageRefused):
    """The message without its attachments is over 1 MB: `The email is too large. ...`."""


class AttachmentsTooLarge(SmtpMessageRefused):
    """One attachment over 5 MB, or all over 10 MB: `The attachments are too large. ...`."""


__all__ = [
    "AttachmentsTooLarge",
    "BodyTooLarge",
    "MissingHeader",
    "SmtpMessageRefused",
    "UnsupportedAttachmentDisposition",
    "UnsupportedAttachmentEncoding",
    "UnsupportedContentType",
    "UnsupportedMimeVersion",
]
