"""SendEmail request rules: one case per rule, each with the exact Tencent code it answers."""

from __future__ import annotations

import base64
import json
import re
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emulator.domain.send_rules import (
    FORBIDDEN_EXTENSIONS,
    Attachment,
    SendEmailInput,
    check_size,
    fill_template,
    validate_send,
)
from emulator.errors import EmulatorError, MessageTooLarge, TencentError


def b64(data: str | bytes) -> str:
    return base64.b64encode(data.encode() if isinstance(data, str) else data).decode()


BASE = SendEmailInput(
    from_address="Example <noreply@mail.example.com>",
    subject="Your code",
    to=["user@example.com"],
    cc=[],
    bcc=[],
    template_id=42,
    template_data='{"code": "123456"}',
)
SIMPLE = replace(BASE, template_id=None, template_data=None, simple_text_b64=b64("hi"))


def emails(n: int, domain: str = "example.com") -> list[str]:
    return [f"u{i}@{domain}" for i in range(n)]


# (case id, request, exact Tencent code)
REFUSALS: list[tuple[str, SendEmailInput, str]] = [
    # sender
    ("from-no-space", replace(BASE, from_address="Ex<a@b.com>"), "FailedOperation.IncorrectSender"),
    ("from-colon-alias", replace(BASE, from_address="A:B <a@b.com>"), "FailedOperation.IncorrectSender"),
    ("from-bad-address", replace(BASE, from_address="not-an-email"), "FailedOperation.IncorrectSender"),
    # header injection
    ("from-crlf", replace(BASE, from_address="a@b.com\r\nBcc: x@y.com"), "InvalidParameterValue"),
    ("subject-lf", replace(BASE, subject="hi\nBcc: x@y.com"), "InvalidParameterValue"),
    ("subject-cr", replace(BASE, subject="hi\rthere"), "InvalidParameterValue"),
    ("subject-nel", replace(BASE, subject="hi\x85there"), "InvalidParameterValue"),
    ("subject-line-separator", replace(BASE, subject="hi\u2028there"), "InvalidParameterValue"),
    ("subject-nul", replace(BASE, subject="hi\x00"), "InvalidParameterValue"),
    ("reply-to-crlf", replace(BASE, reply_to="r@x.com\r\nX: y"), "InvalidParameterValue"),
    ("header-from-crlf", replace(BASE, header_from="a@b.com\nX: y"), "InvalidParameterValue"),
    ("message-id-crlf", replace(BASE, smtp_message_id="<a@b>\r\nX: y"), "InvalidParameterValue"),
    (
        "smtp-header-value-crlf",
        replace(BASE, smtp_headers='{"X-A": "v\\r\\nBcc: x@y.com"}'),
        "InvalidParameterValue",
    ),
    ("filename-crlf", replace(BASE, attachments=[("a\r\n.txt", b64("x"))]), "InvalidParameterValue"),
    # subject
    (
        "subject-var-newline",
        replace(BASE, subject="Code {{code}}", template_data='{"code": "1\\nBcc: x@y.com"}'),
        "InvalidParameterValue",
    ),
    (
        "subject-var-too-long",
        replace(BASE, subject="{{v}}", template_data=json.dumps({"v": "x" * 999})),
        "InvalidParameterValue.SubjectLengthError",
    ),
    ("subject-empty", replace(BASE, subject=""), "InvalidParameterValue.SubjectLengthError"),
    ("subject-999", replace(BASE, subject="x" * 999), "InvalidParameterValue.SubjectLengthError"),
    # recipients
    ("no-recipient", replace(BASE, to=[], cc=[], bcc=[]), "MissingParameter"),
    ("to-51", replace(BASE, to=emails(51)), "FailedOperation.TooManyRecipients"),
    ("cc-21", replace(BASE, cc=emails(21)), "FailedOperation.TooManyRecipients"),
    ("bcc-21", replace(BASE, bcc=emails(21, "b.com")), "FailedOperation.TooManyRecipients"),
    ("to-invalid", replace(BASE, to=["user@example.com", "nope"]), "FailedOperation.IncorrectEmail"),
    ("cc-invalid", replace(BASE, cc=["a b@c.com"]), "FailedOperation.IncorrectEmail"),
    ("bcc-invalid", replace(BASE, bcc=["a@b"]), "FailedOperation.IncorrectEmail"),
    ("to-named", replace(BASE, to=["User <user@example.com>"]), "FailedOperation.IncorrectEmail"),
    ("to-empty-string", replace(BASE, to=[" "]), "InvalidParameterValue.EmailAddressIsNULL"),
    ("bcc-overlaps-to", replace(BASE, bcc=["USER@EXAMPLE.COM"]), "InvalidParameterValue"),
    # reply-to, header-from, message-id, smtp headers
    ("reply-to-invalid", replace(BASE, reply_to="nobody"), "FailedOperation.IncorrectEmail"),
    ("header-from-invalid", replace(BASE, header_from="Someone"), "InvalidParameterValue"),
    ("header-from-two", replace(BASE, header_from="a@b.com, c@d.com"), "InvalidParameterValue"),
    ("message-id-space", replace(BASE, smtp_message_id="<a b@c>"), "InvalidParameterValue"),
    ("message-id-non-ascii", replace(BASE, smtp_message_id="<ü@c>"), "InvalidParameterValue"),
    ("smtp-headers-not-json", replace(BASE, smtp_headers="X-A: b"), "InvalidParameterValue"),
    ("smtp-headers-list", replace(BASE, smtp_headers='["X-A"]'), "InvalidParameterValue"),
    ("smtp-headers-number", replace(BASE, smtp_headers='{"X-A": 1}'), "InvalidParameterValue"),
    ("smtp-headers-bad-name", replace(BASE, smtp_headers='{"X A": "b"}'), "InvalidParameterValue"),
    ("smtp-headers-reserved", replace(BASE, smtp_headers='{"Subject": "b"}'), "InvalidParameterValue"),
    (
        "smtp-headers-content-type",
        replace(BASE, smtp_headers='{"content-type": "x/y"}'),
        "InvalidParameterValue",
    ),
    ("smtp-headers-sender", replace(BASE, smtp_headers='{"Sender": "a@b.com"}'), "InvalidParameterValue"),
    (
        "smtp-headers-resent",
        replace(BASE, smtp_headers='{"Resent-From": "a@b.com"}'),
        "InvalidParameterValue",
    ),
    # Unsubscribe / TriggerType
    ("unsubscribe-13", replace(BASE, unsubscribe="13"), "InvalidParameterValue"),
    ("unsubscribe-empty", replace(BASE, unsubscribe=""), "InvalidParameterValue"),
    ("trigger-2", replace(BASE, trigger_type=2), "InvalidParameterValue"),
    ("trigger-bool", replace(BASE, trigger_type=True), "InvalidParameterValue"),
    # content
    (
        "no-content",
        replace(BASE, template_id=None, template_data=None),
        "FailedOperation.MissingEmailContent",
    ),
    ("template-data-missing", replace(BASE, template_data=None), "MissingParameter"),
    ("template-id-missing", replace(BASE, template_id=None), "MissingParameter"),
    ("template-id-zero", replace(BASE, template_id=0), "FailedOperation.InvalidTemplateID"),
    ("template-data-not-json", replace(BASE, template_data="{code: 1}"), "FailedOperation.WrongContentJson"),
    ("template-data-array", replace(BASE, template_data='["a"]'), "FailedOperation.WrongContentJson"),
    (
        "template-data-nested",
        replace(BASE, template_data='{"a": {"b": 1}}'),
        "FailedOperation.WrongContentJson",
    ),
    (
        "template-data-html",
        replace(BASE, template_data='{"a": "<b>x</b>"}'),
        "InvalidParameterValue.InValidTemplateData",
    ),
    (
        "template-data-comment",
        replace(BASE, template_data='{"a": "<!-- x"}'),
        "InvalidParameterValue.InValidTemplateData",
    ),
    (
        "simple-empty",
        replace(SIMPLE, simple_text_b64="", simple_html_b64=""),
        "InvalidParameterValue.EmailContentIsWrong",
    ),
    (
        "simple-bad-b64",
        replace(SIMPLE, simple_text_b64="not base64!"),
        "InvalidParameterValue.EmailContentIsWrong",
    ),
    (
        "simple-html-bad-b64",
        replace(SIMPLE, simple_html_b64="aGk"),
        "InvalidParameterValue.EmailContentIsWrong",
    ),
    (
        "simple-not-utf8",
        replace(SIMPLE, simple_text_b64=b64(b"\xff\xfe")),
        "InvalidParameterValue.EmailContentIsWrong",
    ),
    # attachments
    (
        "attachments-11",
        replace(BASE, attachments=[(f"f{i}.txt", b64("x")) for i in range(11)]),
        "FailedOperation.TooManyAttachments",
    ),
    (
        "attachment-bad-b64",
        replace(BASE, attachments=[("a.txt", "%%%")]),
        "InvalidParameterValue.AttachContentIsWrong",
    ),
    (
        "attachment-name-empty",
        replace(BASE, attachments=[("", b64("x"))]),
        "FailedOperation.InvalidAttachName",
    ),
    (
        "attachment-name-256",
        replace(BASE, attachments=[("a" * 252 + ".txt", b64("x"))]),
        "FailedOperation.InvalidAttachName",
    ),
    (
        "attachment-name-dots",
        replace(BASE, attachments=[("..", b64("x"))]),
        "FailedOperation.InvalidAttachName",
    ),
    (
        "attachment-name-tab",
        replace(BASE, attachments=[("a\tb.txt", b64("x"))]),
        "FailedOperation.InvalidAttachName",
    ),
    (
        "attachment-name-c1",
        replace(BASE, attachments=[("a\x9bb.txt", b64("x"))]),
        "FailedOperation.InvalidAttachName",
    ),
    *[
        (
            f"attachment-name-char-{ch!r}",
            replace(BASE, attachments=[(f"a{ch}b.txt", b64("x"))]),
            "FailedOperation.InvalidAttachName",
        )
        for ch in '?\\*|"<>:/ '
    ],
    (
        "attachment-path",
        replace(BASE, attachments=[("../etc/passwd", b64("x"))]),
        "FailedOperation.InvalidAttachName",
    ),
    *[
        (
            f"attachment-ext-{ext}",
            replace(BASE, attachments=[(f"file.{ext}", b64("x"))]),
            "FailedOperation.InvalidAttachName",
        )
        for ext in (
            "exe",
            "EXE",
            "bat",
            "js",
            "vbs",
            "ps1",
            "msi",
            "mp4",
            "mov",
            "wav",
            "flac",
            "mkv",
            "lnk",
            "scr",
        )
    ],
    # size (limit lowered to keep the test fast)
    (
        "attachments-too-large",
        replace(BASE, attachments=[("a.bin", b64(b"x" * 101))]),
        "FailedOperation.AttachContentToolarge",
    ),
    (
        "email-too-large",
        replace(SIMPLE, simple_text_b64=b64("y" * 60), attachments=[("a.bin", b64(b"x" * 50))]),
        "FailedOperation.EmailContentToolarge",
    ),
]


