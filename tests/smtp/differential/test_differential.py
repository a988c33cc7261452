"""Each case's bytes to the emulator and to aiosmtpd: the rendered sessions (reply codes, enhanced codes,
stored messages) must be equal, or differ exactly as the deviation table says."""

from __future__ import annotations

import pytest

from tests.smtp.differential.cases import CASES
from tests.smtp.differential.conftest import Pair
from tests.smtp.differential.deviations import DEVIATIONS
from tests.smtp.differential.wire import render


@pytest.mark.parametrize("case_id", list(CASES))
def test_same_bytes_same_outcome(pairs: dict[str, Pair], case_id: str) -> None:
    case = CASES[case_id]
    emu, aio = render(*pairs[case.pair].run(case), caps=case.caps)
    if case_id in DEVIATIONS:
        expected_emu, expected_aio, reason = DEVIATIONS[case_id]
        assert (emu, aio) == (expected_emu, expected_aio), f"the deviation changed ({reason})"
    else:
        assert emu == aio


def test_every_deviation_names_a_case() -> None:
    assert set(DEVIATIONS) <= set(CASES)
