"""Aggregates over stored mail for GetStatisticsReport and GetAbuseReport, and the address-level
unsubscribe settings."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Integer, case, cast, delete, func, insert, select, update

from emulator.domain.records.events import Complaint, DailyVolume, UnsubscribeConfigRecord
from emulator.storage import mail_codec
from emulator.storage.api_tables import unsubscribe_configs
from emulator.storage.tables import message_recipients as mr
from emulator.storage.tables import messages as m


def _flag(cond: Any) -> Any:
    return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)


def daily_volumes(
    conn: Connection, account_id: int, first: str, last: str, domain: str | None, mailbox: str | None
) -> list[DailyVolume]:
    q = (
        select(
            mr.c.request_day,
            func.count().label("requests"),
            _flag(mr.c.send_status == 0).label("accepted"),
            _flag(mr.c.deliver_status == 1).label("delivered"),
            _flag(cast(mr.c.opened, Integer) == 1).label("opened"),
            _flag(cast(mr.c.clicked, Integer) == 1).label("clicked"),
            _flag(mr.c.deliver_status == 3).label("bounced"),
            _flag(cast(mr.c.unsubscribed, Integer) == 1).label("unsubscribed"),
        )
        .select_from(mr.join(m, m.c.id == mr.c.message_pk))
        .where(mr.c.account_id == account_id, mr.c.request_day >= first, mr.c.request_day <= last)
        .group_by(mr.c.request_day)
    )
    if domain:
        q = q.where(func.lower(m.c.mail_from).like(f"%@{domain.strip().lower()}"))
    if mailbox:
        q = q.where(func.lower(mr.c.address).like(f"%@{mailbox.strip().lower()}"))
    return [DailyVolume._make(r) for r in conn.execute(q)]


def complaints(
    conn: Connection,
    account_id: int,
    first: str,
    last: str,
    filters: dict[str, str | None],
    offset: int,
    limit: int,
) -> tuple[list[Complaint], int]:
    cond: list[Any] = [
        mr.c.account_id == account_id,
        cast(mr.c.complained, Integer) == 1,
        mr.c.request_day >= first,
        mr.c.request_day <= last,
    ]
    if filters.get("from_domain"):
        cond.append(func.lower(m.c.mail_from).like(f"%@{str(filters['from_domain']).lower()}"))
    if filters.get("from_address"):
        cond.append(func.lower(m.c.mail_from) == str(filters["from_address"]).lower())
    if filters.get("mta"):
        cond.append(func.lower(mr.c.address).like(f"%@{str(filters['mta']).lower()}"))
    if filters.get("to_address"):
        cond.append(func.lower(mr.c.address) == str(filters["to_address"]).lower())
    if filters.get("template_id"):
        try:
            cond.append(m.c.template_id == int(str(filters["template_id"])))
        except ValueError:
            return [], 0
    base = mr.join(m, m.c.id == mr.c.message_pk)
    total = conn.execute(select(func.count()).select_from(base).where(*cond)).scalar_one()
    rows = conn.execute(
        select(
            mr.c.address,
            mr.c.request_us,
            mr.c.deliver_us,
            m.c.mail_from,
            m.c.sending_ip,
            m.c.template_id,
            m.c.message_id,
            m.c.subject,
            m.c.source,
            m.c.raw,
            m.c.size,  # to unpack raw (storage.mail_codec); not a field of the record
        )
        .select_from(base)
        .where(*cond)
        .order_by(mr.c.id)
        .offset(offset)
        .limit(limit)
    )
    return [Complaint._make((*r[:-2], mail_codec.unpack(r.raw, r.size))) for r in rows], int(total)


# --- address-level unsubscribe settings ----------------------------------------------------------


def get_unsubscribe(conn: Connection, account_id: int, address: str) -> UnsubscribeConfigRecord | None:
    row = conn.execute(
        select(unsubscribe_configs).where(
            unsubscribe_configs.c.account_id == account_id,
            func.lower(unsubscribe_configs.c.address) == address.lower(),
        )
    ).first()
    return None if row is None else UnsubscribeConfigRecord._make(row)


def insert_unsubscribe(conn: Connection, **values: Any) -> None:
    conn.execute(insert(unsubscribe_configs).values(**values))


def update_unsubscribe(conn: Connection, row_id: int, **values: Any) -> None:
    conn.execute(update(unsubscribe_configs).where(unsubscribe_configs.c.id == row_id).values(**values))


def delete_unsubscribe(conn: Connection, row_id: int) -> None:
    conn.execute(delete(unsubscribe_configs).where(unsubscribe_configs.c.id == row_id))


def list_unsubscribe(
    conn: Connection, account_id: int, offset: int, limit: int
) -> tuple[list[UnsubscribeConfigRecord], int]:
    cond = unsubscribe_configs.c.account_id == account_id
    total = conn.execute(select(func.count()).select_from(unsubscribe_configs).where(cond)).scalar_one()
    rows = conn.execute(
        select(unsubscribe_configs).where(cond).order_by(unsubscribe_configs.c.id).offset(offset).limit(limit)
    )
    return [UnsubscribeConfigRecord._make(r) for r in rows], int(total)
