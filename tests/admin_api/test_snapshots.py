"""Account snapshots: an account with a bit of everything exported, imported into a fresh server on
each backend and exported again byte for byte; the imported account works with the same keys and SMTP
password; clashes and bad files are refused and change nothing; every table of the schema is
classified, so a new table cannot be left out of snapshots silently."""

from __future__ import annotations

import io
import json
import os
import smtplib
import ssl
import zipfile
from email.message import EmailMessage
from typing import Any

import pytest
from sqlalchemy import Integer

from emulator.storage import snapshot_repo
from emulator.storage.schema import metadata
from tests.conftest import Server
from tests.tencent_api.ses_helpers import api, b64, send

# integer columns of owned tables that are numbers in their own right, not another row's key
NOT_KEYS = {("templates", "template_id"), ("messages", "template_id")}


def smtp_send(server: Server, sender: str, password: str, to: str, subject: str) -> None:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, to, subject
    msg.set_content("hello from smtp\n")
    ctx = ssl.create_default_context()
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE  # the emulator's self-signed certificate
    with smtplib.SMTP("127.0.0.1", server.endpoints.smtp_port, timeout=30) as c:
        c.starttls(context=ctx)
        c.login(sender, password)
        c.send_message(msg)


def prepared_account(server: Server) -> dict[str, Any]:
    """Frozen clock, money in and out, a template, a second identity, fault rules, limits, a
    blacklist entry, a recipient list, mail by SMTP and by the API, and a settled day."""
    a = server.new_account(sender="ops@seed.example", free_quota=1)
    name = a["name"]
    ok = lambda r, code=200: r.status_code == code or pytest.fail(r.text)  # noqa: E731
    ok(server.admin("POST", f"/accounts/{name}/clock/freeze"))
    ok(server.admin("POST", f"/accounts/{name}/clock/advance", json={"to": "2031-03-04T10:00:00+08:00"}))
    ok(server.admin("POST", f"/accounts/{name}/top-up", json={"amount": "1.25", "note": "seed"}))
    ok(
        server.admin(
            "POST",
            f"/accounts/{name}/fault-rules",
            json={"pattern": "*@bounce.test", "outcome": "hard_bounce"},
        ),
        201,
    )
    ok(
        server.admin(
            "PATCH", f"/accounts/{name}/limits", json={"recipient_hourly": {"enabled": True, "limit": 7}}
        )
    )
    api(server, a, "CreateEmailIdentity", EmailIdentity="news.example")
    api(server, a, "CreateEmailAddress", EmailAddress="hi@news.example", EmailSenderName="News")
    api(
        server,
        a,
        "CreateEmailTemplate",
        TemplateName="welcome",
        TemplateContent={"Html": b64("<p>Hi {{name}}</p>"), "Text": b64("Hi {{name}}")},
    )
    api(server, a, "CreateCustomBlacklist", Emails=["no@blocked.test"])
    rid = api(server, a, "CreateReceiver", ReceiversName="list-1", Desc="seed list")["ReceiverId"]
    api(server, a, "CreateReceiverDetail", ReceiverId=rid, Emails=["r1@x.test", "r2@x.test"])
    send(server, a, ["alice@x.test"], subject="api one")
    send(server, a, ["bob@bounce.test", "carol@x.test"], subject="api two")
    smtp_send(server, a["sender"], a["smtp_password"], "dave@x.test", "smtp one")
    ok(server.admin("POST", f"/accounts/{name}/clock/advance", json={"duration": "1d"}))  # settle the day
    return a


def export(server: Server, name: str) -> bytes:
    r = server.admin("GET", f"/accounts/{name}/snapshot")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/zip"
    assert f'filename="{name}.ses-snapshot.zip"' in r.headers["content-disposition"]
    return r.content


def import_(server: Server, data: bytes, **params: Any) -> Any:
    return server.admin("POST", "/snapshots", content=data, params=params)


