"""The MIME a recipient would receive for an API send (SendEmail, BatchSendEmail, scheduled tasks).

Two writers of the same message: `render_general` builds it with `email.policy.SMTP` (CRLF line ends,
RFC 2047 headers, RFC 6532 for internationalized addresses); `render_fast` writes the common case
(ASCII addresses and header values, short lines) directly, because the general path costs
milliseconds per message in header folding. `render_message` takes the fast one when it applies.
tests/domain/test_mime_render_equivalence.py holds the two equivalent, read back by mime_read.
Bodies are base64 of the exact UTF-8 text, so what the caller sent is what the recipient (and the
mailbox API) gets back, byte for byte, line ends included.
"""

from __future__ import annotations

import binascii
import email.policy
import functools
import secrets
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, getaddresses
from urllib.parse import quote

from emulator.domain.clock import BEIJING, to_datetime
from emulator.domain.mime_read import summarize_headers
from emulator.domain.send_rules import ValidSend


def _part(data: bytes, maintype: str, subtype: str, **params: str) -> EmailMessage:
    """A base64 leaf part: exact bytes survive, whatever their line ends."""
    part = EmailMessage(policy=email.policy.SMTP)
    filename = params.pop("filename", None)
    part.set_content(data, maintype, subtype, cte="base64", filename=filename, params=params or None)
    del part["MIME-Version"]
    return part


def _format_from(v: ValidSend) -> str:
    if v.header_from:
        return v.header_from
    if not v.alias:
        return v.sender
    local, _, domain = v.sender.rpartition("@")
    return str(Address(display_name=v.alias, username=local, domain=domain))  # quotes the alias if needed


def render_message(
    v: ValidSend,
    *,
    html: str | None,
    text: str | None,
    message_id_header: str,
    date_us: int,
    x_headers: dict[str, str],
) -> bytes:
    """The MIME a recipient would receive for a validated send (Bcc is never a header).

    `html` / `text` are the final bodies (template already filled); `x_headers` are headers the
    emulator adds. The Date is the account-clock time in UTC+8, as Tencent's servers write it.
    """
    fast = render_fast(v, html, text, message_id_header, date_us, x_headers)
    return fast if fast is not None else render_general(v, html, text, message_id_header, date_us, x_headers)


def render_general(
    v: ValidSend,
    html: str | None,
    text: str | None,
    message_id_header: str,
    date_us: int,
    x_headers: dict[str, str],
) -> bytes:
    """Any validated send, through the email package."""
    msg = EmailMessage(policy=email.policy.SMTP)
    msg["From"] = _format_from(v)
    if v.to:
        msg["To"] = ", ".join(v.to)
    if v.cc:
        msg["Cc"] = ", ".join(v.cc)
    if v.reply_to:
        msg["Reply-To"] = v.reply_to
    msg["Subject"] = v.subject
    msg["Date"] = format_datetime(to_datetime(date_us).astimezone(BEIJING))
    msg["Message-ID"] = v.smtp_message_id or message_id_header
    for headers in (v.extra_headers, x_headers):
        for name, value in headers.items():
            msg[name] = value

    if text is not None and html is not None:
        msg.make_alternative()
        msg.attach(_part(text.encode("utf-8"), "text", "plain", charset="utf-8"))
        msg.attach(_part(html.encode("utf-8"), "text", "html", charset="utf-8"))
    else:
        body, subtype = (html, "html") if html is not None else (text or "", "plain")
        msg.set_content(body.encode("utf-8"), "text", subtype, cte="base64", params={"charset": "utf-8"})
    if v.attachments:
        msg.make_mixed()
        for att in v.attachments:
            maintype, _, subtype = att.content_type.partition("/")
            msg.attach(_part(att.content, maintype, subtype or "octet-stream", filename=att.filename))
    if "MIME-Version" not in msg:
        msg["MIME-Version"] = "1.0"
    # Internationalized addresses need raw UTF-8 headers (RFC 6532); names alone are RFC 2047 encoded.
    named = [addr for _, addr in getaddresses([h for h in (v.reply_to, v.header_from) if h])]
    utf8 = any(not a.isascii() for a in (v.sender, *v.to, *v.cc, *named))
    return msg.as_bytes(policy=email.policy.SMTPUTF8 if utf8 else email.policy.SMTP)


def _fold_list(name: str, items: list[str]) -> bytes:
    """`Name: a, b, c` folded before an item when a line would pass 78 characters."""
    lines = [f"{name}: {items[0]}"]
    for item in items[1:]:
        if len(lines[-1]) + len(item) + 2 > 78:
            lines[-1] += ","
            lines.append(f" {item}")
        else:
            lines[-1] += f", {item}"
    return ("\r\n".join(lines) + "\r\n").encode()


