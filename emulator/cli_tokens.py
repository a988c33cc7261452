"""`ses-emulator token create|list|revoke`: scoped access tokens of a running server, over its admin API
(the admin token only; docs/access.md)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from emulator.cli_common import Api, JsonOpt, TokenOpt, UrlOpt, kv, table, usage

token_app = typer.Typer(
    help="Scoped access tokens: create (shown once), list (never the token), revoke.", no_args_is_help=True
)


@token_app.command("create")
def token_create(
    accounts: Annotated[
        list[str], typer.Option("--account", "-a", help="an account the token reaches (repeat for more)")
    ],
    access: Annotated[str, typer.Option(help="read (GET only) | full")] = "read",
    name: Annotated[str | None, typer.Option(help="a label for listings")] = None,
    url: UrlOpt = None,
    token: TokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Issue a token scoped to the given accounts and print it: this is the only time it is shown."""
    if access not in ("read", "full"):
        usage(f"--access must be read or full, not {access!r}")
    api = Api(url, token, as_json)
    body: dict[str, Any] = {"accounts": accounts, "access": access}
    if name is not None:
        body["name"] = name
    issued = api.post("/admin/tokens", body)

    def text(t: dict[str, Any]) -> None:
        kv([("token", t["token"]), ("id", t["id"]), ("access", t["access"]),
            ("accounts", ", ".join(t["accounts"])), ("name", t["name"])])  # fmt: skip
        typer.echo("Store the token now: the server keeps only its hash and never shows it again.", err=True)

    api.out(issued, text)


@token_app.command("list")
def token_list(url: UrlOpt = None, token: TokenOpt = None, as_json: JsonOpt = False) -> None:
    """Every token issued (revoked ones too), one line each; never a token itself."""
    api = Api(url, token, as_json)

    def text(rows: list[dict[str, Any]]) -> None:
        table(
            [
                (
                    t["id"],
                    t["hint"],
                    t["access"],
                    ",".join(t["accounts"]),
                    t["revoked"] or "in force",
                    t["name"],
                )
                for t in rows
            ],
            ["ID", "TOKEN", "ACCESS", "ACCOUNTS", "STATE", "NAME"],
        )

    api.out(api.get("/admin/tokens"), text)


@token_app.command("revoke")
def token_revoke(
    token_id: Annotated[int, typer.Argument(help="the token's id (from `token list`)")],
    url: UrlOpt = None,
    token: TokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Revoke a token: it is refused from the next request on."""
    api = Api(url, token, as_json)
    api.out(
        api.delete(f"/admin/tokens/{token_id}"),
        lambda t: typer.echo(f"token {t['id']} revoked {t['revoked']}"),
    )
