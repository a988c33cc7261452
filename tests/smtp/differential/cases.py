"""The differential cases: id -> the writes to make (each its own TCP segment), on which server pair.
A QUIT is written after the last step unless the case says otherwise. Bytes are exact; CRLF is spelled
out wherever line ends are the point."""

from __future__ import annotations

from base64 import b64encode
from dataclasses import dataclass

from emulator.config import DEFAULT_SENDER, DEFAULT_SMTP_PASSWORD
from tests.smtp.differential.wire import HANDSHAKE, STARTTLS, Step

SIZE_LIMIT = 32 * 1024  # both servers' maximum message size: small, so oversize cases stay cheap


@dataclass(frozen=True)
class Case:
    steps: tuple[Step, ...]
    pair: str = "open"  # open: no AUTH needed; auth: the default account's credentials required
    implicit: bool = False  # connect to the implicit-TLS port
    caps: bool = False  # compare EHLO keywords too
    quit: bool = True


def b64(data: str | bytes) -> str:
    return b64encode(data.encode() if isinstance(data, str) else data).decode()


def crlf(*lines: str | bytes) -> bytes:
    """Lines joined into one write (pipelined)."""
    return b"".join((x.encode() if isinstance(x, str) else x) + b"\r\n" for x in lines)


def each(*lines: str | bytes) -> tuple[bytes, ...]:
    """One write per line."""
    return tuple(crlf(x) for x in lines)


EHLO = "EHLO client.example"
MAIL = "MAIL FROM:<a@example.com>"
RCPT = "RCPT TO:<r@example.com>"
MSG = b"From: a@example.com\r\nTo: r@example.com\r\nSubject: diff\r\n\r\nhello\r\n"
END = b".\r\n"
PLAIN = "AUTH PLAIN " + b64(f"\0{DEFAULT_SENDER}\0{DEFAULT_SMTP_PASSWORD}")
AUTH_MAIL = f"MAIL FROM:<{DEFAULT_SENDER}>"


def tx(body: bytes = MSG, *head: str) -> tuple[Step, ...]:
    """EHLO (or `head`), MAIL, RCPT, DATA, then the body and its end marker in one write."""
    return (*each(*(head or (EHLO, MAIL, RCPT)), "DATA"), body + END)


def auth_tx(body: bytes = MSG, *extra: str) -> tuple[Step, ...]:
    return tx(body, EHLO, PLAIN, AUTH_MAIL, RCPT, *extra)


def mail(path: str, *more: str) -> Case:
    """MAIL FROM with `path` after EHLO, then (if accepted) RCPT and a message."""
    return Case(tx(MSG, EHLO, f"MAIL FROM:{path}", RCPT, *more))


def rcpt(path: str) -> Case:
    return Case(tx(MSG, EHLO, MAIL, f"RCPT TO:{path}"))


def body(text: bytes) -> Case:
    return Case(tx(text))


def line(n: int) -> bytes:
    return b"Subject: long\r\n\r\n" + b"x" * n + b"\r\n"


def _split_terminator() -> dict[str, Case]:
    """The message and its CRLF.CRLF in two writes, cut at each position of the marker."""
    whole = MSG[:-2] + b"\r\n.\r\n"
    start = len(MSG) - 2
    return {
        f"data/split-marker-at-{k}": Case(
            (*each(EHLO, MAIL, RCPT, "DATA"), whole[: start + k], whole[start + k :])
        )
        for k in range(5)
    }


def sized(size: int) -> bytes:
    """A message of exactly `size` bytes in lines of at most 998 characters."""
    head = b"Subject: s\r\n\r\n"
    full, rest = divmod(size - len(head), 1000)
    text = head + (b"y" * 998 + b"\r\n") * full + b"z" * (rest - 2) + b"\r\n"
    assert len(text) == size and text.endswith(b"\r\n"), (len(text), size)
    return text


def _exact(size: int, dot_split: bool) -> Case:
    text = sized(size)
    if dot_split:  # the marker's dot with the content, its CRLF in the next write
        return Case((*each(EHLO, MAIL, RCPT, "DATA"), text + b".", b"\r\n"))
    return body(text)


