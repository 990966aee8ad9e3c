"""The Kustomize base under deploy/kubernetes (database=postgresql with docker).

Offline, as a user's CI would: `kubectl kustomize` renders the base and every
overlay, `kubernetes-validate --strict` accepts every object (unknown fields
rejected), checkov's kubernetes and kustomize frameworks fail nothing and skip
nothing, and the rendered objects hold the hardening the service relies on.
A live cluster's behaviour (admission, NetworkPolicy enforcement, autoscaling)
is out of reach here; docs/deploying.md says so.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from checks import checkov_reports
from combinations import PAIRWISE
from helpers import (
    ROOT,
    RenderCombination,
    RenderedProject,
    RenderTo,
    locked_versions,
    run,
    tool,
)

GITHUB = "py313-pg-github-dependabot"  # CORE: postgresql + docker + GitHub Actions
GITLAB = "py312-pg-gitlab-renovate"  # postgresql + docker + GitLab CI (slow tier)
DIGEST = re.compile(r"^[\w.-]+(?::\d+)?(?:/[\w.-]+)+@sha256:[0-9a-f]{64}$")
SHA_PIN = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")
Objects = dict[tuple[str, str], dict[str, Any]]  # (kind, name) -> object
Base = tuple[RenderedProject, Objects]


def kubectl() -> str:
    """The kubectl that renders Kustomize; its absence is a failure, never a skip."""
    found = shutil.which("kubectl")
    if found is None:
        raise AssertionError(
            "kubectl (with kustomize v5) is not on PATH: .ci/run checks for it; "
            "install kubectl from your distribution or the Kubernetes release page"
        )
    return found


def kustomize(project: RenderedProject, folder: str) -> tuple[Path, list[dict[str, Any]]]:
    """Render one kustomization of the project to a file; return it and its objects."""
    output = project.path.parent / f"{folder.replace('/', '-')}.yaml"
    run(project.path, kubectl(), "kustomize", folder, "--output", str(output))
    objects = [doc for doc in yaml.safe_load_all(output.read_text()) if doc]
    return output, objects


def kustomizations(project: RenderedProject) -> list[str]:
    """The base and every overlay the project ships."""
    overlays = sorted(project.path.glob("deploy/overlays/*/kustomization.yaml"))
    return ["deploy/kubernetes"] + [str(p.parent.relative_to(project.path)) for p in overlays]


def by_kind(objects: list[dict[str, Any]]) -> Objects:
    return {(o["kind"], o["metadata"]["name"]): o for o in objects}


def pod_specs(objects: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The pod template of every workload, by kind/name."""
    return {
        f"{o['kind']}/{o['metadata']['name']}": o["spec"]["template"]["spec"]
        for o in objects
        if o["kind"] in {"Deployment", "Job"}
    }


@pytest.fixture
def base(
    rendered: RenderCombination,
) -> Base:
    project: RenderedProject = rendered(GITHUB)
    _, objects = kustomize(project, "deploy/kubernetes")
    return project, by_kind(objects)


def test_every_kustomization_renders_and_passes_kubernetes_validate_strict(
    rendered: RenderCombination,
) -> None:
    """`kubectl kustomize` renders base and overlays; every object passes --strict."""
    project: RenderedProject = rendered(GITHUB)
    folders = kustomizations(project)
    assert folders == ["deploy/kubernetes", "deploy/overlays/example"]
    for folder in folders:
        output, objects = kustomize(project, folder)
        result = run(
            project.path, tool("kubernetes-validate"), "--strict", str(output), check=False
        )
        assert result.returncode == 0, f"{folder}: {result.stdout}{result.stderr}"
        passed = re.findall(r"passed for resource (\S+)", result.stdout + result.stderr)
        assert len(passed) == len(objects) == 11, f"{folder}: {passed}"
        # Every kustomization keeps the Host the probes send among the allowed ones.
        (container,) = pod_specs(objects)["Deployment/app"]["containers"]
        env = {e["name"]: e["value"] for e in container["env"]}
        assert "localhost" in env["ALLOWED_HOSTS"].split(","), folder


LABEL_VALUE = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")  # a DNS label


