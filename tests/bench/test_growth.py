"""bench.growth: a small real fill through storage, every call timed, and totals a reader can check by
hand (300 messages: recipient user0077 once, 3 senders' share each, subject "message 4242" never)."""

from __future__ import annotations

from pathlib import Path

from bench.growth import growth_check, render


def test_a_small_growth_run_measures_every_call(tmp_path: Path) -> None:
    g = growth_check((0, 300), None, lambda _line: None, tmp_path, calls=2)
    first, filled = g["stages"]
    assert first["messages"] == 0 and first["calls"]["first page"]["total"] == 0
    calls = filled["calls"]
    assert calls["first page"]["total"] == 300 and calls["first page"]["returned"] == 50
    assert calls["to, matches"]["total"] == 1  # user0077 of 10,000 addresses: message 77 only
    assert calls["from, matches"]["total"] == 3  # sender0042: messages 42, 142, 242
    assert calls["subject, matches"]["total"] == 0
    assert calls["to, no match"]["total"] == calls["text, no match"]["total"] == 0
    assert calls["deep page, before="]["returned"] == 50  # the 99 messages older than growth-00000099
    assert calls["deep page, offset"]["returned"] == 50  # offset 200 of 300
    assert filled["disk"]["file_bytes"] > 0 and "mail_search_text" in filled["disk"]["parts"]
    assert filled["process"]["startup_s"] > 0 and filled["process"]["peak_rss_mb"] > 0
    table = render(g)
    assert "| to, no match |" in table and "300 stored" in table