def _bytewise() -> tuple[bytes, ...]:
    wire = crlf(EHLO, MAIL, RCPT, "DATA") + b"Subject: b\r\n\r\n.x\r\n" + END
    return tuple(wire[i : i + 1] for i in range(len(wire)))


CASES: dict[str, Case] = {
    # --- commands in and out of order ---
    "order/mail-before-ehlo": Case(each(MAIL)),
    "order/rcpt-before-mail": Case(each(EHLO, RCPT)),
    "order/data-before-mail": Case(each(EHLO, "DATA")),
    "order/data-before-rcpt": Case(each(EHLO, MAIL, "DATA")),
    "order/double-mail": Case(each(EHLO, MAIL, MAIL)),
    "order/rset-mid-transaction": Case((*each(EHLO, MAIL, RCPT, "RSET", RCPT), *tx(MSG, MAIL, RCPT))),
    "order/ehlo-resets-transaction": Case(each(EHLO, MAIL, EHLO, RCPT)),
    "order/helo-transaction": Case(tx(MSG, "HELO client.example", MAIL, RCPT)),
    "order/helo-then-ehlo": Case(each("HELO a", EHLO, MAIL)),
    "order/helo-empty": Case(each("HELO", "HELO ", "EHLO", "EHLO   ")),
    "order/second-message": Case((*tx(), *tx(MSG, MAIL, RCPT))),
    "small/noop": Case(each("NOOP", "NOOP anything at all")),
    "small/vrfy": Case(each(EHLO, "VRFY <a@example.com>", "VRFY a@example.com", "VRFY", "VRFY <a@b@c>")),
    "small/help": Case(each("HELP", "HELP mail", "HELP MAIL", "HELP foo", "HELP EXPN", EHLO, "HELP RCPT")),
    "small/expn": Case(each("EXPN list")),
    "small/rset-quit-args": Case(each("RSET x", "QUIT now", "RSET")),
    "small/quit-then-more": Case((crlf("QUIT", "NOOP"),), quit=False),
    "unknown/one": Case(each("FOO", "NOOP")),
    "unknown/five-drop": Case((crlf("FOO", "BAR", "BAZ", "QUX", "ZAP", "NOOP"),), quit=False),
    "unknown/empty-lines": Case((b"\r\n", b"\n", b"  \r\n", *each("FOO", "FOO", "FOO", "FOO", "NOOP"))),
    "unknown/tab-separated": Case(each(EHLO, "MAIL\tFROM:<a@example.com>")),
    "unknown/bare-lf-commands": Case((b"EHLO x\nMAIL FROM:<a@example.com>\nRCPT TO:<r@example.com>\n",)),
    "unknown/bare-cr-command": Case((b"NOOP\rNOOP\r\n",)),
    "case/lower-verbs": Case(
        tx(MSG, "ehlo client.example", "mail from:<a@example.com>", "rcpt to:<r@example.com>")
    ),
    "case/mixed-verbs": Case(tx(MSG, "eHlO c", "MaIl FrOm:<a@example.com>", "rCpT tO:<r@example.com>")),
    # --- paths ---
    "path/null-sender": mail("<>"),
    "path/no-angle-brackets": mail("a@example.com"),
    "path/space-after-colon": mail(" <a@example.com>"),
    "path/space-before-colon": Case(each(EHLO, "MAIL FROM :<a@example.com>")),
    "path/no-colon": Case(each(EHLO, "MAIL FROM<a@example.com>", "MAIL <a@example.com>", "MAIL")),
    "path/empty": Case(each(EHLO, "MAIL FROM:", "MAIL FROM:>", "MAIL FROM:<>>")),
    "path/source-route": mail("<@x.example:a@example.com>"),
    "path/source-route-list": mail("<@x.example,@y.example:a@example.com>"),
    "path/rcpt-source-route": rcpt("<@x.example:r@example.com>"),
    "path/quoted-local": mail('<"a b"@example.com>'),
    "path/rcpt-quoted-local": rcpt('<"r s"@example.com>'),
    "path/unclosed": Case(each(EHLO, "MAIL FROM:<a@example.com", "MAIL FROM:a@example.com>")),
    "path/double-at": Case(each(EHLO, "MAIL FROM:<a@b@c>", "MAIL FROM:<@>", "MAIL FROM:<a@>")),
    "path/no-domain": mail("<a>"),
    "path/local-dots": Case(
        each(
            EHLO,
            "MAIL FROM:<a..b@example.com>",
            "RSET",
            "MAIL FROM:<.a@example.com>",
            "RSET",
            "MAIL FROM:<a.@example.com>",
        )
    ),
    "path/domain-double-dot": mail("<a@example..com>"),
    "path/domain-leading-dot": mail("<a@.example.com>"),
    "path/domain-trailing-dot": mail("<a@example.com.>"),
    "path/domain-only-dots": mail("<a@...>"),
    "path/lone-angle": Case(each(EHLO, "MAIL FROM:<", "MAIL FROM:< ", MAIL, "RCPT TO:<")),
    "path/vrfy-lone-angle": Case(each(EHLO, "VRFY <")),
    "path/spaces-inside": Case(
        each(EHLO, "MAIL FROM:< a@example.com >", "RSET", "MAIL FROM:<a @example.com>")
    ),
    "path/rcpt-forms": Case(
        each(
            EHLO, MAIL, "RCPT TO:r@example.com", "RCPT TO: <s@example.com>", "RCPT TO:<>", "RCPT TO:", "RCPT"
        )
    ),
    "path/long-local": mail("<" + "l" * 300 + "@example.com>"),
    "path/line-at-esmtp-limit": mail("<" + "l" * (538 - 23) + "@example.com>"),
    "path/line-over-esmtp-limit": Case(each(EHLO, "MAIL FROM:<" + "l" * (539 - 23) + "@example.com>", MAIL)),
    "path/line-over-helo-limit": Case(
        each("HELO c", "MAIL FROM:<" + "l" * (513 - 23) + "@example.com>", MAIL)
    ),
    "path/ehlo-twice-limit": Case(each(EHLO, EHLO, "MAIL FROM:<" + "l" * (560 - 23) + "@example.com>")),
    "path/rcpt-line-over-limit": Case(
        each(EHLO, MAIL, "RCPT TO:<" + "r" * (513 - 21) + "@example.com>", RCPT)
    ),
    "path/utf8-mailbox": Case((crlf(EHLO), "MAIL FROM:<ü@example.com>\r\n".encode(), crlf(MAIL))),
    # --- parameters ---
    "param/size": mail("<a@example.com> SIZE=100"),
    "param/size-at-limit": mail(f"<a@example.com> SIZE={SIZE_LIMIT}"),
    "param/size-over-limit": Case(each(EHLO, f"MAIL FROM:<a@example.com> SIZE={SIZE_LIMIT + 1}", MAIL)),
    "param/size-bad": Case(
        each(EHLO, "MAIL FROM:<a@example.com> SIZE=big", "MAIL FROM:<a@example.com> SIZE=")
    ),
    "param/size-flag": Case(each(EHLO, "MAIL FROM:<a@example.com> SIZE", "MAIL FROM:<a@example.com> SIZE=0")),
    "param/body-8bitmime": mail("<a@example.com> BODY=8BITMIME"),
    "param/body-7bit-lower": mail("<a@example.com> body=7bit size=10"),
    "param/body-bad": Case(
        each(EHLO, "MAIL FROM:<a@example.com> BODY=BINARYMIME", "MAIL FROM:<a@example.com> BODY")
    ),
    "param/smtputf8": Case(
        each(EHLO, "MAIL FROM:<a@example.com> SMTPUTF8", "MAIL FROM:<a@example.com> SMTPUTF8=1")
    ),
    "param/unknown": Case(each(EHLO, "MAIL FROM:<a@example.com> FOO=1", "MAIL FROM:<a@example.com> XFLAG")),
    "param/malformed": Case(each(EHLO, "MAIL FROM:<a@example.com> =1", "MAIL FROM:<a@example.com> A-B=1")),
    "param/no-space": mail("<a@example.com>SIZE=10"),
    "param/after-helo": Case(each("HELO c", "MAIL FROM:<a@example.com> SIZE=10", MAIL)),
    "param/rcpt": Case(
        each(EHLO, MAIL, "RCPT TO:<r@example.com> NOTIFY=NEVER", "RCPT TO:<r@example.com> =x")
    ),
    "param/rcpt-after-helo": Case(each("HELO c", MAIL, "RCPT TO:<r@example.com> X=1", RCPT)),
    # --- pipelining ---
    "pipe/whole-transaction": Case((crlf(EHLO, MAIL, RCPT, "DATA") + MSG + END + crlf("NOOP"),)),
    "pipe/two-transactions": Case(
        (crlf(EHLO, MAIL, RCPT, "DATA") + MSG + END + crlf(MAIL, RCPT, "DATA") + MSG + END,)
    ),
    "pipe/refused-data-then-body": Case((crlf(EHLO, MAIL, "DATA") + MSG + END,), quit=False),
    "pipe/rset-between": Case((crlf(EHLO, MAIL, RCPT, "RSET", "DATA", MAIL, RCPT, "DATA") + MSG + END,)),
    "pipe/everything-and-quit": Case(
        (crlf(EHLO, MAIL, RCPT, "DATA") + MSG + END + crlf("QUIT", "NOOP"),), quit=False
    ),
    # --- AUTH (the real credentials) ---
    "auth/required": Case(
        each(EHLO, MAIL, RCPT, "DATA", "HELP", "VRFY <a@example.com>", "NOOP"), pair="auth"
    ),
    "auth/plain-inline": Case(auth_tx(), pair="auth"),
    "auth/plain-continuation": Case(
        tx(MSG, EHLO, "AUTH PLAIN", b64(f"\0{DEFAULT_SENDER}\0{DEFAULT_SMTP_PASSWORD}"), AUTH_MAIL, RCPT),
        pair="auth",
    ),
    "auth/login": Case(
        tx(MSG, EHLO, "AUTH LOGIN", b64(DEFAULT_SENDER), b64(DEFAULT_SMTP_PASSWORD), AUTH_MAIL, RCPT),
        pair="auth",
    ),
    "auth/login-initial": Case(
        tx(MSG, EHLO, f"AUTH LOGIN {b64(DEFAULT_SENDER)}", b64(DEFAULT_SMTP_PASSWORD), AUTH_MAIL, RCPT),
        pair="auth",
    ),
    "auth/pipelined-continuations": Case(
        (
            crlf(EHLO, "AUTH LOGIN", b64(DEFAULT_SENDER), b64(DEFAULT_SMTP_PASSWORD), AUTH_MAIL, RCPT, "DATA")
            + MSG
            + END,
        ),
        pair="auth",
    ),
    "auth/bad-base64": Case(
        each(EHLO, "AUTH PLAIN !!!", "AUTH PLAIN", "!!!", "AUTH LOGIN", "a=b", AUTH_MAIL), pair="auth"
    ),
    "auth/cancel": Case(
        each(EHLO, "AUTH PLAIN", "*", "AUTH LOGIN", "*", "AUTH LOGIN", b64(DEFAULT_SENDER), "*", AUTH_MAIL),
        pair="auth",
    ),
    "auth/wrong-password": Case(
        each(EHLO, "AUTH PLAIN " + b64(f"\0{DEFAULT_SENDER}\0nope"), AUTH_MAIL, PLAIN, AUTH_MAIL), pair="auth"
    ),
    "auth/unknown-user": Case(
        each(EHLO, "AUTH LOGIN", b64("who@example.com"), b64("pw"), AUTH_MAIL), pair="auth"
    ),
    "auth/cannot-split": Case(
        each(EHLO, "AUTH PLAIN " + b64("no-nul"), "AUTH PLAIN " + b64("a\0b\0c\0d")), pair="auth"
    ),
    "auth/before-ehlo": Case(each(PLAIN, "HELO c", PLAIN, EHLO, PLAIN), pair="auth"),
    "auth/twice": Case(each(EHLO, PLAIN, PLAIN, "AUTH LOGIN"), pair="auth"),
    "auth/mechanism-errors": Case(
        each(EHLO, "AUTH", "AUTH CRAM-MD5", "AUTH PLAIN a b", "AUTH  "), pair="auth"
    ),
    "auth/lower-case-mechanism": Case(
        each(EHLO, "AUTH plain " + b64(f"\0{DEFAULT_SENDER}\0{DEFAULT_SMTP_PASSWORD}"), AUTH_MAIL),
        pair="auth",
    ),
    "auth/other-sender": Case(each(EHLO, PLAIN, MAIL), pair="auth"),
    "auth/ehlo-keeps-login": Case(auth_tx(MSG) + each(EHLO, AUTH_MAIL, RCPT, "RSET"), pair="auth"),
    "auth/under-implicit-tls": Case(auth_tx(), pair="auth", implicit=True),
    "auth/plain-port-needs-tls": Case(each(EHLO, PLAIN, "AUTH LOGIN"), caps=True),
    "auth/open-under-implicit-tls": Case(each(EHLO, PLAIN), implicit=True, caps=True),
    # --- STARTTLS ---
    "tls/transaction": Case((*each(EHLO), STARTTLS, *each(EHLO, PLAIN), *tx(MSG, MAIL, RCPT))),
    "tls/keywords": Case((*each(EHLO), STARTTLS, *each(EHLO)), caps=True),
    "tls/auth-pair-keywords": Case((*each(EHLO), STARTTLS, *each(EHLO)), pair="auth", caps=True),
    "tls/auth-pair-transaction": Case((*each(EHLO), STARTTLS, *auth_tx()), pair="auth"),
    "tls/before-ehlo": Case((STARTTLS, *each(EHLO, MAIL))),
    "tls/after-helo": Case((*each("HELO c"), STARTTLS, *each("HELO c", MAIL))),
    "tls/with-argument": Case(each(EHLO, "STARTTLS now", "NOOP")),
    "tls/session-starts-over": Case((*each(EHLO, MAIL), STARTTLS, *each(RCPT, MAIL))),
    "tls/plaintext-after-starttls-dropped": Case(
        (*each(EHLO), crlf("STARTTLS", "NOOP", "NOOP"), HANDSHAKE, *each("NOOP"))
    ),
    "tls/nested": Case((*each(EHLO), STARTTLS, *each(EHLO), STARTTLS, *each("NOOP"))),
    "tls/implicit-transaction": Case(tx(), implicit=True),
    "tls/implicit-starttls": Case(each(EHLO, "STARTTLS", "NOOP"), implicit=True),
    # --- DATA across segments ---
    **_split_terminator(),
    "data/bytewise": Case(_bytewise()),
    "data/three-byte-writes": Case(
        (*each(EHLO, MAIL, RCPT, "DATA"), *(((MSG + END)[i : i + 3]) for i in range(0, len(MSG + END), 3)))
    ),
    "data/marker-then-pipelined": Case(
        (*each(EHLO, MAIL, RCPT, "DATA"), MSG + END + crlf("NOOP", MAIL, RCPT, "RSET"))
    ),
    "data/empty": body(b""),
    "data/headers-only": body(b"Subject: only\r\n"),
    "data/no-headers": body(b"just text\r\n"),
    "data/body-without-crlf-before-marker": Case(
        (*each(EHLO, MAIL, RCPT, "DATA"), b"abc.\r\n", b"\r\n.\r\n")
    ),
    # --- dot-stuffing and smuggling ---
    "dot/stuffed": body(b"Subject: d\r\n\r\n..\r\n..x\r\n...\r\n. \r\nx.\r\n"),
    "dot/first-line": body(b".Subject: d\r\n\r\nx\r\n"),
    "dot/unstuffed-dot-text": body(b"Subject: d\r\n\r\n.x\r\n"),
    "smuggle/lf-dot-lf": body(
        MSG + b"\n.\nMAIL FROM:<evil@example.com>\r\nRCPT TO:<v@example.com>\r\nDATA\r\nevil\r\n"
    ),
    "smuggle/lf-dot-crlf": body(MSG + b"x\n.\r\nMAIL FROM:<evil@example.com>\r\n"),
    "smuggle/crlf-dot-lf": body(MSG + b".\nMAIL FROM:<evil@example.com>\r\n"),
    "smuggle/cr-dot-cr": body(MSG + b"x\r.\rMAIL FROM:<evil@example.com>\r\n"),
    "smuggle/cr-dot-crlf": body(MSG + b"x\r.\r\nRSET\r\n"),
    "smuggle/crlf-dot-cr": body(MSG + b".\rRSET\r\n"),
    "smuggle/bare-lf-body": body(b"Subject: lf\n\nline one\nline two\n"),
    "smuggle/never-ends": Case((*each(EHLO, MAIL, RCPT, "DATA"), MSG + b"\n.\n", b"QUIT\n.\n"), quit=False),
    # --- long lines ---
    "long/data-998": body(line(998)),
    "long/data-999": body(line(999)),
    "long/data-1000": body(line(1000)),
    "long/data-2000": body(line(2000)),
    "long/data-2001": body(line(2001)),
    "long/data-5000-then-next": Case((*tx(line(5000)), *tx(MSG, MAIL, RCPT))),
    "long/command-600": Case(each(EHLO, "NOOP " + "n" * 600, "NOOP")),
    "long/command-1100": Case(each(EHLO, "NOOP " + "n" * 1100, "NOOP")),
    "long/command-5000-split": Case(
        (crlf(EHLO), b"NOOP " + b"n" * 3000, b"n" * 2000 + b"\r\n", crlf("NOOP"))
    ),
    "long/command-10000": Case((crlf(EHLO), b"X" * 10000 + b"\r\n", crlf("NOOP"))),
    # --- 8-bit and NUL bytes ---
    "8bit/command-argument": Case((crlf(EHLO), b"NOOP caf\xc3\xa9\r\n", b"EHLO \xff\r\n", crlf("NOOP"))),
    "8bit/verb": Case((b"N\xffOP\r\n", b"\xc3\xa9HLO x\r\n", crlf("NOOP"))),
    "nul/command": Case((b"NOOP\x00\r\n", b"EHLO a\x00b\r\n", b"\x00\r\n", crlf(MAIL))),
    "8bit/data": body(b"Subject: \xe4\xbd\xa0\xe5\xa5\xbd\r\n\r\n\xff\xfe bytes \x80\r\n"),
    "nul/data": body(b"Subject: nul\r\n\r\na\x00b\r\n\x00\r\n"),
    # --- size ---
    "size/exact-limit": _exact(SIZE_LIMIT, dot_split=False),
    "size/exact-limit-dot-split": _exact(SIZE_LIMIT, dot_split=True),
    "size/limit-plus-one": _exact(SIZE_LIMIT + 1, dot_split=False),
    "size/far-over-then-next": Case((*tx(sized(3 * SIZE_LIMIT + 14)), *tx(MSG, MAIL, RCPT))),
    "size/limit-minus-one-dot-split": _exact(SIZE_LIMIT - 1, dot_split=True),
    "size/limit-plus-one-dot-split": _exact(SIZE_LIMIT + 1, dot_split=True),
    # --- recipients ---
    "rcpt/too-many": Case(tx(MSG, EHLO, MAIL, *(f"RCPT TO:<r{i}@example.com>" for i in range(51)))),
    "rcpt/at-cap": Case(tx(MSG, EHLO, MAIL, *(f"RCPT TO:<r{i}@example.com>" for i in range(50)))),
    "rcpt/duplicate": Case(tx(MSG, EHLO, MAIL, RCPT, RCPT, "RCPT TO:<R@example.com>")),
    "rcpt/odd-addresses": Case(tx(MSG, EHLO, MAIL, "RCPT TO:<r@localhost>", "RCPT TO:<r@[127.0.0.1]>", RCPT)),
}
