"""The two servers, configured alike: the real emulator (in-process, SQLite) and a bare aiosmtpd
Controller whose handler only records what it accepted. Two pairs: "open" (emulator smtp_auth=any,
AUTH only under TLS, as aiosmtpd's default) and "auth" (the default account's real credentials
required, plain AUTH allowed). Started once for the package; every case opens fresh connections."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword
from aiosmtpd.smtp import Envelope as AioEnvelope
from aiosmtpd.smtp import Session as AioSession

from emulator.config import DEFAULT_SENDER, DEFAULT_SMTP_PASSWORD, Settings
from emulator.smtp.tls import ensure_self_signed, server_context
from tests.conftest import Server, free_port, start_server
from tests.smtp.differential.cases import SIZE_LIMIT, Case
from tests.smtp.differential.wire import Reply, Session, Stored, play

HOSTNAME: str = Settings.model_fields["smtp_hostname"].default
IDENT = "Tencent SES emulator"


class Recorder:
    """aiosmtpd handler: keeps every accepted message, as the emulator's mailbox does."""

    def __init__(self) -> None:
        self.messages: list[Stored] = []

    async def handle_DATA(self, server: SMTP, session: AioSession, envelope: AioEnvelope) -> str:
        content = envelope.original_content or b""
        self.messages.append(Stored(envelope.mail_from or "", tuple(envelope.rcpt_tos), content))
        return "250 OK"


def _accept_any(server: SMTP, session: AioSession, envelope: AioEnvelope, mech: str, data: Any) -> AuthResult:
    return AuthResult(success=True)


def _default_account(
    server: SMTP, session: AioSession, envelope: AioEnvelope, mech: str, data: Any
) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
        DEFAULT_SENDER.encode(),
        DEFAULT_SMTP_PASSWORD.encode(),
    )
    return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd sends the 535 itself


class EmulatorTarget:
    def __init__(self, server: Server) -> None:
        self.server = server
        self.port = server.endpoints.smtp_port
        self.implicit_port = server.endpoints.smtps_port

    def begin(self) -> None:
        pass

    def stored(self, replies: list[Reply]) -> list[Stored]:
        """The messages the 250 replies name, read back through the admin mailbox API."""
        out = []
        for r in replies:
            mid = r.queued_id
            if mid is None:
                continue
            base = f"/accounts/default/messages/{mid}"
            meta = self.server.admin("GET", base).json()
            raw = self.server.admin("GET", base + "/raw")
            assert raw.status_code == 200, raw.text
            out.append(Stored(meta["mail_from"], tuple(meta["recipients"]), raw.content))
        return out


class AiosmtpdTarget:
    def __init__(self, recorder: Recorder, port: int, implicit_port: int) -> None:
        self.recorder = recorder
        self.port = port
        self.implicit_port = implicit_port

    def begin(self) -> None:
        self.recorder.messages.clear()

    def stored(self, replies: list[Reply]) -> list[Stored]:
        return list(self.recorder.messages)


@dataclass(frozen=True)
class Pair:
    emu: EmulatorTarget
    aio: AiosmtpdTarget

    def run(self, case: Case) -> tuple[Session, Session]:
        """The case played against each server in turn, with what each stored."""
        out = []
        for target in (self.emu, self.aio):
            target.begin()
            port = target.implicit_port if case.implicit else target.port
            replies = play(port, case.steps, case.implicit, case.quit)
            out.append(Session(replies, target.stored(replies)))
        return out[0], out[1]


def _aiosmtpd(recorder: Recorder, implicit: bool, tls: Any, **kw: Any) -> Controller:
    c = Controller(
        recorder,
        hostname="127.0.0.1",
        port=free_port(),
        server_hostname=HOSTNAME,
        ident=IDENT,
        data_size_limit=SIZE_LIMIT,
        enable_SMTPUTF8=False,  # the emulator offers no SMTPUTF8
        tls_context=None if implicit else tls,
        ssl_context=tls if implicit else None,
        **kw,
    )
    c.start()
    return c


@pytest.fixture(scope="package")
def pairs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Pair]]:
    tmp = tmp_path_factory.mktemp("differential")
    cert, key = ensure_self_signed(tmp / "tls", HOSTNAME)
    tls = server_context(cert, key)
    common: dict[str, Any] = dict(tls_cert=cert, tls_key=key, max_message_bytes=SIZE_LIMIT, free_quota=10**9)
    emulators = {
        "open": start_server(tmp / "open", "sqlite", smtp_auth="any", **common)[0],
        "auth": start_server(tmp / "auth", "sqlite", smtp_allow_plain_auth=True, **common)[0],
    }
    settings = {
        "open": dict(auth_require_tls=True, authenticator=_accept_any),
        "auth": dict(auth_required=True, auth_require_tls=False, authenticator=_default_account),
    }
    controllers: list[Controller] = []
    out: dict[str, Pair] = {}
    for name, emu in emulators.items():
        recorder = Recorder()
        plain = _aiosmtpd(recorder, False, tls, **settings[name])
        implicit = _aiosmtpd(recorder, True, tls, **settings[name])
        controllers += [plain, implicit]
        out[name] = Pair(EmulatorTarget(emu), AiosmtpdTarget(recorder, plain.port, implicit.port))
    yield out
    for c in controllers:
        c.stop()
    for emu in emulators.values():
        emu.close()
        emu.emulator.stop_thread()
