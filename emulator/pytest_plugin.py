"""pytest plugin (entry point `pytest11`, loaded automatically once the package is installed).

Fixtures (all named ses_*, so they never clash with a project's own):
    ses_emulator           session: an in-process emulator on free ports with a throw-away SQLite database
    ses_emulator_settings  session: override it in your conftest.py to change settings (a dict)
    ses_account            function: a fresh account with its credentials, endpoints and helpers; its
                           profile is the server's default (sandbox) unless the test is marked
                           `@pytest.mark.ses_profile("production")` (docs/profiles.md)
    ses_sdk                function: the official Tencent SDK client for that account (skips if absent)
    ses_snapshot_account   function: an account imported from the snapshot file named by
                           `@pytest.mark.ses_snapshot("path/to/file.zip")` (docs/snapshots.md)

The server only starts when a test asks for one of these fixtures. Any other account:
`ses_emulator.new_account(profile="production", free_quota=0, ...)` (the admin API's account body).
"""

from __future__ import annotations

import secrets
import smtplib
import ssl
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    import httpx

    from emulator.bootstrap import Emulator, Endpoints


class SesEmulator:
    """The running emulator: endpoints, an admin client, and a way to make accounts."""

    def __init__(self, emulator: Emulator, endpoints: Endpoints, token: str | None) -> None:
        import httpx

        self.emulator = emulator
        self.endpoints = endpoints
        self.host = endpoints.host
        self.smtp_port, self.smtps_port = endpoints.smtp_port, endpoints.smtps_port
        self.http_url = endpoints.http_url
        self.api_endpoint = endpoints.api_endpoint  # for the SDK's HttpProfile(endpoint=...)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.http: httpx.Client = httpx.Client(
            base_url=self.http_url, headers=headers, timeout=60, trust_env=False
        )
        self._imports = 0

    def admin(self, method: str, path: str, **kw: Any) -> Any:
        """Call /admin{path}; raises AssertionError with the server's answer on an error status."""
        r = self.http.request(method, "/admin" + path, **kw)
        if r.status_code >= 400:
            raise AssertionError(f"{method} /admin{path} answered {r.status_code}: {r.text}")
        return r.json() if r.content else None

    def new_account(self, **body: Any) -> SesAccount:
        """A fresh account; `body`: the admin API's account fields (name, profile, free_quota, ...)."""
        return SesAccount(self, self.admin("POST", "/accounts", json=body))

    def import_snapshot(
        self, snapshot: bytes | str | Path, name: str | None = None, new_ids: bool = True
    ) -> SesAccount:
        """An account made from a snapshot (a file written by `ses-emulator snapshot export` or
        `SesAccount.snapshot()`). With `new_ids` (the default) it gets its own keys and MessageIds,
        so one file can seed any number of accounts; its sender keeps the snapshot's SMTP password
        (stored hashed: `smtp_password` is None here)."""
        from emulator.domain import snapshot_format

        data = snapshot if isinstance(snapshot, bytes) else Path(snapshot).read_bytes()
        snap = snapshot_format.read(data)
        params: dict[str, str] = {"new_ids": "true"} if new_ids else {}
        if name is not None:
            params["name"] = name
        elif new_ids:
            self._imports += 1
            params["name"] = f"{snap.name[:40]}-{self._imports}-{secrets.token_hex(3)}"
        made = self.admin("POST", "/snapshots", content=data, params=params)
        creds = {**made, "sender": _sender_of(snap), "smtp_password": None}
        return SesAccount(self, creds)

    def close(self) -> None:
        self.http.close()
        self.emulator.stop_thread()