def test_the_longest_slug_still_makes_valid_names(render_to: RenderTo) -> None:
    """A 64-character slug: the namespace and labels are cut to a 63-character DNS label."""
    slug = "q" * 62 + "-q"  # 64 characters; the first 63 end in `-`
    project = render_to({**PAIRWISE[GITHUB], "project_slug": slug})
    _, objects = kustomize(project, "deploy/kubernetes")
    names = {o["metadata"].get("namespace") for o in objects} - {None}
    names |= {o["metadata"]["name"] for o in objects if o["kind"] == "Namespace"}
    names |= {v for o in objects for v in o["metadata"]["labels"].values()}
    assert "q" * 62 in names
    assert [n for n in names if not LABEL_VALUE.match(n)] == []


def test_kubernetes_validate_rejects_a_misspelled_field(base: Base, tmp_path: Path) -> None:
    """--strict is what makes the check worth having: a typo in the pod spec fails it."""
    _, objects = base
    deployment = json.loads(json.dumps(objects["Deployment", "app"]))
    deployment["spec"]["template"]["spec"]["containers"][0]["securityContxt"] = {}
    broken = tmp_path / "broken.yaml"
    broken.write_text(yaml.safe_dump(deployment))
    result = run(tmp_path, tool("kubernetes-validate"), "--strict", str(broken), check=False)
    assert result.returncode != 0
    assert "securityContxt" in result.stdout + result.stderr


def checkov(cwd: Path, framework: str, *targets: str) -> dict[str, Any]:
    """One checkov run of one framework, offline; its single report."""
    reports, result = checkov_reports(cwd, "--framework", framework, *targets)
    assert [r["check_type"] for r in reports] == [framework], result.stderr[-2000:]
    return reports[0]


def test_checkov_fails_nothing_and_skips_nothing(base: Base) -> None:
    """checkov kubernetes on each rendered kustomization, kustomize on deploy/: 0 failed.

    A weakened copy of the Deployment is scanned in the same run and must fail,
    so a scan that silently checks nothing cannot pass.
    """
    project, objects = base
    files = [str(kustomize(project, folder)[0]) for folder in kustomizations(project)]
    deployment = json.loads(json.dumps(objects["Deployment", "app"]))
    context = deployment["spec"]["template"]["spec"]["containers"][0]["securityContext"]
    context.update(allowPrivilegeEscalation=True, readOnlyRootFilesystem=False)
    weak = project.path.parent / "weakened.yaml"
    weak.write_text(yaml.safe_dump(deployment))
    report = checkov(
        project.path, "kubernetes", *[arg for f in [*files, str(weak)] for arg in ("--file", f)]
    )
    failed = {
        (Path(c["file_path"]).name, c["check_id"]) for c in report["results"]["failed_checks"]
    }
    assert failed == {("weakened.yaml", "CKV_K8S_20"), ("weakened.yaml", "CKV_K8S_22")}
    assert report["summary"]["skipped"] == 0
    assert report["summary"]["passed"] >= 300, report["summary"]  # every file was scanned
    kustomize_report = checkov(project.path, "kustomize", "--directory", "deploy")
    summary = kustomize_report["summary"]
    assert (summary["failed"], summary["skipped"]) == (0, 0), kustomize_report["results"]
    assert summary["passed"] >= 300, summary  # the base and the overlay


