"""What a channel hands to the send pipeline (services.sending), and what the pipeline's rules see of it
under the account's lock: plain typed values, never a callback, so no front-end code runs inside the
sending transaction and each rule of the contract is written once, in services.

SMTP hands over the message as received. SendEmail and BatchSendEmail tasks (immediate, scheduled and
periodic alike) hand over what to compose: the validated request, the action whose refusal codes apply,
and the MIME rendered before the lock where the look-up cache allowed; a task's messages also carry the
task they belong to. The committer turns a `Compose` into the message with one function,
`Composer.under_lock` (services.compose).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING

from emulator.domain.clock import ClockState
from emulator.domain.messages import OutgoingMessage
from emulator.domain.records import AccountRecord
from emulator.domain.send_rules import ValidSend

if TYPE_CHECKING:
    from emulator.storage.db import Tx


class Action(enum.Enum):
    """The Tencent action a composed send answers for: the same broken rule (a sender the account no
    longer owns, a template not approved) has a different code in each (services.compose.REFUSALS)."""

    SEND_EMAIL = "SendEmail"
    BATCH_SEND_EMAIL = "BatchSendEmail"


@dataclass(frozen=True, slots=True)
class Rendering:
    """A message rendered before the lock, and what it was rendered with: it stands only if the locked
    account row still has that clock and the template still has that content (edits replace it)."""

    clock: ClockState
    template: tuple[int, int] | None  # (template id, hash of its bodies); None for a Simple body
    message: OutgoingMessage


@dataclass(frozen=True, slots=True)
class Compose:
    """A send to compose under the lock. The request's own rules are checked already
    (domain.send_rules); the account-dependent ones (sender, template, Simple permission) are checked on
    the locked row."""

    valid: ValidSend
    action: Action
    early: Rendering | None = None


@dataclass(frozen=True, slots=True)
class TaskLink:
    """The BatchSendEmail task a message belongs to: linked in the sending transaction, so the message's
    callbacks always find their task."""

    task_id: int


@dataclass(frozen=True, slots=True)
class SendRequest:
    """One message to send for one account: the message as received (SMTP) or what to compose."""

    account_id: int
    content: OutgoingMessage | Compose
    task: TaskLink | None = None


@dataclass(frozen=True, slots=True)
class SendContext:
    """What the pipeline's rules see of one request, inside the sending transaction: the locked account
    row, its clock reading for the batch, and the message id the message gets unless it brings one."""

    conn: Tx
    account: AccountRecord
    now_us: int
    message_id: str


__all__ = ["Action", "Compose", "Rendering", "SendContext", "SendRequest", "TaskLink"]
