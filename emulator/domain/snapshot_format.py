"""The account snapshot file: one zip holding `snapshot.json` (every row the account owns, table by
table) and each stored message as `mail/<n>.eml`, byte for byte.

The file is deterministic: entries in name order, fixed timestamps and permissions, JSON with sorted
keys and row ids renumbered 1..n per table in the exporter's order. So exporting an account, importing
the file anywhere and exporting it again gives the same bytes, and two snapshots can be diffed.

Rows are lists in the order of `columns`; `account_id` columns are left out (they are the account),
and a column holding bytes names its blob instead (`"blob:mail/1.eml"`)."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, field
from typing import Any, BinaryIO

FORMAT = "ses-emulator-account-snapshot"
VERSION = 1
MANIFEST = "snapshot.json"
BLOB_PREFIX = "blob:"
_EPOCH = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can carry


@dataclass(frozen=True)
class TableRows:
    columns: list[str]
    rows: list[list[Any]]


@dataclass(frozen=True)
class Snapshot:
    """What one account holds. `schema` is the Alembic revision of the exporting server."""

    schema: str
    emulator: str
    account: dict[str, Any]
    tables: dict[str, TableRows]
    blobs: dict[str, bytes] = field(default_factory=dict)
    ips: list[dict[str, Any]] = field(default_factory=list)  # dedicated IP addresses it holds

    @property
    def name(self) -> str:
        return str(self.account.get("name", ""))

    def mail_count(self) -> int:
        return len(self.tables["messages"].rows) if "messages" in self.tables else 0


class SnapshotError(ValueError):
    """The file is not a snapshot this emulator can read; the message says why."""


def write(snap: Snapshot, out: BinaryIO) -> None:
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "schema": snap.schema,
        "emulator": snap.emulator,
        "account": snap.account,
        "ips": snap.ips,
        "tables": {name: {"columns": t.columns, "rows": t.rows} for name, t in snap.tables.items()},
    }
    body = json.dumps(manifest, sort_keys=True, ensure_ascii=False, indent=1).encode() + b"\n"
    entries = {MANIFEST: body, **snap.blobs}
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3  # unix, whatever the exporter runs on
            zf.writestr(info, entries[name])


def to_bytes(snap: Snapshot) -> bytes:
    buf = io.BytesIO()
    write(snap, buf)
    return buf.getvalue()


def read(data: bytes | BinaryIO) -> Snapshot:
    src = io.BytesIO(data) if isinstance(data, bytes) else data
    try:
        zf = zipfile.ZipFile(src)
    except zipfile.BadZipFile:
        raise SnapshotError("not a snapshot: the body is not a zip file") from None
    with zf:
        names = set(zf.namelist())
        if MANIFEST not in names:
            raise SnapshotError(f"not a snapshot: the zip has no {MANIFEST}")
        try:
            manifest = json.loads(zf.read(MANIFEST))
        except ValueError as exc:
            raise SnapshotError(f"{MANIFEST} is not valid JSON: {exc}") from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise SnapshotError(f"not a snapshot: {MANIFEST} does not say format {FORMAT!r}")
        if manifest.get("version") != VERSION:
            raise SnapshotError(
                f"snapshot format version {manifest.get('version')!r}; this emulator reads version {VERSION}"
            )
        tables = _tables(manifest.get("tables"))
        wanted = {
            v[len(BLOB_PREFIX) :]
            for t in tables.values()
            for row in t.rows
            for v in row
            if isinstance(v, str) and v.startswith(BLOB_PREFIX)
        }
        missing = wanted - names
        if missing:
            raise SnapshotError(f"the snapshot lacks {len(missing)} file(s), e.g. {sorted(missing)[0]}")
        blobs = {n: zf.read(n) for n in sorted(wanted)}
    account = manifest.get("account")
    if not isinstance(account, dict) or not isinstance(account.get("name"), str):
        raise SnapshotError("the snapshot has no account object with a name")
    ips = manifest.get("ips", [])
    if not isinstance(ips, list) or not all(isinstance(i, dict) for i in ips):
        raise SnapshotError("ips must be a list of objects")
    return Snapshot(
        schema=str(manifest.get("schema", "")),
        emulator=str(manifest.get("emulator", "")),
        account=account,
        tables=tables,
        blobs=blobs,
        ips=ips,
    )


def _tables(raw: Any) -> dict[str, TableRows]:
    if not isinstance(raw, dict):
        raise SnapshotError("tables must be an object of table name -> {columns, rows}")
    out = {}
    for name, t in raw.items():
        if (
            not isinstance(t, dict)
            or not isinstance(t.get("columns"), list)
            or not isinstance(t.get("rows"), list)
        ):
            raise SnapshotError(f"table {name!r} must have a columns list and a rows list")
        cols = t["columns"]
        for row in t["rows"]:
            if not isinstance(row, list) or len(row) != len(cols):
                raise SnapshotError(f"table {name!r}: every row must be a list of {len(cols)} values")
        out[name] = TableRows(cols, t["rows"])
    return out