def test_workloads_run_as_the_images_user_without_privileges(
    base: Base,
) -> None:
    """Pod and container: the Dockerfile's numeric UID/GID, non-root, read-only, no caps."""
    project, objects = base
    dockerfile = (project.path / "Dockerfile").read_text()
    uid, gid = map(int, re.findall(r"^USER (\d+):(\d+)$", dockerfile, re.MULTILINE)[0])
    specs = pod_specs(list(objects.values()))
    assert set(specs) == {"Deployment/app", "Job/migrate"}
    for name, spec in specs.items():
        pod = spec["securityContext"]
        assert pod["runAsNonRoot"] is True, name
        assert (pod["runAsUser"], pod["runAsGroup"], pod["fsGroup"]) == (uid, gid, gid), name
        assert pod["seccompProfile"] == {"type": "RuntimeDefault"}, name
        assert spec["automountServiceAccountToken"] is False, name
        assert spec["enableServiceLinks"] is False, name
        for container in spec["containers"]:
            context = container["securityContext"]
            assert context["runAsNonRoot"] is True
            assert (context["runAsUser"], context["runAsGroup"]) == (uid, gid)
            assert context["readOnlyRootFilesystem"] is True
            assert context["allowPrivilegeEscalation"] is False
            assert context["privileged"] is False
            assert context["capabilities"] == {"drop": ["ALL"]}
            assert context["seccompProfile"] == {"type": "RuntimeDefault"}
            assert set(container["resources"]) == {"requests", "limits"}
            for part in ("requests", "limits"):
                assert set(container["resources"][part]) == {"cpu", "memory"}
            assert DIGEST.match(container["image"]), container["image"]
            # The only writable paths are volumes: /tmp here; secrets are read-only.
            pod_tmp = "/tmp"  # noqa: S108 - a path inside the pod, backed by an emptyDir
            mounts = {m["mountPath"]: m for m in container["volumeMounts"]}
            assert set(mounts) == {pod_tmp, "/run/secrets"}
            assert mounts["/run/secrets"]["readOnly"] is True
            volumes = {v["name"]: v for v in spec["volumes"]}
            assert "emptyDir" in volumes[mounts[pod_tmp]["name"]]
    for account in ("app", "migrate"):
        assert objects["ServiceAccount", account]["automountServiceAccountToken"] is False
    namespace = objects["Namespace", "acme-orders"]["metadata"]["labels"]
    assert namespace["pod-security.kubernetes.io/enforce"] == "restricted"
    assert {o["metadata"].get("namespace", "acme-orders") for o in objects.values()} == {
        "acme-orders"
    }


def test_secrets_are_files_named_as_the_settings_read_them(
    base: Base,
) -> None:
    """No secret in env; the app gets database_url only, the Job migration_database_url only."""
    project, objects = base
    package = project.path / "src" / project.package
    settings = (package / "settings.py").read_text()
    assert re.search(r"^SECRETS_DIR: Final = Path\(\"/run/secrets\"\)$", settings, re.MULTILINE)
    fields = {
        name
        for module in package.rglob("*.py")
        for name in re.findall(r"^    (\w*database_url): ", module.read_text(), re.MULTILINE)
    }
    assert fields == {"database_url", "migration_database_url"}
    files = {}
    for name, spec in pod_specs(list(objects.values())).items():
        container = spec["containers"][0]
        assert "envFrom" not in container, name
        env = {e["name"]: e for e in container.get("env", [])}
        assert [e for e in env.values() if "valueFrom" in e] == [], name
        assert not {"DATABASE_URL", "MIGRATION_DATABASE_URL"} & set(env), name
        (secrets,) = [v["projected"] for v in spec["volumes"] if "projected" in v]
        files[name] = [i["path"] for s in secrets["sources"] for i in s["secret"]["items"]]
        assert secrets["defaultMode"] == 0o440, name
    # Only the Job holds the schema owner's URL; it also reads the service's settings.
    assert files == {
        "Deployment/app": ["database_url"],
        "Job/migrate": ["migration_database_url", "database_url"],
    }


