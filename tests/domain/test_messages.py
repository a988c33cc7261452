"""The captured-mail record (behaviour §7): Tencent-shaped MessageIds stamped in UTC+8, and the sending
IP — one of the account's enabled dedicated IPs, else the shared pool — stable per message."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from emulator.domain.clock import from_datetime
from emulator.domain.messages import SHARED_POOL, OutgoingMessage, new_message_id, pick_ip

ID = re.compile(r"qcloudses-30-(?P<app>\d+)-date-(?P<stamp>\d{14})-(?P<tail>[A-Za-z0-9]{13})")


def test_message_id_is_stamped_in_beijing_time() -> None:
    # 16:00:05 UTC on 5 Jan 2031 = 00:00:05 on 6 Jan in UTC+8
    us = from_datetime(datetime(2031, 1, 5, 16, 0, 5, 999_999, tzinfo=UTC))
    m = ID.fullmatch(new_message_id("1300000001", us))
    assert m is not None
    assert (m["app"], m["stamp"]) == ("1300000001", "20310106000005")


def test_message_ids_differ_within_one_second() -> None:
    us = from_datetime(datetime(2031, 1, 5, tzinfo=UTC))
    ids = {new_message_id("1300000001", us) for _ in range(5_000)}
    assert len(ids) == 5_000


def test_the_shared_pool_is_16_test_net_2_addresses() -> None:
    assert SHARED_POOL[0] == "198.51.100.10" and SHARED_POOL[-1] == "198.51.100.25"
    assert len(set(SHARED_POOL)) == 16


def test_without_dedicated_ips_mail_goes_through_the_shared_pool() -> None:
    ids = [f"qcloudses-30-1-date-20310101000000-{n:013d}" for n in range(400)]
    used = Counter(pick_ip([], i) for i in ids)
    assert set(used) == set(SHARED_POOL)  # every pool address is used


def test_with_dedicated_ips_only_those_are_used_and_all_of_them() -> None:
    mine = ["203.0.113.1", "203.0.113.2", "203.0.113.3"]
    used = Counter(pick_ip(mine, f"m{n}") for n in range(300))
    assert set(used) == set(mine)
    assert pick_ip(["203.0.113.9"], "anything") == "203.0.113.9"


@given(st.text(min_size=1, max_size=60), st.lists(st.ip_addresses(v=4).map(str), max_size=5, unique=True))
def test_pick_ip_is_stable_and_from_the_right_pool(message_id: str, dedicated: list[str]) -> None:
    ip = pick_ip(dedicated, message_id)
    assert ip == pick_ip(list(dedicated), message_id)
    assert ip in (dedicated or SHARED_POOL)


def test_outgoing_message_defaults() -> None:
    m = OutgoingMessage(source="smtp", mail_from="a@b.cn", recipients=["c@d.cn"], raw=b"x")
    assert (m.subject, m.template_id, m.message_id, m.extra) == ("", None, None, {})
    assert OutgoingMessage("api", "a@b.cn", [], b"").extra is not m.extra  # not shared between messages