@pytest.mark.parametrize("target", ["sqlite", "postgresql"])
def test_round_trip_is_byte_exact_and_the_account_works(
    server: Server, make_server: Any, target: str
) -> None:
    a = prepared_account(server)
    before = server.state(a["name"])
    first = export(server, a["name"])
    mails = {m["id"]: server.admin("GET", f"/accounts/{a['name']}/messages/{m['id']}/raw").content
             for m in server.admin("GET", f"/accounts/{a['name']}/messages").json()["messages"]}  # fmt: skip
    assert len(mails) == 3

    other = make_server(target)
    r = import_(other, first)
    assert r.status_code == 201, r.text
    assert r.json() | {"id": 0} == {
        "id": 0,
        "name": a["name"],
        "app_id": a["app_id"],
        "secret_id": a["secret_id"],
        "secret_key": a["secret_key"],
        "messages": 3,
    }
    assert export(other, a["name"]) == first  # byte for byte

    after = other.state(a["name"])
    for key in ("balance", "unpaid", "free_used", "free_quota", "paid_units", "clock", "suspended"):
        assert after[key] == before[key], key
    for mid, raw in mails.items():
        got = other.admin("GET", f"/accounts/{a['name']}/messages/{mid}/raw")
        assert got.content == raw
    bills = [b | {"id": 0} for b in other.admin("GET", f"/accounts/{a['name']}/bills").json()]
    assert bills == [b | {"id": 0} for b in server.admin("GET", f"/accounts/{a['name']}/bills").json()]
    assert len(bills) == 1 and bills[0]["amount"] == "0.000840"  # 3 paid units (1 free) x 0.00028
    assert other.admin("GET", f"/accounts/{a['name']}/limits").json() == (
        server.admin("GET", f"/accounts/{a['name']}/limits").json()
    )
    # the same keys work on the new server, and see what the account had
    tpl = api(other, a, "ListEmailTemplates", Limit=10, Offset=0)
    assert [t["TemplateName"] for t in tpl["TemplatesMetadata"]] == ["welcome"]
    ids = api(other, a, "ListEmailIdentities")["EmailIdentities"]
    assert sorted(i["IdentityName"] for i in ids) == ["news.example", "seed.example"]
    status = api(other, a, "GetSendEmailStatus", RequestDate="2031-03-04", Offset=0, Limit=100)
    assert sorted(s["ToEmailAddress"] for s in status["EmailStatusList"]) == [
        "alice@x.test", "bob@bounce.test", "carol@x.test", "dave@x.test"
    ]  # fmt: skip
    receivers = api(other, a, "ListReceivers", Offset=0, Limit=10)["Data"]
    assert [(x["ReceiversName"], x["Count"]) for x in receivers] == [("list-1", 2)]
    # the mail is searchable on the new server (its search index is built as the rows go in)
    found = other.admin("GET", f"/accounts/{a['name']}/messages", params={"text": "hello from smtp"}).json()
    assert [m["subject"] for m in found["messages"]] == ["smtp one"]
    found = other.admin("GET", f"/accounts/{a['name']}/messages", params={"to": "carol@x"}).json()
    assert [m["subject"] for m in found["messages"]] == ["api two"] and found["total"] == 1
    # the SMTP password (stored hashed) still opens the sender
    smtp_send(other, a["sender"], a["smtp_password"], "eve@x.test", "after import")
    assert other.state(a["name"])["clock"] == before["clock"]  # still frozen


def test_the_file_is_readable_and_deterministic(server: Server) -> None:
    a = prepared_account(server)
    data = export(server, a["name"])
    assert export(server, a["name"]) == data
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = zf.namelist()
        assert names == sorted(names) and names[-1] == "snapshot.json"
        assert [n for n in names if n.startswith("mail/")] == ["mail/1.eml", "mail/2.eml", "mail/3.eml"]
        assert all(i.date_time == (1980, 1, 1, 0, 0, 0) for i in zf.infolist())
        manifest = json.loads(zf.read("snapshot.json"))
        assert b"Subject: smtp one" in zf.read("mail/3.eml")
    assert manifest["format"] == "ses-emulator-account-snapshot" and manifest["version"] == 1
    assert manifest["account"]["name"] == a["name"] and "id" not in manifest["account"]
    msgs = manifest["tables"]["messages"]
    assert "account_id" not in msgs["columns"] and msgs["columns"][0] == "id"
    assert [row[0] for row in msgs["rows"]] == [1, 2, 3]  # renumbered
    recips = manifest["tables"]["message_recipients"]
    pk = recips["columns"].index("message_pk")
    assert sorted({row[pk] for row in recips["rows"]}) == [1, 2, 3]  # point at the renumbered messages


