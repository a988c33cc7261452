"""Queries for fault rules, the two blacklists, limit settings and the counts the limits need."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Connection,
    Integer,
    Row,
    String,
    bindparam,
    delete,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    union_all,
    update,
)

from emulator.storage.api_tables import (
    custom_blacklist,
    fault_rules,
    global_settings,
    platform_blacklist,
    unsubscribed,
)
from emulator.storage.raw import RawStatement
from emulator.storage.tables import dedicated_ips, message_recipients, messages, usage_daily
from emulator.storage.upsert import dialect_insert, insert_ignore

# --- fault rules ---------------------------------------------------------------------------------


def list_rules(conn: Connection, account_id: int) -> list[Row[Any]]:
    return list(
        conn.execute(
            select(fault_rules).where(fault_rules.c.account_id == account_id).order_by(fault_rules.c.id)
        ).all()
    )


def insert_rule(conn: Connection, account_id: int, pattern: str, outcome: str, created_us: int) -> Row[Any]:
    rid = conn.execute(
        insert(fault_rules).values(
            account_id=account_id, pattern=pattern, outcome=outcome, created_us=created_us
        )
    ).inserted_primary_key[0]  # type: ignore[index]
    row = conn.execute(select(fault_rules).where(fault_rules.c.id == rid)).one()
    return row


def delete_rules(conn: Connection, account_id: int, rule_id: int | None = None) -> int:
    stmt = delete(fault_rules).where(fault_rules.c.account_id == account_id)
    if rule_id is not None:
        stmt = stmt.where(fault_rules.c.id == rule_id)
    return conn.execute(stmt).rowcount or 0


# --- platform blacklist (hard bounces) -----------------------------------------------------------


def add_platform(conn: Connection, account_id: int, address: str, bounce_us: int, isp: str) -> None:
    insert_ignore(
        conn,
        platform_blacklist,
        {"account_id": account_id, "address": address.lower(), "bounce_us": bounce_us, "isp_desc": isp},
        ["account_id", "address"],
    )


def list_platform(
    conn: Connection,
    account_id: int,
    since_us: int,
    until_us: int,
    address: str | None,
    offset: int,
    limit: int,
) -> tuple[list[Row[Any]], int]:
    cond = [
        platform_blacklist.c.account_id == account_id,
        platform_blacklist.c.bounce_us >= since_us,
        platform_blacklist.c.bounce_us < until_us,
    ]
    if address:
        cond.append(platform_blacklist.c.address == address.strip().lower())
    total = conn.execute(select(func.count()).select_from(platform_blacklist).where(*cond)).scalar_one()
    rows = conn.execute(
        select(platform_blacklist).where(*cond).order_by(platform_blacklist.c.id).offset(offset).limit(limit)
    ).all()
    return list(rows), int(total)


def delete_platform(conn: Connection, account_id: int, addresses: list[str]) -> int:
    res = conn.execute(
        delete(platform_blacklist).where(
            platform_blacklist.c.account_id == account_id,
            platform_blacklist.c.address.in_([a.strip().lower() for a in addresses]),
        )
    )
    return res.rowcount or 0


def add_unsubscribed(conn: Connection, account_id: int, address: str, at_us: int) -> None:
    insert_ignore(
        conn,
        unsubscribed,
        {"account_id": account_id, "address": address.lower(), "at_us": at_us},
        ["account_id", "address"],
    )


def unsubscribed_of(conn: Connection, account_id: int, addresses: list[str]) -> list[str]:
    return list(
        conn.execute(
            select(unsubscribed.c.address).where(
                unsubscribed.c.account_id == account_id,
                unsubscribed.c.address.in_([a.lower() for a in addresses]),
            )
        ).scalars()
    )


@dataclass(frozen=True)
class SendPolicy:
    """What the sending transaction needs to know about an account's policies."""

    listed: bool  # any blacklist or unsubscribe entry at all (most accounts have none)
    rules: list[tuple[str, str]]  # fault rules as (pattern, outcome), in creation order
    ips: list[str]  # enabled dedicated IPs, in id order


