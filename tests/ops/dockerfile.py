"""A small reader of docker/Dockerfile: instructions with continuations joined and JSON forms parsed,
so tests can check the recipe and replay its install and start steps without a Docker engine."""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Instruction:
    op: str
    args: str

    def exec_form(self) -> list[str]:
        """["a", "b"] JSON form (required for CMD/ENTRYPOINT/HEALTHCHECK CMD here)."""
        value = json.loads(self.args)
        assert isinstance(value, list), self
        return [str(v) for v in value]


def parse(path: Path) -> list[Instruction]:
    out: list[Instruction] = []
    pending = ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        full = (pending + line).strip()
        pending = ""
        op, _, args = full.partition(" ")
        out.append(Instruction(op.upper(), args.strip()))
    return out


def env_of(instructions: list[Instruction]) -> dict[str, str]:
    env: dict[str, str] = {}
    for ins in instructions:
        if ins.op == "ENV":
            for pair in shlex.split(ins.args):
                key, _, value = pair.partition("=")
                env[key] = value
    return env


def one(instructions: list[Instruction], op: str) -> Instruction:
    found = [i for i in instructions if i.op == op]
    assert len(found) == 1, f"expected one {op}, found {found}"
    return found[0]
