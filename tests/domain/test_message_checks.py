"""The SMTP message checks of reference §6 as pure rules: each rule's refusal (class, code, message), its
boundary (the limit passes, one more byte or character is refused), the order they are answered in, and
a valid message of each allowed Content-Type passing."""

from __future__ import annotations

import base64
from email.message import EmailMessage

import pytest
from hypothesis import given
from hypothesis import strategies as st

from emulator.domain import message_checks as mc
from emulator.domain import mime_read
from emulator.errors import (
    AttachmentsTooLarge,
    BodyTooLarge,
    FailedOperation,
    InvalidParameterValueSubjectLengthError,
    MissingHeader,
    TencentError,
    UnsupportedAttachmentDisposition,
    UnsupportedAttachmentEncoding,
    UnsupportedContentType,
    UnsupportedMimeVersion,
)

MB = 1024 * 1024


def headers(**over: str | None) -> bytes:
    base: dict[str, str | None] = {
        "From": "noreply@mail.example.com",
        "To": "r@example.com",
        "Subject": "hello",
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
    }
    base.update({k.replace("_", "-"): v for k, v in over.items()})
    return "".join(f"{k}: {v}\r\n" for k, v in base.items() if v is not None).encode()


def single(body: bytes = b"hi\r\n", **over: str | None) -> bytes:
    return headers(**over) + b"\r\n" + body


def multipart(parts: list[bytes], kind: str = "mixed", **over: str | None) -> bytes:
    head = headers(Content_Type=f'multipart/{kind}; boundary="BB"', **over)
    out = head + b"\r\n"
    for p in parts:
        out += b"--BB\r\n" + p + b"\r\n"
    return out + b"--BB--\r\n"


TEXT_PART = b"Content-Type: text/plain; charset=utf-8\r\n\r\nbody text\r\n"


def attachment(
    data: bytes = b"a,b\r\n",
    name: str = "report.csv",
    cte: str = "base64",
    disposition: str | None = "attachment",
    extra: str = "",
) -> bytes:
    encoded = base64.encodebytes(data) if cte == "base64" else data
    disp = f"Content-Disposition: {disposition}; filename={name}\r\n" if disposition else ""
    return (
        f"Content-Type: application/octet-stream; name={name}\r\nContent-Transfer-Encoding: {cte}\r\n"
        f"{disp}{extra}\r\n"
    ).encode() + encoded


def refusal(raw: bytes) -> TencentError | None:
    fields = mime_read.header_fields(raw)
    subject = mime_read.summarize_headers(raw, fields)[0]
    return mc.smtp_message_refusal(raw, fields, subject)


def refused(raw: bytes, cls: type[TencentError], starts: str) -> TencentError:
    got = refusal(raw)
    assert isinstance(got, cls), got
    assert got.message.startswith(starts), got.message
    return got


@pytest.mark.parametrize(
    "raw,starts",
    [
        (single(From=None), "msg.From is null"),
        (single(From="  "), "msg.From is null"),
        (single(To=None), "msg.To is null"),
        (single(Subject=None), "msg.Subject is null"),
        (single(Subject=""), "msg.Subject is null"),
        (single(Subject="=?utf-8?b??="), "msg.Subject is null"),  # an encoded word of nothing
    ],
)
def test_missing_headers(raw: bytes, starts: str) -> None:
    got = refused(raw, MissingHeader, starts)
    assert got.code == "FailedOperation"  # Tencent's SMTP error table: plain FailedOperation


def test_headers_are_answered_in_order_from_to_subject() -> None:
    assert refused(single(From=None, To=None, Subject=None), MissingHeader, "msg.From")
    assert refused(single(To=None, Subject=None), MissingHeader, "msg.To")


def test_subject_length_998_passes_999_is_sendemails_code() -> None:
    assert refusal(single(Subject="s" * 998)) is None
    assert refusal(single(Subject="邮" * 998)) is None  # characters, not bytes
    got = refused(single(Subject="s" * 999), InvalidParameterValueSubjectLengthError, "Subject is 999")
    assert got.code == "InvalidParameterValue.SubjectLengthError"


