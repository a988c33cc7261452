"""`ses-emulator account|clock|bills|ip ...`: accounts, money, clocks and dedicated IPs of a running server,
over its admin API."""

from __future__ import annotations

import math
import time
from datetime import datetime, timedelta
from typing import Annotated, Any

import typer

from emulator.cli_common import (
    AccountOpt,
    Api,
    JsonOpt,
    Progress,
    ProgressOpt,
    TokenOpt,
    UrlOpt,
    kv,
    parse_duration_s,
    table,
    usage,
)
from emulator.domain.clock import BEIJING

account_app = typer.Typer(help="Create and inspect accounts; top up, suspend, resume.", no_args_is_help=True)
clock_app = typer.Typer(help="Show, advance, set, freeze and resume account clocks.", no_args_is_help=True)
ip_app = typer.Typer(
    help="Dedicated IPs: apply, list, enable, disable, release, stock.", no_args_is_help=True
)

NameArg = Annotated[str, typer.Argument(help="account name or id")]


def _account_text(s: dict[str, Any]) -> None:
    state = f"suspended ({s['suspended_reason']} since {s['suspended_at']})" if s["suspended"] else "active"
    kv(
        [
            ("name", s["name"]),
            ("id", s["id"]),
            ("app_id", s["app_id"]),
            ("secret_id", s["secret_id"]),
            ("state", state),
            ("profile", s.get("profile", "sandbox")),
            ("switches", _switches(s)),
            ("free quota", f"{s['free_used']} used of {s['free_quota']} ({s['free_left']} left)"),
            ("paid units", s["paid_units"]),
            ("balance", f"{s['balance']} USD"),
            ("unpaid", f"{s['unpaid']} USD"),
            ("clock", s["clock"]["now"] + (" (frozen)" if s["clock"]["frozen"] else "")),
        ]
    )


def _switches(s: dict[str, Any]) -> str:
    simple = "simple sending allowed" if s.get("simple_sending", True) else "template-only"
    return f"{simple}, SMTP message checks {'on' if s.get('smtp_checks') else 'off'}"


