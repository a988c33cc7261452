"""What Tencent's SMTP service refuses in a message itself (reference §6; docs/profiles.md), on for an
account whose `smtp_checks` switch is on (the `production` profile sets it).

`smtp_message_refusal` returns the first broken rule as a typed refusal (`emulator.errors._message`, or
SendEmail's own code where Tencent's SMTP page defers to SendEmail), or None; the SMTP front-end answers
it in Tencent's `554 ... ##SES-response-json` form. In the order they are answered:

1. `From`, `To`, `Subject` present and not empty → `msg.From is null`, `msg.To is null`, `msg.Subject is null`
   (code `FailedOperation`, as Tencent's SMTP error table lists them; `msg.To` is inferred by analogy);
2. the subject at most 998 characters → `InvalidParameterValue.SubjectLengthError` (SendEmail's code and
   limit, `send_rules.MAX_SUBJECT_CHARS`: Tencent's SMTP page says its checks are SendEmail's);
3. `MIME-Version` absent or `1.0` (a trailing comment is allowed) → `Mime-Version must in...`;
4. the top-level `Content-Type` one of `text/plain; charset=UTF-8`, `text/html; charset=UTF-8`,
   `multipart/mixed`, `multipart/related`, `multipart/alternative` (type and charset compared without
   regard to case or quotes; other parameters such as `boundary` are free; an absent Content-Type is
   RFC 2045's text/plain and passes: Tencent lists only From, To and Subject as required)
   → `Content-Type must in...`;
5. each attachment part (a leaf that is not a text/plain or text/html body: `mime_read.is_attachment`,
   the mailbox's own rule) `Content-Transfer-Encoding: base64` → `Content-Transfer-Encoding must in...`,
   and `Content-Disposition: attachment` without a `Content-ID` (no inline parts) → `Content-Disposition
   must in...`;
6. the message without its attachments (bytes after the top-level header block, less the attachments'
   encoded content) at most 1 MB → `The email is too large. ...`;
7. each attachment (decoded size) at most 5 MB, all together at most 10 MB → `The attachments are too
   large. ...`.

Cost: rules 1–4 read the header fields the SMTP handler has already split (`mime_read.header_fields`)
and the decoded subject; a single-part message's size is `len(raw)` less its header block. A multipart
message is scanned for its boundaries in the raw bytes (only part headers are parsed; no content is
decoded or copied), which the SMTP handler runs off the event loop (`needs_parse`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message

from emulator.domain import mime_read
from emulator.domain.send_rules import MAX_SUBJECT_CHARS
from emulator.errors import (
    AttachmentsTooLarge,
    BodyTooLarge,
    InvalidParameterValueSubjectLengthError,
    MissingHeader,
    TencentError,
    UnsupportedAttachmentDisposition,
    UnsupportedAttachmentEncoding,
    UnsupportedContentType,
    UnsupportedMimeVersion,
)

MB = 1024 * 1024
MAX_BODY_BYTES = 1 * MB
MAX_ATTACHMENT_BYTES = 5 * MB
MAX_ATTACHMENTS_BYTES = 10 * MB
ALLOWED_CONTENT_TYPES = (
    "text/plain; charset=UTF-8",
    "text/html; charset=UTF-8",
    "multipart/mixed",
    "multipart/related",
    "multipart/alternative",
)
_TEXT_TYPES = frozenset({"text/plain", "text/html"})
_MULTIPART_TYPES = frozenset({"multipart/mixed", "multipart/related", "multipart/alternative"})
_CHARSET = re.compile(r';\s*charset\s*=\s*"?([^";\s]*)', re.IGNORECASE)
_REQUIRED = (("from", "From"), ("to", "To"))


def _main_type(value: str) -> str:
    return value.split(";", 1)[0].strip().lower()


def needs_parse(fields: dict[str, str]) -> bool:
    """Does checking this message parse its MIME structure (a multipart message), not only headers?"""
    ctype = fields.get("content-type")
    return ctype is not None and _main_type(ctype) in _MULTIPART_TYPES


def content_type_refusal(value: str | None) -> UnsupportedContentType | None:
    """Rule 4: the top-level Content-Type value (None: absent, which passes)."""
    if value is None:
        return None
    main = _main_type(value)
    if main in _MULTIPART_TYPES:
        return None
    if main in _TEXT_TYPES:
        m = _CHARSET.search(value)
        if m is not None and m.group(1).lower() == "utf-8":
            return None
    return UnsupportedContentType(f"Content-Type must in [{', '.join(ALLOWED_CONTENT_TYPES)}]; got {value!r}")


def mime_version_refusal(value: str | None) -> UnsupportedMimeVersion | None:
    """Rule 3: MIME-Version absent (None) or 1.0, e.g. `1.0 (Mac OS X Mail 16.0)`."""
    if value is None or value.split("(", 1)[0].strip() == "1.0":  # a comment may follow
        return None
    return UnsupportedMimeVersion(f"Mime-Version must in [1.0] (or be absent); got {value!r}")


def header_refusal(fields: dict[str, str], subject: str) -> TencentError | None:
    """Rules 1–4, from the header fields alone; `subject` is the decoded Subject."""
    for key, name in _REQUIRED:
        if not fields.get(key, "").strip():
            return MissingHeader(f"msg.{name} is null")
    if not subject.strip():
        return MissingHeader("msg.Subject is null")
    if len(subject) > MAX_SUBJECT_CHARS:
        return InvalidParameterValueSubjectLengthError(
            f"Subject is {len(subject)} characters; at most {MAX_SUBJECT_CHARS} (UTF-8)."
        )
    return mime_version_refusal(fields.get("mime-version")) or content_type_refusal(
        fields.get("content-type")
    )


_BLANK_LINE = re.compile(rb"\r?\n\r?\n")
_CONTINUATION = re.compile(r"\r?\n(?=[ \t])")
_MIME_FIELDS = frozenset({"content-type", "content-disposition", "content-transfer-encoding", "content-id"})
_MAX_DEPTH = 40
_WHITESPACE = (b"\r", b"\n", b" ", b"\t")


@dataclass(frozen=True, slots=True)
class _Leaf:
    """A leaf part: its header fields (a header-only Message, for the mailbox's `is_attachment`) and
    where its encoded content lies in the message."""

    headers: Message
    start: int
    end: int


def _content_start(raw: bytes, start: int, end: int) -> tuple[int, int]:
    """(end of the header block, start of the content) of the entity at raw[start:end]."""
    if raw.startswith(b"\n", start) or raw.startswith(b"\r\n", start):  # no headers at all
        return start, start + (1 if raw[start] == 0x0A else 2)
    blank = _BLANK_LINE.search(raw, start, end)
    return (end, end) if blank is None else (blank.start(), blank.end())


def _entity(raw: bytes, start: int, end: int) -> tuple[Message, int]:
    """The MIME header fields of the entity at raw[start:end] (a header-only Message, first value of
    each, as `mime_read.header_fields` splits them: the email parser costs ~100 µs a part) and where its
    content starts."""
    block_end, content = _content_start(raw, start, end)
    headers = Message()
    seen: set[str] = set()
    text = raw[start:block_end].decode("ascii", "surrogateescape")
    for line in _CONTINUATION.sub("", text).splitlines():
        name, sep, value = line.partition(":")
        key = name.strip().lower()
        if sep and key in _MIME_FIELDS and key not in seen and not name[:1].isspace():
            seen.add(key)
            headers.set_raw(name.strip(), value.strip())
    return headers, content


def _delimiter(raw: bytes, delim: bytes, pos: int, end: int) -> int:
    """The start of the next line at or after `pos` that is the boundary delimiter, or -1."""
    at = pos if raw.startswith(delim, pos) and (pos == 0 or raw[pos - 1] == 0x0A) else -1
    line_delim = b"\n" + delim
    while True:
        if at == -1:
            i = raw.find(line_delim, pos, end)
            if i == -1:
                return -1
            at = i + 1
        after = raw[at + len(delim) : at + len(delim) + 1]
        if after in (b"", b"\r", b"\n", b" ", b"\t", b"-"):  # not a longer word starting with it
            return at
        pos, at = at + 1, -1


def _leaves(raw: bytes, start: int, end: int, headers: Message, depth: int = 0) -> Iterator[_Leaf]:
    """Leaf parts in order, found by their boundaries in the raw bytes (RFC 2046 §5.1.1) without
    decoding or copying any content; an attached message (message/*) is one leaf, as in the mailbox."""
    boundary = headers.get_boundary() if headers.get_content_maintype() == "multipart" else None
    if not boundary or depth > _MAX_DEPTH:
        yield _Leaf(headers, start, end)
        return
    delim = b"--" + boundary.encode("ascii", "surrogateescape")
    at = _delimiter(raw, delim, start, end)
    if at == -1:  # no parts after all: the content is one leaf (the lenient parser reads it so too)
        yield _Leaf(headers, start, end)
        return
    while True:
        line_end = raw.find(b"\n", at, end)
        if raw.startswith(b"--", at + len(delim)) or line_end == -1:  # the close delimiter
            return
        part_start = line_end + 1
        nxt = _delimiter(raw, delim, part_start, end)
        part_end = end if nxt == -1 else nxt - (2 if raw[nxt - 2 : nxt] == b"\r\n" else 1)
        sub, content = _entity(raw, part_start, max(part_end, part_start))
        yield from _leaves(raw, content, max(part_end, content), sub, depth + 1)
        if nxt == -1:
            return
        at = nxt


def _base64_size(raw: bytes, start: int, end: int) -> int:
    """Decoded size of the base64 text raw[start:end] without decoding it (whitespace ignored, padding
    subtracted)."""
    chars = end - start - sum(raw.count(c, start, end) for c in _WHITESPACE)
    tail = raw[max(start, end - 8) : end].rstrip()[-2:]
    return max(chars * 3 // 4 - tail.count(b"="), 0)


def _label(part: Message, index: int) -> str:
    try:
        name = part.get_filename()
    except Exception:  # noqa: BLE001 - broken RFC 2231 parameters: name it by position
        name = None
    return (
        f"attachment {index + 1} ({name})" if name else f"attachment {index + 1} ({part.get_content_type()})"
    )


def _body_refusal(body: int) -> BodyTooLarge | None:
    if body <= MAX_BODY_BYTES:
        return None
    return BodyTooLarge(
        f"The email is too large. Remove some content: the body without attachments is {body} bytes; "
        f"at most {MAX_BODY_BYTES}."
    )


def parts_refusal(raw: bytes) -> TencentError | None:
    """Rules 5–7 (the parts and sizes) of a message whose headers passed rules 1–4."""
    top, content = _entity(raw, 0, len(raw))
    body = len(raw) - content
    sizes: list[tuple[str, int]] = []
    for leaf in _leaves(raw, content, len(raw), top):
        part = leaf.headers
        if leaf.headers is top or not mime_read.is_attachment(part):
            continue
        label = _label(part, len(sizes))
        cte = str(part.get("content-transfer-encoding", "")).strip().lower()
        if cte != "base64":
            return UnsupportedAttachmentEncoding(
                f"Content-Transfer-Encoding must in [base64] for attachments; got {cte or 'none'!r} "
                f"in {label}"
            )
        disposition = part.get_content_disposition()
        if disposition != "attachment":
            return UnsupportedAttachmentDisposition(
                f"Content-Disposition must in [attachment] for attachments; got "
                f"{disposition or 'none'!r} in {label} (inline parts are not supported)"
            )
        if part.get("content-id") is not None:
            return UnsupportedAttachmentDisposition(
                f"Content-ID is not supported: {label} is an inline part; send it as an attachment"
            )
        body -= leaf.end - leaf.start
        sizes.append((label, _base64_size(raw, leaf.start, leaf.end)))
    refusal = _body_refusal(body)
    if refusal is not None:
        return refusal
    for label, size in sizes:
        if size > MAX_ATTACHMENT_BYTES:
            return AttachmentsTooLarge(
                f"The attachments are too large. Make sure they do not exceed the limits: {label} is "
                f"{size} bytes; at most {MAX_ATTACHMENT_BYTES} each."
            )
    total = sum(size for _label_, size in sizes)
    if total > MAX_ATTACHMENTS_BYTES:
        return AttachmentsTooLarge(
            f"The attachments are too large. Make sure they do not exceed the limits: {len(sizes)} "
            f"attachments are {total} bytes together; at most {MAX_ATTACHMENTS_BYTES}."
        )
    return None


def smtp_message_refusal(raw: bytes, fields: dict[str, str], subject: str) -> TencentError | None:
    """The first §6 rule `raw` breaks, or None. `fields`: `mime_read.header_fields(raw)`; `subject`:
    its decoded Subject (`mime_read.summarize_headers`)."""
    refusal = header_refusal(fields, subject)
    if refusal is not None:
        return refusal
    if needs_parse(fields):
        return parts_refusal(raw)
    return _body_refusal(len(raw) - _content_start(raw, 0, len(raw))[1])  # one part: no attachments


__all__ = [
    "ALLOWED_CONTENT_TYPES",
    "MAX_ATTACHMENTS_BYTES",
    "MAX_ATTACHMENT_BYTES",
    "MAX_BODY_BYTES",
    "content_type_refusal",
    "header_refusal",
    "mime_version_refusal",
    "needs_parse",
    "parts_refusal",
    "smtp_message_refusal",
]
