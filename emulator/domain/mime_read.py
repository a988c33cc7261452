"""Reading any captured message back: the mailbox view, attachments, summaries and search text.

Reading must survive anything an SMTP client can send, so it parses with the lenient `compat32`
policy, decodes headers itself and never raises: `parse_message`, `summarize_headers` and
`search_text` return what they could read. Every string they return is valid Unicode without NUL
(safe for JSON and any database).
"""

from __future__ import annotations

import email.policy
import html as html_lib
import mimetypes
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.header import decode_header
from email.message import Message
from email.parser import BytesParser

from emulator.errors import NotFound

_MAX_DEPTH = 40
_FOLD = re.compile(r"\r?\n(?=[ \t])")
_SCRIPT_STYLE = re.compile(r"<(script|style)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]*>")
_SPACES = re.compile(r"\s+")
_SURROGATE = re.compile("[\ud800-\udfff]")
_MIME_TYPES = mimetypes.MimeTypes()  # built-in table only: machine-independent
_CRLF = email.policy.compat32.clone(linesep="\r\n")


@dataclass(frozen=True)
class AttachmentInfo:
    index: int
    filename: str
    content_type: str
    size: int


@dataclass(frozen=True)
class ParsedMessage:
    """What a mailbox reader shows; `from_` is the From header (`from` is a Python keyword)."""

    subject: str = ""
    from_: str = ""
    to: str = ""
    cc: str = ""
    reply_to: str = ""
    date: str = ""
    message_id: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)
    text: str | None = None
    html: str | None = None
    attachments: list[AttachmentInfo] = field(default_factory=list)
    parse_error: str | None = None


def _clean(value: str) -> str:
    """Valid Unicode without NUL: lone surrogates (from undecodable bytes) become U+FFFD."""
    if "\x00" in value:
        value = value.replace("\x00", "")
    if not value.isascii() and _SURROGATE.search(value):
        value = _SURROGATE.sub("\ufffd", value)
    return value


def _decode_bytes(data: bytes, charset: str | None) -> str:
    for candidate in (charset, "utf-8"):
        if candidate:
            try:
                return data.decode(candidate)
            except Exception:  # noqa: BLE001 - unknown or broken charset: try the next one
                pass
    return data.decode("utf-8", "replace")


def _decode_header(value: object) -> str:
    """Unfold, read raw 8-bit bytes as UTF-8 and decode RFC 2047 encoded words; never raises."""
    try:
        raw = str(value)
        if not raw.isascii():  # raw 8-bit header bytes arrive surrogate-escaped
            raw = raw.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        raw = _FOLD.sub("", raw)
        if "=?" not in raw:
            return _clean(raw).strip()
        out: list[str] = []
        for chunk, charset in decode_header(raw):
            if isinstance(chunk, str):
                out.append(chunk)
            elif charset is None:
                out.append(chunk.decode("raw-unicode-escape", "replace"))
            else:
                out.append(_decode_bytes(chunk, charset))
        return _clean("".join(out)).strip()
    except Exception:  # any header garbage: fall back to the raw text
        return _clean(str(value)).strip() if isinstance(value, str) else ""


def _header(headers: list[tuple[str, str]], name: str) -> str:
    name = name.lower()
    return next((value for key, value in headers if key.lower() == name), "")


def _leaves(part: Message, depth: int = 0) -> Iterator[Message]:
    """Leaf parts in order; an attached email (message/*) is one leaf, not descended into."""
    if depth > _MAX_DEPTH:
        return
    payload = part.get_payload()
    if isinstance(payload, list) and part.get_content_maintype() != "message":
        for sub in payload:
            if isinstance(sub, Message):
                yield from _leaves(sub, depth + 1)
    else:
        yield part


def is_attachment(part: Message) -> bool:
    """A leaf part the mailbox lists as an attachment (and Tencent's SMTP rules treat as one): a
    disposition of attachment, a file name, or anything but a text/plain or text/html body."""
    if part.get_content_disposition() == "attachment" or part.get_param(
        "filename", header="content-disposition"
    ):
        return True
    if part.get_param("name"):
        return True
    return part.get_content_type() not in ("text/plain", "text/html")


def _part_bytes(part: Message) -> bytes:
    if part.get_content_maintype() == "message":
        payload = part.get_payload()
        if isinstance(payload, list):
            return b"".join(p.as_bytes(policy=_CRLF) for p in payload if isinstance(p, Message))
    data = part.get_payload(decode=True)
    return data if isinstance(data, bytes) else b""


