"""Issue 18: settlement as set operations. The same random population of accounts is built in two cores
(same wall clock, same calls), then moved through the same days: in one core account by account
(`clocks.set_to` per account, i.e. `Scheduler.apply_due` per account, the path before the batches), in
the other by global moves (`clocks.set_all`, i.e. `Scheduler.apply_due_many` over batches of 3 accounts,
so batches split populations and account-by-account fall-backs interleave with set-wise writes). The
books must be identical row for row — bills, ledger (ids included), suspensions, notices, notice mails,
low-balance state, callback events — on SQLite and PostgreSQL. A second test runs the real-time pass
(`Scheduler.run_all`) the same way."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert, select

from emulator.domain.clock import BEIJING, FixedWallClock, from_datetime, to_datetime
from emulator.services.core import Core, build_core
from emulator.storage.schema.callbacks import callback_events
from emulator.storage.schema.notices import notice_settings, notices
from emulator.storage.tables import accounts, bills, ip_intervals, ledger, messages, usage_daily
from tests.conftest import PgSchema, make_settings

DAY = 86_400_000_000
HOUR = 3_600_000_000
WALL = from_datetime(datetime.fromisoformat("2031-01-01T09:00:00+08:00"))
PRICE = 280  # the default price per paid email, micro-USD


def _day(k: int) -> str:
    return to_datetime(WALL + k * DAY).astimezone(BEIJING).strftime("%Y-%m-%d")


account_st = st.fixed_dictionaries(
    {
        "top_up": st.sampled_from([0, 500, 5_000, 50_000, 10_000_000, 200_000_000]),
        "usage": st.lists(
            st.tuples(st.integers(0, 70), st.integers(0, 3), st.integers(0, 40)),
            max_size=6,
            unique_by=lambda t: t[0],
        ),
        "threshold": st.sampled_from([None, None, 0, 3_000, 20_000, 150_000_000]),
        "callback": st.booleans(),
        "ip": st.sampled_from([None, None, None, 5, 40]),  # apply for a dedicated IP; disable it after n days
        "late_top_up": st.sampled_from([0, 0, 100_000_000]),
    }
)
population_st = st.lists(account_st, min_size=1, max_size=7)
stops_st = st.lists(st.integers(1, 80), min_size=1, max_size=3).map(sorted)


def build(core: Core, population: list[dict[str, Any]]) -> list[str]:
    names = []
    for i, spec in enumerate(population):
        name = f"p{i}"
        core.accounts.create(  # fixed credentials: both cores' rows alike
            name,
            secret_id=f"AKIDpop{i:08d}",
            secret_key=f"key-of-account-{i:04d}",
            smtp_password="Pop-Passw0rd-1",
            app_id=str(1_300_000_100 + i),
        )
        core.clocks.freeze(name)
        if spec["top_up"]:
            core.accounts.top_up(name, spec["top_up"])
        if spec["threshold"] is not None:
            core.notices.set_settings(name, threshold_micro=spec["threshold"])
        if spec["callback"]:
            core.callbacks.set_url(name, "http://127.0.0.1:9/hook")
        names.append(name)
    aid = {n: core.accounts.get_row(n).id for n in names}
    with core.db.write() as conn:  # the usage the sends of those days metered (settlement reads only this)
        rows = [
            {"account_id": aid[n], "day": _day(k), "free_units": free, "paid_units": paid}
            for n, spec in zip(names, population, strict=True)
            for k, free, paid in spec["usage"]
        ]
        if rows:
            conn.execute(insert(usage_daily), rows)
    for n, spec in zip(names, population, strict=True):
        if spec["ip"] is not None:
            ip = core.ips.apply(n)
            if ip.status == "enabled":
                with core.db.write() as conn:  # closed n days on, as a disable then would have
                    conn.execute(
                        ip_intervals.update()
                        .where(ip_intervals.c.dedicated_ip_id == ip.id)
                        .values(end_us=WALL + spec["ip"] * DAY + 5 * HOUR)
                    )
    return names


def books(core: Core) -> dict[str, Any]:
    """Everything settlement writes, row for row (a notice mail's random MessageId suffix aside)."""

    def rows(table: Any, *order: Any, drop: tuple[str, ...] = ()) -> list[tuple[Any, ...]]:
        cols = [c for c in table.c if c.name not in drop]
        with core.db.read() as conn:
            return [tuple(r) for r in conn.execute(select(*cols).order_by(*order))]

    return {
        "bills": rows(bills, bills.c.id),
        "ledger": rows(ledger, ledger.c.id),
        "accounts": rows(accounts, accounts.c.id),
        "notices": rows(notices, notices.c.id, drop=("message_id",)),
        "notice_settings": rows(notice_settings, notice_settings.c.account_id),
        "callback_events": rows(
            callback_events,
            callback_events.c.id,
            drop=("payload_json", "status", "attempts", "next_wall_us", "last_error", "delivered_wall_us"),
        ),
        "mail": rows(messages, messages.c.id, drop=("message_id", "raw", "search_text", "size")),
    }


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def pair(tmp_path_factory: pytest.TempPathFactory, backend: str) -> Iterator[Any]:
    """A factory of (account-by-account core, batch core) over fresh databases."""
    made: list[tuple[Core, PgSchema | None]] = []

    def make() -> tuple[Core, Core]:
        out = []
        for _ in range(2):
            settings_, schema = make_settings(tmp_path_factory.mktemp("db"), backend)
            c = build_core(settings_, FixedWallClock(WALL))
            made.append((c, schema))
            out.append(c)
        out[1].scheduler.batch_accounts = 3
        return out[0], out[1]

    yield make
    for c, schema in made:
        c.close()
        if schema:
            schema.drop()


def _settings_for(backend: str) -> Any:
    return settings(
        max_examples=12 if backend == "sqlite" else 6,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


def _global_moves(pair: Any, population: list[dict[str, Any]], stops: list[int]) -> None:
    one, many = pair()
    names = build(one, population)
    build(many, population)
    assert books(one) == books(many)  # the same start
    for i, k in enumerate(stops):
        target = WALL + k * DAY + 2 * HOUR
        for n in names:
            one.clocks.set_to(n, target)
        many.clocks.set_all(target)
        assert books(one) == books(many), f"after the move to day {k}"
        if i == 0:  # top-ups in between: arrears paid oldest first, resumptions
            for n, spec in zip(names, population, strict=True):
                if spec["late_top_up"]:
                    one.accounts.top_up(n, spec["late_top_up"])
                    many.accounts.top_up(n, spec["late_top_up"])
    assert books(one)["bills"] == books(many)["bills"]


def test_global_moves_settle_as_account_by_account(pair: Any, backend: str) -> None:
    @_settings_for(backend)
    @given(population=population_st, stops=stops_st)
    def run(population: list[dict[str, Any]], stops: list[int]) -> None:
        _global_moves(pair, population, stops)

    run()


def _real_time(pair: Any, population: list[dict[str, Any]], days: int) -> None:
    one, many = pair()
    names = build(one, population)
    build(many, population)
    for core in (one, many):  # running clocks: the wall clock moves them
        for n in names:
            core.clocks.resume(n)
        assert isinstance(core.clock.wall, FixedWallClock)
        core.clock.wall.set(WALL + days * DAY)
    for n in names:
        one.scheduler.run_due(one.accounts.get_row(n).id)
    many.scheduler.run_all()
    assert books(one) == books(many)


def test_real_time_pass_settles_as_account_by_account(pair: Any, backend: str) -> None:
    @_settings_for(backend)
    @given(population=population_st, days=st.integers(1, 40))
    def run(population: list[dict[str, Any]], days: int) -> None:
        _real_time(pair, population, days)

    run()


def test_worked_example_one_batch(pair: Any) -> None:
    """By hand: 3 accounts, one batch. p0 has 10 USD and 5 + 7 paid emails on Jan 1 and 2: two bills of
    1,400 and 1,960 micro-USD, paid at issue (ledger -1,400, -1,960; balance 9,996,640). p1 has no
    money and 2 paid emails on Jan 1: a 560 bill it cannot pay, so it is suspended (the account-by-
    account fall-back) with a deduction-failed and a suspension notice. p2 had no mail: no bill."""
    _one, many = pair()
    many.scheduler.batch_accounts = 500
    build(
        many,
        [
            {
                "top_up": 10_000_000,
                "usage": [(0, 0, 5), (1, 3, 7)],
                "threshold": None,
                "callback": False,
                "ip": None,
            },
            {"top_up": 0, "usage": [(0, 0, 2)], "threshold": None, "callback": False, "ip": None},
            {"top_up": 0, "usage": [], "threshold": None, "callback": False, "ip": None},
        ],
    )
    many.clocks.set_all(WALL + 3 * DAY)
    b = books(many)
    got = [(r[1], r[3], r[6], r[9] is not None) for r in b["bills"]]
    p0, p1 = many.accounts.get_row("p0").id, many.accounts.get_row("p1").id
    assert got == [
        (p0, "2031-01-01", 1_400, True),
        (p0, "2031-01-02", 1_960, True),
        (p1, "2031-01-01", 560, False),
    ]
    assert [(r[1], r[3]) for r in b["ledger"] if r[2] == "charge"] == [(p0, -1_400), (p0, -1_960)]
    assert many.accounts.state("p0").balance_micro == 10_000_000 - 1_400 - 1_960
    assert many.accounts.state("p1").suspended_reason == "arrears"
    assert [(r[1], r[2]) for r in b["notices"]] == [(p1, "deduction_failed"), (p1, "suspended")]
    assert json.loads(b["bills"][1][7]) == {"free_units": 3}
