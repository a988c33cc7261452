"""What a channel hands to the send pipeline (services.sending): a typed value, never a callback.

SMTP hands over the message as received; SendEmail and BatchSendEmail hand over what to compose (the
validated request, the refusal codes of their action, and the MIME rendered before the lock where the
look-up cache allowed). The committer turns a `Compose` into the message under the account's lock with
one function, `Composer.under_lock` (services.compose), so every channel runs the same policy chain and
no front-end code runs inside the sending transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from emulator.domain.clock import ClockState
from emulator.domain.messages import OutgoingMessage
from emulator.domain.records import AccountRecord
from emulator.domain.send_rules import ValidSend
from emulator.errors import TencentError

if TYPE_CHECKING:
    from emulator.storage.db import Tx


@dataclass(frozen=True)
class Refusals:
    """The codes a caller answers with when the sender or the template cannot be used (Tencent answers
    SendEmail and BatchSendEmail with different codes for the same problem)."""

    no_sender: Callable[[str], TencentError]
    bad_template: Callable[[int, int | None], TencentError]  # (template id, status or None if missing)


@dataclass(frozen=True, slots=True)
class Rendering:
    """A message rendered before the lock, and what it was rendered with: it stands only if the locked
    account row still has that clock and the template that row (edits replace it)."""

    clock: ClockState
    template: tuple[int, int] | None  # (template id, hash of its bodies); None for a Simple body
    message: OutgoingMessage


@dataclass(frozen=True, slots=True)
class Compose:
    """A send to compose under the lock: the request's rules are checked (domain.send_rules); the
    account-dependent ones (sender, template, Simple permission) are checked again on the locked row."""

    valid: ValidSend
    refusals: Refusals
    early: Rendering | None = None


@dataclass(frozen=True, slots=True)
class SendRequest:
    account_id: int
    content: OutgoingMessage | Compose
    task_id: int | None = None  # a BatchSendEmail task's message: linked to it in the same transaction


@dataclass(frozen=True, slots=True)
class SendContext:
    """What the policies see of one message, inside the sending transaction."""

    conn: Tx
    account: AccountRecord
    now_us: int
    message_id: str


__all__ = ["Compose", "Refusals", "Rendering", "SendContext", "SendRequest"]
