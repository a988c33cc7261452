"""deploy/kubernetes (issue 19): every manifest validates against the Kubernetes schemas bundled with
kubernetes-validate (offline, strict: unknown fields refused), the kustomization lists them all, and the
Deployment agrees with the image and the server: ports, user, Secret keys, the database Service, and
probes and allowed hosts that a real server answers as the cluster would ask."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from tests.ops.dockerfile import one, parse

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "kubernetes"
K8S_VERSION = "1.30.0"  # the oldest release still commonly run; the bundled schemas go far beyond it


def _docs(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def _resources() -> list[dict[str, Any]]:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    return [d for name in kustomization["resources"] for d in _docs(K8S / name)]


def _kind(kind: str, name: str | None = None) -> dict[str, Any]:
    found = [d for d in _resources() if d["kind"] == kind and (name is None or d["metadata"]["name"] == name)]
    assert len(found) == 1, (kind, name, found)
    return found[0]


def _container() -> dict[str, Any]:
    pod = _kind("Deployment")["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    return dict(container)


def _env() -> dict[str, Any]:
    return {e["name"]: e for e in _container()["env"]}


def test_kustomization_lists_every_manifest() -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    on_disk = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert sorted(kustomization["resources"]) == sorted(on_disk)
    assert kustomization["namespace"] == _kind("Namespace")["metadata"]["name"]
    assert kustomization["replicas"] == [{"name": "ses-emulator", "count": 2}]


@pytest.mark.parametrize("version", [K8S_VERSION, kubernetes_validate.latest_version()])
def test_every_manifest_validates(version: str) -> None:
    resources = _resources()
    assert {d["kind"] for d in resources} >= {"Namespace", "Secret", "Deployment", "Service", "StatefulSet"}
    for doc in resources:
        kubernetes_validate.validate(doc, version, strict=True)  # raises ValidationError


@pytest.mark.parametrize(
    "breakage",
    ["replicas as a word", "unknown field", "probe without a handler"],
)
def test_the_validator_refuses_a_broken_deployment(breakage: str) -> None:
    doc = copy.deepcopy(_kind("Deployment"))
    container = doc["spec"]["template"]["spec"]["containers"][0]
    if breakage == "replicas as a word":
        doc["spec"]["replicas"] = "two"
    elif breakage == "unknown field":
        container["readinessProbes"] = container.pop("readinessProbe")  # a typo strict mode catches
    else:
        container["readinessProbe"] = {"periodSeconds": "often"}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(doc, K8S_VERSION, strict=True)


def test_deployment_matches_the_image() -> None:
    ins = parse(ROOT / "docker" / "Dockerfile")
    container = _container()
    assert {p["containerPort"] for p in container["ports"]} == {
        int(p) for p in one(ins, "EXPOSE").args.split()
    }
    pod = _kind("Deployment")["spec"]["template"]["spec"]
    uid, gid = (int(x) for x in one(ins, "USER").args.split(":"))
    assert (pod["securityContext"]["runAsUser"], pod["securityContext"]["runAsGroup"]) == (uid, gid)
    assert pod["securityContext"]["runAsNonRoot"] is True
    # a read-only root needs the image's data volume and /tmp mounted writable
    mounts = {m["mountPath"] for m in container["volumeMounts"]}
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert {"/tmp", *(p for p in yaml.safe_load(one(ins, "VOLUME").args))} <= mounts
    assert container["resources"]["requests"] and container["resources"]["limits"]["memory"]
    service = _kind("Service", "ses-emulator")
    assert {p["targetPort"] for p in service["spec"]["ports"]} == {p["name"] for p in container["ports"]}
    assert service["spec"]["selector"] == _kind("Deployment")["spec"]["selector"]["matchLabels"]


def test_secret_and_database_wiring() -> None:
    secret = _kind("Secret")
    env = _env()
    refs = [e["valueFrom"]["secretKeyRef"] for e in env.values() if "valueFrom" in e]
    pg = _kind("StatefulSet")["spec"]["template"]["spec"]["containers"][0]
    refs += [e["valueFrom"]["secretKeyRef"] for e in pg["env"] if "valueFrom" in e]
    assert refs and all(
        r["name"] == secret["metadata"]["name"] and r["key"] in secret["stringData"] for r in refs
    )
    assert env["SES_EMULATOR_ADMIN_TOKEN"]["valueFrom"]["secretKeyRef"]["key"] == "admin-token"
    url = env["SES_EMULATOR_DATABASE_URL"]["value"]
    pg_service = _kind("Service", "ses-emulator-postgres")["metadata"]["name"]
    assert url == f"postgresql://ses:$(SES_POSTGRES_PASSWORD)@{pg_service}:5432/ses"
    names = list(env)  # $(VAR) expands only variables defined earlier in the list
    assert names.index("SES_POSTGRES_PASSWORD") < names.index("SES_EMULATOR_DATABASE_URL")
    assert {e["name"]: e.get("value") for e in pg["env"]}["POSTGRES_DB"] == url.rsplit("/", 1)[1]


def test_probes_and_allowed_hosts_against_a_real_server(make_server: Any) -> None:
    """The kubelet's probes and other pods' requests, as the Deployment configures them, against a server
    with the Deployment's SES_EMULATOR_ALLOWED_HOSTS."""
    allowed = _env()["SES_EMULATOR_ALLOWED_HOSTS"]["value"]
    namespace = _kind("Namespace")["metadata"]["name"]
    service = _kind("Service", "ses-emulator")["metadata"]["name"]
    for name in (service, f"{service}.{namespace}", f"{service}.{namespace}.svc.cluster.local"):
        assert name in allowed.split(",")
    srv = make_server("sqlite", allowed_hosts=allowed)
    container = _container()
    probes = [container[k]["httpGet"] for k in ("startupProbe", "readinessProbe", "livenessProbe")]
    assert {p["path"] for p in probes} == {"/readyz", "/healthz"}
    for probe in probes:
        assert probe["port"] == "http"
        headers = {h["name"]: h["value"] for h in probe["httpHeaders"]}
        r = srv.http.get(probe["path"], headers=headers)
        assert r.status_code == 200, (probe, r.text)
        # without the Host override the kubelet sends the pod's address, which the Host check refuses
        assert srv.http.get(probe["path"], headers={"Host": "10.1.2.3:8025"}).status_code == 403
    for name in allowed.split(","):  # another pod calling the Service by any of its names
        assert srv.http.get("/healthz", headers={"Host": f"{name}:8025"}).status_code == 200
