"""EmulatorError -> SMTP reply, in Tencent's own form where Tencent has a code (reference §6)."""

from __future__ import annotations

import json
import logging
import uuid

from emulator.errors import EmulatorError

log = logging.getLogger("emulator.smtp")

TENCENT_PREFIX = "554 5.0.0 Error: transaction failed, blame it on the weather: ##SES-response-json: "


def tencent_reply(code: str, message: str) -> str:
    body = {
        "Response": {
            "RequestId": str(uuid.uuid4()),
            "QcloudError": {"Error": {"Code": code, "Message": message}},
        }
    }
    return TENCENT_PREFIX + json.dumps(body, ensure_ascii=False, separators=(",", ":"))


def reply_for(error: BaseException) -> str:
    if isinstance(error, EmulatorError):
        if error.smtp_reply is not None:
            return error.smtp_reply
        return tencent_reply(error.tencent_code, error.message)
    log.error("unexpected error in SMTP session", exc_info=error)
    return "451 4.3.0 Error: internal error, try again"
