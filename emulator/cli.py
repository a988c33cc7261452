"""`ses-emulator` command line. `serve` runs the server; every other command talks to a running one over its
admin API (emulator/cli_admin.py, emulator/cli_mail.py; exit codes in emulator/cli_common.py)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from emulator import __version__, cli_admin, cli_cam, cli_mail, cli_snapshot, cli_tokens, logs
from emulator.netutil import is_loopback

app = typer.Typer(
    help="Local emulator of Tencent Cloud Simple Email Service (SES). Client commands read the server URL "
    "and admin token from --url/--token or SES_EMULATOR_URL/SES_EMULATOR_ADMIN_TOKEN. Exit codes: 0 ok, "
    "1 the server answered an error or could not be reached, 2 usage error.",
    no_args_is_help=True,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(__version__)
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="print the version and exit")
    ] = False,
) -> None:
    """Local emulator of Tencent Cloud Simple Email Service (SES)."""


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="bind address [env SES_EMULATOR_HOST]")] = None,
    smtp_port: Annotated[
        int | None, typer.Option(help="SMTP plain + STARTTLS [SES_EMULATOR_SMTP_PORT]")
    ] = None,
    smtps_port: Annotated[
        int | None, typer.Option(help="SMTP implicit TLS [SES_EMULATOR_SMTPS_PORT]")
    ] = None,
    http_port: Annotated[
        int | None, typer.Option(help="HTTP: Tencent API + admin [SES_EMULATOR_HTTP_PORT]")
    ] = None,
    data_dir: Annotated[Path | None, typer.Option(help="data directory [SES_EMULATOR_DATA_DIR]")] = None,
    database_url: Annotated[
        str | None, typer.Option(help="SQLAlchemy URL, e.g. postgresql://... [SES_EMULATOR_DATABASE_URL]")
    ] = None,
    smtp_auth: Annotated[str | None, typer.Option(help="required | any [SES_EMULATOR_SMTP_AUTH]")] = None,
    admin_token: Annotated[
        str | None, typer.Option(help="token for /admin [SES_EMULATOR_ADMIN_TOKEN]")
    ] = None,
    workers: Annotated[
        int, typer.Option(min=1, help="server processes sharing the ports and the database")
    ] = 1,
    log_format: Annotated[str | None, typer.Option(help="plain | json [SES_EMULATOR_LOG_FORMAT]")] = None,
) -> None:
    """Serve SMTP and HTTP until SIGINT/SIGTERM."""
    from emulator.bootstrap import Emulator, banner
    from emulator.config import Settings

    flags: dict[str, Any] = {
        k: v
        for k, v in dict(
            host=host,
            smtp_port=smtp_port,
            smtps_port=smtps_port,
            http_port=http_port,
            data_dir=data_dir,
            database_url=database_url,
            smtp_auth=smtp_auth,
            admin_token=admin_token,
            log_format=log_format,
        ).items()
        if v is not None
    }
    try:
        settings = Settings(**flags)
    except ValidationError as exc:
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"])
            typer.echo(f"invalid setting {where} (SES_EMULATOR_{where.upper()}): {err['msg']}", err=True)
        raise typer.Exit(2) from None
    logs.configure(settings.log_level, settings.log_format)
    if not is_loopback(settings.host) and not settings.admin_token:
        typer.echo(
            f"refusing to serve on non-loopback address {settings.host} without an admin token "
            "(set SES_EMULATOR_ADMIN_TOKEN or --admin-token)",
            err=True,
        )
        raise typer.Exit(2)
    if workers > 1:
        from emulator.workers import serve_workers

        serve_workers(settings, workers, typer.echo)
        typer.echo("stopped")
        return
    emulator = Emulator(settings)

    async def _main() -> None:
        task = asyncio.create_task(emulator.run(install_signals=True, own_process=True))
        while emulator.endpoints is None and not task.done():
            await asyncio.sleep(0.02)
        if emulator.endpoints is not None:
            typer.echo(banner(emulator), color=False)
        await task

    try:
        import uvloop

        uvloop.run(_main())
    except ImportError:
        asyncio.run(_main())
    typer.echo("stopped")


demo_app = typer.Typer(help="Runnable stories against a running server.")
app.add_typer(demo_app, name="demo")


@demo_app.command("suspension")
def demo_suspension(
    url: Annotated[
        str, typer.Option(envvar="SES_EMULATOR_URL", help="the server's HTTP URL")
    ] = "http://127.0.0.1:8025",
    token: Annotated[str | None, typer.Option(envvar="SES_EMULATOR_ADMIN_TOKEN", help="admin token")] = None,
) -> None:
    """Free quota → paid send → midnight → suspended → refused → top up → resumed, with a balance poller on
    the official billing SDK (samples/billing_poller.py) reporting what it sees beside the sends."""
    from emulator.demo import run

    run(url, token, typer.echo)


app.add_typer(cli_admin.account_app, name="account")
app.add_typer(cli_admin.clock_app, name="clock")
app.add_typer(cli_mail.mail_app, name="mail")
app.add_typer(cli_admin.ip_app, name="ip")
app.add_typer(cli_snapshot.snapshot_app, name="snapshot")
app.add_typer(cli_tokens.token_app, name="token")
app.command("bills")(cli_admin.bills)
app.add_typer(cli_cam.sub_user_app, name="sub-user")
app.add_typer(cli_cam.session_app, name="session")
app.command("send")(cli_mail.send)
app.command("healthcheck")(cli_mail.healthcheck)


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(__version__)


def main() -> None:
    app()