def test_clashes_are_refused_and_change_nothing(server: Server) -> None:
    a = prepared_account(server)
    data = export(server, a["name"])
    count = len(server.admin("GET", "/accounts").json())
    r = import_(server, data)  # same name
    assert (r.status_code, r.json()["code"]) == (409, "ResourceInUse"), r.text
    r = import_(server, data, name=a["name"] + "-copy")  # same SecretId and MessageIds
    assert r.status_code == 409 and "SecretId" in r.json()["message"], r.text
    assert len(server.admin("GET", "/accounts").json()) == count
    assert server.admin("GET", f"/accounts/{a['name']}-copy").status_code == 404


def test_new_ids_import_the_same_file_again(server: Server) -> None:
    """new_ids: new SecretId, SecretKey, AppId and MessageIds, so one seed serves a whole fleet."""
    a = prepared_account(server)
    data = export(server, a["name"])
    old_ids = {m["id"] for m in server.admin("GET", f"/accounts/{a['name']}/messages").json()["messages"]}
    seen: set[str] = set(old_ids)
    for n in (1, 2):
        r = import_(server, data, name=f"{a['name']}-fleet-{n}", new_ids="true")
        assert r.status_code == 201, r.text
        creds = r.json()
        assert creds["secret_id"] != a["secret_id"] and creds["app_id"] != a["app_id"]
        mails = server.admin("GET", f"/accounts/{creds['name']}/messages").json()["messages"]
        ids = {m["id"] for m in mails}
        assert len(ids) == 3 and not ids & seen and all(creds["app_id"] in i for i in ids)
        seen |= ids
        acct = {"secret_id": creds["secret_id"], "secret_key": creds["secret_key"]}
        names = [
            t["TemplateName"]
            for t in api(server, acct, "ListEmailTemplates", Limit=5, Offset=0)["TemplatesMetadata"]
        ]
        assert names == ["welcome"]
        status = api(server, acct, "GetSendEmailStatus", RequestDate="2031-03-04", Offset=0, Limit=100)
        assert {s["MessageId"] for s in status["EmailStatusList"]} == ids


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b"not a zip", "not a zip file"),
        (b"", "not a zip file"),
    ],
)
def test_bad_files_get_a_clear_error(server: Server, body: bytes, says: str) -> None:
    r = import_(server, body)
    assert (
        r.status_code == 400 and r.json()["code"] == "InvalidParameterValue" and says in r.json()["message"]
    ), r.text


