"""Metering: one billable unit per distinct recipient of an accepted message; free quota first."""

from __future__ import annotations

from dataclasses import dataclass

FREE_QUOTA = 1_000
PRICE_PER_EMAIL_MICRO = 280  # 0.00028 USD


@dataclass(frozen=True)
class Units:
    free: int
    paid: int

    @property
    def total(self) -> int:
        return self.free + self.paid


def split_units(free_left: int, recipients: int) -> Units:
    """Spend the free quota first; everything past it is paid usage."""
    if recipients < 0 or free_left < 0:
        raise ValueError("counts cannot be negative")
    free = min(free_left, recipients)
    return Units(free=free, paid=recipients - free)


def distinct_recipients(*groups: list[str]) -> list[str]:
    """To+Cc+Bcc counted once per distinct address (case-insensitive), first spelling kept."""
    seen: set[str] = set()
    out: list[str] = []
    for group in groups:
        for addr in group:
            key = addr.strip().lower()
            if key and key not in seen:
                seen.add(key)
                out.append(addr.strip())
    return out