def test_the_service_serves_with_probes_and_drains_on_shutdown(
    base: Base,
) -> None:
    """`python -m <pkg> serve`, 2+ replicas spread out, probes, preStop drain, grace period."""
    project, objects = base
    dockerfile = (project.path / "Dockerfile").read_text()
    assert f'ENTRYPOINT ["python3", "-m", "{project.package}"]' in dockerfile
    deployment = objects["Deployment", "app"]
    assert deployment["spec"]["replicas"] >= 2
    spec = deployment["spec"]["template"]["spec"]
    (container,) = spec["containers"]
    assert container["args"] == ["serve"]
    assert objects["Job", "migrate"]["spec"]["template"]["spec"]["containers"][0]["args"] == [
        "migrate"
    ]
    port = {p["name"]: p["containerPort"] for p in container["ports"]}["http"]
    env = {e["name"]: e["value"] for e in container["env"]}
    assert int(env["PORT"]) == port
    # The kubelet's probes send a Host the service accepts (ALLOWED_HOSTS).
    allowed = env["ALLOWED_HOSTS"].split(",")
    for probe, path in (
        ("startup", "/healthz"),
        ("liveness", "/healthz"),
        ("readiness", "/readyz"),
    ):
        get = container[f"{probe}Probe"]["httpGet"]
        assert (get["path"], get["port"]) == (path, "http"), probe
        assert get["httpHeaders"] == [{"name": "Host", "value": "localhost"}], probe
    assert "localhost" in allowed
    # Concurrent argon2 hashes (64 MiB each, in every worker) fit in half the memory limit.
    limit = container["resources"]["limits"]["memory"]
    assert limit.endswith("Mi")
    workers = int(env["WORKERS"])
    hashes = workers * int(env["PASSWORD_HASH_CONCURRENCY"])
    assert hashes * 64 <= int(limit.removesuffix("Mi")) // 2
    # No more workers than CPUs of the limit (cores or millicores).
    cpu = container["resources"]["limits"]["cpu"]
    assert 1 <= workers <= (int(cpu[:-1]) // 1000 if cpu.endswith("m") else int(cpu))
    # The endpoints drain (preStop), then the server's grace: both before the kill.
    drain = container["lifecycle"]["preStop"]["sleep"]["seconds"]
    grace = int(env["SHUTDOWN_GRACE_SECONDS"])
    assert min(drain, grace) > 0
    assert drain + grace < spec["terminationGracePeriodSeconds"]
    spread = {c["topologyKey"] for c in spec["topologySpreadConstraints"]}
    assert spread == {"topology.kubernetes.io/zone", "kubernetes.io/hostname"}
    service = objects["Service", "app"]["spec"]
    assert service["selector"] == deployment["spec"]["selector"]["matchLabels"]
    assert [p["targetPort"] for p in service["ports"]] == ["http"]
    hpa = objects["HorizontalPodAutoscaler", "app"]["spec"]
    assert hpa["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "app"}
    assert 2 <= hpa["minReplicas"] < hpa["maxReplicas"]
    # Every pod the HPA and a rolling update may run, each worker with a full pool,
    # leaves PostgreSQL's default max_connections (100, 3 reserved) 20 to spare.
    surge = deployment["spec"]["strategy"]["rollingUpdate"]["maxSurge"]
    pool = int(env["DATABASE_POOL_MAX_SIZE"])
    assert 1 <= int(env["DATABASE_POOL_MIN_SIZE"]) <= pool
    assert (hpa["maxReplicas"] + surge) * workers * pool <= 100 - 3 - 20
    pdb = objects["PodDisruptionBudget", "app"]["spec"]
    assert pdb["selector"]["matchLabels"] == deployment["spec"]["selector"]["matchLabels"]
    assert pdb["maxUnavailable"] == 1


def test_network_policies_deny_all_but_the_port_postgresql_and_dns(
    base: Base,
) -> None:
    """Default deny both ways; ingress only to the app port; egress only to 5432 and 53."""
    _, objects = base
    policies = {name: o["spec"] for (kind, name), o in objects.items() if kind == "NetworkPolicy"}
    assert policies["default-deny"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    ingress = [rule for p in policies.values() for rule in p.get("ingress", [])]
    assert [port for rule in ingress for port in rule["ports"]] == [
        {"port": "http", "protocol": "TCP"}
    ]
    egress = [rule for p in policies.values() for rule in p.get("egress", [])]
    ports = sorted((port["port"], port["protocol"]) for rule in egress for port in rule["ports"])
    assert ports == [(53, "TCP"), (53, "UDP"), (5432, "TCP")]
    # DNS goes to the cluster's DNS pods only, not to any address on port 53.
    (dns,) = [rule for rule in egress if rule["ports"][0]["port"] == 53]
    assert dns["to"][0]["podSelector"] == {"matchLabels": {"k8s-app": "kube-dns"}}


def test_images_are_set_by_digest_through_kustomize(rendered: RenderCombination) -> None:
    """`images:` holds newName + digest; the placeholder digest is visibly not real."""
    project: RenderedProject = rendered(GITHUB)
    for folder in kustomizations(project):
        config = yaml.safe_load((project.path / folder / "kustomization.yaml").read_text())
        (image,) = config["images"]
        assert image["name"] == "app"
        assert set(image) == {"name", "newName", "digest"}
        assert image["digest"] == "sha256:" + "0" * 64
    for manifest in (project.path / "deploy" / "kubernetes").glob("*.yaml"):
        for doc in yaml.safe_load_all(manifest.read_text()):
            for spec in pod_specs([doc] if doc and "kind" in doc else []).values():
                assert [c["image"] for c in spec["containers"]] == ["app"]


def test_rendered_ci_runs_the_same_checks_with_pinned_tools(rendered: RenderCombination) -> None:
    """The GitHub workflow runs `nox -s kubernetes` with a checked kubectl and SHA-pinned steps."""
    project: RenderedProject = rendered(GITHUB)
    workflow = yaml.safe_load((project.path / ".github/workflows/kubernetes.yml").read_text())
    assert workflow["permissions"] == {}
    (job,) = workflow["jobs"].values()
    assert job["permissions"] == {"contents": "read"}
    steps = job["steps"]
    uses = [step["uses"] for step in steps if "uses" in step]
    assert uses
    assert all(SHA_PIN.match(u) for u in uses), uses
    scripts = "\n".join(step.get("run", "") for step in steps)
    assert "sha512sum --check --strict" in scripts
    assert scripts.rstrip().endswith("uv run --locked nox -s kubernetes")
    noxfile = (project.path / "noxfile.py").read_text()
    assert "def kubernetes(session: nox.Session)" in noxfile


def test_validation_tools_are_hash_pinned_at_the_maintainers_versions(
    rendered: RenderCombination,
) -> None:
    """deploy/validation-requirements.txt: every pin hashed, same checkov/kubernetes-validate."""
    project: RenderedProject = rendered(GITHUB)
    text = (project.path / "deploy" / "validation-requirements.txt").read_text()
    entries = re.split(r"\n(?=[a-z0-9])", text.split("\n", 4)[-1].strip())
    assert len(entries) > 50
    assert [entry.split()[0] for entry in entries if "--hash=sha256:" not in entry] == []
    pinned = dict(re.findall(r"^([a-z0-9-]+)==(\S+)", text, re.MULTILINE))
    ours = locked_versions((ROOT / "uv.lock").read_text())
    for name in ("checkov", "kubernetes-validate"):
        assert pinned[name] == ours[name], name
    requested = (project.path / "deploy" / "validation-requirements.in").read_text()
    assert f"checkov=={ours['checkov']}" in requested


@pytest.mark.parametrize("combo_id", ["defaults", "py311-pg-gitlab-nodocker"])
def test_no_kubernetes_files_without_postgresql_and_docker(
    rendered: RenderCombination, combo_id: str
) -> None:
    """sqlite or no image: no deploy/, no Kubernetes job, no kubernetes nox session."""
    project: RenderedProject = rendered(combo_id)
    assert not (project.path / "deploy").exists()
    assert not (project.path / ".github" / "workflows" / "kubernetes.yml").exists()
    gitlab = project.path / ".gitlab-ci.yml"
    if gitlab.exists():
        assert "kubernetes" not in yaml.safe_load(gitlab.read_text())


@pytest.mark.slow
def test_gitlab_ci_runs_the_same_checks(rendered: RenderCombination) -> None:
    """GitLab: a `kubernetes` job that checks kubectl's SHA-512 and runs the nox session."""
    project: RenderedProject = rendered(GITLAB)
    job = yaml.safe_load((project.path / ".gitlab-ci.yml").read_text())["kubernetes"]
    script = "\n".join(job["script"])
    assert "sha512sum --check --strict" in script
    assert job["script"][-1] == "uv run --locked nox -s kubernetes"


@pytest.mark.slow
def test_the_rendered_nox_session_passes(rendered: RenderCombination) -> None:
    """`uv run --locked nox -s kubernetes` installs the hashed tools and passes."""
    project: RenderedProject = rendered(GITHUB)
    result = project.run(
        "uv", "run", "--locked", "nox", "-s", "kubernetes", env={"KUBECTL": kubectl()}
    )
    assert "Session kubernetes was successful" in result.stdout + result.stderr
    assert (result.stdout + result.stderr).count("Failed checks: 0, Skipped checks: 0") == 2
