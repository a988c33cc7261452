"""Sender domains and sender addresses, with Tencent's refusals. Domains verify at once."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from emulator.domain import accounts as rules
from emulator.domain.addresses import domain_of, is_valid_email
from emulator.domain.records import DomainRecord, SenderRecord
from emulator.errors import (
    InvalidParameterValue,
    InvalidParameterValueIllegalEmailAddress,
    InvalidParameterValueIllegalSenderName,
    InvalidParameterValueInvalidEmailIdentity,
    InvalidParameterValueInvalidSmtpPassWord,
    InvalidParameterValueNoSuchSender,
    InvalidParameterValueNotExistDomain,
    InvalidParameterValueRepeatCreation,
    InvalidParameterValueRepeatEmailAddress,
    OperationDeniedDomainNotVerified,
    OperationDeniedExceedDomainLimit,
    OperationDeniedExceedSenderLimit,
    OperationDeniedRepeatPassWord,
    OperationDeniedSenderWithDomainIsNotEmpty,
)
from emulator.storage import accounts_repo

if TYPE_CHECKING:
    from emulator.domain.clock import ClockSource
    from emulator.storage.db import Database

_DOMAIN = re.compile(r"^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
MAX_DOMAINS = 20
MAX_SENDERS_PER_DOMAIN = 10


@dataclass(frozen=True)
class DnsRecord:
    type: str
    send_domain: str
    expected_value: str
    current_value: str
    status: bool


def dns_records(domain: str) -> list[DnsRecord]:
    """The records Tencent asks for; in the emulator they always 'resolve'."""
    dkim = "k=rsa;p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC" + "E" * 40 + "IDAQAB"
    recs = [
        ("MX", domain, "mxbiz1.qq.com"),
        ("TXT", domain, "v=spf1 include:qcloudmail.com ~all"),
        ("TXT", f"mail._domainkey.{domain}", dkim),
        ("TXT", f"_dmarc.{domain}", "v=DMARC1; p=none"),
    ]
    return [DnsRecord(t, d, v, v, True) for t, d, v in recs]


class IdentityService:
    def __init__(self, db: Database, clock: ClockSource) -> None:
        self.db = db
        self.clock = clock

    # --- domains ---------------------------------------------------------------------------------
    def create_domain(
        self, account_id: int, domain: str, dkim_option: int = 0, tags: list[Any] | None = None
    ) -> DomainRecord:
        domain = (domain or "").strip().lower()
        if not _DOMAIN.match(domain):
            raise InvalidParameterValueInvalidEmailIdentity(f"{domain!r} is not a valid domain")
        if dkim_option not in (0, 1, 2):
            raise InvalidParameterValue("DKIMOption must be 0 or 1")
        with self.db.write() as conn:
            if accounts_repo.get_domain(conn, account_id, domain):
                raise InvalidParameterValueRepeatCreation(f"domain {domain} already exists")
            if len(accounts_repo.list_domains(conn, account_id)) >= MAX_DOMAINS:
                raise OperationDeniedExceedDomainLimit(f"at most {MAX_DOMAINS} sender domains")
            accounts_repo.insert_domain(
                conn,
                account_id=account_id,
                domain=domain,
                verified=True,
                dkim_option=dkim_option,
                tags_json=json.dumps(tags or []),
                created_us=self.clock.wall_us(),
            )
            row = accounts_repo.get_domain(conn, account_id, domain)
        assert row is not None
        return row

    def get_domain(self, account_id: int, domain: str) -> DomainRecord:
        with self.db.read() as conn:
            row = accounts_repo.get_domain(conn, account_id, (domain or "").strip().lower())
        if row is None:
            raise InvalidParameterValueNotExistDomain(f"domain {domain!r} does not exist")
        return row

    def list_domains(self, account_id: int) -> list[DomainRecord]:
        with self.db.read() as conn:
            return accounts_repo.list_domains(conn, account_id)

    def delete_domain(self, account_id: int, domain: str) -> None:
        domain = (domain or "").strip().lower()
        with self.db.write() as conn:
            if accounts_repo.get_domain(conn, account_id, domain) is None:
                raise InvalidParameterValueNotExistDomain(f"domain {domain!r} does not exist")
            if accounts_repo.count_senders_in_domain(conn, account_id, domain):
                raise OperationDeniedSenderWithDomainIsNotEmpty(
                    f"domain {domain} still has sender addresses; delete them first",
                )
            accounts_repo.delete_domain(conn, account_id, domain)

    # --- sender addresses ------------------------------------------------------------------------
    def create_sender(self, account_id: int, address: str, sender_name: str | None = None) -> None:
        address = (address or "").strip()
        if not is_valid_email(address):
            raise InvalidParameterValueIllegalEmailAddress(f"{address!r} is not a valid address")
        if sender_name is not None and (len(sender_name) > 255 or any(c in sender_name for c in '\r\n<>:"')):
            raise InvalidParameterValueIllegalSenderName("illegal sender name")
        domain = domain_of(address)
        with self.db.write() as conn:
            drow = accounts_repo.get_domain(conn, account_id, domain)
            if drow is None or not drow.verified:
                raise OperationDeniedDomainNotVerified(f"domain {domain} is not a verified sender domain")
            if accounts_repo.get_sender(conn, account_id, address):
                raise InvalidParameterValueRepeatEmailAddress(f"{address} already exists")
            if accounts_repo.count_senders_in_domain(conn, account_id, domain) >= MAX_SENDERS_PER_DOMAIN:
                raise OperationDeniedExceedSenderLimit(
                    f"at most {MAX_SENDERS_PER_DOMAIN} senders per domain",
                )
            accounts_repo.insert_sender(
                conn,
                account_id=account_id,
                address=address,
                sender_name=sender_name or None,
                smtp_password_hash=None,
                created_us=self.clock.wall_us(),
            )

    def list_senders(self, account_id: int) -> list[SenderRecord]:
        with self.db.read() as conn:
            return accounts_repo.list_senders(conn, account_id)

    def get_sender(self, account_id: int, address: str) -> SenderRecord | None:
        with self.db.read() as conn:
            return accounts_repo.get_sender(conn, account_id, address)

    def delete_sender(self, account_id: int, address: str) -> None:
        with self.db.write() as conn:
            if not accounts_repo.delete_sender(conn, account_id, (address or "").strip()):
                raise InvalidParameterValueNoSuchSender(f"no sender address {address!r}")

    def set_smtp_password(self, account_id: int, address: str, password: str) -> None:
        if not isinstance(password, str) or len(password) > 64:
            raise InvalidParameterValueInvalidSmtpPassWord("Password must be at most 64 characters")
        rules.validate_smtp_password(password)
        with self.db.write() as conn:
            row = accounts_repo.get_sender(conn, account_id, (address or "").strip())
            if row is None:
                raise InvalidParameterValueNoSuchSender(f"no sender address {address!r}")
            if rules.check_password(password, row.smtp_password_hash):
                raise OperationDeniedRepeatPassWord("the new password equals the current one")
            accounts_repo.update_sender(conn, row.id, smtp_password_hash=rules.hash_password(password))