def _zip(manifest: dict[str, Any], extra: dict[str, bytes] | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("snapshot.json", json.dumps(manifest))
        for k, v in (extra or {}).items():
            zf.writestr(k, v)
    return buf.getvalue()


def test_bad_manifests_get_a_clear_error(server: Server) -> None:
    a = server.new_account()
    good = json.loads(zipfile.ZipFile(io.BytesIO(export(server, a["name"]))).read("snapshot.json"))
    cases = [
        ({"format": "other"}, "does not say format"),
        ({**good, "version": 2}, "format version 2"),
        ({**good, "schema": "9999"}, "newer emulator"),
        (
            {**good, "tables": {**good["tables"], "no_such_table": {"columns": [], "rows": []}}},
            "no_such_table",
        ),
        ({**good, "account": {**good["account"], "bogus": 1}, "tables": {}}, "bogus"),
        (
            {**good, "tables": {"messages": {"columns": ["id", "raw"], "rows": [[1, "blob:mail/1.eml"]]}}},
            "lacks",
        ),
    ]
    count = len(server.admin("GET", "/accounts").json())
    for manifest, says in cases:
        r = import_(server, _zip(manifest), name="bad-import")
        assert r.status_code == 400 and says in r.json()["message"], (says, r.text)
    assert len(server.admin("GET", "/accounts").json()) == count


def test_every_table_is_classified_and_every_key_column_mapped() -> None:
    assert snapshot_repo.unowned_tables() == []
    owned = {t.name: t for t in snapshot_repo.owned_tables()}
    order = [t.name for t in snapshot_repo.owned_tables()]
    for t in owned.values():
        refs = snapshot_repo.references(t)
        for target in refs.values():
            assert order.index(target) < order.index(t.name), (t.name, target)
        for c in t.c:
            if c.name in ("id", "account_id") or not isinstance(c.type, Integer):
                continue
            if c.name.endswith("_id") or c.name.endswith("_pk") or c.name == "cursor":
                known = (
                    c.name in refs
                    or (t.name, c.name) in snapshot_repo.CURSORS
                    or (t.name, c.name) in NOT_KEYS
                )
                assert known, f"{t.name}.{c.name}: a key of another table? declare it in snapshot_repo"
    assert set(metadata.tables) >= set(owned)


def test_the_upload_has_its_own_cap(make_server: Any) -> None:
    """A mailbox bigger than the 1 MiB admin body cap imports; past SES_EMULATOR_SNAPSHOT_MAX_BYTES, 413."""
    src = make_server("sqlite")
    a = src.new_account()
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = a["sender"], "big@x.test", "big"
    msg.set_content("x")
    msg.add_attachment(
        os.urandom(1_200_000), maintype="application", subtype="octet-stream", filename="b.bin"
    )
    ctx = ssl.create_default_context()
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
    with smtplib.SMTP("127.0.0.1", src.endpoints.smtp_port, timeout=30) as c:
        c.starttls(context=ctx)
        c.login(a["sender"], a["smtp_password"])
        c.send_message(msg)
    data = export(src, a["name"])
    assert len(data) > 1024 * 1024
    assert import_(make_server("sqlite"), data).status_code == 201
    small = make_server("sqlite", snapshot_max_bytes=100_000)
    r = import_(small, data)
    assert r.status_code == 413 and "SES_EMULATOR_SNAPSHOT_MAX_BYTES" in r.json()["message"], r.text
    assert small.admin("GET", f"/accounts/{a['name']}").status_code == 404


def test_sub_users_travel_with_their_policy_and_new_ids_renews_their_keys(server: Server) -> None:
    a = server.new_account()
    policy = {
        "version": "2.0",
        "statement": [{"effect": "allow", "action": ["ses:List*"], "resource": ["*"]}],
    }
    r = server.admin("POST", f"/accounts/{a['name']}/sub-users", json={"name": "ci-bot", "policy": policy})
    assert r.status_code == 201, r.text
    key = r.json()["keys"][0]
    data = export(server, a["name"])
    r = import_(server, data, name=f"{a['name']}-copy", new_ids="true")
    assert r.status_code == 201, r.text
    [user] = server.admin("GET", f"/accounts/{a['name']}-copy/sub-users").json()
    assert user["name"] == "ci-bot" and user["policy"] == policy
    assert [k["secret_id"] for k in user["keys"]] != [key["secret_id"]]
    r = import_(server, data, name=f"{a['name']}-again")  # the same keys: refused, nothing made
    assert r.status_code == 409 and "SecretId" in r.json()["message"], r.text
    assert server.admin("GET", f"/accounts/{a['name']}-again").status_code == 404


def test_a_snapshot_needs_a_full_token_and_an_import_the_admin_token(server: Server) -> None:
    a = server.new_account()
    data = export(server, a["name"])

    def token(kind: str) -> dict[str, str]:
        r = server.admin("POST", "/tokens", json={"accounts": [a["name"]], "access": kind})
        assert r.status_code == 201, r.text
        return {"Authorization": f"Bearer {r.json()['token']}"}

    read, full = token("read"), token("full")
    r = server.admin("GET", f"/accounts/{a['name']}/snapshot", headers=read)
    assert r.status_code == 403 and "API keys" in r.json()["message"], r.text
    assert server.admin("GET", f"/accounts/{a['name']}/snapshot", headers=full).content == data
    r = server.admin("POST", "/snapshots", content=data, params={"name": "x-scoped"}, headers=full)
    assert r.status_code == 403, r.text  # making accounts is the admin's
