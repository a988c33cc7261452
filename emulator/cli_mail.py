"""`ses-emulator mail ...`, `send` and `healthcheck`: captured mail, a test message by SMTP or the
Tencent API, and the health probe the Docker image uses."""

from __future__ import annotations

import base64
import re
import smtplib
import ssl
import sys
import time
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import urlsplit

import typer

from emulator.cli_common import (
    EXIT_SERVER,
    AccountOpt,
    Api,
    JsonOpt,
    Progress,
    ProgressOpt,
    TokenOpt,
    UrlOpt,
    default_url,
    echo_json,
    kv,
    table,
    usage,
)
from emulator.config import DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY, DEFAULT_SENDER, DEFAULT_SMTP_PASSWORD

if TYPE_CHECKING:
    import httpx

mail_app = typer.Typer(
    help="Captured mail of an account: list, show, raw, wait, delete.", no_args_is_help=True
)

IdArg = Annotated[str, typer.Argument(help="MessageId")]
ToOpt = Annotated[str | None, typer.Option("--to", help="recipient contains")]
FromOpt = Annotated[str | None, typer.Option("--from", help="sender contains")]
SubjectOpt = Annotated[str | None, typer.Option(help="subject contains")]
TextOpt = Annotated[str | None, typer.Option("--text", help="subject or body contains")]
SinceOpt = Annotated[str | None, typer.Option(help="account time >= (ISO 8601)")]
UntilOpt = Annotated[str | None, typer.Option(help="account time <= (ISO 8601)")]
SourceOpt = Annotated[str | None, typer.Option(help="smtp | api | notice")]


def _filters(**f: str | None) -> dict[str, str | None]:
    if f.get("source") not in (None, "smtp", "api", "notice"):
        usage("--source must be smtp, api or notice")
    return {("from" if k == "sender" else k): v for k, v in f.items()}


def _summary_row(m: dict[str, Any]) -> tuple[Any, ...]:
    to = ", ".join(m["recipients"])
    return (m["id"], m["account_time"][:19], m["source"], m["mail_from"], to[:40], m["subject"][:50])


