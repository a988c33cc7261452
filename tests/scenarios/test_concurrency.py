"""40 concurrent senders (half SMTP, half API) at the free-quota edge never over-spend it by one."""

from __future__ import annotations

import threading
from typing import Any

from tests.clients import call, message, sdk, smtp_send


def test_free_quota_never_overspent(server: Any) -> None:
    acct = server.new_account(free_quota=25)
    client_ep = server.endpoints.api_endpoint
    ids = call(
        sdk(client_ep, acct["secret_id"], acct["secret_key"]),
        "CreateEmailTemplate",
        TemplateName="t",
        TemplateContent={"Text": "aGk="},
    )
    errors: list[BaseException] = []
    barrier = threading.Barrier(40)

    def smtp_worker(i: int) -> None:
        try:
            barrier.wait()
            smtp_send(
                server.endpoints.smtp_port,
                acct["sender"],
                acct["smtp_password"],
                message(acct["sender"], [f"s{i}@example.com", f"t{i}@example.com"]),
            )
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    def api_worker(i: int) -> None:
        try:
            c = sdk(client_ep, acct["secret_id"], acct["secret_key"])
            barrier.wait()
            call(
                c,
                "SendEmail",
                FromEmailAddress=acct["sender"],
                Destination=[f"a{i}@example.com"],
                Subject="x",
                Template={"TemplateID": ids.TemplateID, "TemplateData": "{}"},
            )
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=smtp_worker, args=(i,)) for i in range(20)]
    threads += [threading.Thread(target=api_worker, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    state = server.state(acct["name"])
    assert state["free_used"] == 25  # exactly the quota, never one more
    assert state["paid_units"] == 60 - 25  # 20×2 SMTP + 20×1 API recipients
    listing = server.admin("GET", f"/accounts/{acct['name']}/messages", params={"limit": 100}).json()
    assert listing["total"] == 40
    assert sum(m["free_units"] for m in listing["messages"]) == 25
    assert sum(m["free_units"] + m["paid_units"] for m in listing["messages"]) == 60