@pytest.mark.parametrize(
    ("request_", "code"), [(r, c) for _, r, c in REFUSALS], ids=[i for i, _, _ in REFUSALS]
)
def test_refusals_carry_exact_tencent_code(request_: SendEmailInput, code: str) -> None:
    with pytest.raises(EmulatorError) as info:
        validate_send(request_, max_message_bytes=100)
    assert info.value.tencent_code == code
    assert info.value.message


def test_missing_recipient_message_is_tencents() -> None:
    with pytest.raises(TencentError, match="^Destination, Cc or Bcc is required$"):
        validate_send(replace(BASE, to=[]))


def test_email_too_large_is_the_message_too_large_error() -> None:
    with pytest.raises(MessageTooLarge):
        check_size("x" * 10, None, [Attachment("a", b"y" * 10, "application/octet-stream")], 15)
    check_size("x" * 5, None, [Attachment("a", b"y" * 10, "application/octet-stream")], 15)


def test_default_limit_is_4_mib() -> None:
    big = b64(b"\0" * (4 * 1024 * 1024))
    validate_send(replace(BASE, attachments=[("a.bin", big)]))
    with pytest.raises(EmulatorError) as info:
        validate_send(replace(BASE, attachments=[("a.bin", big), ("b.bin", b64("x"))]))
    assert info.value.tencent_code == "FailedOperation.AttachContentToolarge"


