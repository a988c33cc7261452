"""Queries on CAM sub-users, their API keys and sessions (temporary credentials)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from emulator.domain.records.cam import CamKeyRecord, CamSessionRecord, CamSubUserRecord
from emulator.storage.schema.accounts import accounts
from emulator.storage.schema.cam import cam_keys, cam_sessions, cam_sub_users

# --- sub-users ------------------------------------------------------------------------------------


def insert_sub_user(conn: Connection, **values: Any) -> int:
    return int(conn.execute(insert(cam_sub_users).values(**values)).inserted_primary_key[0])  # type: ignore[index]


def sub_user_by_name(conn: Connection, account_id: int, name: str) -> CamSubUserRecord | None:
    row = conn.execute(
        select(cam_sub_users).where(cam_sub_users.c.account_id == account_id, cam_sub_users.c.name == name)
    ).first()
    return None if row is None else CamSubUserRecord._make(row)


def sub_user_by_id(conn: Connection, sub_user_id: int) -> CamSubUserRecord | None:
    row = conn.execute(select(cam_sub_users).where(cam_sub_users.c.id == sub_user_id)).first()
    return None if row is None else CamSubUserRecord._make(row)


def list_sub_users(conn: Connection, account_id: int) -> list[CamSubUserRecord]:
    query = select(cam_sub_users).where(cam_sub_users.c.account_id == account_id).order_by(cam_sub_users.c.id)
    return [CamSubUserRecord._make(r) for r in conn.execute(query)]


def count_sub_users(conn: Connection, account_id: int) -> int:
    query = select(func.count()).select_from(cam_sub_users).where(cam_sub_users.c.account_id == account_id)
    return int(conn.execute(query).scalar_one())


def set_policy(conn: Connection, sub_user_id: int, policy_json: str) -> None:
    conn.execute(
        update(cam_sub_users).where(cam_sub_users.c.id == sub_user_id).values(policy_json=policy_json)
    )


def delete_sub_user(conn: Connection, sub_user_id: int) -> None:
    """The sub-user with its keys and sessions (explicitly: not every connection enforces cascades)."""
    conn.execute(delete(cam_sessions).where(cam_sessions.c.sub_user_id == sub_user_id))
    conn.execute(delete(cam_keys).where(cam_keys.c.sub_user_id == sub_user_id))
    conn.execute(delete(cam_sub_users).where(cam_sub_users.c.id == sub_user_id))


# --- API keys -------------------------------------------------------------------------------------


def insert_key(conn: Connection, **values: Any) -> None:
    conn.execute(insert(cam_keys).values(**values))


def keys_of(conn: Connection, sub_user_id: int) -> list[CamKeyRecord]:
    query = select(cam_keys).where(cam_keys.c.sub_user_id == sub_user_id).order_by(cam_keys.c.id)
    return [CamKeyRecord._make(r) for r in conn.execute(query)]


def keys_of_account(conn: Connection, account_id: int) -> list[CamKeyRecord]:
    query = select(cam_keys).where(cam_keys.c.account_id == account_id).order_by(cam_keys.c.id)
    return [CamKeyRecord._make(r) for r in conn.execute(query)]


def key_by_secret_id(conn: Connection, secret_id: str) -> CamKeyRecord | None:
    row = conn.execute(select(cam_keys).where(cam_keys.c.secret_id == secret_id)).first()
    return None if row is None else CamKeyRecord._make(row)


def delete_key(conn: Connection, sub_user_id: int, secret_id: str) -> int:
    res = conn.execute(
        delete(cam_keys).where(cam_keys.c.sub_user_id == sub_user_id, cam_keys.c.secret_id == secret_id)
    )
    return res.rowcount or 0


# --- sessions -------------------------------------------------------------------------------------


def insert_session(conn: Connection, **values: Any) -> None:
    conn.execute(insert(cam_sessions).values(**values))


def session_by_secret_id(conn: Connection, tmp_secret_id: str) -> CamSessionRecord | None:
    row = conn.execute(select(cam_sessions).where(cam_sessions.c.tmp_secret_id == tmp_secret_id)).first()
    return None if row is None else CamSessionRecord._make(row)


def delete_sessions_expired_before(conn: Connection, account_id: int, before_us: int) -> None:
    conn.execute(
        delete(cam_sessions).where(
            cam_sessions.c.account_id == account_id, cam_sessions.c.expires_us < before_us
        )
    )


# --- every kind of SecretId -----------------------------------------------------------------------


def secret_id_in_use(conn: Connection, secret_id: str) -> bool:
    """Whether an account, a sub-user key or a session already has this SecretId."""
    for column in (accounts.c.secret_id, cam_keys.c.secret_id, cam_sessions.c.tmp_secret_id):
        if conn.execute(select(column).where(column == secret_id).limit(1)).first() is not None:
            return True
    return False