@mail_app.command("list")
def mail_list(
    account: AccountOpt = "default",
    to: ToOpt = None,
    sender: FromOpt = None,
    subject: SubjectOpt = None,
    text: TextOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    source: SourceOpt = None,
    limit: Annotated[int, typer.Option(min=1, max=500)] = 50,
    offset: Annotated[int, typer.Option(min=0)] = 0,
    before: Annotated[
        str | None, typer.Option(help="older than this message id (the last of the previous page)")
    ] = None,
    url: UrlOpt = None,
    token: TokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Captured messages, newest first, with optional filters."""
    f = _filters(to=to, sender=sender, subject=subject, text=text, since=since, until=until, source=source)
    api = Api(url, token, as_json)
    data = api.get(f"/admin/accounts/{account}/messages", limit=limit, offset=offset, before=before, **f)

    def out(d: dict[str, Any]) -> None:
        table(
            [_summary_row(m) for m in d["messages"]],
            ["ID", "TIME", "VIA", "FROM", "TO", "SUBJECT"],
            "no mail",
        )
        typer.echo(f"{len(d['messages'])} of {d['total']} message(s)")

    api.out(data, out)


@mail_app.command("show")
def mail_show(
    message_id: IdArg,
    account: AccountOpt = "default",
    url: UrlOpt = None,
    token: TokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """One message: envelope, metering, delivery, attachments and its text (or HTML) body."""
    api = Api(url, token, as_json)

    def out(m: dict[str, Any]) -> None:
        kv(
            [
                ("MessageId", m["id"]),
                ("From", m["from"]),
                ("To", m["to"]),
                ("Subject", m["subject"]),
                ("Envelope", f"{m['mail_from']} -> {', '.join(m['recipients'])}"),
                ("Via", m["source"] + (f" (template {m['template_id']})" if m["template_id"] else "")),
                ("Account time", m["account_time"]),
                ("Sending IP", m["sending_ip"]),
                ("Metered", f"{m['free_units']} free, {m['paid_units']} paid"),
                ("Size", f"{m['size']} bytes"),
            ]
        )
        for a in m["attachments"]:
            typer.echo(f"Attachment {a['index']}: {a['filename']} ({a['content_type']}, {a['size']} bytes)")
        typer.echo("")
        typer.echo(m["text"] if m["text"] is not None else (m["html"] or ""))

    api.out(api.get(f"/admin/accounts/{account}/messages/{message_id}"), out)


@mail_app.command("raw")
def mail_raw(
    message_id: IdArg,
    account: AccountOpt = "default",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="write to this file")] = None,
    url: UrlOpt = None,
    token: TokenOpt = None,
) -> None:
    """The message exactly as received (.eml) on stdout or into a file."""
    api = Api(url, token)
    data = api.request("GET", f"/admin/accounts/{account}/messages/{message_id}/raw").content
    if output is not None:
        output.write_bytes(data)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()


@mail_app.command("wait")
def mail_wait(
    account: AccountOpt = "default",
    to: ToOpt = None,
    sender: FromOpt = None,
    subject: SubjectOpt = None,
    text: TextOpt = None,
    since: SinceOpt = None,
    source: SourceOpt = None,
    timeout: Annotated[float, typer.Option(min=0, max=3600, help="seconds")] = 10.0,
    url: UrlOpt = None,
    token: TokenOpt = None,
    as_json: JsonOpt = False,
    progress: ProgressOpt = None,
) -> None:
    """Wait for the newest matching message (at once if one exists); exit 1 when none came in time."""
    f = _filters(to=to, sender=sender, subject=subject, text=text, since=since, source=source)
    api = Api(url, token, as_json, timeout=timeout + 30)
    bar = Progress(timeout, "waiting", progress)
    chunk = 1.0 if bar.enabled else 300.0
    deadline = time.monotonic() + timeout
    path = f"/admin/accounts/{account}/messages/wait"
    params = {k: v for k, v in f.items() if v is not None}
    while True:
        left = max(0.0, deadline - time.monotonic())
        r = api.request("GET", path, allow=(408,), params={**params, "timeout": min(chunk, left)})
        if r.status_code != 408 or left <= 0:
            break
        bar.update(timeout - max(0.0, deadline - time.monotonic()), f"{timeout:g} s timeout")
    bar.close()
    if r.status_code == 408:
        api.fail(408, "Timeout", f"no matching message within {timeout:g} s")
    api.out(r.json(), lambda m: table([_summary_row(m)], ["ID", "TIME", "VIA", "FROM", "TO", "SUBJECT"]))


@mail_app.command("delete")
def mail_delete(
    message_id: Annotated[str | None, typer.Argument(help="MessageId")] = None,
    all_messages: Annotated[bool, typer.Option("--all", help="every message of the account")] = False,
    account: AccountOpt = "default",
    url: UrlOpt = None,
    token: TokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Delete one message, or all of an account's with --all (metering and bills stay)."""
    if (message_id is None) == (not all_messages):
        usage("give a MessageId or --all (not both)")
    api = Api(url, token, as_json)
    path = f"/admin/accounts/{account}/messages" + (f"/{message_id}" if message_id else "")
    api.out(api.delete(path), lambda d: typer.echo(f"deleted {d['deleted']} message(s)"))


# --- send ---------------------------------------------------------------------------------------
def _smtp_send(
    info: dict[str, Any], url: str, via: str, user: str, password: str, msg: EmailMessage, to: list[str]
) -> str:
    host = info.get("host") or "127.0.0.1"
    if host in ("0.0.0.0", "::", ""):
        host = urlsplit(url).hostname or "127.0.0.1"
    ctx = ssl.create_default_context()
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE  # the emulator's certificate is self-signed
    client: smtplib.SMTP
    if via == "smtps":
        client = smtplib.SMTP_SSL(host, info["smtps_port"], context=ctx, timeout=30)
    else:
        client = smtplib.SMTP(host, info["smtp_port"], timeout=30)
    with client:
        if via == "smtp":
            client.starttls(context=ctx)
        client.login(user, password)
        code, resp = client.mail(str(msg["From"]))
        if code >= 400:
            raise smtplib.SMTPSenderRefused(code, resp, str(msg["From"]))
        for rcpt in to:
            code, resp = client.rcpt(rcpt)
            if code >= 400:
                raise smtplib.SMTPRecipientsRefused({rcpt: (code, resp)})
        code, resp = client.data(msg.as_bytes())
        if code >= 400:
            raise smtplib.SMTPDataError(code, resp)
    found = re.search(rb"queued as (\S+)", resp)
    return found.group(1).decode() if found else resp.decode(errors="replace")


def send(
    to: Annotated[list[str], typer.Option("--to", help="recipient (repeat for more)")],
    via: Annotated[str, typer.Option(help="smtp (STARTTLS) | smtps (implicit TLS) | api")] = "smtp",
    sender: Annotated[str, typer.Option("--from", help="sender address")] = DEFAULT_SENDER,
    subject: Annotated[str, typer.Option()] = "Test message from ses-emulator",
    body: Annotated[str, typer.Option("--body", help="plain-text body")] = "Hello from ses-emulator.",
    count: Annotated[int, typer.Option(min=1, max=100_000, help="send this many messages")] = 1,
    smtp_user: Annotated[str | None, typer.Option(help="SMTP user [default: --from]")] = None,
    smtp_password: Annotated[
        str, typer.Option(envvar="SES_EMULATOR_SMTP_PASSWORD", help="SMTP password")
    ] = DEFAULT_SMTP_PASSWORD,
    secret_id: Annotated[str, typer.Option(envvar="TENCENTCLOUD_SECRET_ID")] = DEFAULT_SECRET_ID,
    secret_key: Annotated[str, typer.Option(envvar="TENCENTCLOUD_SECRET_KEY")] = DEFAULT_SECRET_KEY,
    url: UrlOpt = None,
    token: TokenOpt = None,
    as_json: JsonOpt = False,
    progress: ProgressOpt = None,
) -> None:
    """Send a test message by SMTP or the Tencent API (default: the default account's credentials)."""
    if via not in ("smtp", "smtps", "api"):
        usage("--via must be smtp, smtps or api")
    api = Api(url, token, as_json)
    ids: list[str] = []
    bar = Progress(count, "sending", progress)
    if via == "api":
        from emulator.client import TencentApiError, TencentClient

        client = TencentClient(api.url, secret_id, secret_key)
        simple = {"Text": base64.b64encode(body.encode()).decode()}
        for i in range(count):
            try:
                out = client.call(
                    "SendEmail", FromEmailAddress=sender, Destination=to, Subject=subject, Simple=simple
                )
            except TencentApiError as exc:
                api.fail(200, exc.code, f"{exc.message} (RequestId {exc.request_id})")
            except api.transport_error as exc:
                api.fail(0, "Unreachable", f"cannot reach the server at {api.url}: {exc}")
            ids.append(out["MessageId"])
            bar.update(i + 1, f"{i + 1}/{count}")
    else:
        info = api.get("/admin/info")
        for i in range(count):
            msg = EmailMessage()
            msg["From"], msg["To"], msg["Subject"] = sender, ", ".join(to), subject
            msg.set_content(body)
            try:
                ids.append(_smtp_send(info, api.url, via, smtp_user or sender, smtp_password, msg, to))
            except smtplib.SMTPResponseException as exc:
                err = (
                    exc.smtp_error.decode(errors="replace")
                    if isinstance(exc.smtp_error, bytes)
                    else exc.smtp_error
                )
                api.fail(exc.smtp_code, f"SMTP{exc.smtp_code}", str(err))
            except smtplib.SMTPRecipientsRefused as exc:
                api.fail(0, "SMTPRecipientsRefused", str(exc.recipients))
            except OSError as exc:
                api.fail(0, "Unreachable", f"SMTP connection failed: {exc}")
            bar.update(i + 1, f"{i + 1}/{count}")
    bar.close()
    api.out(
        {"via": via, "message_ids": ids},
        lambda d: typer.echo("\n".join(f"sent {m}" for m in d["message_ids"])),
    )


# --- healthcheck --------------------------------------------------------------------------------
WAIT_POLL_S = 0.1  # between probes while waiting: short, so a ready server is seen at once


def _probe(http: httpx.Client, base: str) -> tuple[bool, dict[str, Any]]:
    """/healthz then /readyz: ok when both answer 200."""
    import httpx

    result: dict[str, Any] = {"url": base}
    for probe in ("healthz", "readyz"):
        try:
            r = http.get(f"{base}/{probe}")
        except httpx.HTTPError as exc:
            result[probe] = {"status": "unreachable", "error": str(exc) or type(exc).__name__}
            return False, result
        result[probe] = (
            r.json() if r.headers.get("content-type", "").startswith("application/json") else r.text
        )
        if r.status_code != 200:
            return False, result
    return True, result


def healthcheck(
    url: UrlOpt = None,
    timeout: Annotated[float, typer.Option(help="seconds per probe")] = 5.0,
    wait: Annotated[
        float,
        typer.Option(
            min=0,
            help="wait up to this many seconds for the server to become ready, probing every "
            f"{WAIT_POLL_S} s (0: probe once)",
        ),
    ] = 0.0,
    as_json: JsonOpt = False,
) -> None:
    """Exit 0 when the server serves (/healthz) and its database answers (/readyz), else 1. With --wait,
    exit 0 as soon as it does (a server still starting, or not yet listening, is probed again), 1 once
    the wait is over."""
    import httpx  # here, not at the top: `serve` never needs it

    base = (url or default_url()).rstrip("/")
    start = time.monotonic()
    deadline = start + wait
    with httpx.Client(timeout=timeout, trust_env=False) as http:
        while True:
            left = deadline - time.monotonic()
            http.timeout = httpx.Timeout(min(timeout, left) if wait and left > 0 else timeout)
            ok, result = _probe(http, base)
            if ok or time.monotonic() + WAIT_POLL_S > deadline:
                break
            time.sleep(WAIT_POLL_S)
    result["ok"] = ok
    if wait:
        result["waited_s"] = round(time.monotonic() - start, 3)
    if as_json:
        echo_json(result)
    elif ok:
        ready = result["readyz"]
        typer.echo(f"ok: {base} version {ready.get('version')}, database {ready.get('database')}")
    elif wait:
        last = {k: v for k, v in result.items() if k in ("healthz", "readyz")}
        typer.echo(f"not ready: {base} did not become ready within {wait:g} s (last probe: {last})", err=True)
    else:
        typer.echo(f"unhealthy: {base}: {result}", err=True)
    if not ok:
        raise typer.Exit(EXIT_SERVER)