@pytest.mark.parametrize("value", ["2.0", "1.1", "", "1.0.1", "one"])
def test_mime_version_other_than_1_0(value: str) -> None:
    got = refused(single(MIME_Version=value), UnsupportedMimeVersion, "Mime-Version must in")
    assert got.code == "FailedOperation"


@pytest.mark.parametrize("value", [None, "1.0", " 1.0 ", "1.0 (Mac OS X Mail 16.0 \\(3696\\))"])
def test_mime_version_absent_or_1_0_passes(value: str | None) -> None:
    assert refusal(single(MIME_Version=value)) is None


@pytest.mark.parametrize(
    "value",
    [
        "text/markdown",
        "text/plain",  # no charset: Tencent lists charset=UTF-8
        "text/plain; charset=ISO-8859-1",
        "text/html; charset=gb2312",
        "application/json",
        "multipart/signed; boundary=x",
        "multipart/report; boundary=x",
        "message/rfc822",
        "",
    ],
)
def test_content_type_not_one_of_the_five(value: str) -> None:
    got = refused(single(Content_Type=value), UnsupportedContentType, "Content-Type must in [")
    assert got.code == "FailedOperation" and repr(value) in got.message


@pytest.mark.parametrize(
    "value",
    [
        None,  # RFC 2045's text/plain: Tencent requires only From, To and Subject
        "text/plain; charset=UTF-8",
        'text/plain; charset="utf-8"',  # Python's email package (Tencent's own Python sample)
        "TEXT/HTML; CHARSET=utf-8",
        "text/html; format=flowed; charset=UTF-8",
    ],
)
def test_single_part_content_types_that_pass(value: str | None) -> None:
    assert refusal(single(Content_Type=value)) is None


@pytest.mark.parametrize("kind", ["mixed", "related", "alternative"])
def test_each_multipart_type_passes(kind: str) -> None:
    html = b"Content-Type: text/html; charset=utf-8\r\n\r\n<p>hi</p>\r\n"
    assert refusal(multipart([TEXT_PART, html], kind)) is None
    assert refusal(multipart([TEXT_PART, attachment()], kind)) is None


def test_messages_of_pythons_email_package_pass() -> None:
    """What smtplib users build: set_content, an HTML alternative, an attachment (base64, attachment)."""
    m = EmailMessage()
    m["From"], m["To"], m["Subject"] = "noreply@mail.example.com", "r@example.com", "Grüße"
    m.set_content("plain ü")
    m.add_alternative("<p>html ü</p>", subtype="html")
    assert refusal(m.as_bytes()) is None
    m.add_attachment(b"\x00\x01" * 1000, maintype="application", subtype="pdf", filename="a.pdf")
    assert refusal(m.as_bytes()) is None


@pytest.mark.parametrize("cte", ["7bit", "quoted-printable", "8bit", "binary"])
def test_attachment_must_be_base64(cte: str) -> None:
    raw = multipart([TEXT_PART, attachment(cte=cte)])
    got = refused(raw, UnsupportedAttachmentEncoding, "Content-Transfer-Encoding must in [base64]")
    assert got.code == "FailedOperation" and "report.csv" in got.message


def test_attachment_without_any_encoding_header() -> None:
    part = b"Content-Type: application/pdf\r\nContent-Disposition: attachment; filename=a.pdf\r\n\r\nxx"
    refused(multipart([TEXT_PART, part]), UnsupportedAttachmentEncoding, "Content-Transfer-Encoding")


@pytest.mark.parametrize("disposition", ["inline", None])
def test_attachment_must_be_disposition_attachment(disposition: str | None) -> None:
    raw = multipart([TEXT_PART, attachment(disposition=disposition)], "related")
    refused(raw, UnsupportedAttachmentDisposition, "Content-Disposition must in [attachment]")


