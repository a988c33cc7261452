"""What the sending transaction reads about an account's policies, in one statement."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    Connection,
    Integer,
    String,
    bindparam,
    exists,
    func,
    literal,
    or_,
    select,
    union_all,
)

from emulator.storage.api_tables import (
    custom_blacklist,
    fault_rules,
    platform_blacklist,
    unsubscribed,
)
from emulator.storage.raw import RawStatement
from emulator.storage.tables import dedicated_ips


@dataclass(frozen=True)
class SendPolicy:
    """What the sending transaction needs to know about an account's policies."""

    listed: bool  # any blacklist or unsubscribe entry at all (most accounts have none)
    rules: list[tuple[str, str]]  # fault rules as (pattern, outcome), in creation order
    ips: list[str]  # enabled dedicated IPs, in id order
    next_ready_us: int | None = None  # the earliest ready time of a pending (applied) IP


_NO_TEXT = literal(None, String)
_SEND_POLICY = RawStatement(
    union_all(
        select(
            literal("ip", String).label("kind"),
            dedicated_ips.c.ip.label("a"),
            _NO_TEXT.label("b"),
            dedicated_ips.c.id.label("n"),
        ).where(dedicated_ips.c.account_id == bindparam("aid"), dedicated_ips.c.status == "enabled"),
        select(literal("pending", String), _NO_TEXT, _NO_TEXT, func.min(dedicated_ips.c.ready_us)).where(
            dedicated_ips.c.account_id == bindparam("aid"), dedicated_ips.c.status == "pending"
        ),
        select(literal("rule", String), fault_rules.c.pattern, fault_rules.c.outcome, fault_rules.c.id).where(
            fault_rules.c.account_id == bindparam("aid")
        ),
        select(literal("listed", String), _NO_TEXT, _NO_TEXT, literal(0, Integer)).where(
            or_(
                *(
                    exists().where(t.c.account_id == bindparam("aid"))
                    for t in (platform_blacklist, custom_blacklist, unsubscribed)
                )
            )
        ),
    ).order_by("kind", "n")
)


def send_policy(conn: Connection, account_id: int) -> SendPolicy:
    """Read once per send batch and account (txn_scratch.send_policy), in one statement instead of
    four: the committer's per-statement overhead costs more than these small reads themselves."""
    listed = False
    rules: list[tuple[str, str]] = []
    ips: list[str] = []
    next_ready: int | None = None
    for kind, a, b, n in _SEND_POLICY.all(conn, {"aid": account_id}):
        if kind == "ip":
            ips.append(str(a))
        elif kind == "pending":
            next_ready = None if n is None else int(n)
        elif kind == "rule":
            rules.append((str(a), str(b)))
        else:
            listed = True
    return SendPolicy(listed, rules, ips, next_ready)
