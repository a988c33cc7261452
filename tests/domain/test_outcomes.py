"""Delivery outcomes (behaviour §10): fault rules by recipient pattern, the GetSendEmailStatus columns
each outcome stores, and the callback events derived back from those columns (the table in the
module docstring)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from emulator.domain.outcomes import (
    DEFERRED_REPLY,
    DROPPED_REASON,
    EVENT_IDS,
    HARD_BOUNCE_REPLY,
    OUTCOMES,
    REJECTED_REPLY,
    SOFT_BOUNCE_REPLY,
    Event,
    columns_for,
    events_of,
    first_outcome,
    matches,
    payload,
    validate_pattern,
)

AT = 1_900_000_000_000_000

# outcome -> (SendStatus, DeliverStatus, events), copied from the module docstring's table
TABLE: dict[str, tuple[int, int, list[Event]]] = {
    "delivered": (0, 1, [Event("delivered")]),
    "hard_bounce": (0, 3, [Event("bounce", HARD_BOUNCE_REPLY, "hard_bounce")]),
    "soft_bounce": (0, 3, [Event("bounce", SOFT_BOUNCE_REPLY, "soft_bounce")]),
    "dropped": (0, 2, [Event("dropped", DROPPED_REASON)]),
    "deferred": (0, 8, [Event("deferred", DEFERRED_REPLY)]),
    "rejected": (1008, 3, [Event("dropped", REJECTED_REPLY)]),
    "open": (0, 1, [Event("delivered"), Event("open")]),
    "click": (0, 1, [Event("delivered"), Event("open"), Event("click")]),
    "unsubscribe": (0, 1, [Event("delivered"), Event("open"), Event("unsubscribe")]),
    "spam_complaint": (0, 1, [Event("delivered"), Event("spamreport")]),
}


def events_from_columns(cols: dict[str, Any]) -> list[Event]:
    flags = {k: cols[k] for k in ("opened", "clicked", "unsubscribed", "complained")}
    return events_of(cols["send_status"], cols["deliver_status"], cols["deliver_message"], flags)


def test_the_table_covers_every_outcome() -> None:
    assert set(TABLE) == {"delivered", *OUTCOMES}


@pytest.mark.parametrize("outcome", list(TABLE))
def test_columns_and_the_events_they_stand_for(outcome: str) -> None:
    send_status, deliver_status, events = TABLE[outcome]
    cols = columns_for(outcome, AT)
    assert (cols["send_status"], cols["deliver_status"]) == (send_status, deliver_status)
    assert events_from_columns(cols) == events
    # always the full column set (one executemany takes its columns from the first row)
    assert set(cols) == set(columns_for("delivered", AT))
    assert cols["deliver_us"] == (None if outcome == "deferred" else AT)


def test_unknown_outcome_is_refused() -> None:
    with pytest.raises(ValueError):
        columns_for("vanished", AT)


def test_a_bounce_is_hard_for_5xx_and_soft_for_4xx() -> None:
    assert events_of(0, 3, "550 no such user", {}) == [Event("bounce", "550 no such user", "hard_bounce")]
    assert events_of(0, 3, "421 later", {}) == [Event("bounce", "421 later", "soft_bounce")]
    assert events_of(0, 0, "", {}) == []  # still being sent: no event yet


def test_patterns_are_case_insensitive_globs_on_the_whole_address() -> None:
    assert matches("*@bounce.example.com", "Someone@Bounce.Example.COM")
    assert not matches("*@bounce.example.com", "someone@bounce.example.com.evil")
    assert matches("user?@x.cn", "user7@x.cn") and not matches("user?@x.cn", "user77@x.cn")
    assert matches("[ab]*@x.cn", "bob@x.cn") and not matches("[ab]*@x.cn", "carl@x.cn")


def test_first_matching_rule_in_creation_order_wins() -> None:
    rules = [("vip@x.cn", "open"), ("*@x.cn", "hard_bounce"), ("*", "dropped")]
    assert first_outcome(rules, "vip@x.cn") == "open"
    assert first_outcome(rules, "any@x.cn") == "hard_bounce"
    assert first_outcome(rules, "a@y.cn") == "dropped"
    assert first_outcome([], "a@y.cn") is None


@pytest.mark.parametrize("bad", ["", "   ", "a b@x.cn", "x" * 321, "tab\there"])
def test_validate_pattern_refuses(bad: str) -> None:
    with pytest.raises(ValueError):
        validate_pattern(bad)


def test_validate_pattern_strips() -> None:
    assert validate_pattern("  *@x.cn ") == "*@x.cn"
    assert validate_pattern("x" * 320) == "x" * 320


def base_payload(ev: Event, **kw: Any) -> dict[str, Any]:
    return payload(
        ev,
        email="to@example.com",
        bulk_id="qcloudses-30-1300000001-date-20310106000005-abcdefghijklm",
        timestamp=1_925_000_000,
        app_id="1300000001",
        mail_from="noreply@mail.example.com",
        template_id=None,
        subject="Hi",
        message_id_header="<m@qcloudmail.com>",
        **kw,
    )


def test_payload_fields_per_event() -> None:
    delivered = base_payload(Event("delivered"))
    assert delivered["eventid"] == 1 and delivered["fromDomain"] == "mail.example.com"
    assert delivered["templateId"] == 0 and delivered["sentTimestamp"] == delivered["timestamp"]
    assert not {"bounceType", "useragent", "link", "taskId"} & set(delivered)
    bounce = base_payload(Event("bounce", HARD_BOUNCE_REPLY, "hard_bounce"), task_id=9)
    assert (bounce["eventid"], bounce["bounceType"], bounce["reason"], bounce["taskId"]) == (
        3,
        "hard_bounce",
        HARD_BOUNCE_REPLY,
        9,
    )
    click = base_payload(Event("click"), link="https://example.com/x")
    assert click["eventid"] == 5 and click["link"] == "https://example.com/x" and "useragent" in click
    assert "link" not in base_payload(Event("open")) and "useragent" in base_payload(Event("open"))


def test_event_ids_are_tencents() -> None:
    assert EVENT_IDS == {
        "delivered": 1,
        "dropped": 2,
        "bounce": 3,
        "open": 4,
        "click": 5,
        "spamreport": 6,
        "unsubscribe": 7,
        "deferred": 8,
    }


@given(st.sampled_from(list(TABLE)), st.integers(0, 2**62))
def test_status_and_events_never_disagree(outcome: str, at: int) -> None:
    events = events_from_columns(columns_for(outcome, at))
    assert events == TABLE[outcome][2]
    assert all(e.event in EVENT_IDS for e in events)
