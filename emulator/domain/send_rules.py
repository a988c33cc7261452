"""SendEmail input rules: what Tencent refuses, with the code it refuses it with.

The API front-end turns the request JSON into a `SendEmailInput`; `validate_send` checks every
request-only rule (nothing that needs the database: sender identity, template existence and
status, balance and rate limits are the sending service's job) and returns a decoded `ValidSend`.
It raises on the first broken rule, in this order: header injection, sender, subject, recipients,
reply-to / header-from / message-id / extra headers, Unsubscribe / TriggerType, content, attachments,
size. The subject comes back with TemplateData filled in; template bodies are filled by the caller
(`fill_template`), which then calls `check_size` again.

Choices where Tencent's documents are silent or disagree:
- Subject length: 1..998 characters (the FAQ's RFC 5322 limit), not the 1..100 of the
  `SubjectLengthError` description, so subjects real users send successfully are not refused.
- An invalid recipient is `FailedOperation.IncorrectEmail` (SendEmail's own "bad email address"
  code; `InvalidParameterValue.ReceiverEmailInvalid` belongs to recipient lists); an empty
  recipient string is `InvalidParameterValue.EmailAddressIsNULL`.
- Template and Simple both given: the template wins and Simple is ignored (template sending is the
  documented default channel).
- TemplateData values may be strings, numbers, booleans or null (rendered as JSON text, null as
  ''); arrays and objects are `FailedOperation.WrongContentJson`, as is anything not a JSON object.
- Unknown `{{var}}` placeholders are sent literally (see `fill_template`).
- SmtpHeaders may not set headers that have their own parameter or that SES writes itself
  (From, To, Subject, Message-ID, Content-Type, ...): `InvalidParameterValue` names the parameter.
- Base64 is strict (standard alphabet, padding required); CR/LF inside it are ignored, as Go's
  decoder does.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import mimetypes
import re
import unicodedata
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.utils import getaddresses

from emulator.domain.addresses import is_valid_email, normalize, parse_from
from emulator.domain.metering import distinct_recipients
from emulator.errors import (
    FailedOperationAttachContentToolarge,
    FailedOperationFileURLNotExist,
    FailedOperationIncorrectEmail,
    FailedOperationInvalidAttachName,
    FailedOperationInvalidTemplateID,
    FailedOperationMissingEmailContent,
    FailedOperationTooManyAttachments,
    FailedOperationTooManyRecipients,
    FailedOperationWrongContentJson,
    InvalidParameterValue,
    InvalidParameterValueAttachContentIsWrong,
    InvalidParameterValueEmailAddressIsNULL,
    InvalidParameterValueEmailContentIsWrong,
    InvalidParameterValueInValidTemplateData,
    InvalidParameterValueSubjectLengthError,
    MessageTooLarge,
    MissingParameter,
    TencentError,
)

MAX_TO = 50
MAX_CC = 20
MAX_BCC = 20
MAX_ATTACHMENTS = 10
MAX_SUBJECT_CHARS = 998
MAX_FILENAME_CHARS = 255
MAX_MESSAGE_BYTES = 4 * 1024 * 1024
UNSUBSCRIBE_CODES = frozenset(str(n) for n in range(13))

# Tencent's "unsupported attachment types" page (audio/video, executables, scripts, system files).
_FORBIDDEN_EXTENSION_LIST = """m4v wma ogg flac wav aif aifc aiff mp4 mov avi mkv mpeg mpg wmv
    ade adp app asp bas bat cer chm cmd com cpl crt csh der exe fxp gadget hlp hta inf ins isp its
    js jse ksh lib lnk mad maf mag mam maq mar mas mat mau mav maw mda mdb mde mdt mdw mdz msc msh
    msh1 msh2 mshxml msh1xml msh2xml msi msp mst ops pcd pif plg prf prg reg scf scr sct shb shs sys
    ps1 ps1xml ps2 ps2xml psc1 psc2 tmp url vb vbe vbs vps vsmacros vss vst vsw vxd ws wsc wsf wsh
    xnk"""
FORBIDDEN_EXTENSIONS = frozenset(_FORBIDDEN_EXTENSION_LIST.split())
_BAD_FILENAME_CHARS = frozenset('?\\*|"<>:/ ')
# Everything str.splitlines() breaks on (the email package refuses these in headers) plus NUL.
_LINE_BREAKS = frozenset("\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029\x00")
_HTML_TAG = re.compile(r"</?[A-Za-z][^<>]*>|<!--")
_PLACEHOLDER = re.compile(r"\{\{([^{}\s]+)\}\}")
_MESSAGE_ID = re.compile(r"[!-~]+")
_HEADER_NAME = re.compile(r"[!-9;-~]+")  # printable ASCII without ':' (RFC 5322 ftext)
# SmtpHeaders may not set these: they have their own parameter, or SES writes them itself.
_HEADER_PARAMS = {"from": "FromEmailAddress or HeaderFrom", "to": "Destination", "cc": "Cc", "bcc": "Bcc"}
_HEADER_PARAMS |= {"subject": "Subject", "reply-to": "ReplyToAddresses", "message-id": "SmtpMessageId"}
_SES_HEADERS = frozenset(
    ("date", "mime-version", "content-type", "content-transfer-encoding", "content-disposition", "sender")
    + ("return-path", "orig-date", *(f"resent-{h}" for h in ("date", "from", "sender", "to", "cc", "bcc")))
)
# Built-in table only: the system's /etc/mime.types would make the guess machine-dependent.
_MIME_TYPES = mimetypes.MimeTypes()


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    content_type: str


@dataclass(slots=True)
class SendEmailInput:
    """A SendEmail request as plain values, built by the API front-end from the request JSON. Read-only
    by convention: a frozen dataclass of this size costs microseconds to build, once per request."""

    from_address: str
    subject: str
    to: list[str]
    cc: list[str]
    bcc: list[str]
    reply_to: str | None = None
    template_id: int | None = None
    template_data: str | None = None
    simple_html_b64: str | None = None
    simple_text_b64: str | None = None
    # (FileName, Content base64); Content None: the attachment was given by FileURL, which is refused
    attachments: list[tuple[str, str | None]] = field(default_factory=list)
    unsubscribe: str | None = None
    trigger_type: int | None = None
    smtp_message_id: str | None = None
    smtp_headers: str | None = None
    header_from: str | None = None


@dataclass(slots=True)
class ValidSend:
    """A checked and decoded SendEmail request; addresses normalized (domain lower-cased). Read-only by
    convention (not frozen, for the same reason as SendEmailInput)."""

    alias: str | None
    sender: str
    subject: str  # template variables already filled in
    to: list[str]
    cc: list[str]
    bcc: list[str]
    recipients: list[str]
    reply_to: str | None
    template_id: int | None
    variables: dict[str, str]
    html: str | None
    text: str | None
    attachments: list[Attachment]
    extra_headers: dict[str, str]
    smtp_message_id: str | None
    header_from: str | None
    unsubscribe: str | None
    trigger_type: int


def _no_line_breaks(name: str, value: str | None) -> None:
    """Refuse line breaks (CR, LF, ...) and NUL in anything that becomes a header: header injection."""
    if value is not None and not _LINE_BREAKS.isdisjoint(value):
        raise InvalidParameterValue(f"{name} must not contain line breaks (CR, LF) or NUL characters.")


def _b64decode(value: str) -> bytes | None:
    """Strict standard base64 (line breaks ignored); None when it is not base64."""
    try:
        return base64.b64decode(value.replace("\r", "").replace("\n", ""), validate=True)
    except (binascii.Error, ValueError):
        return None


def _recipients(field: str, values: list[str], limit: int) -> list[str]:
    if len(values) > limit:
        raise FailedOperationTooManyRecipients(
            f"{field} has {len(values)} addresses; at most {limit} are allowed.",
        )
    out: list[str] = []
    for value in values:
        if not isinstance(value, str) or not value.strip():
            raise InvalidParameterValueEmailAddressIsNULL(f"{field} contains an empty address.")
        addr = value.strip()
        if not is_valid_email(addr):
            raise FailedOperationIncorrectEmail(f"{field} address {value!r} is not a valid email address.")
        out.append(normalize(addr))
    return out


def envelope_recipient_refusal(accepted: int, cap: int) -> FailedOperationTooManyRecipients | None:
    """SMTP: the refusal for one more RCPT TO once `accepted` recipients reach the per-message cap."""
    if accepted >= cap:
        return FailedOperationTooManyRecipients(f"too many recipients: at most {cap} per message")
    return None


def _reply_to(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    try:
        alias, addr = parse_from(value.strip())
    except TencentError:
        raise FailedOperationIncorrectEmail(
            f"ReplyToAddresses {value!r} is not a valid email address."
        ) from None
    if not alias:
        return addr
    local, _, domain = addr.rpartition("@")
    return str(Address(display_name=alias, username=local, domain=domain))  # quotes ',' '"' etc.


def _header_from(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    pairs = getaddresses([value])
    if len(pairs) != 1 or not is_valid_email(pairs[0][1]):
        raise InvalidParameterValue(f"HeaderFrom {value!r} must hold exactly one valid email address.")
    return value.strip()


def _message_id(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    value = value.strip()
    if not _MESSAGE_ID.fullmatch(value) or len(value) > MAX_SUBJECT_CHARS:
        raise InvalidParameterValue(
            "SmtpMessageId must be printable ASCII without spaces, such as <id@example.com>."
        )
    return value


def _smtp_headers(value: str | None) -> dict[str, str]:
    if value is None or not value.strip():
        return {}
    try:
        data = json.loads(value)
    except ValueError:
        data = None
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise InvalidParameterValue(
            'SmtpHeaders must be a JSON object of string values, e.g. {"X-Tag": "a"}.'
        )
    for name, header_value in data.items():
        if not _HEADER_NAME.fullmatch(name):
            raise InvalidParameterValue(f"SmtpHeaders name {name!r} is not a valid header name.")
        _no_line_breaks(f"SmtpHeaders value of {name}", header_value)
        if name.lower() in _HEADER_PARAMS:
            raise InvalidParameterValue(
                f"SmtpHeaders may not set {name}: use the {_HEADER_PARAMS[name.lower()]} parameter."
            )
        if name.lower() in _SES_HEADERS:
            raise InvalidParameterValue(f"SmtpHeaders may not set {name}: SES writes it.")
    return dict(data)


def _template_variables(template_id: int | None, data: str | None) -> dict[str, str]:
    if template_id is None:
        raise MissingParameter("Template.TemplateID is required.")
    if data is None:
        raise MissingParameter("Template.TemplateData is required.")
    if isinstance(template_id, bool) or not isinstance(template_id, int) or template_id <= 0:
        raise FailedOperationInvalidTemplateID(f"TemplateID {template_id!r} is not valid.")
    try:
        parsed = json.loads(data)
    except ValueError:
        parsed = None
    if not isinstance(parsed, dict):
        raise FailedOperationWrongContentJson(
            'TemplateData must be a JSON object serialised as a string, e.g. "{\\"code\\": \\"123\\"}".',
        )
    variables: dict[str, str] = {}
    for key, raw in parsed.items():
        if isinstance(raw, (dict, list)):
            raise FailedOperationWrongContentJson(
                f"TemplateData value of {key!r} must be text, not {type(raw).__name__}.",
            )
        value = raw if isinstance(raw, str) else ("" if raw is None else json.dumps(raw))
        if _HTML_TAG.search(value):
            raise InvalidParameterValueInValidTemplateData(
                f"TemplateData value of {key!r} contains HTML; template values must be plain text.",
            )
        variables[key] = value
    return variables


def _simple_bodies(html_b64: str | None, text_b64: str | None) -> tuple[str | None, str | None]:
    bodies: list[str | None] = []
    for name, encoded in (("Simple.Html", html_b64), ("Simple.Text", text_b64)):
        if not encoded:
            bodies.append(None)
            continue
        raw = _b64decode(encoded)
        if raw is None:
            raise InvalidParameterValueEmailContentIsWrong(f"{name} is not valid base64.")
        try:
            bodies.append(raw.decode("utf-8"))
        except UnicodeDecodeError:
            raise InvalidParameterValueEmailContentIsWrong(f"{name} is not base64 of UTF-8 text.") from None
    html, text = bodies
    if html is None and text is None:
        raise InvalidParameterValueEmailContentIsWrong("Simple needs Html or Text (base64 of UTF-8).")
    return html, text


def check_filename(name: str) -> None:
    """Tencent's attachment-name rules: 1..255 chars, no `? \\ * | " < > : /` or space, allowed type."""
    _no_line_breaks("Attachments.FileName", name)
    if not name:
        raise FailedOperationInvalidAttachName("Attachments.FileName is empty.")
    if len(name) > MAX_FILENAME_CHARS:
        raise FailedOperationInvalidAttachName(
            f"Attachment name is {len(name)} characters; at most {MAX_FILENAME_CHARS}."
        )
    if _BAD_FILENAME_CHARS.intersection(name) or any(unicodedata.category(ch) == "Cc" for ch in name):
        raise FailedOperationInvalidAttachName(
            f'Attachment name {name!r} contains a forbidden character (? \\ * | " < > : / or space).'
        )
    if not name.strip("."):
        raise FailedOperationInvalidAttachName(f"Attachment name {name!r} is not a file name.")
    _, dot, ext = name.rpartition(".")
    if dot and ext.lower() in FORBIDDEN_EXTENSIONS:
        raise FailedOperationInvalidAttachName(f"Attachments of type .{ext.lower()} are not supported.")


