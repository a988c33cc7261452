# Run against a running server (`make run`):  python samples/sdk_template.py   (pip install tencentcloud-sdk-python-ses)
"""The official Python SDK: create a template, send with it (variables filled per send)."""

import base64
import json
import os

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


def call(action: str, params: dict) -> object:
    req = getattr(models, f"{action}Request")()
    req.from_json_string(json.dumps(params))
    return getattr(client, action)(req)


html = base64.b64encode(b"<h1>Welcome, {{name}}!</h1><p>Your code is {{code}}.</p>").decode()
template_id = call(
    "CreateEmailTemplate", {"TemplateName": "welcome", "TemplateContent": {"Html": html}}
).TemplateID
sent = call("SendEmail", {
    "FromEmailAddress": "noreply@mail.example.com",
    "Destination": ["sdk-template@example.com"],
    "Subject": "Welcome",
    "Template": {"TemplateID": template_id, "TemplateData": json.dumps({"name": "Ada", "code": "4711"})},
})  # fmt: skip
print("TemplateID", template_id, "MessageId", sent.MessageId)
