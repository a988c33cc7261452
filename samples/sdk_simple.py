# Run against a running server (`make run`):  python samples/sdk_simple.py   (pip install tencentcloud-sdk-python-ses)
"""The official Python SDK: SendEmail with a Simple (Text + HTML) body, then GetSendEmailStatus."""

import base64
import json
import os
from datetime import datetime, timedelta, timezone

from tencentcloud.common import credential
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