def guess_content_type(filename: str) -> str:
    """Content type from the extension (built-in table), application/octet-stream otherwise."""
    return _MIME_TYPES.guess_type(filename, strict=False)[0] or "application/octet-stream"


def _attachments(items: list[tuple[str, str | None]]) -> list[Attachment]:
    if len(items) > MAX_ATTACHMENTS:
        raise FailedOperationTooManyAttachments(
            f"{len(items)} attachments; at most {MAX_ATTACHMENTS} are allowed.",
        )
    out: list[Attachment] = []
    for name, content in items:
        check_filename(name)
        data = _b64decode(content or "")
        if data is None:
            raise InvalidParameterValueAttachContentIsWrong(
                f"Content of attachment {name!r} is not valid base64.",
            )
        out.append(Attachment(name, data, guess_content_type(name)))
    return out


def _utf8_length(text: str) -> int:
    return len(text) if text.isascii() else len(text.encode("utf-8"))  # no copy for ASCII


def check_size(
    html: str | None,
    text: str | None,
    attachments: list[Attachment],
    max_message_bytes: int = MAX_MESSAGE_BYTES,
) -> None:
    """Decoded bodies plus attachments must fit the message limit (call again after filling a template)."""
    attached = sum(len(a.content) for a in attachments)
    if attached > max_message_bytes:
        raise FailedOperationAttachContentToolarge(
            f"Attachments total {attached} bytes; the limit is {max_message_bytes}.",
        )
    total = attached + sum(_utf8_length(b) for b in (html, text) if b)
    if total > max_message_bytes:
        raise MessageTooLarge(f"The email is {total} bytes; the limit is {max_message_bytes}.")


