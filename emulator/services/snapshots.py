"""Account snapshots: one file with everything an account holds (clock, balance and ledger, bills,
identities, templates, fault rules, limits, blacklists, batch tasks, notices, dedicated IPs and every
stored message as .eml), to seed a CI run with a prepared account or attach one to a bug report.

The clock is carried as its state (offset from real time, or the frozen time), so a frozen account
imports showing the same time and a running one keeps running where real time has brought it; events
that fell due meanwhile (a settlement, say) run on the next scheduler tick, as after a restart.
Surrogate ids (ReceiverId, TaskId, EmailId) are renumbered by the server that imports; MessageIds,
TemplateIDs and the account's keys are kept (a server already holding them answers Conflict); `name`
and `new_ids` (new SecretId, SecretKey, AppId, sub-user keys and MessageIds) import the same file
again beside it. CAM sessions (temporary credentials) are not carried: they expire in real time."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from emulator import __version__
from emulator.domain import accounts as rules
from emulator.domain import snapshot_format as fmt
from emulator.domain.messages import MESSAGE_ID, new_message_id
from emulator.errors import Conflict, FailedOperation, NotFound
from emulator.storage import cam_repo, revision, snapshot_repo

if TYPE_CHECKING:
    from emulator.domain.clock import ClockSource
    from emulator.services.accounts import AccountService
    from emulator.storage.db import Database

Progress = Callable[[str, int], None]


class SnapshotService:
    def __init__(self, db: Database, clock: ClockSource, accounts: AccountService) -> None:
        self.db = db
        self.clock = clock
        self.accounts = accounts

    def export(self, ref: int | str, progress: Progress | None = None) -> tuple[str, bytes]:
        """(account name, the snapshot file's bytes), read in one consistent transaction."""
        with self.db.read() as conn:
            row = self.accounts.get_row(ref, conn)
            account, tables, blobs, ips = snapshot_repo.dump(conn, row.id, progress)
        snap = fmt.Snapshot(revision.head(), __version__, account, tables, blobs, ips)
        return row.name, fmt.to_bytes(snap)

    def import_(
        self,
        data: bytes,
        *,
        name: str | None = None,
        new_ids: bool = False,
        progress: Progress | None = None,
    ) -> dict[str, Any]:
        """Create an account from a snapshot file in one transaction: all of it or nothing. Returns
        the new account's name and keys."""
        try:
            snap = fmt.read(io.BytesIO(data))
        except fmt.SnapshotError as exc:
            raise FailedOperation(str(exc)) from None
        head = revision.head()
        if snap.schema > head:  # revisions are zero-padded numbers: their order is the string order
            raise FailedOperation(
                f"the snapshot was written by a newer emulator (schema {snap.schema}; this server has "
                f"{head}): import it into an emulator of version {snap.emulator} or later"
            )
        account = dict(snap.account)
        if name is not None:
            if not rules.valid_account_name(name):
                raise FailedOperation("account name: 1-64 letters, digits, '.', '_' or '-'")
            account["name"] = name
        tables = snap.tables
        if new_ids:
            account.update(
                secret_id=rules.new_secret_id(), secret_key=rules.new_secret_key(), app_id=rules.new_app_id()
            )
            tables = _new_message_ids(tables, account["app_id"])
            tables = _new_sub_user_keys(tables)
        try:
            snapshot_repo.check(account, tables)
        except ValueError as exc:
            raise FailedOperation(str(exc)) from None
        with self.db.write() as conn:
            if _exists(self.accounts, account["name"], conn):
                raise Conflict(
                    f"an account named {account['name']!r} already exists (import with another name)"
                )
            for secret_id in _secret_ids(account, tables):  # unique across accounts and CAM keys
                if cam_repo.secret_id_in_use(conn, secret_id):
                    raise Conflict(f"the SecretId {secret_id} is in use on this server (import with new_ids)")
            try:
                account_id = snapshot_repo.load(conn, account, tables, snap.blobs, snap.ips, progress)
            except ValueError as exc:
                raise FailedOperation(str(exc)) from None
        return {
            "id": account_id,
            "name": account["name"],
            "app_id": account.get("app_id"),
            "secret_id": account.get("secret_id"),
            "secret_key": account.get("secret_key"),
            "messages": snap.mail_count(),
        }


def _new_message_ids(tables: dict[str, fmt.TableRows], app_id: str) -> dict[str, fmt.TableRows]:
    """The tables with every MessageId replaced by a new one of the new AppId, wherever it appears
    (the message's key, batch task links, notices, callback streams and payloads)."""
    msgs = tables.get("messages")
    if msgs is None or not msgs.rows:
        return tables
    key, at = msgs.columns.index("message_id"), msgs.columns.index("account_time_us")
    renamed = {row[key]: new_message_id(app_id, row[at]) for row in msgs.rows}

    def fix(v: Any) -> Any:
        return MESSAGE_ID.sub(lambda m: renamed.get(m.group(0), m.group(0)), v) if isinstance(v, str) else v

    return {
        name: fmt.TableRows(t.columns, [[fix(v) for v in row] for row in t.rows])
        for name, t in tables.items()
    }


def _secret_ids(account: dict[str, Any], tables: dict[str, fmt.TableRows]) -> list[str]:
    ids = [str(account.get("secret_id", ""))]
    keys = tables.get("cam_keys")
    if keys is not None and keys.rows:
        at = keys.columns.index("secret_id")
        ids += [str(row[at]) for row in keys.rows]
    return ids


def _new_sub_user_keys(tables: dict[str, fmt.TableRows]) -> dict[str, fmt.TableRows]:
    keys = tables.get("cam_keys")
    if keys is None or not keys.rows:
        return tables
    sid, skey = keys.columns.index("secret_id"), keys.columns.index("secret_key")
    rows = []
    for row in keys.rows:
        row = list(row)
        row[sid], row[skey] = rules.new_secret_id(), rules.new_secret_key()
        rows.append(row)
    return {**tables, "cam_keys": fmt.TableRows(keys.columns, rows)}


def _exists(accounts: AccountService, name: str, conn: Any) -> bool:
    try:
        accounts.get_row(name, conn)
    except NotFound:
        return False
    return True