# --- account ------------------------------------------------------------------------------------
@account_app.command("create")
def account_create(
    name: Annotated[str | None, typer.Argument(help="unique name [default: generated]")] = None,
    secret_id: Annotated[str | None, typer.Option(help="fixed SecretId (AKID...)")] = None,
    secret_key: Annotated[str | None, typer.Option(help="fixed SecretKey")] = None,
    sender: Annotated[str | None, typer.Option(help="sender address created with the account")] = None,
    smtp_password: Annotated[str | None, typer.Option(help="SMTP password of that sender")] = None,
    free_quota: Annotated[int | None, typer.Option(min=0, help="free emails [default: server's]")] = None,
    profile: Annotated[
        str | None,
        typer.Option(help="sandbox | production (docs/profiles.md) [default: server's default_profile]"),
    ] = None,
    url: UrlOpt = None,
    token: TokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Create an account and print every credential it has."""
    api = Api(url, token, as_json)
    body = dict(
        name=name,
        secret_id=secret_id,
        secret_key=secret_key,
        sender=sender,
        smtp_password=smtp_password,
        free_quota=free_quota,
        profile=profile,
    )
    creds = api.post("/admin/accounts", {k: v for k, v in body.items() if v is not None})
    api.out(creds, lambda c: kv([(k, c[k]) for k in c]))


BULK_CHUNK = 1000  # accounts per request of `account create-many` (the progress bar moves per request)


@account_app.command("create-many")
def account_create_many(
    count: Annotated[int, typer.Argument(min=1, max=100_000, help="how many accounts")],
    prefix: Annotated[str, typer.Option(help="names are <prefix>-1 .. <prefix>-<count>")] = "fleet",
    sender: Annotated[str | None, typer.Option(help="the sender address every account gets")] = None,
    top_up: Annotated[str | None, typer.Option(help="a first top-up for each, USD, e.g. 100.00")] = None,
    free_quota: Annotated[int | None, typer.Option(min=0, help="free emails [default: server's]")] = None,
    url: UrlOpt = None,
    token: TokenOpt = None,
    as_json: JsonOpt = False,
    progress: ProgressOpt = None,
) -> None:
    """Create a test fleet (POST /admin/accounts/bulk, 1,000 per request) and print its credentials."""
    api = Api(url, token, as_json, timeout=300)
    bar = Progress(count, "creating", progress)
    made: list[dict[str, Any]] = []
    for start in range(0, count, BULK_CHUNK):
        body = {"count": min(BULK_CHUNK, count - start), "prefix": prefix, "first": start + 1}
        body |= {
            k: v
            for k, v in (("sender", sender), ("top_up", top_up), ("free_quota", free_quota))
            if v is not None
        }
        made.extend(api.post("/admin/accounts/bulk", body)["accounts"])
        bar.update(len(made), f"{len(made):,}/{count:,} accounts")
    bar.close()
    api.out(
        made,
        lambda rows: table(
            [(c["id"], c["name"], c["secret_id"], c["secret_key"], c["smtp_password"]) for c in rows],
            ("id", "name", "secret_id", "secret_key", "smtp_password"),
        ),
    )


@account_app.command("show")
def account_show(name: NameArg, url: UrlOpt = None, token: TokenOpt = None, as_json: JsonOpt = False) -> None:
    """Balance, free quota, paid units, suspension and clock of one account."""
    api = Api(url, token, as_json)
    api.out(api.get(f"/admin/accounts/{name}"), _account_text)


@account_app.command("list")
def account_list(url: UrlOpt = None, token: TokenOpt = None, as_json: JsonOpt = False) -> None:
    """Every account, one line each."""
    api = Api(url, token, as_json)

    def text(rows: list[dict[str, Any]]) -> None:
        table(
            [
                (
                    a["id"],
                    a["name"],
                    a["secret_id"],
                    a["free_left"],
                    a["paid_units"],
                    a["balance"],
                    a["unpaid"],
                    a["suspended_reason"] or "active",
                    a["clock"]["now"],
                )
                for a in rows
            ],
            ["ID", "NAME", "SECRET ID", "FREE LEFT", "PAID", "BALANCE", "UNPAID", "STATE", "CLOCK"],
        )

    api.out(api.get("/admin/accounts"), text)


@account_app.command("top-up")
def account_top_up(
    name: NameArg,
    amount: Annotated[str, typer.Argument(help="USD as a decimal, e.g. 12.50")],
    note: Annotated[str, typer.Option(help="ledger note")] = "",
    url: UrlOpt = None,
    token: TokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Add money; unpaid bills are paid oldest first and the account resumes when none is left."""
    api = Api(url, token, as_json)
    api.out(api.post(f"/admin/accounts/{name}/top-up", {"amount": amount, "note": note}), _account_text)


@account_app.command("suspend")
def account_suspend(
    name: NameArg, url: UrlOpt = None, token: TokenOpt = None, as_json: JsonOpt = False
) -> None:
    """Suspend by hand: every send is refused until `resume`."""
    api = Api(url, token, as_json)
    api.out(api.post(f"/admin/accounts/{name}/suspend"), _account_text)


@account_app.command("resume")
def account_resume(
    name: NameArg, url: UrlOpt = None, token: TokenOpt = None, as_json: JsonOpt = False
) -> None:
    """Lift a manual suspension (arrears are lifted only by paying them: top-up)."""
    api = Api(url, token, as_json)
    api.out(api.post(f"/admin/accounts/{name}/resume"), _account_text)


# --- clock --------------------------------------------------------------------------------------
def _clock_text(s: dict[str, Any] | list[dict[str, Any]]) -> None:
    for a in s if isinstance(s, list) else [s]:
        frozen = " (frozen)" if a["clock"]["frozen"] else ""
        typer.echo(f"{a['name']}: {a['clock']['now']}{frozen}")


DAY_S = 86_400
MAX_STEPS = 100  # long moves go in steps (a day, or 1/100 of the span) so progress can be shown


def _move(api: Api, path: str, steps: list[dict[str, Any]], label: str, progress: bool | None) -> Any:
    """Post the steps of a long clock move in turn, with progress; the last answer (one account's
    state, or every account's with --all)."""
    bar = Progress(len(steps), label, progress)
    state: Any = None
    for i, body in enumerate(steps):
        state = api.post(path, body)
        first = state[0] if isinstance(state, list) and state else state
        bar.update(i + 1, first["clock"]["now"] if isinstance(first, dict) else "")
    bar.close()
    return state


POLL_S = 0.2


def _move_all(api: Api, body: dict[str, Any], label: str, progress: bool | None) -> Any:
    """A global move as one background move: POST it with "wait": false (202 and the move at once), poll
    its progress (accounts moved and settled) until done, then every account's state."""
    move = api.post("/admin/clock/advance", {**body, "wait": False})
    bar = Progress(max(1, int(move["accounts_total"])), label, progress)
    while True:
        bar.total = max(1, int(move["accounts_total"]))
        bar.update(
            int(move["accounts_done"]), f"{move['accounts_done']:,}/{move['accounts_total']:,} accounts"
        )
        if move["done"]:
            break
        time.sleep(POLL_S)
        move = api.get(f"/admin/clock/moves/{move['id']}")
    bar.close()
    return api.get("/admin/accounts")


@clock_app.command("show")
def clock_show(
    account: AccountOpt = "default", url: UrlOpt = None, token: TokenOpt = None, as_json: JsonOpt = False
) -> None:
    """The account's time (UTC+8), frozen or running, and how far ahead of real time it is."""
    api = Api(url, token, as_json)

    def text(c: dict[str, Any]) -> None:
        frozen = " (frozen)" if c["frozen"] else ""
        typer.echo(f"{c['account']}: {c['now']}{frozen}, {c['ahead_us'] // 1_000_000:+d} s from real time")

    api.out(api.get(f"/admin/accounts/{account}/clock"), text)


@clock_app.command("advance")
def clock_advance(
    duration: Annotated[str, typer.Argument(help="90 (seconds), 90s, 2h30m, 1d, 2w")],
    account: AccountOpt = "default",
    all_accounts: Annotated[bool, typer.Option("--all", help="every account's clock")] = False,
    url: UrlOpt = None,
    token: TokenOpt = None,
    as_json: JsonOpt = False,
    progress: ProgressOpt = None,
) -> None:
    """Move a clock forward; every event that falls due runs, in order (long moves go in steps)."""
    total = parse_duration_s(duration)
    api = Api(url, token, as_json)
    if all_accounts:
        api.out(_move_all(api, {"seconds": total}, "advancing", progress), _clock_text)
        return
    path = f"/admin/accounts/{account}/clock/advance"
    steps = min(MAX_STEPS, max(1, math.ceil(total / DAY_S)))
    size = math.ceil(total / steps)
    sizes = [min(size, total - i * size) for i in range(steps)]
    api.out(_move(api, path, [{"seconds": s} for s in sizes], "advancing", progress), _clock_text)


def _parse_time(text: str) -> datetime:
    try:
        dt = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        usage(f"not an ISO 8601 time: {text!r} (e.g. 2031-02-01T08:00:00+08:00)")
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=BEIJING)
    return dt