class SesAccount:
    """A fresh account: credentials (secret_id, secret_key, sender, smtp_password, region), endpoints,
    and helpers over the admin API."""

    def __init__(self, server: SesEmulator, creds: dict[str, Any]) -> None:
        self.server = server
        self.credentials = creds
        self.name: str = creds["name"]
        self.secret_id: str = creds["secret_id"]
        self.secret_key: str = creds["secret_key"]
        self.sender: str = creds["sender"]
        self.smtp_password: str | None = creds["smtp_password"]
        self.region: str = creds.get("region", "ap-guangzhou")
        self.host, self.smtp_port, self.smtps_port = server.host, server.smtp_port, server.smtps_port
        self.http_url, self.api_endpoint = server.http_url, server.api_endpoint
        self._path = f"/accounts/{self.name}"

    # --- state and money ---
    def state(self) -> dict[str, Any]:
        """Balance, free quota, paid units, suspension, clock (the admin API's account object)."""
        return dict(self.server.admin("GET", self._path))

    def top_up(self, amount: str, note: str = "") -> dict[str, Any]:
        """Add USD (a decimal string, e.g. "1.50"); pays unpaid bills oldest first."""
        return dict(self.server.admin("POST", f"{self._path}/top-up", json={"amount": amount, "note": note}))

    def bills(self, **filters: str) -> list[dict[str, Any]]:
        return list(self.server.admin("GET", f"{self._path}/bills", params=filters))

    def snapshot(self) -> bytes:
        """The account as a snapshot file (save it for a bug report, or seed other tests with it)."""
        r = self.server.http.get(f"/admin{self._path}/snapshot")
        assert r.status_code == 200, r.text
        return r.content

    # --- clock ---
    def freeze_clock(self) -> dict[str, Any]:
        return dict(self.server.admin("POST", f"{self._path}/clock/freeze"))

    def advance_clock(
        self, duration: str | None = None, *, seconds: int | None = None, to: str | None = None
    ) -> dict[str, Any]:
        """Move the account's clock forward: a duration ("1d", "2h30m"), seconds, or to an ISO time;
        every event that falls due (settlement, suspension, ...) runs before this returns."""
        body = {k: v for k, v in dict(duration=duration, seconds=seconds, to=to).items() if v is not None}
        return dict(self.server.admin("POST", f"{self._path}/clock/advance", json=body))

    # --- mail ---
    def messages(self, **filters: Any) -> list[dict[str, Any]]:
        """Captured messages, newest first (filters: to, from_, subject, text, since, until, source)."""
        params = {("from" if k == "from_" else k): v for k, v in filters.items()}
        return list(self.server.admin("GET", f"{self._path}/messages", params=params)["messages"])

    def message(self, message_id: str) -> dict[str, Any]:
        """One message with headers, text, HTML, attachments and per-recipient delivery."""
        return dict(self.server.admin("GET", f"{self._path}/messages/{message_id}"))

    def raw(self, message_id: str) -> bytes:
        r = self.server.http.get(f"/admin{self._path}/messages/{message_id}/raw")
        assert r.status_code == 200, r.text
        return r.content

    def wait_for_message(self, timeout: float = 10, **filters: Any) -> dict[str, Any]:
        """The newest matching message, as soon as one exists; AssertionError after `timeout` s."""
        params = {("from" if k == "from_" else k): v for k, v in filters.items()}
        r = self.server.http.get(
            f"/admin{self._path}/messages/wait", params={**params, "timeout": timeout}, timeout=timeout + 30
        )
        if r.status_code == 408:
            raise AssertionError(f"no message matching {filters or 'anything'} within {timeout} s")
        assert r.status_code == 200, r.text
        return dict(r.json())

    # --- switches (docs/profiles.md) ---
    def switches(self, **patch: Any) -> dict[str, Any]:
        """Read (no arguments) or change the account's switches: simple_sending=True grants simple
        sending to a production account, smtp_checks=False turns its SMTP message checks off,
        recipient_hourly={"enabled": False} a limit; answers the account's limits object."""
        if not patch:
            return dict(self.server.admin("GET", f"{self._path}/limits"))
        return dict(self.server.admin("PATCH", f"{self._path}/limits", json=patch))

    # --- faults ---
    def set_fault_rule(self, pattern: str, outcome: str) -> Any:
        """Recipients matching `pattern` get `outcome` (bounce, ...); see the README's fault rules."""
        return self.server.admin(
            "POST", f"{self._path}/fault-rules", json={"pattern": pattern, "outcome": outcome}
        )

    # --- sending, for convenience ---
    def smtp_send(self, to: str | list[str], subject: str = "test", body: str = "hello") -> None:
        """Send one message by SMTP (STARTTLS, AUTH) as this account's sender."""
        rcpts = [to] if isinstance(to, str) else list(to)
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = self.sender, ", ".join(rcpts), subject
        msg.set_content(body)
        ctx = ssl.create_default_context()
        ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE  # self-signed certificate
        if self.smtp_password is None:
            raise AssertionError("this account's SMTP password is unknown here (imported from a snapshot)")
        with smtplib.SMTP(self.host, self.smtp_port, timeout=30) as client:
            client.starttls(context=ctx)
            client.login(self.sender, self.smtp_password)
            client.send_message(msg, to_addrs=rcpts)


