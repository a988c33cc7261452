"""/admin/accounts/{account}/sub-users (CAM sub-users: their API keys and policy) and
/admin/accounts/{account}/sessions (temporary credentials, STS-shaped): docs/cam.md."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, Field

from emulator.admin_api.deps import CoreDep, require_token
from emulator.admin_api.errors import answers
from emulator.admin_api.schemas import iso
from emulator.domain.clock import to_datetime
from emulator.services.cam import (
    DEFAULT_DURATION_S,
    MAX_DURATION_S,
    MIN_DURATION_S,
    SessionCredentials,
    SubUserView,
)

router = APIRouter(prefix="/admin", tags=["cam"], dependencies=[Depends(require_token)])

Policy = dict[str, Any] | str | None
_POLICY = 'CAM policy JSON, e.g. {"version":"2.0","statement":[{"effect":"allow","action":["ses:SendEmail"],"resource":["*"]}]}'


class SubUserCreate(BaseModel):
    name: str = Field(description="1-64 letters, digits or + = , . @ _ -; unique in the account")
    policy: Policy = Field(None, description=_POLICY + "; null: no policy (every call is denied)")


class PolicySet(BaseModel):
    policy: Policy = Field(description=_POLICY + "; null removes it (every call is denied)")


class ApiKeyPublic(BaseModel):
    secret_id: str
    secret_key: str | None = Field(description="shown only in the answer that issued the key")
    created: str


class SubUserPublic(BaseModel):
    name: str
    uin: str = Field(description="the sub-user's CAM id")
    policy: dict[str, Any] | None
    keys: list[ApiKeyPublic]
    created: str

    @classmethod
    def of(cls, v: SubUserView) -> SubUserPublic:
        return cls(
            name=v.name,
            uin=v.uin,
            policy=v.policy,
            keys=[
                ApiKeyPublic(secret_id=k.secret_id, secret_key=k.secret_key, created=_when(k.created_us))
                for k in v.keys
            ],
            created=_when(v.created_us),
        )


class SessionCreate(BaseModel):
    sub_user: str | None = Field(None, description="whose keys: a sub-user's name; null: the account's own")
    duration_seconds: int = Field(
        DEFAULT_DURATION_S,
        ge=MIN_DURATION_S,
        le=MAX_DURATION_S,
        description="validity in real (wall-clock) time",
    )
    policy: Policy = Field(None, description="optional CAM policy narrowing what the credentials may do")


class SessionCredentialsPublic(BaseModel):
    Token: str = Field(
        description="send as X-TC-Token (TC3) or Token (v1): the SDKs' Credential(id, key, token)"
    )
    TmpSecretId: str
    TmpSecretKey: str


class SessionPublic(BaseModel):
    """Shaped like STS GetFederationToken's answer."""

    Credentials: SessionCredentialsPublic
    ExpiredTime: int = Field(description="Unix seconds (wall clock)")
    Expiration: str = Field(description="ISO 8601, UTC")
    sub_user: str | None

    @classmethod
    def of(cls, s: SessionCredentials) -> SessionPublic:
        return cls(
            Credentials=SessionCredentialsPublic(
                Token=s.token, TmpSecretId=s.tmp_secret_id, TmpSecretKey=s.tmp_secret_key
            ),
            ExpiredTime=s.expires_us // 1_000_000,
            Expiration=to_datetime(s.expires_us).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            sub_user=s.sub_user,
        )


def _when(us: int) -> str:
    return iso(us) or ""


@router.post(
    "/accounts/{account}/sub-users",
    response_model=SubUserPublic,
    status_code=201,
    responses=answers(400, 404, 409),
)
def create_sub_user(account: str, body: SubUserCreate, core: CoreDep) -> SubUserPublic:
    """A sub-user with its first API key (the SecretKey is in this answer only)."""
    return SubUserPublic.of(core.cam.create_sub_user(account, body.name, body.policy))


@router.get("/accounts/{account}/sub-users", response_model=list[SubUserPublic], responses=answers(404))
def list_sub_users(account: str, core: CoreDep) -> list[SubUserPublic]:
    """The account's sub-users with their policy and key ids (never a SecretKey)."""
    return [SubUserPublic.of(v) for v in core.cam.list_sub_users(account)]


@router.get("/accounts/{account}/sub-users/{name}", response_model=SubUserPublic, responses=answers(404))
def get_sub_user(account: str, name: str, core: CoreDep) -> SubUserPublic:
    """One sub-user: its policy and key ids."""
    return SubUserPublic.of(core.cam.get_sub_user(account, name))


@router.delete("/accounts/{account}/sub-users/{name}", status_code=204, responses=answers(404))
def delete_sub_user(account: str, name: str, core: CoreDep) -> Response:
    """The sub-user, its keys and its sessions stop working at once."""
    core.cam.delete_sub_user(account, name)
    return Response(status_code=204)


@router.put(
    "/accounts/{account}/sub-users/{name}/policy", response_model=SubUserPublic, responses=answers(400, 404)
)
def set_policy(account: str, name: str, body: PolicySet, core: CoreDep) -> SubUserPublic:
    """Replace the sub-user's CAM policy (docs/cam.md); it applies to its next request."""
    return SubUserPublic.of(core.cam.set_policy(account, name, body.policy))


@router.post(
    "/accounts/{account}/sub-users/{name}/keys",
    response_model=SubUserPublic,
    status_code=201,
    responses=answers(404, 409),
)
def issue_key(account: str, name: str, core: CoreDep) -> SubUserPublic:
    """One more API key (at most two per sub-user, as in CAM)."""
    return SubUserPublic.of(core.cam.issue_key(account, name))


@router.delete(
    "/accounts/{account}/sub-users/{name}/keys/{secret_id}",
    response_model=SubUserPublic,
    responses=answers(404),
)
def delete_key(account: str, name: str, secret_id: str, core: CoreDep) -> SubUserPublic:
    """Delete one of the sub-user's keys; requests signed with it are refused at once."""
    return SubUserPublic.of(core.cam.delete_key(account, name, secret_id))


@router.post(
    "/accounts/{account}/sessions", response_model=SessionPublic, status_code=201, responses=answers(400, 404)
)
def issue_session(account: str, body: SessionCreate, core: CoreDep) -> SessionPublic:
    """Temporary credentials for the account's or a sub-user's identity, expiring in real time."""
    return SessionPublic.of(
        core.cam.issue_session(account, body.sub_user, body.duration_seconds, body.policy)
    )
