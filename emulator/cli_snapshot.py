"""`ses-emulator snapshot export|import`: an account as one file (docs/snapshots.md), over the admin API,
with the transfer's progress on stderr."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer

from emulator.cli_common import Api, JsonOpt, Progress, ProgressOpt, TokenOpt, UrlOpt, kv

snapshot_app = typer.Typer(
    help="Save an account (clock, money, identities, templates, rules, mail) to a file; load it anywhere.",
    no_args_is_help=True,
)
CHUNK = 256 * 1024


@snapshot_app.command("export")
def snapshot_export(
    account: Annotated[str, typer.Argument(help="account name or id")],
    file: Annotated[
        Path, typer.Argument(help="where to write the snapshot (.zip); '-' for stdout", allow_dash=True)
    ],
    url: UrlOpt = None,
    token: TokenOpt = None,
    as_json: JsonOpt = False,
    progress: ProgressOpt = None,
) -> None:
    """Write one account's snapshot file: every row it owns and every message as .eml, deterministic."""
    api = Api(url, token, as_json, timeout=600)
    try:
        _export(api, account, file, progress)
    except api.transport_error as exc:
        api.fail(0, "Unreachable", f"cannot reach the server at {api.url}: {exc}")


def _export(api: Api, account: str, file: Path, progress: bool | None) -> None:
    to_stdout = str(file) == "-"
    with api.http.stream("GET", f"/admin/accounts/{account}/snapshot") as r:
        if r.status_code >= 400:
            r.read()
            api.check(r)
        bar = Progress(int(r.headers.get("content-length", 0)), "exporting", progress)
        done = 0
        out = typer.get_binary_stream("stdout") if to_stdout else file.open("wb")
        try:
            for chunk in r.iter_bytes(CHUNK):
                out.write(chunk)
                done += len(chunk)
                bar.update(done, f"{done // 1024} KiB")
        finally:
            if not to_stdout:
                out.close()
        bar.close()
    if not to_stdout:
        api.out({"account": account, "file": str(file), "bytes": done}, lambda d: kv(list(d.items())))


@snapshot_app.command("import")
def snapshot_import(
    file: Annotated[
        Path, typer.Argument(help="a snapshot file written by `snapshot export`", exists=True, dir_okay=False)
    ],
    name: Annotated[str | None, typer.Option(help="the new account's name [default: the snapshot's]")] = None,
    new_ids: Annotated[bool, typer.Option("--new-ids", help="a new SecretId/SecretKey/AppId")] = False,
    url: UrlOpt = None,
    token: TokenOpt = None,
    as_json: JsonOpt = False,
    progress: ProgressOpt = None,
) -> None:
    """Create an account from a snapshot file, all of it or nothing; prints its keys."""
    api = Api(url, token, as_json, timeout=600)
    total = file.stat().st_size
    bar = Progress(total, "importing", progress)

    def body() -> Iterator[bytes]:
        sent = 0
        with file.open("rb") as f:
            while chunk := f.read(CHUNK):
                sent += len(chunk)
                bar.update(
                    sent, f"{sent // 1024} KiB" + (" (the server is loading it)" if sent == total else "")
                )
                yield chunk

    params = {"new_ids": "true"} if new_ids else {}
    if name is not None:
        params["name"] = name
    headers = {"Content-Type": "application/zip", "Content-Length": str(total)}
    r = api.request("POST", "/admin/snapshots", params=params, content=body(), headers=headers)
    bar.close()
    api.out(r.json(), lambda d: kv(list(d.items())))
