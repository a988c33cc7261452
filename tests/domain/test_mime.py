"""Rendering an API send to MIME and reading any captured message back (never raising)."""

from __future__ import annotations

import base64
import json
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emulator.domain.mime_read import attachment, parse_message, search_text, summarize_headers
from emulator.domain.mime_render import render_message, rendered_summary
from emulator.domain.send_rules import FORBIDDEN_EXTENSIONS, SendEmailInput, ValidSend, validate_send
from emulator.errors import NotFound

DATE_US = 1_654_064_679_000_000  # 2022-06-01 06:24:39 UTC = 14:24:39 UTC+8


def b64(data: str | bytes) -> str:
    return base64.b64encode(data.encode() if isinstance(data, str) else data).decode()


def valid(**changes: object) -> ValidSend:
    base = SendEmailInput(
        from_address="Example <noreply@mail.example.com>",
        subject="Hello",
        to=["to@example.com"],
        cc=[],
        bcc=[],
        simple_text_b64=b64("plain body"),
    )
    return validate_send(replace(base, **changes))  # type: ignore[arg-type]


def render(v: ValidSend, **kw: object) -> bytes:
    args: dict[str, object] = {
        "html": v.html,
        "text": v.text,
        "message_id_header": "<generated@qcloudmail.com>",
        "date_us": DATE_US,
        "x_headers": {},
    }
    args.update(kw)
    return render_message(v, **args)  # type: ignore[arg-type]


def header_block(raw: bytes) -> str:
    return raw.split(b"\r\n\r\n", 1)[0].decode("utf-8") + "\r\n"


# ------------------------------------------------------------------------------------------ rendering


def test_headers_as_a_recipient_sees_them() -> None:
    v = valid(
        to=["a@example.com", "b@example.com"],
        cc=["c@example.com"],
        bcc=["secret@example.com"],
        reply_to="help@example.com",
        smtp_headers='{"X-Campaign": "spring"}',
    )
    raw = render(v, x_headers={"X-Emulator": "1"})
    head = header_block(raw)
    assert "From: Example <noreply@mail.example.com>\r\n" in head
    assert "To: a@example.com, b@example.com\r\n" in head
    assert "Cc: c@example.com\r\n" in head
    assert "Reply-To: help@example.com\r\n" in head
    assert "Subject: Hello\r\n" in head
    assert "Date: Wed, 01 Jun 2022 14:24:39 +0800\r\n" in head
    assert "Message-ID: <generated@qcloudmail.com>\r\n" in head
    assert "MIME-Version: 1.0\r\n" in head
    assert "X-Campaign: spring\r\n" in head and "X-Emulator: 1\r\n" in head
    assert "secret@example.com" not in raw.decode() and "Bcc" not in head


def test_every_line_ends_crlf() -> None:
    raw = render(valid(simple_html_b64=b64("<p>a</p>\nb"), attachments=[("a.txt", b64("x\ny"))]))
    assert b"\n" not in raw.replace(b"\r\n", b"")


def test_smtp_message_id_and_header_from_win() -> None:
    v = valid(smtp_message_id="<mine@example.com>", header_from='"Brand" <brand@mail.example.com>')
    parsed = parse_message(render(v))
    assert parsed.message_id == "<mine@example.com>"
    assert parsed.from_ == '"Brand" <brand@mail.example.com>'


def test_non_ascii_subject_is_rfc2047_encoded() -> None:
    raw = render(valid(subject="验证码 Grüße"))
    assert "Subject: =?utf-8?" in header_block(raw)
    assert parse_message(raw).subject == "验证码 Grüße"


@pytest.mark.parametrize(
    ("html", "text", "top"),
    [
        (None, "t", "text/plain"),
        ("<p>h</p>", None, "text/html"),
        ("<p>h</p>", "t", "multipart/alternative"),
    ],
)
def test_body_structure(html: str | None, text: str | None, top: str) -> None:
    raw = render(valid(), html=html, text=text)
    assert f"Content-Type: {top}" in header_block(raw)
    parsed = parse_message(raw)
    assert (parsed.html, parsed.text) == (html, text)


