"""BatchSendEmail and ListSendTasks."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from emulator.domain.dates import fmt_time
from emulator.domain.records.tasks import SendTaskRecord
from emulator.tencent_api.actions.sending import AttachmentIn, SimpleIn, TemplateIn
from emulator.tencent_api.context import ApiContext, ApiModel, check_limit, check_offset, parse


class CycleParamIn(ApiModel):
    BeginTime: str
    IntervalTime: int
    TermCycle: int | None = None


class TimedParamIn(ApiModel):
    BeginTime: str


class BatchSendEmailRequest(ApiModel):
    FromEmailAddress: str
    ReceiverId: int
    Subject: str
    TaskType: int
    ReplyToAddresses: str | None = None
    Template: TemplateIn | None = None
    Simple: SimpleIn | None = None
    Attachments: list[AttachmentIn] | None = None
    CycleParam: CycleParamIn | None = None
    TimedParam: TimedParamIn | None = None
    Unsubscribe: str | None = None
    ADLocation: int | None = None


class ListSendTasksRequest(ApiModel):
    Offset: int
    Limit: int
    Status: int | None = None
    ReceiverId: int | None = None
    TaskType: int | None = None


async def batch_send(api: ApiContext, params: dict[str, Any]) -> dict[str, Any]:
    req = parse(BatchSendEmailRequest, params, api.form_encoded)
    task_id = await asyncio.to_thread(
        api.core.batch.create, api.account_id, req.model_dump(exclude_none=True)
    )
    return {"TaskId": task_id}


def _task(row: SendTaskRecord) -> dict[str, Any]:
    p = json.loads(row.request_json)
    tpl = p.get("Template")
    return {
        "TaskId": row.id,
        "FromEmailAddress": p["FromEmailAddress"],
        "ReceiverId": row.receiver_id,
        "TaskStatus": row.status,
        "TaskType": row.task_type,
        "RequestCount": row.request_count,
        "SendCount": row.send_count,
        "CacheCount": row.cache_count,
        "CreateTime": fmt_time(row.created_us),
        "UpdateTime": fmt_time(row.updated_us),
        "Subject": p["Subject"],
        "Template": {"TemplateID": tpl["TemplateID"], "TemplateData": tpl["TemplateData"]} if tpl else None,
        "CycleParam": (
            {
                "BeginTime": p["CycleParam"]["BeginTime"],
                "IntervalTime": p["CycleParam"]["IntervalTime"],
                "TermCycle": p["CycleParam"].get("TermCycle", 0),
            }
            if p.get("CycleParam")
            else None
        ),
        "TimedParam": {"BeginTime": p["TimedParam"]["BeginTime"]} if p.get("TimedParam") else None,
        "ErrMsg": row.err_msg,
        "ReceiversName": row.receivers_name,
    }


async def list_tasks(api: ApiContext, params: dict[str, Any]) -> dict[str, Any]:
    req = parse(ListSendTasksRequest, params, api.form_encoded)
    check_limit(req.Limit)
    check_offset(req.Offset)
    rows, total = await asyncio.to_thread(
        api.core.batch.list_tasks,
        api.account_id,
        req.Status,
        req.ReceiverId,
        req.TaskType,
        req.Offset,
        req.Limit,
    )
    return {"TotalCount": total, "Data": [_task(r) for r in rows]}


ACTIONS = {"BatchSendEmail": batch_send, "ListSendTasks": list_tasks}
