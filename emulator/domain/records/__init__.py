"""What the database holds, as typed, read-only values: storage builds them from its rows, services and
front-ends read them. Each is a NamedTuple whose fields are one table's columns in table order, built
with `_make(row)` (no copy per column); a module's `TABLES` names the table of each, and
tests/storage/test_records.py holds every record to the schema, which is declared once, in
storage/schema/. Projections (a query's own columns) are NamedTuples too, beside the query's records."""

from emulator.domain.records.accounts import AccountRecord, DomainRecord, SenderRecord, TemplateRecord

__all__ = ["AccountRecord", "DomainRecord", "SenderRecord", "TemplateRecord"]