def test_attachment_with_content_id_is_inline() -> None:
    raw = multipart([TEXT_PART, attachment(extra="Content-ID: <logo@x>\r\n")], "related")
    refused(raw, UnsupportedAttachmentDisposition, "Content-ID is not supported")


def test_body_parts_are_free_of_the_attachment_rules() -> None:
    """A text body part may be quoted-printable, carry no disposition or be marked inline."""
    qp = (
        b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nx=3D1"
    )
    inline = b"Content-Type: text/html; charset=utf-8\r\nContent-Disposition: inline\r\n\r\n<p>x</p>"
    assert refusal(multipart([qp, inline], "alternative")) is None


def test_body_of_1_mb_passes_one_byte_more_is_too_large() -> None:
    head = single(b"")
    assert refusal(head + b"x" * MB) is None
    got = refused(head + b"x" * (MB + 1), BodyTooLarge, "The email is too large.")
    assert got.code == "FailedOperation" and f"{MB + 1} bytes" in got.message


def test_attachments_do_not_count_towards_the_body() -> None:
    """A 4 MB attachment beside a small body passes; the same bytes as a body part do not."""
    big = b"y" * (4 * MB)
    assert refusal(multipart([TEXT_PART, attachment(big)])) is None
    as_body = b"Content-Type: text/plain; charset=utf-8\r\n\r\n" + big
    refused(multipart([as_body]), BodyTooLarge, "The email is too large.")


def test_one_attachment_of_5_mb_passes_one_byte_more_is_too_large() -> None:
    assert refusal(multipart([TEXT_PART, attachment(b"z" * (5 * MB))])) is None
    raw = multipart([TEXT_PART, attachment(b"z" * (5 * MB + 1), name="big.bin")])
    got = refused(raw, AttachmentsTooLarge, "The attachments are too large.")
    assert got.code == "FailedOperation" and "big.bin" in got.message and f"{5 * MB + 1} bytes" in got.message


def test_all_attachments_10_mb_pass_one_byte_more_is_too_large() -> None:
    two = [attachment(b"a" * (5 * MB), "a.bin"), attachment(b"b" * (5 * MB), "b.bin")]
    assert refusal(multipart([TEXT_PART, *two])) is None
    three = [*two, attachment(b"c", "c.bin")]
    got = refused(multipart([TEXT_PART, *three]), AttachmentsTooLarge, "The attachments are too large.")
    assert f"3 attachments are {10 * MB + 1} bytes" in got.message


def test_rules_are_answered_in_order() -> None:
    """Headers before parts, parts before sizes."""
    bad_everything = multipart([attachment(b"q" * (6 * MB), cte="7bit")], MIME_Version="2.0")
    assert isinstance(refusal(bad_everything), UnsupportedMimeVersion)
    assert isinstance(
        refusal(multipart([attachment(b"q" * (6 * MB), cte="7bit")])), UnsupportedAttachmentEncoding
    )


def test_every_refusal_is_a_failed_operation_specialisation_or_sendemails_code() -> None:
    for cls in (MissingHeader, UnsupportedContentType, UnsupportedMimeVersion, BodyTooLarge):
        assert issubclass(cls, FailedOperation) and cls.code == "FailedOperation"
        assert cls.smtp_reply is None  # answered in Tencent's 554 ##SES-response-json form


@given(st.binary(max_size=3000), st.sampled_from([76, 64, 0]))
def test_base64_size_is_the_decoded_size(data: bytes, width: int) -> None:
    text = base64.b64encode(data).decode()
    if width:
        text = "\r\n".join(text[i : i + width] for i in range(0, len(text), width)) + "\r\n"
    raw = b"headers\r\n\r\n" + text.encode() + b"\r\n--BB--"
    start = len(b"headers\r\n\r\n")
    assert mc._base64_size(raw, start, start + len(text)) == len(data)


def test_needs_parse_only_for_multipart() -> None:
    assert mc.needs_parse({"content-type": "multipart/mixed; boundary=x"})
    assert not mc.needs_parse({"content-type": "text/plain; charset=UTF-8"})
    assert not mc.needs_parse({})


