"""Account snapshots (docs/snapshots.md): download one account as a file, create an account from one."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from pydantic import BaseModel, Field

from emulator.admin_api.deps import CoreDep, GrantDep, require_token
from emulator.admin_api.errors import answers
from emulator.domain import access

router = APIRouter(prefix="/admin", tags=["snapshots"], dependencies=[Depends(require_token)])
MEDIA_TYPE = "application/zip"


class SnapshotImported(BaseModel):
    id: int
    name: str
    app_id: str | None
    secret_id: str | None
    secret_key: str | None = Field(description="the account's SecretKey (the snapshot's, or a new one)")
    messages: int = Field(description="stored messages the snapshot carried")


@router.get(
    "/accounts/{account}/snapshot",
    response_class=Response,
    responses={200: {"content": {MEDIA_TYPE: {}}, "description": "the snapshot file (zip)"}, **answers(404)},
)
async def export_snapshot(account: str, core: CoreDep, grant: GrantDep) -> Response:
    """Everything the account holds as one deterministic zip: `snapshot.json` (its rows, table by
    table) and every stored message as `mail/<n>.eml`, byte for byte. It holds the account's API
    keys, so a scoped token needs `full` access."""
    why = access.secrets_refusal(grant)
    if why:
        raise HTTPException(403, detail={"code": "Forbidden", "message": why})
    name, data = await asyncio.to_thread(core.snapshots.export, account)
    headers = {"Content-Disposition": f'attachment; filename="{name}.ses-snapshot.zip"'}
    return Response(data, media_type=MEDIA_TYPE, headers=headers)


@router.post("/snapshots", response_model=SnapshotImported, status_code=201, responses=answers(400, 409, 413))
async def import_snapshot(
    request: Request,
    core: CoreDep,
    name: Annotated[str | None, Query(description="the new account's name [default: the snapshot's]")] = None,
    new_ids: Annotated[bool, Query(description="give the account a new SecretId/SecretKey/AppId")] = False,
) -> Any:
    """Create an account from a snapshot file (the request body, as exported), in one transaction:
    all of it or nothing. A server already holding its name, keys, MessageIds or IPs answers 409."""
    data = await request.body()
    return await asyncio.to_thread(core.snapshots.import_, data, name=name, new_ids=new_ids)
