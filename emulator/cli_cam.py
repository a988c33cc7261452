"""`ses-emulator sub-user ...` and `ses-emulator session issue`: CAM sub-users (API keys, policy) and
temporary credentials of a running server, over its admin API (docs/cam.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from emulator.cli_common import AccountOpt, Api, JsonOpt, TokenOpt, UrlOpt, kv, parse_duration_s, table, usage

sub_user_app = typer.Typer(
    help="CAM sub-users: create, list, show, delete; set a policy; issue and delete API keys.",
    no_args_is_help=True,
)
session_app = typer.Typer(
    help="Temporary credentials (TmpSecretId, TmpSecretKey, Token).", no_args_is_help=True
)

NameArg = Annotated[str, typer.Argument(help="sub-user name")]
PolicyHelp = "CAM policy JSON, or @file to read it from a file"


def _policy(text: str | None) -> Any:
    """The policy given on the command line: JSON text or @file; None: no policy."""
    if text is None:
        return None
    raw = Path(text[1:]).read_text(encoding="utf-8") if text.startswith("@") else text
    try:
        return json.loads(raw)
    except ValueError as exc:
        usage(f"the policy is not JSON: {exc}")


def _user_text(u: dict[str, Any]) -> None:
    pairs: list[tuple[str, Any]] = [("name", u["name"]), ("uin", u["uin"]), ("created", u["created"])]
    for k in u["keys"]:
        pairs.append(("secret_id", k["secret_id"]))
        if k["secret_key"]:
            pairs.append(("secret_key", k["secret_key"] + "   (shown only now)"))
    pairs.append(
        ("policy", json.dumps(u["policy"]) if u["policy"] is not None else "(none: every call is denied)")
    )
    kv(pairs)


def _base(account: str) -> str:
    return f"/admin/accounts/{account}/sub-users"


@sub_user_app.command("create")
def sub_user_create(
    name: NameArg,
    policy: Annotated[str | None, typer.Option(help=PolicyHelp)] = None,
    account: AccountOpt = "default",
    url: UrlOpt = None,
    token: TokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Create a sub-user with its first API key (the SecretKey is printed this once)."""
    api = Api(url, token, as_json)
    api.out(api.post(_base(account), {"name": name, "policy": _policy(policy)}), _user_text)


@sub_user_app.command("list")
def sub_user_list(
    account: AccountOpt = "default", url: UrlOpt = None, token: TokenOpt = None, as_json: JsonOpt = False
) -> None:
    """Every sub-user of the account, one line each."""
    api = Api(url, token, as_json)

    def text(rows: list[dict[str, Any]]) -> None:
        table(
            [
                (
                    u["name"],
                    u["uin"],
                    " ".join(k["secret_id"] for k in u["keys"]),
                    "yes" if u["policy"] else "none",
                )
                for u in rows
            ],
            ["NAME", "UIN", "SECRET IDS", "POLICY"],
        )

    api.out(api.get(_base(account)), text)


@sub_user_app.command("show")
def sub_user_show(
    name: NameArg,
    account: AccountOpt = "default",
    url: UrlOpt = None,
    token: TokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """One sub-user: its SecretIds and policy."""
    api = Api(url, token, as_json)
    api.out(api.get(f"{_base(account)}/{name}"), _user_text)


@sub_user_app.command("delete")
def sub_user_delete(
    name: NameArg, account: AccountOpt = "default", url: UrlOpt = None, token: TokenOpt = None
) -> None:
    """Delete a sub-user: its keys and temporary credentials stop working at once."""
    Api(url, token).request("DELETE", f"{_base(account)}/{name}")
    typer.echo(f"deleted sub-user {name}")


@sub_user_app.command("policy")
def sub_user_policy(
    name: NameArg,
    policy: Annotated[str, typer.Argument(help=PolicyHelp + "; 'none' removes the policy")],
    account: AccountOpt = "default",
    url: UrlOpt = None,
    token: TokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Replace the sub-user's policy."""
    api = Api(url, token, as_json)
    body = {"policy": None if policy == "none" else _policy(policy)}
    api.out(api.request("PUT", f"{_base(account)}/{name}/policy", json=body).json(), _user_text)


@sub_user_app.command("key")
def sub_user_key(
    name: NameArg,
    account: AccountOpt = "default",
    url: UrlOpt = None,
    token: TokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Issue one more API key (at most two per sub-user); its SecretKey is printed this once."""
    api = Api(url, token, as_json)
    api.out(api.post(f"{_base(account)}/{name}/keys"), _user_text)


@sub_user_app.command("delete-key")
def sub_user_delete_key(
    name: NameArg,
    secret_id: Annotated[str, typer.Argument(help="the key's SecretId")],
    account: AccountOpt = "default",
    url: UrlOpt = None,
    token: TokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Delete one API key of a sub-user."""
    api = Api(url, token, as_json)
    api.out(api.delete(f"{_base(account)}/{name}/keys/{secret_id}"), _user_text)


@session_app.command("issue")
def session_issue(
    sub_user: Annotated[
        str | None, typer.Option(help="a sub-user's identity [default: the account's own]")
    ] = None,
    duration: Annotated[str, typer.Option(help="validity in real time: 1800, 30m, 2h (at most 12h)")] = "30m",
    policy: Annotated[
        str | None, typer.Option(help=PolicyHelp + ", narrowing what the credentials may do")
    ] = None,
    account: AccountOpt = "default",
    url: UrlOpt = None,
    token: TokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Temporary credentials for Credential(TmpSecretId, TmpSecretKey, Token) in the SDKs."""
    api = Api(url, token, as_json)
    body = {"sub_user": sub_user, "duration_seconds": parse_duration_s(duration), "policy": _policy(policy)}

    def text(s: dict[str, Any]) -> None:
        c = s["Credentials"]
        kv(
            [
                ("TmpSecretId", c["TmpSecretId"]),
                ("TmpSecretKey", c["TmpSecretKey"]),
                ("Token", c["Token"]),
                ("expires", s["Expiration"]),
            ]
        )

    api.out(api.post(f"/admin/accounts/{account}/sessions", body), text)
