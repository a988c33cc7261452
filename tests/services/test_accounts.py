"""Accounts (behaviour §1, §3, §5) in process: creation with every credential, the rules on them,
SMTP logins, top-ups, the balance as the sum of the ledger, isolation, and reset."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from emulator.errors import Conflict, EmulatorError, NotFound, TencentError
from emulator.services.accounts import DEFAULT_ACCOUNT
from emulator.services.core import Core
from emulator.storage.mail_repo import MailFilter
from emulator.storage.tables import ledger
from tests.services.conftest import WALL, at, bj, rcpts, send_api, send_many


def ledger_sum(core: Core, account_id: int) -> int:
    with core.db.engine.connect() as conn:
        return int(
            conn.execute(
                select(func.coalesce(func.sum(ledger.c.amount_micro), 0)).where(
                    ledger.c.account_id == account_id
                )
            ).scalar_one()
        )


def test_a_new_account_is_a_fresh_sandbox(core: Core) -> None:
    c = core.accounts.create("team-1", sender="Hello@Mail.Example.org")
    assert c.secret_id.startswith("AKID") and len(c.secret_key) == 32
    s = core.accounts.state("team-1")
    assert (s.free_quota, s.free_used, s.free_left, s.paid_units) == (1_000, 0, 1_000, 0)
    assert (s.balance_micro, s.unpaid_micro, s.suspended) == (0, 0, False)
    assert (s.clock_us, s.clock_frozen) == (WALL, False)  # follows the wall clock
    assert core.accounts.smtp_login(c.sender, c.smtp_password) == (c.account_id, c.sender)
    assert core.accounts.smtp_login(c.sender, c.smtp_password + "x") is None
    assert (
        core.accounts.get_row(c.account_id).name == core.accounts.get_row(str(c.account_id)).name == "team-1"
    )


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"name": "bad name"}, EmulatorError),
        ({"name": "-leading"}, EmulatorError),
        ({"sender": "not-an-address"}, EmulatorError),
        ({"secret_id": "XKID12345678"}, EmulatorError),
        ({"secret_key": "short"}, EmulatorError),
        ({"smtp_password": "weak"}, TencentError),
    ],
)
def test_creation_refuses_bad_credentials_and_creates_nothing(
    core: Core, kwargs: dict[str, str], error: type[Exception]
) -> None:
    with pytest.raises(error):
        core.accounts.create(**{"name": "ok", **kwargs})
    assert core.accounts.list() == []


def test_names_and_secret_ids_are_unique(core: Core) -> None:
    first = core.accounts.create("a")
    with pytest.raises(Conflict):
        core.accounts.create("a")
    with pytest.raises(Conflict):
        core.accounts.create("b", secret_id=first.secret_id)
    assert [s.name for s in core.accounts.list()] == ["a"]


@pytest.mark.parametrize("ref", ["nobody", 999, 2**40, "²"])
def test_unknown_accounts_are_not_found(core: Core, ref: int | str) -> None:
    with pytest.raises(NotFound):
        core.accounts.state(ref)


def test_the_balance_is_the_sum_of_the_ledger(core: Core) -> None:
    a = core.accounts.create("a", free_quota=0)
    at(core, "a", "2031-01-05T10:00")
    core.accounts.top_up("a", 2_000)
    core.accounts.top_up("a", 1_500)
    send_api(core, a, rcpts(5))  # 5 × 280 = 1,400
    at(core, "a", "2031-01-06T00:00")
    send_api(core, a, rcpts(20))  # 20 × 280 = 5,600 > 3,500 − 1,400 = 2,100
    at(core, "a", "2031-01-07T00:00")
    s = core.accounts.state("a")
    # +2,000 +1,500 −1,400 = 2,100; the 5,600 bill stays unpaid
    assert s.balance_micro == ledger_sum(core, a.account_id) == 2_100
    assert (s.unpaid_micro, s.suspended) == (5_600, True)
    assert [(r.kind, r.amount_micro) for r in core.billing.ledger("a")] == [
        ("topup", 2_000),
        ("topup", 1_500),
        ("charge", -1_400),
    ]
    s = core.accounts.top_up("a", 3_500)  # 2,100 + 3,500 = 5,600: pays the bill exactly
    assert s.balance_micro == ledger_sum(core, a.account_id) == 0 and not s.suspended


@pytest.mark.parametrize("amount", [0, -1])
def test_a_top_up_must_be_positive(core: Core, amount: int) -> None:
    core.accounts.create("a")
    with pytest.raises(EmulatorError):
        core.accounts.top_up("a", amount)
    assert core.billing.ledger("a") == []


def test_one_accounts_activity_never_shows_in_another(core: Core) -> None:
    a = core.accounts.create("a")
    core.accounts.create("b")
    at(core, "a", "2031-01-05T10:00")
    core.accounts.top_up("a", 1_000_000)
    send_many(core, a, 1_050)
    at(core, "a", "2031-01-06T00:00")
    b = core.accounts.state("b")
    assert (b.free_used, b.paid_units, b.balance_micro, b.clock_us) == (0, 0, 0, WALL)
    assert core.billing.bills("b") == [] and core.billing.usage("b") == []
    assert core.accounts.state("a").balance_micro == 1_000_000 - 50 * 280  # 50 paid: 986,000


def test_reset_clears_mail_usage_money_and_clock_but_keeps_credentials(core: Core) -> None:
    a = core.accounts.create("a", free_quota=0)
    at(core, "a", "2031-01-05T10:00")
    send_api(core, a, rcpts(3))
    at(core, "a", "2031-01-06T00:00")  # 840 unpaid: suspended
    core.accounts.top_up("a", 100)
    assert core.accounts.state("a").suspended
    s = core.accounts.reset("a")
    assert (s.free_used, s.paid_units, s.balance_micro, s.unpaid_micro, s.suspended) == (0, 0, 0, 0, False)
    assert (s.clock_us, s.clock_frozen) == (WALL, False)
    assert core.mailbox.list(a.account_id, MailFilter()) == ([], 0)
    assert core.billing.bills("a") == [] and core.billing.ledger("a") == [] and core.billing.usage("a") == []
    assert core.accounts.smtp_login(a.sender, a.smtp_password) == (a.account_id, a.sender)
    assert send_api(core, a, ["x@example.com"]).paid_units == 1  # the free quota set at creation (0) stays
    # after the reset the clock is back at the wall time; the scheduler cursor too, so a later move
    # to 2 Jan 00:00 bills 1 Jan (the wall day) exactly once
    at(core, "a", "2031-01-02T00:00")
    assert [(b.period, b.amount_micro) for b in core.billing.bills("a")] == [("2031-01-01", 280)]
    assert core.accounts.state("a").suspended_us == bj("2031-01-02T00:00")


def test_the_default_account_owns_unknown_senders(core: Core) -> None:
    d = core.accounts.ensure_default()
    assert d.name == DEFAULT_ACCOUNT and core.accounts.ensure_default() == d  # idempotent
    other = core.accounts.create("other", sender="me@other.example.org")
    assert core.accounts.owner_of_sender("me@other.example.org") == other.account_id
    assert core.accounts.owner_of_sender("stranger@nowhere.example") == d.account_id
    assert core.accounts.mail_from(None, "stranger@nowhere.example") == d.account_id