def validate_send(inp: SendEmailInput, max_message_bytes: int = MAX_MESSAGE_BYTES) -> ValidSend:
    """Check a SendEmail request against Tencent's request rules; raise the first failure."""
    if any(content is None for _name, content in inp.attachments):
        raise FailedOperationFileURLNotExist("Attachments by FileURL are not supported; give Content.")
    for name, value in (
        ("FromEmailAddress", inp.from_address),
        ("Subject", inp.subject),
        ("ReplyToAddresses", inp.reply_to),
        ("HeaderFrom", inp.header_from),
        ("SmtpMessageId", inp.smtp_message_id),
    ):
        _no_line_breaks(name, value)
    alias, sender = parse_from(inp.from_address)

    if not inp.subject or len(inp.subject) > MAX_SUBJECT_CHARS:
        raise InvalidParameterValueSubjectLengthError(
            f"Subject must be 1 to {MAX_SUBJECT_CHARS} characters (got {len(inp.subject or '')}).",
        )

    if not (inp.to or inp.cc or inp.bcc):
        raise MissingParameter("Destination, Cc or Bcc is required")
    to = _recipients("Destination", inp.to, MAX_TO)
    cc = _recipients("Cc", inp.cc, MAX_CC)
    bcc = _recipients("Bcc", inp.bcc, MAX_BCC)
    to_keys = {a.lower() for a in to}
    overlap = [a for a in bcc if a.lower() in to_keys]
    if overlap:
        raise InvalidParameterValue(f"Bcc must not repeat an address of Destination: {overlap[0]}.")

    reply_to = _reply_to(inp.reply_to)
    header_from = _header_from(inp.header_from)
    message_id = _message_id(inp.smtp_message_id)
    extra_headers = _smtp_headers(inp.smtp_headers)

    if inp.unsubscribe is not None and inp.unsubscribe not in UNSUBSCRIBE_CODES:
        raise InvalidParameterValue(
            f"Unsubscribe must be a string from '0' to '12', got {inp.unsubscribe!r}."
        )
    trigger_type = 0 if inp.trigger_type is None else inp.trigger_type
    if isinstance(trigger_type, bool) or trigger_type not in (0, 1):
        raise InvalidParameterValue(f"TriggerType must be 0 or 1, got {inp.trigger_type!r}.")

    html: str | None = None
    text: str | None = None
    variables: dict[str, str] = {}
    if inp.template_id is not None or inp.template_data is not None:
        variables = _template_variables(inp.template_id, inp.template_data)
    elif inp.simple_html_b64 is not None or inp.simple_text_b64 is not None:
        html, text = _simple_bodies(inp.simple_html_b64, inp.simple_text_b64)
    else:
        raise FailedOperationMissingEmailContent("Template or Simple is required.")
    subject = fill_template(inp.subject, variables)
    if subject != inp.subject:  # the filled subject is a header too
        _no_line_breaks("Subject with TemplateData filled in", subject)
        if len(subject) > MAX_SUBJECT_CHARS:
            raise InvalidParameterValueSubjectLengthError(
                f"Subject with TemplateData filled in is {len(subject)} characters; "
                f"at most {MAX_SUBJECT_CHARS}.",
            )

    attachments = _attachments(inp.attachments)
    check_size(html, text, attachments, max_message_bytes)

    return ValidSend(
        alias=alias,
        sender=sender,
        subject=subject,
        to=to,
        cc=cc,
        bcc=bcc,
        recipients=distinct_recipients(to, cc, bcc),
        reply_to=reply_to,
        template_id=inp.template_id,
        variables=variables,
        html=html,
        text=text,
        attachments=attachments,
        extra_headers=extra_headers,
        smtp_message_id=message_id,
        header_from=header_from,
        unsubscribe=inp.unsubscribe,
        trigger_type=trigger_type,
    )


