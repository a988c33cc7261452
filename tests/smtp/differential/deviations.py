"""Every known difference between the emulator and aiosmtpd, once: case id -> (the emulator's rendered
session, aiosmtpd's, why). Sessions are rendered by wire.render: reply codes in order (enhanced codes
where both give one, EHLO keywords where the case asks, `250*3` for a run), then `|` and the stored
messages when those differ. A case listed here must still differ exactly so; one not listed must
match."""

from __future__ import annotations

_TENCENT_ADDRESS = "Tencent refuses recipient addresses it cannot deliver to (554 IncorrectEmail form)"
_PIPELINING = "the engine advertises PIPELINING (RFC 2920) and answers a pipelined batch in one pass"
_LINE_2000 = "Tencent's body line limit is 2000 characters (reference §6), not RFC 5321's 998"
_ANGLE_CRASH = (
    "a lone '<' makes the stdlib's get_angle_addr raise IndexError: aiosmtpd crashes into its generic 500, "
    "the engine answers it as the malformed address it is (553 for MAIL/RCPT, 502 for VRFY)"
)

DEVIATIONS: dict[str, tuple[str, str, str]] = {
    # --- Tencent's rules and limits ---
    "path/rcpt-quoted-local": (
        "220 250 250 554 503 500*5 502 |",
        '220 250*3 354 250 221 |a@example.com>"r s"@example.com:64B#32afb402',
        _TENCENT_ADDRESS,
    ),
    "path/rcpt-forms": ("220 250*4 554 501 501 221", "220 250*5 501 501 221", _TENCENT_ADDRESS + " (<>)"),
    "rcpt/odd-addresses": (
        "220 250 250 554 554 250 354 250 221 |a@example.com>r@example.com:64B#32afb402",
        "220 250*5 354 250 221 |a@example.com>r@localhost,r@[127.0.0.1],r@example.com:64B#32afb402",
        _TENCENT_ADDRESS + " (no dotted domain, address literal)",
    ),
    "rcpt/too-many": (
        "220 250*52 554 354 250 221 |a@example.com>50 rcpts:64B#32afb402",
        "220 250*53 354 250 221 |a@example.com>51 rcpts:64B#32afb402",
        "Tencent's recipient cap: the 51st RCPT gets 554 TooManyRecipients",
    ),
    "rcpt/duplicate": (
        "220 250*5 354 250 221 |a@example.com>r@example.com:64B#32afb402",
        "220 250*5 354 250 221 |a@example.com>r@example.com,r@example.com,R@example.com:64B#32afb402",
        "Tencent bills and stores each distinct recipient once (case-insensitive)",
    ),
    "auth/other-sender": (
        "220 250 235/2.7.0 554 221",
        "220 250 235/2.7.0 250 221",
        "Tencent: MAIL FROM must be a sender of the authenticated account (554 NotAuthenticatedSender)",
    ),
    "long/data-1000": (
        "220 250*3 354 250 221 |a@example.com>r@example.com:1019B#dd1f583d",
        "220 250*3 354 500 221 |",
        _LINE_2000,
    ),
    "long/data-2000": (
        "220 250*3 354 250 221 |a@example.com>r@example.com:2019B#4e0195f4",
        "220 250*3 354 500 221 |",
        _LINE_2000,
    ),
    "long/data-2001": (
        "220 250*3 354 554 221",
        "220 250*3 354 500 221",
        _LINE_2000 + "; refused in Tencent's 554 form",
    ),
    "long/data-5000-then-next": (
        "220 250*3 354 554 250 250 354 250 221",
        "220 250*3 354 500 250 250 354 250 221",
        _LINE_2000 + "; refused in Tencent's 554 form",
    ),
    # --- capabilities and TLS ---
    "auth/plain-port-needs-tls": (
        "220 250[8BITMIME,HELP,PIPELINING,SIZE,STARTTLS] 538/5.7.11 538/5.7.11 221",
        "220 250[8BITMIME,HELP,SIZE,STARTTLS] 538/5.7.11 538/5.7.11 221",
        _PIPELINING,
    ),
    "tls/keywords": (
        "220 250[8BITMIME,HELP,PIPELINING,SIZE,STARTTLS] 220 250[8BITMIME,AUTH,HELP,PIPELINING,SIZE] 221",
        "220 250[8BITMIME,HELP,SIZE,STARTTLS] 220 250[8BITMIME,AUTH,HELP,SIZE] 221",
        _PIPELINING,
    ),
    "tls/auth-pair-keywords": (
        "220 250[8BITMIME,AUTH,HELP,PIPELINING,SIZE,STARTTLS] 220 250[8BITMIME,AUTH,HELP,PIPELINING,SIZE] 221",
        "220 250[8BITMIME,AUTH,HELP,SIZE,STARTTLS] 220 250[8BITMIME,AUTH,HELP,SIZE] 221",
        _PIPELINING,
    ),
    "auth/open-under-implicit-tls": (
        "220 250[8BITMIME,AUTH,HELP,PIPELINING,SIZE] 235/2.7.0 221",
        "220 250[8BITMIME,HELP,SIZE] 538/5.7.11 221",
        "AUTH offered and accepted over implicit TLS (port 465 is encrypted; aiosmtpd counts only STARTTLS)",
    ),
    "tls/nested": (
        "220 250 220 250 554 250 221",
        "220 250 220 250 220",
        "nested STARTTLS refused with 554 5.5.1 (as Postfix) instead of a handshake inside TLS that breaks the session",
    ),
    "tls/implicit-starttls": (
        "220 250 554 250 221",
        "220 250 454 250 221",
        "STARTTLS on the implicit-TLS port: 554 'TLS already active', not 454 'TLS not available'",
    ),
    # --- aiosmtpd's own quirks ---
    "auth/lower-case-mechanism": (
        "220 250 235/2.7.0 250 221",
        "220 250 504/5.5.4 530 221",
        "SASL mechanism names are case-insensitive (RFC 4954 §4); aiosmtpd matches them case-sensitively",
    ),
    "path/ehlo-twice-limit": (
        "220 250 250 500 221",
        "220 250*3 221",
        "aiosmtpd adds 26 to a class-wide MAIL line limit on every EHLO; the engine keeps 512+26 (RFC 1870)",
    ),
    # --- divergences reported as engine bugs ---
    "path/lone-angle": ("220 250 553 553 250 553 221", "220 250 500 500 250 500 221", _ANGLE_CRASH),
    "path/vrfy-lone-angle": ("220 250 502 221", "220 250 500 221", _ANGLE_CRASH),
}