ACCEPTED: list[tuple[str, dict[str, Any]]] = [
    ("to-50-cc-20-bcc-20", {"to": emails(50), "cc": emails(20, "c.com"), "bcc": emails(20, "b.com")}),
    ("only-cc", {"to": [], "cc": ["c@example.com"]}),
    ("only-bcc", {"to": [], "bcc": ["b@example.com"]}),
    ("subject-998", {"subject": "x" * 998}),
    ("subject-998-cjk", {"subject": "字" * 998}),
    ("unsubscribe-0", {"unsubscribe": "0"}),
    ("unsubscribe-12", {"unsubscribe": "12"}),
    ("trigger-1", {"trigger_type": 1}),
    ("attachments-10", {"attachments": [(f"f{i}.pdf", b64("x")) for i in range(10)]}),
    ("attachment-name-255", {"attachments": [("a" * 251 + ".txt", b64("x"))]}),
    ("attachment-no-extension", {"attachments": [("README", b64("x"))]}),
    ("attachment-empty", {"attachments": [("empty.txt", "")]}),
    ("attachment-b64-with-newlines", {"attachments": [("a.txt", "aGVs\r\nbG8=\n")]}),
    ("attachment-mp3-allowed", {"attachments": [("song.mp3", b64("x"))]}),
    ("reply-to-alias", {"reply_to": "Support <help@example.com>"}),
    ("header-from-quoted", {"header_from": '"Example" <noreply@mail.example.com>'}),
    ("smtp-headers", {"smtp_headers": '{"X-Campaign": "spring", "List-Unsubscribe": "<mailto:u@x.com>"}'}),
    ("template-data-empty", {"template_data": "{}"}),
    ("template-data-scalars", {"template_data": '{"n": 5, "f": 1.5, "b": true, "z": null}'}),
    ("template-data-lt-not-tag", {"template_data": '{"cmp": "a < b > c", "amp": "Tom & Jerry"}'}),
    ("template-wins-over-simple", {"simple_text_b64": "%%% ignored"}),
]