def _decoded_params(part: Message) -> Message:
    """Content-Type / Content-Disposition with raw 8-bit bytes read as UTF-8, for parameter lookup.

    compat32 would hand 8-bit parameters back as U+FFFD; re-reading the decoded text keeps them.
    """
    holder = Message()
    for key, value in part.raw_items():
        if key.lower() in ("content-type", "content-disposition"):
            holder[key] = _decode_header(value)
    return holder


def _safe_filename(part: Message, index: int) -> str:
    """The part's file name, decoded (RFC 2231 / 2047 / raw UTF-8), without any path."""
    try:
        name = _decode_header(_decoded_params(part).get_filename() or "")
    except Exception:  # noqa: BLE001 - bad RFC 2231 parameters
        name = ""
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch) != "Cc")
    if name.strip(".") == "":
        ctype = part.get_content_type()
        ext = ".eml" if ctype == "message/rfc822" else _MIME_TYPES.guess_extension(ctype, strict=False)
        name = f"attachment-{index + 1}{ext or '.bin'}"
    return _clean(name)


def _text_of(part: Message) -> str:
    try:
        charset = part.get_content_charset()
    except Exception:
        charset = None
    return _clean(_decode_bytes(_part_bytes(part), charset))


@dataclass
class _Extracted:
    text: str | None = None
    html: str | None = None
    attachments: list[Message] = field(default_factory=list)


def _extract(msg: Message) -> _Extracted:
    """First plain and first HTML body part; every other leaf is an attachment."""
    out = _Extracted()
    for part in _leaves(msg):
        ctype = part.get_content_type()
        if not is_attachment(part) and ctype == "text/plain" and out.text is None:
            out.text = _text_of(part)
        elif not is_attachment(part) and ctype == "text/html" and out.html is None:
            out.html = _text_of(part)
        elif part.get_content_maintype() != "multipart":
            out.attachments.append(part)
    return out


def _parse(raw: bytes) -> Message:
    return BytesParser(policy=email.policy.compat32).parsebytes(raw)


def _raw_text(raw: bytes) -> str:
    return _clean(raw.decode("utf-8", "replace"))


def parse_message(raw: bytes) -> ParsedMessage:
    """Headers, bodies and attachment list of any bytes; never raises (see `parse_error`)."""
    headers: list[tuple[str, str]] = []
    try:
        msg = _parse(raw)
        headers = [(_clean(str(k)), _decode_header(v)) for k, v in msg.raw_items()]
        parts = _extract(msg)
        attachments = [
            AttachmentInfo(i, _safe_filename(p, i), _clean(p.get_content_type()), len(_part_bytes(p)))
            for i, p in enumerate(parts.attachments)
        ]
    except Exception as exc:  # noqa: BLE001 - garbage in, best effort out
        error = f"{type(exc).__name__}: {exc}"
        return ParsedMessage(headers=headers, text=_raw_text(raw), parse_error=_clean(error))
    if not headers:  # not a message at all: show the bytes as text
        error = "no message headers found" if raw.strip() else "empty message"
        return ParsedMessage(text=_raw_text(raw), parse_error=error)
    return ParsedMessage(
        subject=_header(headers, "subject"),
        from_=_header(headers, "from"),
        to=_header(headers, "to"),
        cc=_header(headers, "cc"),
        reply_to=_header(headers, "reply-to"),
        date=_header(headers, "date"),
        message_id=_header(headers, "message-id"),
        headers=headers,
        text=parts.text,
        html=parts.html,
        attachments=attachments,
    )


def attachment(raw: bytes, index: int) -> tuple[str, str, bytes]:
    """(filename, content_type, decoded bytes) of attachment `index` as `parse_message` lists it."""
    try:
        parts = _extract(_parse(raw)).attachments
    except Exception:  # noqa: BLE001 - unreadable message: it has no attachments
        parts = []
    if not 0 <= index < len(parts):
        raise NotFound(f"attachment {index} not found")
    part = parts[index]
    return _safe_filename(part, index), _clean(part.get_content_type()), _part_bytes(part)


