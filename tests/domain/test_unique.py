"""Unique-not-secret random text and bits (MessageId tails, RequestIds); reseeding and fork safety are
in test_unique_ids.py."""

from __future__ import annotations

import string

from hypothesis import given
from hypothesis import strategies as st

from emulator.domain.unique import unique_bits, unique_text

ALNUM = string.ascii_letters + string.digits


@given(st.integers(1, 256))
def test_unique_bits_fit_in_n_bits(n: int) -> None:
    assert 0 <= unique_bits(n) < 2**n


@given(st.text(string.printable.strip(), min_size=1, max_size=70), st.integers(0, 64))
def test_unique_text_has_the_length_and_only_the_alphabet(alphabet: str, k: int) -> None:
    text = unique_text(alphabet, k)
    assert len(text) == k and set(text) <= set(alphabet)


def test_every_character_of_the_alphabet_appears() -> None:
    assert set(unique_text(ALNUM, 20_000)) == set(ALNUM)
    assert unique_text("x", 5) == "xxxxx"


def test_13_alphanumerics_do_not_repeat_in_100k() -> None:
    # 62**13 ≈ 2e23 values: a collision among 1e5 has probability ≈ 1e10 / 4e23, i.e. never
    tails = {unique_text(ALNUM, 13) for _ in range(100_000)}
    assert len(tails) == 100_000