def fill_template(text: str, variables: dict[str, str]) -> str:
    """Replace each `{{name}}` with its value in one pass (values are not re-expanded).

    A placeholder with no value is left as the literal `{{name}}`, as Tencent sends it; names are
    matched exactly (`{{ name }}` with spaces is not a placeholder).
    """
    parts, placeholders = _template_parts(text)
    if not placeholders:
        return text
    out = parts.copy()
    get = variables.get
    out[1::2] = [get(name, literal) for name, literal in placeholders]
    return "".join(out)


@functools.lru_cache(maxsize=256)
def _template_parts(text: str) -> tuple[list[str], list[tuple[str, str]]]:
    """The template split once (literal text at even positions, placeholder names at odd ones) and the
    placeholders in order as (name, `{{name}}`); each message fills the odd positions and joins."""
    parts = _PLACEHOLDER.split(text)
    return parts, [(name, "{{" + name + "}}") for name in parts[1::2]]


__all__ = [
    "FORBIDDEN_EXTENSIONS",
    "MAX_ATTACHMENTS",
    "MAX_BCC",
    "MAX_CC",
    "MAX_FILENAME_CHARS",
    "MAX_MESSAGE_BYTES",
    "MAX_SUBJECT_CHARS",
    "MAX_TO",
    "Attachment",
    "SendEmailInput",
    "ValidSend",
    "check_filename",
    "check_size",
    "fill_template",
    "guess_content_type",
    "validate_send",
]
