"""What every client command shares: the admin API connection (URL and token from flags or env), output
as text or JSON, progress on stderr, and exit codes scripts can rely on:

    0  success
    1  the server answered an error, or could not be reached (message on stderr; with --json, the error
       object on stdout)
    2  usage error: bad flags or arguments (nothing was sent)
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

if TYPE_CHECKING:
    import httpx

EXIT_OK, EXIT_SERVER, EXIT_USAGE = 0, 1, 2

UrlOpt = Annotated[
    str | None,
    typer.Option(
        "--url",
        envvar="SES_EMULATOR_URL",
        help="server HTTP URL [default: http://127.0.0.1:$SES_EMULATOR_HTTP_PORT, else :8025]",
        show_default=False,
    ),
]
TokenOpt = Annotated[
    str | None,
    typer.Option("--token", envvar="SES_EMULATOR_ADMIN_TOKEN", help="admin token", show_default=False),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="print JSON instead of text")]
AccountOpt = Annotated[
    str, typer.Option("--account", "-a", envvar="SES_EMULATOR_ACCOUNT", help="account name or id")
]
ProgressOpt = Annotated[
    bool | None,
    typer.Option(
        "--progress/--no-progress",
        help="show progress on stderr [default: when stderr is a terminal]",
        show_default=False,
    ),
]


def default_url() -> str:
    return os.environ.get("SES_EMULATOR_URL") or (
        f"http://127.0.0.1:{os.environ.get('SES_EMULATOR_HTTP_PORT') or 8025}"
    )


def usage(message: str) -> NoReturn:
    """A usage error found before anything was sent (exit 2, like click's own)."""
    raise typer.BadParameter(message)


class Api:
    """The admin API of a running server, failing the command (exit 1) on any error."""

    def __init__(self, url: str | None, token: str | None, as_json: bool = False, timeout: float = 60):
        self.url = (url or default_url()).rstrip("/")
        self.as_json = as_json
        import httpx  # here, not at the top: `serve` never needs it (~0.1 s of its start)

        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.http = httpx.Client(base_url=self.url, headers=headers, timeout=timeout, trust_env=False)
        self.transport_error = httpx.HTTPError  # what a command catches as "cannot reach the server"

    def request(self, method: str, path: str, allow: tuple[int, ...] = (), **kw: Any) -> httpx.Response:
        """Fails the command on an error status, except those in `allow`."""
        try:
            r = self.http.request(method, path, **kw)
        except self.transport_error as exc:
            self.fail(0, "Unreachable", f"cannot reach the server at {self.url}: {exc}")
        if r.status_code not in allow:
            self.check(r)
        return r

    def check(self, r: httpx.Response) -> None:
        """Fail the command if `r` (read) answered an error status."""
        if r.status_code >= 400:
            code, message = _error_of(r)
            if r.status_code == 401:
                message += " (give --token or set SES_EMULATOR_ADMIN_TOKEN)"
            self.fail(r.status_code, code, message)

    def get(self, path: str, **params: Any) -> Any:
        clean = {k: v for k, v in params.items() if v is not None}
        return self.request("GET", path, params=clean).json()

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        r = self.request("POST", path, json=body if body is not None else {})
        return r.json() if r.content else None

    def delete(self, path: str) -> Any:
        return self.request("DELETE", path).json()

    def fail(self, status: int, code: str, message: str) -> NoReturn:
        if self.as_json:
            echo_json({"error": {"status": status, "code": code, "message": message}})
        else:
            typer.echo(f"error: {code}: {message}", err=True)
        raise typer.Exit(EXIT_SERVER)

    def out(self, data: Any, text: Callable[[Any], None]) -> None:
        """Print the server's JSON as is with --json, else the human form."""
        if self.as_json:
            echo_json(data)
        else:
            text(data)


def _error_of(r: httpx.Response) -> tuple[str, str]:
    try:
        body = r.json()
    except ValueError:
        return f"HTTP{r.status_code}", r.text[:300] or r.reason_phrase
    if isinstance(body, dict) and isinstance(body.get("detail"), dict):
        body = body["detail"]
    if isinstance(body, dict) and "code" in body:
        return str(body["code"]), str(body.get("message", ""))
    return f"HTTP{r.status_code}", json.dumps(body)[:300]


def echo_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False))


def kv(pairs: Sequence[tuple[str, Any]]) -> None:
    width = max(len(k) for k, _ in pairs)
    for k, v in pairs:
        typer.echo(f"{k.ljust(width)}  {'' if v is None else v}")


def table(rows: Sequence[Sequence[Any]], headers: Sequence[str], empty: str = "(none)") -> None:
    if not rows:
        typer.echo(empty)
        return
    cells = [[str(h) for h in headers]] + [["" if c is None else str(c) for c in r] for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for row in cells:
        typer.echo("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


class Progress:
    """A progress line on stderr: redrawn in place on a terminal, one line per step otherwise."""

    def __init__(self, total: float, label: str, enabled: bool | None) -> None:
        self.tty = sys.stderr.isatty()
        self.enabled = self.tty if enabled is None else enabled
        self.total, self.label = total, label

    def update(self, done: float, note: str = "") -> None:
        if not self.enabled:
            return
        frac = 1.0 if self.total <= 0 else min(1.0, done / self.total)
        bar = "#" * int(frac * 30)
        line = f"{self.label} [{bar.ljust(30)}] {frac * 100:3.0f}% {note}"
        if self.tty:
            sys.stderr.write("\r" + line.ljust(100)[:120])
        else:
            sys.stderr.write(line + "\n")
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled and self.tty:
            sys.stderr.write("\n")
            sys.stderr.flush()


_DURATION = re.compile(r"^(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


def parse_duration_s(text: str) -> int:
    """'90' (seconds), '90s', '2h30m', '1d', '2w' -> seconds; a usage error otherwise."""
    t = text.strip()
    if t.isdigit():
        return int(t)
    m = _DURATION.match(t)
    if not t or not m or not any(m.groups()):
        usage(f"not a duration: {text!r} (use e.g. 90, 90s, 2h30m, 1d, 2w)")
    w, d, h, mi, s = (int(g or 0) for g in m.groups())
    return (((w * 7 + d) * 24 + h) * 60 + mi) * 60 + s