def test_attachments_make_multipart_mixed() -> None:
    v = valid(simple_html_b64=b64("<b>x</b>"), attachments=[("r.pdf", b64(b"%PDF-1.4\x00\xff"))])
    raw = render(v)
    assert "Content-Type: multipart/mixed" in header_block(raw)
    assert b'Content-Disposition: attachment; filename="r.pdf"' in raw
    parsed = parse_message(raw)
    assert (parsed.text, parsed.html) == ("plain body", "<b>x</b>")
    assert [(a.index, a.filename, a.content_type, a.size) for a in parsed.attachments] == [
        (0, "r.pdf", "application/pdf", 10)
    ]
    assert attachment(raw, 0) == ("r.pdf", "application/pdf", b"%PDF-1.4\x00\xff")


def test_attachment_index_out_of_range_is_not_found() -> None:
    raw = render(valid())
    for index in (0, -1, 5):
        with pytest.raises(NotFound):
            attachment(raw, index)
    with pytest.raises(NotFound):
        attachment(b"\xff\x00garbage", 0)


# ------------------------------------------------------------------------------------------ reading

SMTP_MAIL = (
    b"From: =?utf-8?b?5byg5LiJ?= <zhang@example.com>\r\n"
    b"To: Bob <bob@example.com>,\r\n carol@example.com\r\n"
    b"Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?= and\r\n  more\r\n"
    b"X-Raw: \xe4\xbd\xa0\xe5\xa5\xbd\r\n"
    b"Content-Type: multipart/mixed; boundary=XX\r\n"
    b"\r\n"
    b"--XX\r\n"
    b"Content-Type: text/plain; charset=gbk\r\n"
    b"\r\n"
    b"\xc4\xe3\xba\xc3\r\n"
    b"--XX\r\n"
    b"Content-Type: application/octet-stream\r\n"
    b'Content-Disposition: attachment; filename="../../etc/passwd"\r\n'
    b"Content-Transfer-Encoding: base64\r\n"
    b"\r\n"
    b"cm9vdA==\r\n"
    b"--XX\r\n"
    b'Content-Type: image/png; name="=?utf-8?b?5Zu+54mHLnBuZw==?="\r\n'
    b"Content-Transfer-Encoding: base64\r\n"
    b"\r\n"
    b"iVBO\r\n"
    b"--XX\r\n"
    b"Content-Type: application/pdf\r\n"
    b"Content-Disposition: attachment; filename*=utf-8''%E6%8A%A5%E5%91%8A.pdf\r\n"
    b"\r\n"
    b"x\r\n"
    b"--XX\r\n"
    b"Content-Type: message/rfc822\r\n"
    b"\r\n"
    b"Subject: inner\r\n\r\ninner body\r\n"
    b"--XX--\r\n"
)


def test_reads_an_smtp_message_with_encoded_and_raw_headers() -> None:
    parsed = parse_message(SMTP_MAIL)
    assert parsed.parse_error is None
    assert parsed.from_ == "张三 <zhang@example.com>"
    assert parsed.to == "Bob <bob@example.com>, carol@example.com"
    assert parsed.subject == "Grüße and  more"
    assert ("X-Raw", "你好") in parsed.headers
    assert parsed.text == "你好"
    assert [(a.filename, a.content_type, a.size) for a in parsed.attachments] == [
        ("passwd", "application/octet-stream", 4),
        ("图片.png", "image/png", 3),
        ("报告.pdf", "application/pdf", 1),
        ("attachment-4.eml", "message/rfc822", len(b"Subject: inner\r\n\r\ninner body")),
    ]
    assert attachment(SMTP_MAIL, 0) == ("passwd", "application/octet-stream", b"root")
    assert summarize_headers(SMTP_MAIL) == ("Grüße and  more", "张三 <zhang@example.com>", parsed.to)


@pytest.mark.parametrize(
    "raw",
    [b"", b"\x00\xff\xfe garbage \x80", b"no headers at all\njust text", b"\r\n\r\n", b"Subject"],
)
def test_garbage_yields_parse_error_and_raw_text(raw: bytes) -> None:
    parsed = parse_message(raw)
    assert parsed.parse_error
    assert parsed.text == raw.decode("utf-8", "replace").replace("\x00", "")


