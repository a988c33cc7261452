"""Every row one account owns, read and written table by table (account snapshots, services/snapshots.py).

Which rows an account owns is derived from the schema, so a table added later is carried without
changes here: a table with an `account_id` column is the account's, and so is a table whose rows
point (by foreign key, or by one of the keys listed in IMPLICIT_REFS) at such a table's rows.
Surrogate keys are renumbered 1..n per table on export and given fresh values on import; every
column that refers to one is rewritten through the same map. `test_snapshots` holds every table of
the schema to this classification, so a new table or reference cannot be missed silently."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Column, Connection, LargeBinary, Table, insert, select, update
from sqlalchemy.exc import IntegrityError

from emulator.domain.snapshot_format import BLOB_PREFIX, TableRows
from emulator.errors import Conflict
from emulator.storage import mail_codec
from emulator.storage.schema import metadata

ROOT = "accounts"
# not an account's: the schema's own bookkeeping, process-wide settings and the idempotency log of
# global clock moves, the request-rate hits of the last second; ip_inventory is the shared stock
# (its rows are carried as `ips`, see below)
NOT_OWNED = frozenset(
    {"schema_info", "clock_moves", "global_settings", "ip_inventory", "alembic_version", "rate_hits"}
    | {"cam_sessions"}  # temporary credentials: they expire in real time and are issued again
    | {"access_tokens", "access_token_accounts"}  # who may reach the server: never in a snapshot
)
# integer columns that hold another table's surrogate key without a foreign key constraint
IMPLICIT_REFS: dict[tuple[str, str], str] = {
    ("send_tasks", "receiver_id"): "receivers",
    ("task_messages", "task_id"): "send_tasks",
    ("notices", "bill_id"): "bills",
    ("notices", "callback_event_id"): "callback_events",
}
# "the last row handled so far": maps to the last carried row at or before it (0 = none yet)
CURSORS: dict[tuple[str, str], str] = {("send_tasks", "cursor"): "receiver_details"}
ACCOUNT_COLUMN = "account_id"


def _surrogate(table: Table) -> Column[Any] | None:
    pk = list(table.primary_key.columns)
    if len(pk) == 1 and pk[0].name == "id" and pk[0].autoincrement in (True, "auto"):
        return pk[0]
    return None


def references(table: Table) -> dict[str, str]:
    """column -> referenced owned table, for every key column of `table` pointing at another table."""
    refs = {
        fk.parent.name: fk.column.table.name
        for fk in table.foreign_keys
        if fk.column.table.name != ROOT and fk.parent.name != ACCOUNT_COLUMN
    }
    refs.update({col: target for (t, col), target in IMPLICIT_REFS.items() if t == table.name})
    return refs


def owned_tables() -> list[Table]:
    """The account's tables (root excluded) in an order where every referenced table comes first."""
    candidates = {t.name: t for t in metadata.tables.values() if t.name not in NOT_OWNED and t.name != ROOT}
    owned: dict[str, Table] = {}
    changed = True
    while changed:  # direct owners first, then whatever points at an owned table
        changed = False
        for name, t in candidates.items():
            if name in owned:
                continue
            if ACCOUNT_COLUMN in t.c or any(r in owned for r in references(t).values()):
                owned[name] = t
                changed = True
    order: list[Table] = []
    done: set[str] = set()

    def visit(t: Table) -> None:
        if t.name in done:
            return
        done.add(t.name)
        for target in sorted(
            set(references(t).values()) | {c for (tn, _), c in CURSORS.items() if tn == t.name}
        ):
            if target in owned:
                visit(owned[target])
        order.append(t)

    for name in sorted(owned):
        visit(owned[name])
    return order


def unowned_tables() -> list[str]:
    """Tables neither owned nor declared NOT_OWNED (the completeness test wants none)."""
    owned = {t.name for t in owned_tables()}
    return sorted(n for n in metadata.tables if n not in owned and n not in NOT_OWNED and n != ROOT)