def summarize_headers(raw: bytes, fields: dict[str, str] | None = None) -> tuple[str, str, str]:
    """(Subject, From, To), decoded, from the header block only: cheap enough for the SMTP path.
    `fields`: header_fields(raw), when the caller has it already."""
    try:
        fields = header_fields(raw) if fields is None else fields
        return tuple(_decode_header(fields.get(name, "")) for name in ("subject", "from", "to"))  # type: ignore[return-value]
    except Exception:  # noqa: BLE001
        return "", "", ""


_CHARSET = re.compile(r'charset\s*=\s*"?([A-Za-z0-9_.:-]+)')
_CONTINUATION = re.compile(r"\r?\n(?=[ \t])")  # unfolding removes the line break only


def header_fields(raw: bytes) -> dict[str, str]:
    """First value of each header (lower-cased names), unfolded but not decoded: a plain split of the
    header block, much cheaper than the email package's parser on the SMTP hot path."""
    end = raw.find(b"\r\n\r\n")
    block = raw[:end] if end != -1 else raw[:SEARCH_SCAN_BYTES]  # never decode a big body
    text = block.decode("utf-8", "surrogateescape")
    fields: dict[str, str] = {}
    for line in _CONTINUATION.sub("", text).splitlines():
        name, sep, value = line.partition(":")
        if sep and name and not name[0].isspace():
            fields.setdefault(name.strip().lower(), value.strip())
    return fields


def html_to_text(markup: str) -> str:
    """Visible text of HTML, roughly: scripts/styles and tags dropped, entities decoded."""
    stripped = _TAG.sub(" ", _SCRIPT_STYLE.sub(" ", markup))
    return _SPACES.sub(" ", html_lib.unescape(stripped)).strip()


SEARCH_SCAN_BYTES = 64 * 1024


def _simple_text(raw: bytes, limit: int, fields: dict[str, str] | None) -> str | None:
    """Subject + body of a single-part, unencoded text/plain message without the full MIME parser
    (the common case on the SMTP hot path); None when the message needs the real parser."""
    end = raw.find(b"\r\n\r\n")
    if end == -1:
        return None
    try:
        fields = header_fields(raw) if fields is None else fields
        ctype = (fields.get("content-type") or "text/plain").lower()
        cte = (fields.get("content-transfer-encoding") or "7bit").lower()
        if not ctype.startswith("text/plain") or cte not in ("7bit", "8bit", "binary"):
            return None
        m = _CHARSET.search(ctype)
        charset = m.group(1) if m else "utf-8"
        body = raw[end + 4 : end + 4 + limit * 4].decode(charset, errors="replace")
        subject = _decode_header(fields.get("subject", ""))
    except Exception:  # noqa: BLE001 - unusual input: let the full parser (and its fallbacks) handle it
        return None
    return f"{subject}\n{body}" if subject else body


def search_text_of(subject: str, text: str | None, html: str | None, limit: int = 20000) -> str:
    """The search text of a message whose parts are known (API sends), without parsing MIME."""
    pieces = [subject, text or "", html_to_text(html) if html else ""]
    return _clean("\n".join(p for p in pieces if p).lower()[:limit])


def search_text(raw: bytes, limit: int = 20000, fields: dict[str, str] | None = None) -> str:
    """Lower-cased subject, text and visible HTML text, at most `limit` characters; never raises.
    Only the first 64 KB are parsed: text parts come first, and attachments are not searched.
    `fields`: header_fields(raw), when the caller has it already (the header block then ends within
    those 64 KB whenever it is used, so it is the same block)."""
    raw = raw[:SEARCH_SCAN_BYTES]
    simple = _simple_text(raw, limit, fields)
    if simple is not None:
        return _clean(simple.lower()[:limit])
    try:
        msg = _parse(raw)
        subject = _decode_header(_header(list(msg.raw_items()), "subject"))
        parts = _extract(msg)
        pieces = [subject, parts.text or "", html_to_text(parts.html or "")]
        result = "\n".join(p for p in pieces if p)
    except Exception:  # noqa: BLE001
        try:
            result = _raw_text(raw[: limit * 4])
        except Exception:  # noqa: BLE001
            result = ""
    return _clean(result.lower()[:limit])


__all__ = [
    "AttachmentInfo",
    "ParsedMessage",
    "attachment",
    "header_fields",
    "html_to_text",
    "is_attachment",
    "parse_message",
    "search_text",
    "search_text_of",
    "summarize_headers",
]