def test_search_text_is_lower_cased_subject_text_and_visible_html() -> None:
    raw = render(
        valid(subject="Order CONFIRMED"),
        text="Thanks, Ann",
        html="<style>p{color:red}</style><p>Total &amp; <b>Tax</b></p><script>x()</script>",
    )
    assert search_text(raw) == "order confirmed\nthanks, ann\ntotal & tax"
    assert len(search_text(raw, limit=5)) == 5


# ------------------------------------------------------------------------------------------ fuzzing


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_readers_never_raise_on_arbitrary_bytes(raw: bytes) -> None:
    parsed = parse_message(raw)
    for value in (parsed.subject, parsed.from_, parsed.to, parsed.text or "", parsed.html or ""):
        value.encode("utf-8")  # valid Unicode, no lone surrogates
        assert "\x00" not in value
    for a in parsed.attachments:
        assert "/" not in a.filename and "\\" not in a.filename
        assert attachment(raw, a.index)[0] == a.filename
    for value in summarize_headers(raw):
        value.encode("utf-8")
    search_text(raw).encode("utf-8")


MIME_ISH = st.lists(
    st.sampled_from(
        [
            b"Subject: =?utf-8?b?5L2g?=\r\n",
            b"Subject: =?bogus?q?x?=\r\n",
            b"From: a <b@c>\r\n",
            b"To: \xff\xfe\r\n",
            b"Content-Type: multipart/mixed; boundary=B\r\n",
            b"Content-Type: text/plain; charset=nonexistent\r\n",
            b"Content-Type: message/rfc822\r\n",
            b"Content-Disposition: attachment; filename*=bad''%ZZ\r\n",
            b'Content-Disposition: attachment; filename="/a/b\\\\c"\r\n',
            b"Content-Transfer-Encoding: base64\r\n",
            b"Content-Transfer-Encoding: quoted-printable\r\n",
            b"\r\n",
            b"--B\r\n",
            b"--B--\r\n",
            b"=ZZ=\r\n",
            b"aGVsbG8=\r\n",
            b"\xe4\xbd\xa0\r\n",
            b" folded\r\n",
        ]
    ),
    max_size=40,
).map(b"".join)


@settings(max_examples=300)
@given(MIME_ISH)
def test_readers_never_raise_on_mime_like_garbage(raw: bytes) -> None:
    test_readers_never_raise_on_arbitrary_bytes.hypothesis.inner_test(raw)  # type: ignore[attr-defined]


NO_CONTROL = st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp"))
SUBJECTS = st.text(NO_CONTROL, min_size=1, max_size=200)
BODIES = st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), max_size=500)
FILENAME_CHARS = st.characters(
    blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp"), blacklist_characters='?\\*|"<>:/'
)
EXTENSIONS = st.sampled_from(["pdf", "txt", "png", "zip", "csv", "mp3", "", "tar"]).filter(
    lambda e: e not in FORBIDDEN_EXTENSIONS
)
FILENAMES = st.builds(
    lambda stem, ext: f"{stem}.{ext}" if ext else stem,
    st.text(FILENAME_CHARS, min_size=1, max_size=40).filter(lambda s: s.strip(".") != ""),
    EXTENSIONS,
).filter(  # a stem with a dot and no extension of its own ("x.ops") has the stem's last part as its type
    lambda name: name.rpartition(".")[2].lower() not in FORBIDDEN_EXTENSIONS or "." not in name
)


@settings(max_examples=150, deadline=None)
@given(
    subject=SUBJECTS,
    text=st.none() | BODIES,
    html=st.none() | BODIES,
    files=st.lists(st.tuples(FILENAMES, st.binary(max_size=300)), max_size=4),
)
def test_render_then_parse_round_trips(
    subject: str, text: str | None, html: str | None, files: list[tuple[str, bytes]]
) -> None:
    v = valid(subject=subject, attachments=[(name, b64(data)) for name, data in files])
    raw = render(v, html=html, text=text)
    parsed = parse_message(raw)
    assert parsed.parse_error is None
    # Readers drop the whitespace around a header value, as every mail reader does.
    assert parsed.subject == subject.strip()
    assert summarize_headers(raw)[0] == subject.strip()
    expected_text = "" if text is None and html is None else text
    assert (parsed.text, parsed.html) == (expected_text, html)
    assert [(a.filename, a.size) for a in parsed.attachments] == [(n, len(d)) for n, d in files]
    for index, (name, data) in enumerate(files):
        got_name, _, got = attachment(raw, index)
        assert (got_name, got) == (name, data)


