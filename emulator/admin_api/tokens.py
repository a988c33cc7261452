"""/admin/tokens (issue, list, revoke scoped access tokens; the admin token only) and /admin/whoami (what
the caller's token reaches; any caller). docs/access.md."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from emulator.admin_api.deps import CoreDep, GrantDep, require_token
from emulator.admin_api.errors import answers
from emulator.admin_api.schemas import iso
from emulator.domain.access import NAME_MAX
from emulator.services.access import TokenInfo

router = APIRouter(prefix="/admin", tags=["access tokens"], dependencies=[Depends(require_token)])


class TokenCreate(BaseModel):
    accounts: list[str | int] = Field(
        min_length=1, max_length=1000, description="the accounts the token reaches, by name or id"
    )
    access: Literal["read", "full"] = Field(description="read: GET only; full: every method")
    name: str | None = Field(None, max_length=NAME_MAX, description="a label for listings")


class TokenPublic(BaseModel):
    id: int
    name: str
    hint: str = Field(description="the token's first characters, to tell tokens apart")
    access: str = Field(description="read | full")
    accounts: list[str] = Field(description="account names")
    created: str | None = Field(description="wall time, ISO 8601 in UTC+8")
    revoked: str | None = Field(description="null while the token is in force")

    @classmethod
    def of(cls, t: TokenInfo) -> TokenPublic:
        r = t.record
        return cls(
            id=r.id,
            name=r.name,
            hint=r.hint + "…",
            access=r.access,
            accounts=list(t.accounts),
            created=iso(r.created_us),
            revoked=iso(r.revoked_us),
        )


class TokenIssued(TokenPublic):
    token: str = Field(description="the token: shown this once, only its SHA-256 is stored")


class WhoAmI(BaseModel):
    admin: bool = Field(description="the admin token, or no admin token configured: every account")
    access: str = Field(description="read | full")
    accounts: list[str] | None = Field(description="the accounts the token reaches; null: all")
    token_id: int | None
    name: str | None


@router.post("/tokens", response_model=TokenIssued, status_code=201, responses=answers(400))
def issue_token(body: TokenCreate, core: CoreDep) -> TokenIssued:
    """Issue a token scoped to the given accounts (the admin token only). The answer is the only place
    the token is ever shown."""
    issued = core.access.issue(body.accounts, body.access, body.name)
    return TokenIssued(token=issued.token, **TokenPublic.of(issued.info).model_dump())


@router.get("/tokens", response_model=list[TokenPublic])
def list_tokens(core: CoreDep) -> list[TokenPublic]:
    """Every token issued, revoked ones too; never a token itself."""
    return [TokenPublic.of(t) for t in core.access.listing()]


@router.delete("/tokens/{token_id}", response_model=TokenPublic, responses=answers(400, 404))
def revoke_token(token_id: int, core: CoreDep) -> TokenPublic:
    """Revoke a token: refused from the next request on (idempotent)."""
    return TokenPublic.of(core.access.revoke(token_id))


@router.get("/whoami", response_model=WhoAmI)
def whoami(core: CoreDep, grant: GrantDep) -> WhoAmI:
    """What the caller's token reaches (the web UI asks this first)."""
    if grant.admin:
        return WhoAmI(admin=True, access=grant.access, accounts=None, token_id=None, name=None)
    names = core.access.names_of(grant.account_ids)
    return WhoAmI(admin=False, access=grant.access, accounts=names, token_id=grant.token_id, name=grant.name)
