"""`ses-emulator` command line. `serve` runs the server; other commands will talk to a running one."""

from __future__ import annotations

import asyncio
import ipaddress
import logging
from pathlib import Path
from typing import Annotated, Any

import typer

from emulator import __version__

app = typer.Typer(help="Local emulator of Tencent Cloud Simple Email Service (SES).", no_args_is_help=True)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


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
        ).items()
        if v is not None
    }
    settings = Settings(**flags)
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every connection at INFO
    if not _is_loopback(settings.host) and not settings.admin_token:
        typer.echo(
            f"refusing to serve on non-loopback address {settings.host} without an admin token "
            "(set SES_EMULATOR_ADMIN_TOKEN or --admin-token)",
            err=True,
        )
        raise typer.Exit(2)
    emulator = Emulator(settings)

    async def _main() -> None:
        task = asyncio.create_task(emulator.run(install_signals=True))
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
    """Free quota → paid send → midnight → suspended → refused → top up → resumed."""
    from emulator.demo import run

    run(url, token, typer.echo)


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(__version__)


def main() -> None:
    app()