LOCAL = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Z")), min_size=1, max_size=20)
DOMAIN = st.lists(
    st.text(st.characters(blacklist_categories=("Cs", "Cc", "Z")), min_size=1, max_size=8),
    min_size=2,
    max_size=3,
)
ADDRESS = st.builds(lambda local, labels: f"{local}@{'.'.join(labels)}", LOCAL, DOMAIN)
ANY_TEXT = st.text(st.characters(blacklist_categories=["Cs"]), max_size=40)
HEADER_NAMES = ANY_TEXT | st.sampled_from(
    [
        "X-Tag",
        "Sender",
        "Resent-From",
        "Resent-Date",
        "In-Reply-To",
        "References",
        "List-Unsubscribe",
        "Keywords",
    ]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    sender=ADDRESS,
    alias=st.none() | ANY_TEXT,
    to=st.lists(ADDRESS, min_size=1, max_size=3),
    reply_to=st.none() | ADDRESS | ANY_TEXT,
    header_from=st.none() | ANY_TEXT | st.builds(lambda n, a: f"{n} <{a}>", ANY_TEXT, ADDRESS),
    message_id=st.none() | ANY_TEXT,
    headers=st.none() | st.dictionaries(HEADER_NAMES, ANY_TEXT, max_size=3).map(json.dumps),
)
def test_anything_validate_send_accepts_renders_and_reads_back(
    sender: str,
    alias: str | None,
    to: list[str],
    reply_to: str | None,
    header_from: str | None,
    message_id: str | None,
    headers: str | None,
) -> None:
    from emulator.errors import EmulatorError

    try:
        v = valid(
            from_address=f"{alias} <{sender}>" if alias is not None else sender,
            to=to,
            reply_to=reply_to,
            header_from=header_from,
            smtp_message_id=message_id,
            smtp_headers=headers,
        )
    except EmulatorError:
        return
    parsed = parse_message(render(v))
    assert parsed.parse_error is None
    assert parsed.text == "plain body"


_addr = st.sampled_from(
    ["to@example.com", "a.b@mail.example.org", "x@example.com", "ünï@example.com", "to@exämple.com"]
)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    subject=st.one_of(
        st.text(st.characters(min_codepoint=32, max_codepoint=126), min_size=1, max_size=120),
        st.sampled_from(["=?utf-8?b?SGk=?=", " padded ", "Ünïcode subject", "x" * 950, "a " * 60]),
    ),
    to=st.lists(_addr, min_size=1, max_size=6, unique=True),
    sender=st.sampled_from(
        ["noreply@mail.example.com", "Alias <noreply@mail.example.com>", "Ä <n@m.example.com>"]
    ),
    extra=st.sampled_from([None, '{"X-Tag": "a"}', '{"X-Tag": "ü"}']),
)
def test_rendered_summary_is_what_reading_the_message_gives(
    subject: str, to: list[str], sender: str, extra: str | None
) -> None:
    """The shortcut compose takes instead of re-reading its own MIME must agree with reading it."""
    try:
        v = valid(subject=subject, to=to, from_address=sender, smtp_headers=extra)
    except Exception:  # noqa: BLE001 - inputs SendEmail refuses are not rendered at all
        return
    raw = render(v)
    assert rendered_summary(v, raw) == summarize_headers(raw)


@given(st.binary(max_size=5000))
def test_base64_lines_are_what_encodebytes_writes_with_crlf(data: bytes) -> None:
    import base64

    from emulator.domain.mime_render import _b64

    assert _b64(data) == base64.encodebytes(data).replace(b"\n", b"\r\n")