@pytest.mark.parametrize("changes", [c for _, c in ACCEPTED], ids=[i for i, _ in ACCEPTED])
def test_accepted_edge_cases(changes: dict[str, Any]) -> None:
    validate_send(replace(BASE, **changes))


def test_valid_send_is_decoded_and_normalized() -> None:
    v = validate_send(
        replace(
            SIMPLE,
            from_address="Shop <News@Mail.Example.COM>",
            to=["A@Example.com", "a@example.com", " b@Example.com "],
            cc=["c@example.com", "B@example.com"],
            bcc=["d@example.com"],
            simple_html_b64=b64("<p>héllo</p>"),
            simple_text_b64=b64("héllo\r\n"),
            attachments=[("report.pdf", b64(b"%PDF\x00")), ("data.unknownext", b64("x"))],
            smtp_headers='{"X-Tag": "t"}',
            reply_to="help@Example.com",
        )
    )
    assert (v.alias, v.sender) == ("Shop", "News@mail.example.com")
    assert v.to == ["A@example.com", "a@example.com", "b@example.com"]
    assert v.recipients == ["A@example.com", "b@example.com", "c@example.com", "d@example.com"]
    assert (v.html, v.text) == ("<p>héllo</p>", "héllo\r\n")
    assert v.attachments == [
        Attachment("report.pdf", b"%PDF\x00", "application/pdf"),
        Attachment("data.unknownext", b"x", "application/octet-stream"),
    ]
    assert v.extra_headers == {"X-Tag": "t"}
    assert v.reply_to == "help@example.com"
    assert v.trigger_type == 0 and v.template_id is None and v.variables == {}


