"""Scoped access tokens (services.access, docs/access.md): one row per token with the SHA-256 of the
token (the token itself is shown once and never stored) and the accounts each token reaches."""

from __future__ import annotations

from sqlalchemy import BigInteger, String
from sqlmodel import Field

from emulator.storage.schema.base import StorageModel, pk, table_of


class AccessToken(StorageModel, table=True):
    __tablename__ = "access_tokens"
    id: int | None = pk()
    name: str = Field(sa_type=String(64))
    token_hash: str = Field(sa_type=String(64), unique=True)
    hint: str = Field(sa_type=String(16))
    access: str = Field(sa_type=String(8))  # read | full
    created_us: int = Field(sa_type=BigInteger)
    revoked_us: int | None = Field(default=None, sa_type=BigInteger)


class AccessTokenAccount(StorageModel, table=True):
    __tablename__ = "access_token_accounts"
    token_id: int = Field(
        primary_key=True,
        foreign_key="access_tokens.id",
        ondelete="CASCADE",
        sa_column_kwargs={"autoincrement": False},
    )
    account_id: int = Field(
        primary_key=True,
        foreign_key="accounts.id",
        ondelete="CASCADE",
        sa_column_kwargs={"autoincrement": False},
    )


access_tokens = table_of(AccessToken)
access_token_accounts = table_of(AccessTokenAccount)