def _parent_filter(t: Table, account_id: int, kept: dict[str, dict[int, int]]) -> Any:
    if ACCOUNT_COLUMN in t.c:
        return t.c[ACCOUNT_COLUMN] == account_id
    col, target = next((c, tg) for c, tg in sorted(references(t).items()) if tg in kept)
    return t.c[col].in_(list(kept[target]))


# --- export ----------------------------------------------------------------------------------------
def dump(
    conn: Connection,
    account_id: int,
    progress: Callable[[str, int], None] | None = None,
) -> tuple[dict[str, Any], dict[str, TableRows], dict[str, bytes], list[dict[str, Any]]]:
    """(account row, tables, blobs, ips) with keys renumbered, values as they were given to storage
    (stored mail and search text are decompressed: storage.mail_codec)."""
    acct = accounts_table()
    row = conn.execute(select(acct).where(acct.c.id == account_id)).mappings().one()
    account = {k: v for k, v in row.items() if k != "id"}
    ids: dict[str, dict[int, int]] = {}  # table -> stored id -> snapshot id
    tables: dict[str, TableRows] = {}
    blobs: dict[str, bytes] = {}
    for t in owned_tables():
        key = _surrogate(t)
        order = [key] if key is not None else list(t.primary_key.columns)
        cols = [c for c in t.c if c.name != ACCOUNT_COLUMN]
        stmt = select(*cols).where(_parent_filter(t, account_id, ids)).order_by(*order)
        refs = references(t)
        cursors = {c: tg for (tn, c), tg in CURSORS.items() if tn == t.name}
        out: list[list[Any]] = []
        mapping: dict[int, int] = {}
        names = [c.name for c in cols]
        for n, r in enumerate(conn.execute(stmt), start=1):
            values = _original(t.name, names, list(r))
            for i, c in enumerate(cols):
                v = values[i]
                if key is not None and c.name == key.name:
                    mapping[v] = n
                    values[i] = n
                elif c.name in refs and v is not None:
                    values[i] = ids.get(refs[c.name], {}).get(v)
                elif c.name in cursors:
                    values[i] = _cursor(ids.get(cursors[c.name], {}), v)
                elif isinstance(c.type, LargeBinary) and v is not None:
                    name = f"mail/{n}.eml" if t.name == "messages" else f"blobs/{t.name}/{n}.{c.name}"
                    blobs[name] = bytes(v)
                    values[i] = BLOB_PREFIX + name
            out.append(values)
        ids[t.name] = mapping
        tables[t.name] = TableRows([c.name for c in cols], out)
        if progress:
            progress(t.name, len(out))
    inv = metadata.tables["ip_inventory"]
    ips = [
        {"ip": r.ip, "added_us": r.added_us}
        for r in conn.execute(
            select(inv.c.ip, inv.c.added_us).where(inv.c.account_id == account_id).order_by(inv.c.ip)
        )
    ]
    return account, tables, blobs, ips


def _original(table: str, names: list[str], values: list[Any]) -> list[Any]:
    """A stored row as it was given to storage: messages keep their MIME and SQLite its search text
    compressed (storage.mail_codec); a snapshot carries the original bytes and text."""
    if table != "messages":
        return values
    raw, size, text = names.index("raw"), names.index("size"), names.index("search_text")
    values[raw] = mail_codec.unpack(values[raw], values[size])
    values[text] = mail_codec.unpack_text(values[text])
    return values


def _cursor(mapping: dict[int, int], stored: Any) -> int:
    if not stored:
        return 0
    below = [new for old, new in mapping.items() if old <= stored]
    return max(below, default=0)


def accounts_table() -> Table:
    return metadata.tables[ROOT]


