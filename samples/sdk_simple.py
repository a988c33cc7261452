# Run against a running server (`make run`):  python samples/sdk_simple.py   (pip install tencentcloud-sdk-python-ses)
"""The official Python SDK: SendEmail with a Simple (Text + HTML) body, then GetSendEmailStatus.

A `production`-profile account (docs/profiles.md) is template-only, like a new real Tencent account:
Simple is refused with FailedOperation.WithOutPermission until simple sending is granted (on Tencent,
by asking for it; here through the admin API, which this sample then does once, and says so)."""

import base64
import json
import os
import urllib.request
from datetime import datetime, timedelta, timezone

from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.ses.v20201002 import models, ses_client

cred = credential.Credential(
    os.environ.get("TENCENTCLOUD_SECRET_ID", "AKIDSESEMULATORDEFAULT00000000000000"),
    os.environ.get("TENCENTCLOUD_SECRET_KEY", "SesEmulatorDefaultSecretKey00000"),
)
http = HttpProfile(protocol="http", endpoint=f"127.0.0.1:{os.environ.get('SES_EMULATOR_HTTP_PORT', 8025)}")
client = ses_client.SesClient(cred, "ap-guangzhou", ClientProfile(httpProfile=http))

req = models.SendEmailRequest()
req.from_json_string(json.dumps({
    "FromEmailAddress": "Example <noreply@mail.example.com>",
    "Destination": ["sdk-simple@example.com"],
    "Subject": "Hello from the Python SDK",
    "Simple": {
        "Text": base64.b64encode(b"Plain text part").decode(),
        "Html": base64.b64encode(b"<p>HTML part</p>").decode(),
    },
}))  # fmt: skip


def grant_simple_sending(secret_id: str) -> None:
    """The admin API: find the account by its SecretId, switch simple sending on."""
    url = os.environ.get("SES_EMULATOR_URL", "http://127.0.0.1:8025") + "/admin/accounts"
    token = os.environ.get("SES_EMULATOR_ADMIN_TOKEN")
    headers = {"content-type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers)) as r:
        name = next(a["name"] for a in json.load(r) if a["secret_id"] == secret_id)
    body = json.dumps({"simple_sending": True}).encode()
    patch = urllib.request.Request(f"{url}/{name}/limits", body, headers, method="PATCH")
    urllib.request.urlopen(patch).close()
    print(f"account {name} is template-only (production profile): granted simple sending")


try:
    sent = client.SendEmail(req)
except TencentCloudSDKException as err:
    if err.get_code() != "FailedOperation.WithOutPermission":
        raise
    grant_simple_sending(cred.secret_id)
    sent = client.SendEmail(req)
print("MessageId", sent.MessageId)

status = models.GetSendEmailStatusRequest()
today = datetime.now(timezone(timedelta(hours=8))).strftime(
    "%Y-%m-%d"
)  # the emulator's account clock follows real time
status.from_json_string(
    json.dumps({"RequestDate": today, "MessageId": sent.MessageId, "Offset": 0, "Limit": 10})
)
for row in client.GetSendEmailStatus(status).EmailStatusList:
    print(row.ToEmailAddress, "SendStatus", row.SendStatus, "DeliverStatus", row.DeliverStatus)
