"""The pytest plugin, exercised the way users use it: pytester runs small test files that only name the
fixtures (the plugin arrives through its pytest11 entry point)."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

README_EXAMPLE = """
def test_welcome_mail(ses_account, ses_sdk):
    from tencentcloud.ses.v20201002 import models
    req = models.SendEmailRequest()
    req.from_json_string('{"FromEmailAddress": "%s", "Destination": ["new@example.com"],'
                         ' "Subject": "Welcome", "Simple": {"Text": "SGk="}}' % ses_account.sender)
    ses_sdk.SendEmail(req)
    msg = ses_account.wait_for_message(to="new@example.com", timeout=5)
    assert msg["subject"] == "Welcome"
    assert ses_account.state()["free_left"] == 999
"""


def test_readme_example_passes(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(README_EXAMPLE)
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
    """set_fault_rule calls POST /admin/accounts/{a}/fault-rules; until that route exists the failure
    names it (rather than silently doing nothing)."""
    pytester.makepyfile(
        """
        def test_fault(ses_account):
            try:
                ses_account.set_fault_rule("bounce@*", "bounce")
            except AssertionError as exc:
                assert "fault-rules" in str(exc)
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
