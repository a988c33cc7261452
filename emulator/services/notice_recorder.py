"""Recording account notices (docs/notices.md) inside the transaction of the billing change that causes
them: services.settlement calls this for the scheduler, the send committer and top-ups, with the account
row locked. A notice is the `notices` row, the mailbox message (source "notice": no recipient rows, so it
is never metered, billed, or counted in usage, statistics or limits) and, when the account has a
callback URL, an event on the callback queue that services.callbacks delivers with its retries. One
transaction for the cause and its notice is what makes a notice exactly-once: two schedulers sharing
PostgreSQL, a restart, a retried send batch commit both or neither.

The balance changes only on top-ups and bill payments, so the low-balance check runs there (and when
the threshold is changed), never per message."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from emulator.domain import mime_read
from emulator.domain import notices as rules
from emulator.domain.records.billing import BillRecord
from emulator.storage import accounts_repo, billing_repo, callbacks_repo, mail_repo, notices_repo
from emulator.storage.db import Tx

if TYPE_CHECKING:
    from emulator.domain.clock import ClockSource

UNSET: Any = object()  # "not given" (a None address means the default)


class NoticeRecorder:
    """Writes notices inside the caller's transaction; the account row is locked by the caller."""

    def __init__(self, clock: ClockSource) -> None:
        self.clock = clock

    def deduction_failed(self, conn: Tx, account_id: int, bill: BillRecord, at_us: int) -> None:
        facts = rules.BillFacts(
            bill.id, bill.kind, bill.period, bill.units, bill.unit_price_micro, bill.amount_micro
        )
        self._record(conn, account_id, rules.DEDUCTION_FAILED, at_us, bill=facts)

    def suspended(self, conn: Tx, account_id: int, at_us: int) -> None:
        self._record(conn, account_id, rules.SUSPENDED, at_us)

    def resumed(self, conn: Tx, account_id: int, at_us: int) -> None:
        self._record(conn, account_id, rules.RESUMED, at_us)

    def balance_changed(self, conn: Tx, account_id: int, balance_micro: int, at_us: int) -> None:
        """The low-balance rule, after a top-up or a bill payment (or a threshold change): one read of
        the settings, and a warning only when the balance has just gone below the threshold."""
        setting = notices_repo.settings_of(conn, account_id)
        if setting is None:
            return  # never configured: the warning is off
        below, warn = rules.low_balance_crossing(
            setting.low_balance_below, balance_micro, setting.low_balance_threshold_micro
        )
        if below != setting.low_balance_below:
            notices_repo.set_below(conn, account_id, below)
        if warn:
            self._record(
                conn,
                account_id,
                rules.LOW_BALANCE,
                at_us,
                threshold=setting.low_balance_threshold_micro,
                setting_address=setting.address,
            )

    def _record(
        self,
        conn: Tx,
        account_id: int,
        kind: str,
        at_us: int,
        *,
        bill: rules.BillFacts | None = None,
        threshold: int | None = None,
        setting_address: str | None | Any = UNSET,
    ) -> None:
        acct = accounts_repo.account_by_id(conn, account_id)
        if acct is None:
            return
        if setting_address is UNSET:
            setting = notices_repo.settings_of(conn, account_id)
            setting_address = setting.address if setting is not None else None
        address = setting_address or rules.default_address(notices_repo.first_sender(conn, account_id))
        unpaid = billing_repo.unpaid_oldest_first(conn, account_id)
        facts = rules.NoticeFacts(
            kind=kind,
            account_name=acct.name,
            app_id=acct.app_id,
            at_us=at_us,
            balance_micro=billing_repo.balance(conn, account_id),
            unpaid_micro=sum(b.amount_micro for b in unpaid),
            unpaid_bills=len(unpaid),
            bill=bill,
            threshold_micro=threshold,
        )
        mail = rules.render(facts, address, rules.new_notice_id(acct.app_id, at_us))
        wall = self.clock.wall_us()
        subject, header_from, header_to = mime_read.summarize_headers(mail.raw)
        mail_repo.insert_messages(
            conn,
            [
                {
                    "account_id": account_id,
                    "message_id": mail.message_id,
                    "source": rules.SOURCE,
                    "mail_from": rules.SENDER,
                    "recipients_json": json.dumps([address]),
                    "header_from": header_from,
                    "header_to": header_to,
                    "subject": subject,
                    "search_text": mime_read.search_text_of(subject, mail.text, None),
                    "size": len(mail.raw),
                    "raw": mail.raw,
                    "sending_ip": "",
                    "template_id": None,
                    "account_time_us": at_us,
                    "real_time_us": wall,
                    "free_units": 0,
                    "paid_units": 0,
                }
            ],
        )
        notice_id = notices_repo.insert_notice(
            conn,
            account_id=account_id,
            kind=kind,
            address=address,
            subject=mail.subject,
            message_id=mail.message_id,
            bill_id=None if bill is None else bill.id,
            balance_micro=facts.balance_micro,
            unpaid_micro=facts.unpaid_micro,
            threshold_micro=threshold,
            callback_event_id=None,
            account_time_us=at_us,
            real_time_us=wall,
        )
        url = callbacks_repo.urls_of(conn, account_id).get("")  # the account-level URL
        if url is None:
            return
        body = rules.webhook_payload(
            facts, notice_id=notice_id, address=address, message_id=mail.message_id, subject=mail.subject
        )
        event_id = notices_repo.insert_event(
            conn,
            account_id=account_id,
            stream=f"notice|{account_id}",  # an account's notices are delivered in order
            url=url,
            event=rules.WEBHOOK_EVENT,
            payload_json=json.dumps(body, ensure_ascii=False),
            status="pending",
            attempts=0,
            next_wall_us=wall,
            created_wall_us=wall,
        )
        notices_repo.link_event(conn, notice_id, event_id)
