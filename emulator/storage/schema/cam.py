"""CAM (services.cam): an account's sub-users with their policy, their API keys, and the temporary
credentials (sessions) issued for an account's or a sub-user's keys. A SecretId is unique across
`accounts`, `cam_keys` and `cam_sessions` (services.cam checks before inserting; each table's unique
index backs it). Sessions store the SHA-256 of their token, never the token; `expires_us` and
`created_us` are wall-clock times (a token expires in real time, not on the account's clock)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Index, String, Text, UniqueConstraint
from sqlmodel import Field

from emulator.storage.schema.base import StorageModel, pk, table_of


class CamSubUser(StorageModel, table=True):
    __tablename__ = "cam_sub_users"
    __table_args__ = (UniqueConstraint("account_id", "name", name="uq_cam_sub_users_name"),)
    id: int | None = pk()
    account_id: int = Field(foreign_key="accounts.id", ondelete="CASCADE")
    name: str = Field(sa_type=String(64))
    uin: str = Field(sa_type=String(20))  # the sub-user's CAM id, shown in listings
    policy_json: str = Field(sa_type=Text)  # domain.cam policy document; the empty policy denies all
    created_us: int = Field(sa_type=BigInteger)


class CamKey(StorageModel, table=True):
    __tablename__ = "cam_keys"
    __table_args__ = (Index("ix_cam_keys_sub_user", "sub_user_id"),)
    id: int | None = pk()
    account_id: int = Field(foreign_key="accounts.id", ondelete="CASCADE")
    sub_user_id: int = Field(foreign_key="cam_sub_users.id", ondelete="CASCADE")
    secret_id: str = Field(sa_type=String(64), unique=True)
    secret_key: str = Field(sa_type=String(64))
    created_us: int = Field(sa_type=BigInteger)


class CamSession(StorageModel, table=True):
    __tablename__ = "cam_sessions"
    __table_args__ = (Index("ix_cam_sessions_account", "account_id", "id"),)
    id: int | None = pk()
    account_id: int = Field(foreign_key="accounts.id", ondelete="CASCADE")
    sub_user_id: int | None = Field(default=None, foreign_key="cam_sub_users.id", ondelete="CASCADE")
    tmp_secret_id: str = Field(sa_type=String(64), unique=True)
    tmp_secret_key: str = Field(sa_type=String(64))
    token_sha256: str = Field(sa_type=String(64))
    policy_json: str | None = Field(default=None, sa_type=Text)  # NULL: no narrowing
    expires_us: int = Field(sa_type=BigInteger)  # wall clock
    created_us: int = Field(sa_type=BigInteger)  # wall clock


cam_sub_users = table_of(CamSubUser)
cam_keys = table_of(CamKey)
cam_sessions = table_of(CamSession)
