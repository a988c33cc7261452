"""CAM: sub-users, their API keys and temporary credentials (sessions)."""

from __future__ import annotations

from typing import NamedTuple


class CamSubUserRecord(NamedTuple):
    id: int
    account_id: int
    name: str
    uin: str
    policy_json: str
    created_us: int


class CamKeyRecord(NamedTuple):
    id: int
    account_id: int
    sub_user_id: int
    secret_id: str
    secret_key: str
    created_us: int


class CamSessionRecord(NamedTuple):
    id: int
    account_id: int
    sub_user_id: int | None
    tmp_secret_id: str
    tmp_secret_key: str
    token_sha256: str
    policy_json: str | None
    expires_us: int  # wall clock
    created_us: int  # wall clock


TABLES = {CamSubUserRecord: "cam_sub_users", CamKeyRecord: "cam_keys", CamSessionRecord: "cam_sessions"}
