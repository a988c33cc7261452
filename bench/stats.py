"""One measured run, and the median of several."""

from __future__ import annotations

import math
import statistics
from dataclasses import asdict, dataclass, field
from typing import Any


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an already sorted list (0 when empty)."""
    if not sorted_values:
        return 0.0
    k = max(0, min(len(sorted_values) - 1, math.ceil(q / 100 * len(sorted_values)) - 1))
    return sorted_values[k]


@dataclass
class Run:
    """What one run of one cell measured. Latencies in ms; CPU in % of one core over the run."""

    ok: int
    errors: int
    seconds: float
    p50_ms: float
    p99_ms: float
    server_cpu_pct: float
    per_cpu_s: float  # messages per second of server CPU: robust when other load shares the core
    server_peak_rss_mb: float
    generator_cpu_pct: float
    first_error: str | None = None

    @property
    def rate(self) -> float:
        return self.ok / self.seconds if self.seconds > 0 else 0.0

    @classmethod
    def of(
        cls,
        latencies_s: list[float],
        errors: int,
        seconds: float,
        server_cpu_s: float,
        peak_rss_mb: float,
        generator_cpu_s: float,
        first_error: str | None = None,
    ) -> Run:
        lat = sorted(x * 1000 for x in latencies_s)
        wall = max(seconds, 1e-9)
        return cls(
            ok=len(lat),
            errors=errors,
            seconds=seconds,
            p50_ms=percentile(lat, 50),
            p99_ms=percentile(lat, 99),
            server_cpu_pct=100 * server_cpu_s / wall,
            per_cpu_s=len(lat) / server_cpu_s if server_cpu_s > 0 else 0.0,
            server_peak_rss_mb=peak_rss_mb,
            generator_cpu_pct=100 * generator_cpu_s / wall,
            first_error=first_error,
        )

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "rate": self.rate}


@dataclass
class Cell:
    """The runs of one server on one cell, summarised by the median of each figure."""

    runs: list[Run] = field(default_factory=list)

    def _median(self, attr: str) -> float:
        vals = [getattr(r, attr) for r in self.runs]
        return float(statistics.median(vals)) if vals else 0.0

    @property
    def rate(self) -> float:
        return self._median("rate")

    @property
    def p50_ms(self) -> float:
        return self._median("p50_ms")

    @property
    def p99_ms(self) -> float:
        return self._median("p99_ms")

    @property
    def cpu_pct(self) -> float:
        return self._median("server_cpu_pct")

    @property
    def per_cpu_s(self) -> float:
        return self._median("per_cpu_s")

    @property
    def gen_cpu_pct(self) -> float:
        return self._median("generator_cpu_pct")

    @property
    def peak_rss_mb(self) -> float:
        return max((r.server_peak_rss_mb for r in self.runs), default=0.0)

    @property
    def errors(self) -> int:
        return sum(r.errors for r in self.runs)

    @property
    def first_error(self) -> str | None:
        return next((r.first_error for r in self.runs if r.first_error), None)

    def summary(self) -> dict[str, Any]:
        return {
            "rate": self.rate,
            "p50_ms": self.p50_ms,
            "p99_ms": self.p99_ms,
            "server_cpu_pct": self.cpu_pct,
            "per_cpu_s": self.per_cpu_s,
            "server_peak_rss_mb": self.peak_rss_mb,
            "generator_cpu_pct": self.gen_cpu_pct,
            "errors": self.errors,
            "first_error": self.first_error,
            "runs": [r.as_dict() for r in self.runs],
        }
