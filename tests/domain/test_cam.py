"""CAM policies (domain.cam): the policy language's rules and the evaluation logic, as properties (deny
always wins, nothing allowed means denied, a session policy only narrows) and worked examples."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from emulator.domain.cam import Decision, Policy, Statement, decide, is_allowed, parse_policy
from emulator.errors import FailedOperation

ACTIONS = ["ses:SendEmail", "ses:GetEmailTemplate", "ses:ListEmailTemplates", "billing:DescribeBillList"]
PATTERNS = ["*", "ses:*", "ses:SendEmail", "ses:Get*", "ses:*Template*", "billing:*", "billing:Describe*"]
RESOURCES = ["*", "qcs::ses:::*", "qcs::ses:ap-guangzhou::*", "qcs::billing:::*", "qcs::ses:ap-hongkong::*"]

statements = st.builds(
    Statement,
    effect=st.sampled_from(["allow", "deny"]),
    actions=st.lists(st.sampled_from(PATTERNS), min_size=1, max_size=3).map(tuple),
    resources=st.lists(st.sampled_from(RESOURCES), min_size=1, max_size=2).map(tuple),
)
policies = st.lists(statements, min_size=1, max_size=5).map(lambda s: Policy(tuple(s)))


def _covers(s: Statement, action: str) -> bool:
    return decide(Policy((Statement("allow", s.actions, s.resources),)), action, "ap-guangzhou") is (
        Decision.ALLOW
    )


@given(policies, st.sampled_from(ACTIONS))
def test_a_matching_deny_always_wins(policy: Policy, action: str) -> None:
    verdict = decide(policy, action, "ap-guangzhou")
    deny_matches = any(s.effect == "deny" and _covers(s, action) for s in policy.statements)
    allow_matches = any(s.effect == "allow" and _covers(s, action) for s in policy.statements)
    if deny_matches:
        assert verdict is Decision.DENY
    elif allow_matches:
        assert verdict is Decision.ALLOW
    else:
        assert verdict is Decision.IMPLICIT_DENY


@given(policies, st.sampled_from(ACTIONS))
def test_adding_a_deny_for_the_action_denies_whatever_else_is_there(policy: Policy, action: str) -> None:
    denied = Policy((*policy.statements, Statement("deny", (action,), ("*",))))
    assert decide(denied, action) is Decision.DENY
    assert not is_allowed((denied,), action)
    reordered = Policy((Statement("deny", (action,), ("*",)), *policy.statements))
    assert decide(reordered, action) is Decision.DENY  # statement order does not matter


@given(st.sampled_from(ACTIONS))
def test_no_policy_or_no_matching_statement_is_denied(action: str) -> None:
    assert not is_allowed((), action)
    unrelated = Policy((Statement("allow", ("cvm:*",), ("*",)),))
    assert decide(unrelated, action) is Decision.IMPLICIT_DENY


@given(policies, policies, st.sampled_from(ACTIONS))
def test_a_second_policy_only_narrows(user: Policy, session: Policy, action: str) -> None:
    if is_allowed((user, session), action):
        assert is_allowed((user,), action) and is_allowed((session,), action)


def test_worked_examples() -> None:
    send_only = parse_policy(
        '{"version":"2.0","statement":[{"effect":"allow","action":["ses:SendEmail"],"resource":["*"]}]}'
    )
    assert decide(send_only, "ses:SendEmail") is Decision.ALLOW
    assert decide(send_only, "ses:SendEmailX") is Decision.IMPLICIT_DENY
    assert decide(send_only, "ses:ListEmailTemplates") is Decision.IMPLICIT_DENY
    read_only = parse_policy(
        {
            "version": "2.0",
            "statement": [
                {"effect": "allow", "action": ["name/ses:Get*", "ses:List*"], "resource": "*"},
                {"effect": "deny", "action": "ses:GetStatisticsReport", "resource": "*"},
            ],
        }
    )
    assert decide(read_only, "ses:GetEmailTemplate") is Decision.ALLOW
    assert decide(read_only, "ses:ListEmailIdentities") is Decision.ALLOW
    assert decide(read_only, "ses:GetStatisticsReport") is Decision.DENY
    assert decide(read_only, "ses:SendEmail") is Decision.IMPLICIT_DENY
    assert decide(read_only, "billing:DescribeBillList") is Decision.IMPLICIT_DENY
    assert decide(read_only, "ses:getEmailTemplate") is Decision.IMPLICIT_DENY  # case-sensitive
    regional = parse_policy(
        {
            "version": "2.0",
            "statement": [{"effect": "allow", "action": "ses:*", "resource": "qcs::ses:ap-hongkong::*"}],
        }
    )
    assert decide(regional, "ses:SendEmail", "ap-hongkong") is Decision.ALLOW
    assert decide(regional, "ses:SendEmail", "ap-guangzhou") is Decision.IMPLICIT_DENY
    assert decide(regional, "billing:DescribeBillList", "ap-hongkong") is Decision.IMPLICIT_DENY
    everything = parse_policy(
        {"version": "2.0", "statement": {"effect": "allow", "action": "*", "resource": "*"}}
    )
    assert decide(everything, "billing:DescribeAccountBalance") is Decision.ALLOW


@pytest.mark.parametrize(
    ("document", "says"),
    [
        ("not json", "not JSON"),
        ("[]", "JSON object"),
        ('{"statement":[]}', "version"),
        ('{"version":"1.0","statement":[]}', "version"),
        ('{"version":"2.0","statement":[]}', "non-empty list"),
        ('{"version":"2.0","statement":[{"effect":"Allow","action":"ses:*","resource":"*"}]}', "effect"),
        ('{"version":"2.0","statement":[{"effect":"allow","resource":"*"}]}', "action is required"),
        ('{"version":"2.0","statement":[{"effect":"allow","action":"ses:*"}]}', "resource is required"),
        (
            '{"version":"2.0","statement":[{"effect":"allow","action":"SendEmail","resource":"*"}]}',
            "<service>",
        ),
        ('{"version":"2.0","statement":[{"effect":"allow","action":[],"resource":"*"}]}', "non-empty"),
        (
            '{"version":"2.0","statement":[{"effect":"allow","action":"ses:*","resource":"ses"}]}',
            "six-segment",
        ),
        (
            '{"version":"2.0","statement":[{"effect":"allow","action":"ses:*","resource":"*",'
            '"condition":{"ip_equal":{"qcs:ip":"10.0.0.1"}}}]}',
            "not supported",
        ),
        ('{"version":"2.0","statement":[{"Effect":"allow","action":"ses:*","resource":"*"}]}', "lower case"),
        ('{"version":"2.0","statement":[],"x":1}', "unknown element"),
    ],
)
def test_bad_policies_are_refused_with_what_is_wrong(document: str, says: str) -> None:
    with pytest.raises(FailedOperation, match="invalid CAM policy") as err:
        parse_policy(document)
    assert says in err.value.message


@given(policies)
def test_a_policy_round_trips_through_its_json(policy: Policy) -> None:
    assert parse_policy(policy.to_json()) == policy