def scanned_attachments(raw: bytes) -> list[tuple[str | None, int]]:
    top, content = mc._entity(raw, 0, len(raw))
    return [
        (leaf.headers.get_filename(), mc._base64_size(raw, leaf.start, leaf.end))
        for leaf in mc._leaves(raw, content, len(raw), top)
        if leaf.headers is not top and mime_read.is_attachment(leaf.headers)
    ]


@given(
    st.booleans(),
    st.lists(
        st.tuples(st.sampled_from(["a.pdf", "b.csv", "c.png", "d.zip"]), st.binary(max_size=5000)), max_size=4
    ),
    st.sampled_from(["\r\n", "\n"]),
)
def test_the_boundary_scan_finds_the_attachments_the_mailbox_lists(
    html: bool, files: list[tuple[str, bytes]], linesep: str
) -> None:
    """Differential: for messages Python's email package builds (nested multiparts, CRLF or bare LF),
    the scan of the raw bytes finds the same attachments, with the same decoded sizes, as the mailbox's
    full parse (mime_read.parse_message)."""
    import email.policy

    m = EmailMessage()
    m["From"], m["To"], m["Subject"] = "noreply@mail.example.com", "r@example.com", "s"
    m.set_content("plain")
    if html:
        m.add_alternative("<p>html</p>", subtype="html")
    for name, data in files:
        m.add_attachment(data, maintype="application", subtype="octet-stream", filename=name)
    raw = m.as_bytes(policy=email.policy.default.clone(linesep=linesep))
    want = [(a.filename, a.size) for a in mime_read.parse_message(raw).attachments]
    assert scanned_attachments(raw) == want
    assert refusal(raw) is None


def test_the_scan_reads_preamble_epilogue_lookalike_lines_and_headerless_parts() -> None:
    body = (
        b"preamble text\r\n--BBX not a delimiter\r\n"
        b"--BB\r\n\r\nheaderless text part\r\n"
        b"--BB\r\n" + attachment(b"12345", "x.bin") + b"\r\n--BBfoo still content\r\n"
        b"--BB--\r\nepilogue\r\n--BB\r\n" + attachment(b"ignored", "after-close.bin") + b"\r\n"
    )
    raw = headers(Content_Type='multipart/mixed; boundary="BB"') + b"\r\n" + body
    assert [name for name, _size in scanned_attachments(raw)] == ["x.bin"]
    assert [a.filename for a in mime_read.parse_message(raw).attachments] == ["x.bin"]


def test_many_look_alike_lines_are_read_in_a_loop() -> None:
    body = b"--BB\r\n" + attachment(b"q", "q.bin") + b"\r\n" + b"--BBX\r\n" * 50_000 + b"--BB--\r\n"
    raw = headers(Content_Type="multipart/mixed; boundary=BB") + b"\r\n" + body
    assert [name for name, _size in scanned_attachments(raw)] == ["q.bin"]


def test_the_scan_survives_broken_structure() -> None:
    no_close = headers(Content_Type="multipart/mixed; boundary=BB") + b"\r\n--BB\r\n" + attachment(cte="7bit")
    refused(no_close, UnsupportedAttachmentEncoding, "Content-Transfer-Encoding must in")
    no_boundary = headers(Content_Type="multipart/mixed") + b"\r\nno boundary at all\r\n"
    assert refusal(no_boundary) is None  # one body, nothing attached
    no_parts = headers(Content_Type="multipart/mixed; boundary=BB") + b"\r\nnothing delimited\r\n"
    assert refusal(no_parts) is None
    rfc822 = (
        b"Content-Type: message/rfc822\r\nContent-Disposition: attachment; filename=fwd.eml\r\n\r\n"
        b"Subject: inner\r\n\r\ninner body\r\n"
    )
    refused(multipart([TEXT_PART, rfc822]), UnsupportedAttachmentEncoding, "Content-Transfer-Encoding")