_NO_TEXT = literal(None, String)
_SEND_POLICY = RawStatement(
    union_all(
        select(
            literal("ip", String).label("kind"),
            dedicated_ips.c.ip.label("a"),
            _NO_TEXT.label("b"),
            dedicated_ips.c.id.label("n"),
        ).where(dedicated_ips.c.account_id == bindparam("aid"), dedicated_ips.c.status == "enabled"),
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
    three: the committer's per-statement overhead costs more than these small reads themselves."""
    listed = False
    rules: list[tuple[str, str]] = []
    ips: list[str] = []
    for kind, a, b, _n in _SEND_POLICY.all(conn, {"aid": account_id}):
        if kind == "ip":
            ips.append(str(a))
        elif kind == "rule":
            rules.append((str(a), str(b)))
        else:
            listed = True
    return SendPolicy(listed, rules, ips)


def blocked(
    conn: Connection, account_id: int, addresses: list[str], today: str
) -> tuple[list[str], list[str]]:
    """(addresses on the platform list, addresses on the active custom list), lower-cased."""
    lowered = list({a.lower() for a in addresses})
    platform = conn.execute(
        select(platform_blacklist.c.address).where(
            platform_blacklist.c.account_id == account_id, platform_blacklist.c.address.in_(lowered)
        )
    ).scalars()
    custom = conn.execute(
        select(custom_blacklist.c.address).where(
            custom_blacklist.c.account_id == account_id,
            custom_blacklist.c.address.in_(lowered),
            or_(custom_blacklist.c.expire_date.is_(None), custom_blacklist.c.expire_date >= today),
        )
    ).scalars()
    return list(platform), list(custom)


# --- custom blacklist ----------------------------------------------------------------------------


def custom_addresses(conn: Connection, account_id: int) -> set[str]:
    return set(
        conn.execute(
            select(custom_blacklist.c.address).where(custom_blacklist.c.account_id == account_id)
        ).scalars()
    )


def insert_custom(conn: Connection, rows: list[dict[str, Any]]) -> None:
    if rows:
        conn.execute(insert(custom_blacklist), rows)


def list_custom(
    conn: Connection, account_id: int, status: int, today: str, email: str | None, offset: int, limit: int
) -> tuple[list[Row[Any]], int]:
    cond: list[Any] = [custom_blacklist.c.account_id == account_id]
    active = or_(custom_blacklist.c.expire_date.is_(None), custom_blacklist.c.expire_date >= today)
    if status == 1:
        cond.append(active)
    elif status == 0:
        cond.append(custom_blacklist.c.expire_date < today)
    if email:
        cond.append(custom_blacklist.c.address == email.strip().lower())
    total = conn.execute(select(func.count()).select_from(custom_blacklist).where(*cond)).scalar_one()
    rows = conn.execute(
        select(custom_blacklist).where(*cond).order_by(custom_blacklist.c.id).offset(offset).limit(limit)
    ).all()
    return list(rows), int(total)


def get_custom(conn: Connection, account_id: int, entry_id: int) -> Row[Any] | None:
    return conn.execute(
        select(custom_blacklist).where(
            custom_blacklist.c.account_id == account_id, custom_blacklist.c.id == entry_id
        )
    ).first()


def custom_by_address(conn: Connection, account_id: int, address: str) -> Row[Any] | None:
    return conn.execute(
        select(custom_blacklist).where(
            custom_blacklist.c.account_id == account_id, custom_blacklist.c.address == address.lower()
        )
    ).first()


def update_custom(conn: Connection, entry_id: int, **values: Any) -> None:
    conn.execute(update(custom_blacklist).where(custom_blacklist.c.id == entry_id).values(**values))


def delete_custom(conn: Connection, account_id: int, addresses: list[str]) -> int:
    res = conn.execute(
        delete(custom_blacklist).where(
            custom_blacklist.c.account_id == account_id,
            custom_blacklist.c.address.in_([a.strip().lower() for a in addresses]),
        )
    )
    return res.rowcount or 0


# --- settings ------------------------------------------------------------------------------------


def get_global(conn: Connection, key: str) -> dict[str, Any]:
    value = conn.execute(select(global_settings.c.value_json).where(global_settings.c.key == key)).scalar()
    return dict(json.loads(value)) if value else {}


def put_global(conn: Connection, key: str, value: dict[str, Any]) -> None:
    stmt = dialect_insert(conn, global_settings).values(key=key, value_json=json.dumps(value))
    stmt = stmt.on_conflict_do_update(index_elements=["key"], set_={"value_json": stmt.excluded.value_json})
    conn.execute(stmt)


# --- counts for the limits -----------------------------------------------------------------------


def recipient_counts(
    conn: Connection, account_id: int, addresses: list[str], since_us: int
) -> dict[str, int]:
    """Mail per recipient (lower-cased) stored since `since_us` (account time)."""
    lowered = list({a.lower() for a in addresses})
    rows = conn.execute(
        select(func.lower(message_recipients.c.address), func.count())
        .where(
            message_recipients.c.account_id == account_id,
            func.lower(message_recipients.c.address).in_(lowered),
            message_recipients.c.request_us > since_us,
        )
        .group_by(func.lower(message_recipients.c.address))
    ).all()
    return {r[0]: int(r[1]) for r in rows}


def domain_day_count(conn: Connection, account_id: int, domain: str, day: str) -> int:
    """Recipients of mail sent from `domain` on that UTC+8 day."""
    return int(
        conn.execute(
            select(func.count())
            .select_from(message_recipients.join(messages, messages.c.id == message_recipients.c.message_pk))
            .where(
                message_recipients.c.account_id == account_id,
                message_recipients.c.request_day == day,
                func.lower(messages.c.mail_from).like(f"%@{domain.lower()}"),
            )
        ).scalar_one()
    )


def day_total(conn: Connection, account_id: int, day: str) -> int:
    row = conn.execute(
        select(usage_daily.c.free_units + usage_daily.c.paid_units).where(
            usage_daily.c.account_id == account_id, usage_daily.c.day == day
        )
    ).scalar()
    return int(row or 0)


def smtp_messages_since(conn: Connection, account_id: int, since_wall_us: int) -> int:
    return int(
        conn.execute(
            select(func.count())
            .select_from(messages)
            .where(
                messages.c.account_id == account_id,
                messages.c.real_time_us > since_wall_us,
                messages.c.source == "smtp",
            )
        ).scalar_one()
    )
