"""Random pipelined sessions, each in one write, to both servers: the reply codes and the stored
messages must agree. A command whose behaviour a case in the deviation table already records as
different is left out of the alphabet (and comes back by itself once its entry is removed); EHLO
keywords are not compared (the table's keyword entries cover them), and repeated recipients are
folded as the rcpt/duplicate entry says."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emulator.config import DEFAULT_SENDER, DEFAULT_SMTP_PASSWORD
from tests.smtp.differential.cases import EHLO, END, MSG, RCPT, Case, b64, crlf, line
from tests.smtp.differential.conftest import Pair
from tests.smtp.differential.deviations import DEVIATIONS
from tests.smtp.differential.wire import Session, Stored, render

# (bytes, the case whose behaviour it has, if one); common to both pairs
_COMMON: list[tuple[bytes, str | None]] = [
    (crlf(EHLO), None),
    (crlf("HELO client.example"), None),
    (crlf("ehlo"), "order/helo-empty"),
    (crlf(RCPT), None),
    (crlf("RCPT TO:<s@example.com>"), None),
    (crlf("rcpt to:<S@example.com>"), "rcpt/duplicate"),
    (crlf("RCPT TO:<r@localhost>"), "rcpt/odd-addresses"),
    (crlf("RCPT TO:<>"), "path/rcpt-forms"),
    (crlf("DATA") + MSG + END, None),
    (crlf("DATA") + b"Subject: dots\r\n\r\n..x\r\n.\r\n" + END, "dot/stuffed"),
    (crlf("DATA") + line(1500) + END, "long/data-1000"),
    (crlf("DATA"), None),
    (crlf("RSET"), None),
    (crlf("NOOP"), None),
    (crlf("QUIT"), None),
    (crlf("HELP"), None),
    (crlf("VRFY <a@example.com>"), None),
    (crlf("FOO bar"), "unknown/one"),
    (b"\r\n", "unknown/empty-lines"),
    (crlf("MAIL"), "path/no-colon"),
    (crlf("MAIL FROM:<"), "path/lone-angle"),
    (crlf("STARTTLS now"), "tls/with-argument"),
    (crlf("AUTH PLAIN " + b64(f"\0{DEFAULT_SENDER}\0{DEFAULT_SMTP_PASSWORD}")), None),
    (crlf("AUTH PLAIN " + b64(f"\0{DEFAULT_SENDER}\0wrong")), "auth/wrong-password"),
    (crlf("AUTH LOGIN", b64(DEFAULT_SENDER), b64(DEFAULT_SMTP_PASSWORD)), "auth/login"),
    (crlf("AUTH PLAIN", "*"), "auth/cancel"),
    (crlf("AUTH plain " + b64(f"\0{DEFAULT_SENDER}\0{DEFAULT_SMTP_PASSWORD}")), "auth/lower-case-mechanism"),
]
_MAIL: dict[str, list[tuple[bytes, str | None]]] = {
    "open": [
        (crlf("MAIL FROM:<a@example.com>"), None),
        (crlf("MAIL FROM:<>"), "path/null-sender"),
        (crlf("mail from:<b@example.com> size=10 body=8bitmime"), "param/body-7bit-lower"),
        (crlf("MAIL FROM:<a@example.com> SMTPUTF8"), "param/smtputf8"),
        (crlf("MAIL FROM:<a@.example.com>"), "path/domain-leading-dot"),
    ],
    "auth": [
        (crlf(f"MAIL FROM:<{DEFAULT_SENDER}>"), None),
        (crlf(f"MAIL FROM:<{DEFAULT_SENDER}> SIZE=100"), "param/size"),
        (crlf("MAIL FROM:<a@example.com>"), "auth/other-sender"),
    ],
}


# most sessions start with a transaction open, so the commands after it reach RCPT and DATA
_OPENER = {
    "open": crlf(EHLO, "MAIL FROM:<a@example.com>"),
    "auth": crlf(
        EHLO,
        "AUTH PLAIN " + b64(f"\0{DEFAULT_SENDER}\0{DEFAULT_SMTP_PASSWORD}"),
        f"MAIL FROM:<{DEFAULT_SENDER}>",
    ),
}


def _alphabet(pair: str) -> list[bytes]:
    return [b for b, case in _COMMON + _MAIL[pair] if case not in DEVIATIONS]


def _session(pair: str) -> st.SearchStrategy[tuple[str, list[bytes]]]:
    opener = st.sampled_from([_OPENER[pair]] * 3 + [b""])
    commands = st.lists(st.sampled_from(_alphabet(pair)), min_size=1, max_size=12)
    return st.tuples(st.just(pair), st.tuples(opener, commands).map(lambda oc: [oc[0], *oc[1]]))


sessions = st.sampled_from(sorted(_MAIL)).flatmap(_session)


def _distinct(session: Session) -> Session:
    """aiosmtpd's messages with each recipient once (case-insensitive), as the table's rcpt/duplicate
    entry says the emulator keeps them: a repeated RCPT is common in random sessions."""
    if "rcpt/duplicate" not in DEVIATIONS:
        return session
    stored = []
    for m in session.stored:
        seen: dict[str, str] = {}
        for r in m.rcpts:
            seen.setdefault(r.lower(), r)
        stored.append(Stored(m.mail_from, tuple(seen.values()), m.content))
    return Session(session.replies, stored)


@settings(max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(session=sessions)
def test_pipelined_sessions_agree(pairs: dict[str, Pair], session: tuple[str, list[bytes]]) -> None:
    pair, commands = session
    emu_session, aio_session = pairs[pair].run(Case((b"".join(commands),), pair=pair))
    emu, aio = render(emu_session, _distinct(aio_session))
    assert emu == aio, b"".join(commands)


def test_the_table_shrinks_the_alphabet() -> None:
    """The exclusion is live: listed cases drop their commands, and only those."""
    listed = [b for b, case in _COMMON + _MAIL["open"] if case in DEVIATIONS]
    assert crlf("RCPT TO:<>") in listed and crlf(RCPT) not in listed
    assert len(_alphabet("open")) == len(_COMMON) + len(_MAIL["open"]) - len(listed)
