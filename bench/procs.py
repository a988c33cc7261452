"""Servers under test as pinned subprocesses, and what /proc says about them (CPU time, peak RSS).

The server gets the first allowed core (`taskset -c`), the load generator (this process) the others, so
the two never compete; on a one-core machine nothing is pinned and the report says so.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

CLK_TCK = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Pinning:
    server_cpus: tuple[int, ...]
    generator_cpus: tuple[int, ...]
    taskset: str | None

    @property
    def active(self) -> bool:
        return bool(self.taskset and self.generator_cpus)

    def describe(self) -> str:
        if not self.active:
            return "not pinned (one core, or no taskset)"
        return (
            f"server on CPU {','.join(map(str, self.server_cpus))} (taskset), "
            f"load generator on CPU {','.join(map(str, self.generator_cpus))} (sched_setaffinity)"
        )


def plan_pinning(server_cores: int = 1) -> Pinning:
    cpus = sorted(os.sched_getaffinity(0))
    taskset = shutil.which("taskset")
    if len(cpus) < 2 or taskset is None:
        return Pinning(tuple(cpus), (), None)
    n = max(1, min(server_cores, len(cpus) - 1))
    return Pinning(tuple(cpus[:n]), tuple(cpus[n:]), taskset)


def pin_self(p: Pinning) -> None:
    if p.active:
        os.sched_setaffinity(0, set(p.generator_cpus))


def free_ports(n: int) -> list[int]:
    """n distinct free loopback ports (held open together so they differ)."""
    socks = []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def _children(pid: int) -> list[int]:
    kids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == pid:
            kids.append(int(entry.name))
    return kids


def process_tree(pid: int) -> list[int]:
    """pid and its descendants (worker processes count as the server)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(_children(p))
    return out


def cpu_seconds(pid: int) -> float:
    """utime + stime of the process tree, in seconds."""
    total = 0
    for p in process_tree(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15 of stat)
    return total / CLK_TCK


def _status_kb(pid: int, key: str) -> int:
    total = 0
    for p in process_tree(pid):
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith(key + ":"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total


def peak_rss_mb(pid: int) -> float:
    """VmHWM summed over the process tree, in MB."""
    return _status_kb(pid, "VmHWM") / 1024


def rss_mb(pid: int) -> float:
    return _status_kb(pid, "VmRSS") / 1024


@dataclass
class ServerProc:
    """A server under test: its command, ports, log file and process."""

    name: str
    cmd: list[str]
    ports: dict[str, int]
    log: Path
    env: dict[str, str] = field(default_factory=dict)
    cwd: Path | None = None  # `python -m` puts its working directory first on sys.path
    proc: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self, timeout: float = 60.0) -> ServerProc:
        env = {**os.environ, **self.env}
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                self.cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=self.cwd, start_new_session=True
            )
        deadline = time.monotonic() + timeout
        pending = set(self.ports.values())
        while pending:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}:\n{self.log_tail()}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"{self.name} did not listen within {timeout} s:\n{self.log_tail()}")
            for port in list(pending):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                    pending.discard(port)
                except OSError:
                    pass
            time.sleep(0.05)
        return self

    def log_tail(self, n: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)


def pinned(cmd: list[str], p: Pinning) -> list[str]:
    if not p.active or p.taskset is None:
        return cmd
    return [p.taskset, "-c", ",".join(map(str, p.server_cpus)), *cmd]


def emulator_command() -> list[str]:
    """`ses-emulator` as `python -m emulator` (the same entry point): a stray `pkill -f ses-emulator` from
    someone else's session on a shared machine then does not end a long run."""
    return [sys.executable, "-m", "emulator"]


def serve_supports(option: str) -> bool:
    out = subprocess.run(
        [*emulator_command(), "serve", "--help"], capture_output=True, text=True, timeout=60, check=False
    )
    return option in out.stdout