@pytest.fixture(scope="session")
def ses_emulator_settings() -> dict[str, Any]:
    """Extra emulator settings (Settings field names). Override this fixture to change them."""
    return {}


@pytest.fixture(scope="session")
def ses_emulator(
    ses_emulator_settings: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SesEmulator]:
    """One in-process emulator for the session: free ports, throw-away SQLite database."""
    from emulator.bootstrap import Emulator
    from emulator.config import Settings

    data = tmp_path_factory.mktemp("ses-emulator")
    base: dict[str, Any] = dict(
        host="127.0.0.1",
        smtp_port=0,
        smtps_port=0,
        http_port=0,
        data_dir=data,
        database_url=f"sqlite:///{data / 'emulator.db'}",
        admin_token=None,
        scheduler_interval_s=0.2,
    )
    settings = Settings(**{**base, **ses_emulator_settings})
    emulator = Emulator(settings)
    server = SesEmulator(emulator, emulator.start_in_thread(), settings.admin_token)
    yield server
    server.close()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "ses_profile(name): the profile of the test's ses_account: sandbox | production"
    )
    config.addinivalue_line(
        "markers", "ses_snapshot(path, name=None, new_ids=True): the snapshot ses_snapshot_account imports"
    )


@pytest.fixture
def ses_account(ses_emulator: SesEmulator, request: pytest.FixtureRequest) -> SesAccount:
    """A fresh account on the session's emulator, so tests never see each other's mail or money; of the
    profile named by the test's `ses_profile` marker, if any."""
    marker = request.node.get_closest_marker("ses_profile")
    return ses_emulator.new_account(**({"profile": marker.args[0]} if marker else {}))


@pytest.fixture
def ses_snapshot_account(ses_emulator: SesEmulator, request: pytest.FixtureRequest) -> SesAccount:
    """A fresh account imported from `@pytest.mark.ses_snapshot("file.zip")` (a path relative to the
    test file, or absolute), with its own keys and MessageIds."""
    marker = request.node.get_closest_marker("ses_snapshot")
    if marker is None or not marker.args:
        raise pytest.UsageError(
            'ses_snapshot_account needs @pytest.mark.ses_snapshot("path/to/snapshot.zip")'
        )
    path = Path(marker.args[0])
    if not path.is_absolute():
        path = Path(str(request.node.path)).parent / path
    return ses_emulator.import_snapshot(path, **marker.kwargs)


def _sender_of(snap: Any) -> str:
    senders = snap.tables.get("senders")
    if senders is None or not senders.rows:
        return ""
    return str(senders.rows[0][senders.columns.index("address")])


@pytest.fixture
def ses_sdk(ses_account: SesAccount) -> Any:
    """`tencentcloud.ses.v20201002.ses_client.SesClient` for `ses_account` (skips without the SDK)."""
    pytest.importorskip("tencentcloud.ses.v20201002", reason="tencentcloud-sdk-python-ses is not installed")
    from tencentcloud.common import credential
    from tencentcloud.common.profile.client_profile import ClientProfile
    from tencentcloud.common.profile.http_profile import HttpProfile
    from tencentcloud.ses.v20201002 import ses_client

    http = HttpProfile(protocol="http", endpoint=ses_account.api_endpoint)
    return ses_client.SesClient(
        credential.Credential(ses_account.secret_id, ses_account.secret_key),
        ses_account.region,
        ClientProfile(httpProfile=http),
    )
