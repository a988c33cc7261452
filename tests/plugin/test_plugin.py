"""The pytest plugin, exercised the way users use it: pytester runs small test files that only name the
fixtures (the plugin arrives through its pytest11 entry point)."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["pytester"]


def readme_example() -> str:
    """The example test in the README's plugin section, so the documented one is the one that passes."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme.split("## In your test suite", 1)[1]
    return section.split("```python\n", 1)[1].split("```", 1)[0]


def test_readme_example_passes(pytester: pytest.Pytester) -> None:
    example = readme_example()
    assert 8 <= len(example.strip().splitlines()) <= 10
    pytester.makepyfile(example)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_accounts_are_fresh_and_helpers_work(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        SEEN = []

        def test_first(ses_account, ses_emulator):
            SEEN.append(ses_account.name)
            ses_account.smtp_send(["a@example.com", "b@example.com"], subject="one")
            m = ses_account.wait_for_message(subject="one")
            assert sorted(m["recipients"]) == ["a@example.com", "b@example.com"]
            assert ses_account.raw(m["id"]).startswith(b"From:") or b"Subject: one" in ses_account.raw(m["id"])
            assert ses_account.message(m["id"])["text"].strip() == "hello"
            assert ses_emulator.smtp_port > 0 and ses_account.api_endpoint.startswith("127.0.0.1:")

        def test_second_sees_nothing_of_the_first(ses_account):
            assert ses_account.name not in SEEN
            assert ses_account.messages() == []
            assert ses_account.state()["free_left"] == 1000

        def test_money_and_clock(ses_account):
            ses_account.freeze_clock()
            before = ses_account.state()["clock"]["now"]
            after = ses_account.advance_clock("1d")["clock"]["now"]
            assert after > before
            assert ses_account.top_up("1.50")["balance"] == "1.500000"
            assert ses_account.bills() == []

        def test_wait_times_out_clearly(ses_account):
            import pytest
            with pytest.raises(AssertionError, match="within 0.2 s"):
                ses_account.wait_for_message(to="nobody@example.com", timeout=0.2)
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=4)


def test_fault_rules_reach_the_admin_api(pytester: pytest.Pytester) -> None:
    """set_fault_rule POSTs {"pattern", "outcome"} to /admin/accounts/{a}/fault-rules. Where that route
    does not exist yet the failure names it; where it does, the rule is accepted (or, for an outcome
    name the server does not know, refused by the route itself, naming `outcome`)."""
    pytester.makepyfile(
        """
        import pytest

        def test_fault(ses_account):
            try:
                ses_account.set_fault_rule("bounce@example.com", "hard_bounce")
            except AssertionError as exc:
                text = str(exc)
                assert "/fault-rules answered" in text, text
                status = int(text.split("answered ", 1)[1].split(":", 1)[0])
                assert status == 404 or (status in (400, 422) and "outcome" in text), text
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_settings_can_be_overridden(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
        import pytest

        @pytest.fixture(scope="session")
        def ses_emulator_settings():
            return {"free_quota": 2}
        """
    )
    pytester.makepyfile(
        """
        def test_quota(ses_account):
            ses_account.smtp_send(["a@example.com", "b@example.com", "c@example.com"])
            s = ses_account.state()
            assert (s["free_left"], s["paid_units"]) == (0, 1)
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_plugin_is_registered_and_lazy(pytester: pytest.Pytester) -> None:
    """A suite that uses none of the fixtures starts no server and sees the fixtures listed."""
    pytester.makepyfile("def test_nothing():\n    pass\n")
    result = pytester.runpytest("-p", "no:cacheprovider", "--fixtures")
    result.stdout.fnmatch_lines(["ses_emulator ?session scope?*", "ses_account*", "ses_sdk*"])
    res = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    res.assert_outcomes(passed=1)
    assert not list(pytester.path.rglob("emulator.db"))


def test_snapshot_fixture_seeds_accounts(pytester: pytest.Pytester) -> None:
    """A test saves an account as a snapshot; tests marked with it start from a fresh copy each."""
    pytester.makepyfile(
        """
        import pathlib
        import pytest

        SEED = pathlib.Path(__file__).with_name("seed.zip")

        def test_a_make_the_seed(ses_account):
            ses_account.freeze_clock()
            ses_account.top_up("3")
            ses_account.smtp_send("a@example.com", subject="seeded")
            ses_account.wait_for_message(subject="seeded")
            SEED.write_bytes(ses_account.snapshot())

        @pytest.mark.ses_snapshot("seed.zip")
        def test_b_start_from_it(ses_snapshot_account):
            assert ses_snapshot_account.state()["balance"] == "3.000000"
            [m] = ses_snapshot_account.messages()
            assert m["subject"] == "seeded"
            assert ses_snapshot_account.smtp_password is None

        @pytest.mark.ses_snapshot("seed.zip")
        def test_c_a_second_fresh_copy(ses_snapshot_account, ses_emulator):
            assert len(ses_snapshot_account.messages()) == 1  # test_b's copy is another account
            copies = [a for a in ses_emulator.admin("GET", "/accounts") if a["balance"] == "3.000000"]
            assert len(copies) == 3 and len({a["secret_id"] for a in copies}) == 3

        def test_d_no_marker(ses_snapshot_account):
            pass
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "-p", "no:randomly")
    result.assert_outcomes(passed=3, errors=1)
    result.stdout.fnmatch_lines(["*needs @pytest.mark.ses_snapshot*"])


def test_profiles_by_marker_factory_and_switches(pytester: pytest.Pytester) -> None:
    """@pytest.mark.ses_profile("production") gives ses_account a new real account's switches (under
    --strict-markers too: the plugin registers the marker); new_account(profile=...) makes any other;
    switches() reads and changes them."""
    pytester.makepyfile(
        """
        import pytest
        import smtplib

        @pytest.mark.ses_profile("production")
        def test_production(ses_account):
            s = ses_account.state()
            assert (s["profile"], s["simple_sending"], s["smtp_checks"]) == ("production", False, True)
            ses_account.smtp_send("a@example.com", subject="passes the checks")
            assert ses_account.wait_for_message(subject="passes the checks")
            assert ses_account.switches()["recipient_hourly"]["enabled"] is True
            assert ses_account.switches(simple_sending=True)["simple_sending"] is True

        def test_default_is_sandbox(ses_account, ses_emulator):
            assert ses_account.state()["profile"] == "sandbox"
            other = ses_emulator.new_account(profile="production")
            assert other.switches()["smtp_checks"] is True
            assert other.switches(smtp_checks=False)["smtp_checks"] is False
        """
    )
    pytester.runpytest("-p", "no:cacheprovider", "--strict-markers").assert_outcomes(passed=2)