def _b64(data: bytes) -> bytes:
    """Base64 in 76-character CRLF lines (what encodebytes writes, one call instead of one per line)."""
    s = memoryview(binascii.b2a_base64(data, newline=False))
    if not s:
        return b""
    return b"\r\n".join([s[i : i + 76] for i in range(0, len(s), 76)]) + b"\r\n"


def _leaf(data: bytes, ctype: str, disposition: str | None = None) -> bytes:
    head = f"Content-Type: {ctype}\r\nContent-Transfer-Encoding: base64\r\n"
    if disposition:
        head += f"Content-Disposition: {disposition}\r\n"
    return head.encode() + b"\r\n" + _b64(data)


@functools.lru_cache(maxsize=64)
def _date_header(second: int) -> bytes:
    return f"Date: {format_datetime(to_datetime(second * 1_000_000).astimezone(BEIJING))}\r\n".encode()


def render_fast(
    v: ValidSend,
    html: str | None,
    text: str | None,
    message_id_header: str,
    date_us: int,
    x_headers: dict[str, str],
) -> bytes | None:
    """The same message as the EmailMessage path, written directly (that path costs milliseconds per
    message in header folding). Only for the common case: ASCII addresses and header values, short
    lines; anything else (RFC 6532 addresses, odd header values) takes the general path."""
    extra = {**v.extra_headers, **x_headers}
    plain = [
        v.sender,
        *v.to,
        *v.cc,
        v.reply_to or "",
        v.header_from or "",
        v.smtp_message_id or "",
        message_id_header,
    ]
    plain += [f"{k}: {val}" for k, val in extra.items()]
    if not "".join(plain).isascii() or max(map(len, plain)) >= 900:
        return None
    if v.alias is not None and not v.alias.isascii():
        sender = v.header_from or formataddr((v.alias, v.sender), charset="utf-8")
    else:
        sender = _format_from(v)
    if v.subject.isascii() and len(v.subject) <= 900:
        subject = v.subject
    else:
        subject = Header(v.subject, "utf-8").encode(linesep="\r\n")
    out = [f"From: {sender}\r\n".encode()]
    if v.to:
        out.append(_fold_list("To", v.to))
    if v.cc:
        out.append(_fold_list("Cc", v.cc))
    if v.reply_to:
        out.append(f"Reply-To: {v.reply_to}\r\n".encode())
    out.append(f"Subject: {subject}\r\n".encode())
    out.append(_date_header(date_us // 1_000_000))
    out.append(f"Message-ID: {v.smtp_message_id or message_id_header}\r\n".encode())
    out += [f"{k}: {val}\r\n".encode() for k, val in extra.items()]
    out.append(b"MIME-Version: 1.0\r\n")
    if text is not None and html is not None:
        alt = "alt_" + secrets.token_hex(12)
        body = b"".join(
            [
                f'Content-Type: multipart/alternative; boundary="{alt}"\r\n\r\n--{alt}\r\n'.encode(),
                _leaf(text.encode("utf-8"), 'text/plain; charset="utf-8"'),
                f"\r\n--{alt}\r\n".encode(),
                _leaf(html.encode("utf-8"), 'text/html; charset="utf-8"'),
                f"\r\n--{alt}--\r\n".encode(),
            ]
        )
    else:
        content, subtype = (html, "html") if html is not None else (text or "", "plain")
        body = _leaf(content.encode("utf-8"), f'text/{subtype}; charset="utf-8"')
    if v.attachments:
        mixed = "mix_" + secrets.token_hex(12)
        parts = [f'Content-Type: multipart/mixed; boundary="{mixed}"\r\n\r\n--{mixed}\r\n'.encode(), body]
        for att in v.attachments:
            name = att.filename
            if name.isascii() and '"' not in name and "\\" not in name:
                disp = f'attachment; filename="{name}"'
            else:
                disp = "attachment; filename*=utf-8''" + quote(name, safe="")
            parts.append(f"\r\n--{mixed}\r\n".encode())
            parts.append(_leaf(att.content, att.content_type, disp))
        parts.append(f"\r\n--{mixed}--\r\n".encode())
        body = b"".join(parts)
    return b"".join(out) + body


def rendered_summary(v: ValidSend, raw: bytes) -> tuple[str, str, str]:
    """summarize_headers(raw) for a message render_message wrote from `v`, without re-reading it when
    the headers are plain ASCII written verbatim (the usual SendEmail); any other case reads `raw`."""
    simple = (
        v.alias is None
        and not v.header_from
        and v.sender.isascii()
        and v.subject.isascii()
        and len(v.subject) <= 900
        and v.subject == v.subject.strip()
        and "=?" not in v.subject
        and all(a.isascii() and a == a.strip() for a in v.to)
    )
    if simple:
        return v.subject, v.sender, ", ".join(v.to)
    return summarize_headers(raw)


__all__ = ["render_fast", "render_general", "render_message", "rendered_summary"]
