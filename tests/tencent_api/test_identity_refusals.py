"""UpdateEmailIdentity (request verification) and DeleteEmailIdentity with its refusals, through the
official Python SDK."""

from __future__ import annotations

from typing import Any

from tests.conftest import Server
from tests.tencent_api.ses_helpers import api, api_error


def test_update_and_delete_email_identity(server: Server, account: dict[str, Any]) -> None:
    api(server, account, "CreateEmailIdentity", EmailIdentity="mail.shop.example.net")
    upd = api(server, account, "UpdateEmailIdentity", EmailIdentity="mail.shop.example.net")
    assert upd["IdentityType"] == "DOMAIN" and upd["VerifiedForSendingStatus"] is True
    assert {a["Type"] for a in upd["Attributes"]} >= {"TXT"} and all(a["Status"] for a in upd["Attributes"])
    assert (
        api_error(server, account, "UpdateEmailIdentity", EmailIdentity="nope.example.net")
        == "InvalidParameterValue.NotExistDomain"
    )
    api(server, account, "CreateEmailAddress", EmailAddress="hi@mail.shop.example.net")
    assert (
        api_error(server, account, "DeleteEmailIdentity", EmailIdentity="mail.shop.example.net")
        == "OperationDenied.SenderWithDomainIsNotEmpty"
    )
    api(server, account, "DeleteEmailAddress", EmailAddress="hi@mail.shop.example.net")
    assert api(server, account, "DeleteEmailIdentity", EmailIdentity="mail.shop.example.net") == {}
    assert (
        api_error(server, account, "DeleteEmailIdentity", EmailIdentity="mail.shop.example.net")
        == "InvalidParameterValue.NotExistDomain"
    )
    names = [i["IdentityName"] for i in api(server, account, "ListEmailIdentities")["EmailIdentities"]]
    assert "mail.shop.example.net" not in names