def test_reply_to_alias_is_quoted_when_needed() -> None:
    assert (
        validate_send(replace(BASE, reply_to="Help, Desk <h@Example.com>")).reply_to
        == '"Help, Desk" <h@example.com>'
    )
    assert validate_send(replace(BASE, reply_to="Help <h@example.com>")).reply_to == "Help <h@example.com>"


def test_subject_is_filled_from_template_data() -> None:
    v = validate_send(replace(BASE, subject="Code {{code}} {{other}}"))
    assert v.subject == "Code 123456 {{other}}"
    assert validate_send(replace(BASE, subject="{{code}}{{code}}")).subject == "123456123456"


def test_template_variables_become_strings() -> None:
    v = validate_send(
        replace(BASE, template_data=json.dumps({"code": "1", "n": 5, "ok": True, "none": None}))
    )
    assert v.variables == {"code": "1", "n": "5", "ok": "true", "none": ""}
    assert (v.html, v.text, v.template_id) == (None, None, 42)


def test_forbidden_extension_list_is_tencents() -> None:
    assert {"exe", "bat", "js", "mp4", "wav", "msh2xml", "xnk"} <= FORBIDDEN_EXTENSIONS
    assert not {"pdf", "zip", "mp3", "m4a", "html", "txt"} & FORBIDDEN_EXTENSIONS


FILL = [
    ("Hi {{name}}", {"name": "Ann"}, "Hi Ann"),
    ("{{a}}{{b}}", {"a": "1", "b": "2"}, "12"),
    ("Hi {{missing}}", {}, "Hi {{missing}}"),
    ("Hi {{ name }}", {"name": "Ann"}, "Hi {{ name }}"),
    ("{{x}}", {"x": "{{y}}", "y": "no"}, "{{y}}"),
    ("{name} {{{name}}}", {"name": "A"}, "{name} {A}"),
    ("代码 {{验证码}}", {"验证码": "42"}, "代码 42"),
]


@pytest.mark.parametrize(("text", "variables", "expected"), FILL)
def test_fill_template(text: str, variables: dict[str, str], expected: str) -> None:
    assert fill_template(text, variables) == expected


@settings(max_examples=300, deadline=None)
@given(
    text=st.lists(
        st.one_of(
            st.sampled_from(["{{a}}", "{{b}}", "{{ a }}", "{", "}", "{0}", "{{", "}}", "{{a"]), st.text()
        ),
        max_size=12,
    ).map("".join),
    variables=st.dictionaries(st.sampled_from(["a", "b", "c"]), st.text(max_size=5)),
)
def test_fill_template_is_one_regex_pass(text: str, variables: dict[str, str]) -> None:
    """The cached, pre-split template fills exactly as one substitution pass over the text would."""
    expected = re.sub(r"\{\{([^{}\s]+)\}\}", lambda m: variables.get(m[1], m[0]), text)
    assert fill_template(text, variables) == expected


def test_the_envelope_recipient_cap_refuses_only_past_it() -> None:
    from emulator.domain.send_rules import envelope_recipient_refusal

    assert envelope_recipient_refusal(49, 50) is None
    refused = envelope_recipient_refusal(50, 50)
    assert refused is not None and refused.tencent_code == "FailedOperation.TooManyRecipients"
    assert "at most 50" in refused.message


def test_an_attachment_by_file_url_is_refused_before_anything_else() -> None:
    from emulator.domain.send_rules import SendEmailInput, validate_send
    from emulator.errors import FailedOperationFileURLNotExist

    inp = SendEmailInput(
        from_address="not an address",
        subject="",
        to=[],
        cc=[],
        bcc=[],
        reply_to=None,
        template_id=None,
        template_data=None,
        simple_html_b64=None,
        simple_text_b64=None,
        attachments=[("a.txt", None)],
    )
    with pytest.raises(FailedOperationFileURLNotExist):
        validate_send(inp)