@clock_app.command("set")
def clock_set(
    to: Annotated[str, typer.Argument(help="ISO 8601 time; without an offset it is UTC+8")],
    account: AccountOpt = "default",
    all_accounts: Annotated[bool, typer.Option("--all", help="every account's clock")] = False,
    url: UrlOpt = None,
    token: TokenOpt = None,
    as_json: JsonOpt = False,
    progress: ProgressOpt = None,
) -> None:
    """Set a clock forward to a time (clocks never move backwards); events run as with advance. With
    --all, accounts already past the time stay where they are (named on stderr)."""
    target = _parse_time(to)
    api = Api(url, token, as_json)
    if all_accounts:
        api.out(_move_all(api, {"to": target.isoformat()}, "setting", progress), _clock_text)
        return
    path = f"/admin/accounts/{account}/clock/set"
    now = datetime.fromisoformat(api.get(f"/admin/accounts/{account}/clock")["now"])
    span = target - now
    n = min(MAX_STEPS, max(1, math.ceil(span / timedelta(days=1)))) if span > timedelta(0) else 1
    stops = [now + span * (i + 1) / n for i in range(n - 1)] + [target]
    api.out(_move(api, path, [{"to": s.isoformat()} for s in stops], "setting", progress), _clock_text)


@clock_app.command("freeze")
def clock_freeze(
    account: AccountOpt = "default",
    all_accounts: Annotated[bool, typer.Option("--all", help="every account's clock")] = False,
    url: UrlOpt = None,
    token: TokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Stop a clock from following real time."""
    api = Api(url, token, as_json)
    path = "/admin/clock/freeze" if all_accounts else f"/admin/accounts/{account}/clock/freeze"
    api.out(api.post(path), _clock_text)


@clock_app.command("resume")
def clock_resume(
    account: AccountOpt = "default",
    all_accounts: Annotated[bool, typer.Option("--all", help="every account's clock")] = False,
    url: UrlOpt = None,
    token: TokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Let a frozen clock follow real time again (from where it stands)."""
    api = Api(url, token, as_json)
    path = "/admin/clock/resume" if all_accounts else f"/admin/accounts/{account}/clock/resume"
    api.out(api.post(path), _clock_text)


# --- bills --------------------------------------------------------------------------------------
def bills(
    account: AccountOpt = "default",
    status: Annotated[str | None, typer.Option(help="paid | unpaid")] = None,
    period: Annotated[str | None, typer.Option(help="prefix: 2026, 2026-01 or 2026-01-05")] = None,
    kind: Annotated[str | None, typer.Option(help="usage | dedicated_ip")] = None,
    url: UrlOpt = None,
    token: TokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """An account's bills, oldest first."""
    if status not in (None, "paid", "unpaid"):
        usage("--status must be paid or unpaid")
    if kind not in (None, "usage", "dedicated_ip"):
        usage("--kind must be usage or dedicated_ip")
    api = Api(url, token, as_json)
    rows = api.get(f"/admin/accounts/{account}/bills", status=status, period=period, kind=kind)
    api.out(
        rows,
        lambda bs: table(
            [
                (b["id"], b["kind"], b["period"], b["units"], b["unit_price"], b["amount"], b["status"])
                for b in bs
            ],
            ["ID", "KIND", "PERIOD", "UNITS", "UNIT PRICE", "AMOUNT (USD)", "STATUS"],
            empty="no bills",
        ),
    )


# --- dedicated IPs ------------------------------------------------------------------------------
def _ip_text(ip: dict[str, Any]) -> None:
    kv([(k, ip[k]) for k in ("id", "ip", "status", "applied_at", "ready_at", "enabled_at", "disabled_at")])


@ip_app.command("apply")
def ip_apply(
    account: AccountOpt = "default", url: UrlOpt = None, token: TokenOpt = None, as_json: JsonOpt = False
) -> None:
    """Apply for a dedicated IP: enabled at once from stock, else pending until its ready time."""
    api = Api(url, token, as_json)
    api.out(api.post(f"/admin/accounts/{account}/ips"), _ip_text)


@ip_app.command("list")
def ip_list(
    account: AccountOpt = "default", url: UrlOpt = None, token: TokenOpt = None, as_json: JsonOpt = False
) -> None:
    """The account's dedicated IPs, this month's applications and the stock left."""
    api = Api(url, token, as_json)

    def text(o: dict[str, Any]) -> None:
        typer.echo(
            f"month {o['month']}: {o['applications_this_month']} of {o['limit_per_month']} applications, "
            f"stock left {o['stock_left']}"
        )
        table(
            [(i["id"], i["ip"] or "-", i["status"], i["ready_at"], i["enabled_at"]) for i in o["ips"]],
            ["ID", "IP", "STATUS", "READY AT", "ENABLED AT"],
            empty="no dedicated IPs",
        )

    api.out(api.get(f"/admin/accounts/{account}/ips"), text)


def _ip_action(action: str, help_text: str) -> None:
    def command(
        ip_id: Annotated[int, typer.Argument(help="the IP's id (see `ip list`)")],
        account: AccountOpt = "default",
        url: UrlOpt = None,
        token: TokenOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        api = Api(url, token, as_json)
        api.out(api.post(f"/admin/accounts/{account}/ips/{ip_id}/{action}"), _ip_text)

    command.__doc__ = help_text
    ip_app.command(action)(command)


_ip_action("enable", "Enable a disabled dedicated IP (sends leave through it again).")
_ip_action("disable", "Disable a dedicated IP (sends use the shared pool; still billed for the day).")
_ip_action("release", "Give a dedicated IP back (no application is returned).")


@ip_app.command("stock")
def ip_stock(
    add: Annotated[int | None, typer.Option(min=1, max=1000, help="add this many IPs to the stock")] = None,
    url: UrlOpt = None,
    token: TokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The shared stock of pre-heated IPs (applications served at once)."""
    api = Api(url, token, as_json)
    data = api.post("/admin/ips/stock", {"count": add}) if add else api.get("/admin/ips/stock")
    api.out(data, lambda d: typer.echo(f"stock left: {d['stock_left']}"))