# --- import ----------------------------------------------------------------------------------------
def load(
    conn: Connection,
    account: dict[str, Any],
    tables: dict[str, TableRows],
    blobs: dict[str, bytes],
    ips: list[dict[str, Any]],
    progress: Callable[[str, int], None] | None = None,
) -> int:
    """Insert the account and its rows in the caller's transaction; returns the new account id.
    A clash with rows already on this server (a name, key, MessageId or IP in use) raises Conflict."""
    acct = accounts_table()
    check(account, tables)
    try:
        account_id = int(conn.execute(insert(acct).values(**account).returning(acct.c.id)).scalar_one())
        ids: dict[str, dict[int, int]] = {}
        for t in owned_tables():
            dumped = tables.get(t.name)
            if dumped is None or not dumped.rows:
                ids[t.name] = {}
                continue
            _check_columns(t, dumped.columns, t.name)
            ids[t.name] = _load_table(conn, t, dumped, account_id, ids, blobs)
            if progress:
                progress(t.name, len(dumped.rows))
        _claim_ips(conn, account_id, ips)
    except IntegrityError as exc:
        raise Conflict(f"the snapshot clashes with data on this server: {_constraint(exc)}") from None
    return account_id


def check(account: dict[str, Any], tables: dict[str, TableRows]) -> None:
    """ValueError naming a table or column this emulator does not know."""
    _check_columns(accounts_table(), account.keys(), ROOT)
    known = {t.name: t for t in owned_tables()}
    unknown = sorted(set(tables) - set(known))
    if unknown:
        raise ValueError(f"the snapshot has tables this emulator does not know: {', '.join(unknown)}")
    for name, t in tables.items():
        _check_columns(known[name], t.columns, name)


def _load_table(
    conn: Connection,
    t: Table,
    dumped: TableRows,
    account_id: int,
    ids: dict[str, dict[int, int]],
    blobs: dict[str, bytes],
) -> dict[int, int]:
    key = _surrogate(t)
    refs = references(t)
    cursors = {c: tg for (tn, c), tg in CURSORS.items() if tn == t.name}
    binary = {c.name for c in t.c if isinstance(c.type, LargeBinary)}
    rows: list[dict[str, Any]] = []
    local_ids: list[int] = []
    for values in dumped.rows:
        r = dict(zip(dumped.columns, values, strict=True))
        if key is not None:
            local_ids.append(int(r.pop(key.name)))
        for c, target in refs.items():
            if r.get(c) is not None:
                r[c] = ids[target].get(r[c])
        for c, target in cursors.items():
            r[c] = ids[target].get(r[c], 0) if r.get(c) else 0  # the target is loaded first
        for c in binary:
            v = r.get(c)
            if isinstance(v, str) and v.startswith(BLOB_PREFIX):
                r[c] = blobs[v[len(BLOB_PREFIX) :]]
        if ACCOUNT_COLUMN in t.c:
            r[ACCOUNT_COLUMN] = account_id
        rows.append(r)
    if t.name == "messages":  # stored as the send path stores them (search index rows by its triggers)
        rows = mail_codec.pack_rows(rows, sqlite=conn.dialect.name == "sqlite")
    if key is None:
        conn.execute(insert(t), rows)
        return {}
    new = conn.execute(insert(t).returning(key, sort_by_parameter_order=True), rows).scalars().all()
    return dict(zip(local_ids, (int(n) for n in new), strict=True))


def _claim_ips(conn: Connection, account_id: int, ips: list[dict[str, Any]]) -> None:
    inv = metadata.tables["ip_inventory"]
    for ip in ips:
        row = conn.execute(select(inv.c.id, inv.c.account_id).where(inv.c.ip == ip["ip"])).first()
        if row is None:
            conn.execute(insert(inv).values(ip=ip["ip"], account_id=account_id, added_us=ip["added_us"]))
        elif row.account_id is None:
            conn.execute(update(inv).where(inv.c.id == row.id).values(account_id=account_id))
        else:
            raise Conflict(f"the dedicated IP {ip['ip']} belongs to another account on this server")


def _check_columns(t: Table, names: Any, label: str) -> None:
    extra = sorted(set(names) - set(t.c.keys()))
    if extra:
        raise ValueError(f"table {label}: columns this emulator does not know: {', '.join(extra)}")


def _constraint(exc: IntegrityError) -> str:
    text = str(exc.orig).splitlines()[0] if exc.orig is not None else str(exc)
    return text[:300]
