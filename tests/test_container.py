"""The rendered container files: the Dockerfile, compose.yml and the supply-chain workflows.

The default tier checks the rendered files statically (linters, pins, permissions,
the compose secrets layout, the database init SQL on real PostgreSQL). The slow
tier builds the image with buildah on a debootstrap base (no Docker engine, no
registry here), runs it, and checks what a deployment relies on: an unprivileged
user, /healthz from the host, read-only code, no secret or build tool inside.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import secrets
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
import tomllib
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from checks import config_schema_findings, container_findings, workflow_findings
from helpers import RenderedProject, git, render, run
from packaging.specifiers import SpecifierSet
from packaging.version import Version

APP_UID = 10001
BASE_IMAGE = "localhost/copier-secure-service-test-base:bookworm-python3-v1"
BASE_PACKAGES = "python3,python3-venv"
SHA_PIN = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")
DIGEST_PIN = re.compile(r"@sha256:[0-9a-f]{64}$")
WORKFLOWS = ("codeql.yml", "scorecard.yml", "sbom.yml", "container.yml")


def render_files(dst: Path, **answers: Any) -> Path:
    """Render the template at HEAD (plus uncommitted changes) into `dst`, not committed."""
    return render(dst, answers, commit=False).path


@pytest.fixture(scope="module")
def projects(tmp_path_factory: pytest.TempPathFactory) -> dict[str, RenderedProject]:
    """The default project and a postgresql one, both with docker and GitHub CI."""
    base = tmp_path_factory.mktemp("container-static")
    return {
        "sqlite": render(base / "sqlite", commit=False),
        "postgresql": render(
            base / "postgresql",
            {"database": "postgresql", "python_version": "3.13"},
            commit=False,
        ),
    }


@pytest.fixture(scope="module")
def rendered(projects: dict[str, RenderedProject]) -> dict[str, Path]:
    """The directories of `projects`."""
    return {name: project.path for name, project in projects.items()}


# ---------------------------------------------------------------------------
# Default tier: the rendered files, statically
# ---------------------------------------------------------------------------


class TestDockerfile:
    def test_hadolint_and_checkov_report_nothing(
        self, projects: dict[str, RenderedProject]
    ) -> None:
        """hadolint finds nothing; checkov's dockerfile and github_actions frameworks each
        pass checks with nothing failed or skipped (checks.container_findings)."""
        for project in projects.values():
            assert container_findings(project) == ""

    @pytest.mark.parametrize("python_version", ["3.11", "3.12", "3.13"])
    def test_base_image_matches_python_version_and_is_pinned_by_digest(
        self, python_version: str, tmp_path: Path
    ) -> None:
        """Both stages start from the python_version's slim image, pinned by a dated digest."""
        project = render_files(tmp_path / "p", python_version=python_version)
        text = (project / "Dockerfile").read_text()
        froms = re.findall(r"^FROM (\S+)(?: AS (\S+))?$", text, flags=re.MULTILINE)
        assert froms[0][0].startswith(f"python:{python_version}-slim-bookworm@sha256:")
        assert DIGEST_PIN.search(froms[0][0])
        assert froms[0][1] == "base"
        assert [f[0] for f in froms[1:]] == ["base", "base"]
        assert re.search(r"copied on \d{4}-\d{2}-\d{2} from docker-library/repo-info", text)

    def test_pinned_uv_builds_the_project_itself(self, rendered: dict[str, Path]) -> None:
        """The builder's uv satisfies the project's uv_build range, so no backend is downloaded."""
        project = rendered["sqlite"]
        requirements = (project / "container" / "build-requirements.txt").read_text()
        pinned = re.search(r"^uv==(\S+) \\$", requirements, flags=re.MULTILINE)
        assert pinned, "build-requirements.txt must pin uv with hashes"
        hashes = re.findall(r"--hash=sha256:[0-9a-f]{64}", requirements)
        assert len(hashes) >= 2
        pyproject = tomllib.loads((project / "pyproject.toml").read_text())
        (backend,) = pyproject["build-system"]["requires"]
        assert backend.startswith("uv_build")
        assert Version(pinned[1]) in SpecifierSet(backend.removeprefix("uv_build"))
        assert Version(pinned[1]) in SpecifierSet(pyproject["tool"]["uv"]["required-version"])

    def test_dockerignore_admits_only_what_the_image_needs(
        self, rendered: dict[str, Path]
    ) -> None:
        """The build context is an allowlist that re-excludes .env files everywhere."""
        lines = [
            line
            for line in (rendered["sqlite"] / ".dockerignore").read_text().splitlines()
            if line and not line.startswith("#")
        ]
        assert lines[0] == "*"
        admitted = {line[1:] for line in lines if line.startswith("!")}
        assert admitted == {
            "pyproject.toml",
            "uv.lock",
            "README.md",
            "LICENSE",
            "src/",
            "container/build-requirements.txt",
        }
        assert {"**/.env", "**/.env.*"} <= set(lines)


class TestWorkflows:
    def test_only_rendered_for_github(self, tmp_path: Path) -> None:
        """The workflows exist for ci=github only; the container one needs docker too."""
        github = render_files(tmp_path / "gh", docker=False)
        present = {p.name for p in (github / ".github" / "workflows").iterdir()}
        assert present >= set(WORKFLOWS) - {"container.yml"}
        assert not (github / ".github" / "workflows" / "container.yml").exists()
        gitlab = render_files(tmp_path / "gl", ci="gitlab")
        for name in WORKFLOWS:
            assert not (gitlab / ".github" / "workflows" / name).exists()

    def test_pinned_least_privilege_and_credential_free(self, rendered: dict[str, Path]) -> None:
        """Every action is pinned by SHA with a version comment; no token is persisted."""
        for project in rendered.values():
            for name in WORKFLOWS:
                path = project / ".github" / "workflows" / name
                text = path.read_text()
                workflow = yaml.safe_load(text)
                assert workflow["permissions"] == {}, name
                for job in workflow["jobs"].values():
                    assert "permissions" in job, name
                    assert "write-all" not in str(job["permissions"])
                    for step in job["steps"]:
                        uses = step.get("uses")
                        if uses is None:
                            continue
                        assert SHA_PIN.match(uses), f"{name}: {uses} is not pinned by SHA"
                        assert re.search(
                            re.escape(uses) + r" # v\d+\.\d+\.\d+, copied \d{4}-\d{2}-\d{2}",
                            text,
                        ), f"{name}: {uses} lacks its version comment"
                        if uses.startswith("actions/checkout@"):
                            assert step["with"]["persist-credentials"] is False

    def test_zizmor_and_schema_report_nothing(self, projects: dict[str, RenderedProject]) -> None:
        """zizmor (pedantic, offline) and the workflow JSON schema accept every workflow."""
        for project in projects.values():
            assert workflow_findings(project) == ""

    def test_trivy_fails_the_build_on_high_and_critical(self, rendered: dict[str, Path]) -> None:
        """The container workflow scans the image it built and fails on HIGH/CRITICAL."""
        workflow = yaml.safe_load(
            (rendered["sqlite"] / ".github" / "workflows" / "container.yml").read_text()
        )
        steps = workflow["jobs"]["build-and-scan"]["steps"]
        build = next(i for i, s in enumerate(steps) if "docker build" in s.get("run", ""))
        scan = next(
            i for i, s in enumerate(steps) if s.get("uses", "").startswith("aquasecurity/trivy")
        )
        assert build < scan
        options = steps[scan]["with"]
        assert options["image-ref"] == "${{ env.IMAGE }}"
        assert workflow["env"]["IMAGE"] in steps[build]["run"].replace(
            "$IMAGE", workflow["env"]["IMAGE"]
        )
        assert options["severity"] == "HIGH,CRITICAL"
        assert options["exit-code"] == "1"
        assert "secret" in options["scanners"].split(",")

    def test_sbom_is_cyclonedx_from_the_lock(self, rendered: dict[str, Path]) -> None:
        """The SBOM workflow's own command yields a CycloneDX 1.5 document of the locked set."""
        project = rendered["postgresql"]
        workflow = yaml.safe_load((project / ".github" / "workflows" / "sbom.yml").read_text())
        steps = workflow["jobs"]["cyclonedx"]["steps"]
        command = next(s["run"] for s in steps if "uv export" in s.get("run", ""))
        upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-artifact"))
        result = run(project, "bash", "-c", command, check=False)
        assert result.returncode == 0, result.stderr
        sbom = json.loads((project / upload["with"]["path"]).read_text())
        assert sbom["bomFormat"] == "CycloneDX"
        assert sbom["specVersion"] == "1.5"
        lock = tomllib.loads((project / "uv.lock").read_text())
        locked = {(p["name"], p["version"]) for p in lock["package"]}
        listed = {(c["name"], c["version"]) for c in sbom["components"]}
        assert ("psycopg", next(v for n, v in locked if n == "psycopg")) in listed
        assert listed <= locked
        assert not any(name == "pytest" for name, _ in listed), "dev tools are not shipped"


class TestCompose:
    def test_only_for_postgresql_with_docker(
        self, rendered: dict[str, Path], tmp_path: Path
    ) -> None:
        """compose.yml comes with database=postgresql and docker=true only."""
        assert (rendered["postgresql"] / "compose.yml").exists()
        assert not (rendered["sqlite"] / "compose.yml").exists()
        no_docker = render_files(tmp_path / "p", database="postgresql", docker=False)
        assert not (no_docker / "compose.yml").exists()
        assert not (no_docker / "compose").exists()

    def test_valid_compose_spec(self, projects: dict[str, RenderedProject]) -> None:
        """compose.yml validates against the Compose specification's schema (and so do the
        project's other tool configs: checks.config_schema_findings)."""
        assert (projects["postgresql"].path / "compose.yml").exists()
        assert config_schema_findings(projects["postgresql"]) == ""

    def test_least_privilege_layout(self, rendered: dict[str, Path]) -> None:
        """Only migrate holds the owner's URL; the app is read-only and local; the db is closed."""
        project = rendered["postgresql"]
        compose = yaml.safe_load((project / "compose.yml").read_text())
        services = compose["services"]
        assert DIGEST_PIN.search(services["db"]["image"])
        assert "ports" not in services["db"]
        assert services["app"]["secrets"] == ["database_url"]
        assert "migration_database_url" in services["migrate"]["secrets"]
        assert services["migrate"]["command"] == ["migrate"]
        assert services["app"]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully"
        )
        assert services["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"
        assert "healthcheck" in services["db"]
        for name in ("app", "migrate"):
            assert services[name]["read_only"] is True
            assert services[name]["cap_drop"] == ["ALL"]
            assert "no-new-privileges:true" in services[name]["security_opt"]
        assert all(p.startswith("127.0.0.1:") for p in services["app"]["ports"])
        for secret in compose["secrets"].values():
            assert secret["file"].startswith("./secrets/")
        git(project, "init", "-q")
        ignored = run(project, "git", "check-ignore", "secrets/database_url", check=False)
        assert ignored.returncode == 0, "secrets/ must be git-ignored"

    def test_app_login_role_sql_on_postgresql(self, rendered: dict[str, Path]) -> None:
        """The db init SQL creates a plain login role from the secret file, and refuses a weak one.

        It runs in a transaction that is rolled back, with the role name and the
        secret path swapped for scratch ones so parallel runs never collide.
        """
        url = os.environ.get("TEST_DATABASE_URL")
        if not url:
            pytest.skip("TEST_DATABASE_URL is not set: no PostgreSQL to run the init SQL on")
        if shutil.which("psql") is None:
            pytest.fail("psql is missing: apt-get install -y postgresql-client")
        sql = (rendered["postgresql"] / "compose" / "app-login-role.sql").read_text()
        role = f"scratch_app_{secrets.token_hex(4)}"
        with tempfile.TemporaryDirectory() as tmp:
            secret = Path(tmp) / "app_db_password"
            script = sql.replace("/run/secrets/app_db_password", str(secret))
            script = script.replace(" acme_orders_app ", f" {role} ")
            script = script.replace("'acme_orders_app'", f"'{role}'")
            assert role in script
            check = (
                "SELECT rolcanlogin, rolsuper, rolcreatedb, rolcreaterole, "
                "left(rolpassword, 14) FROM pg_authid WHERE rolname = :'role';"
            )
            psql = [
                "psql",
                "-X",
                "-q",
                "-A",
                "-t",
                "-v",
                "ON_ERROR_STOP=1",
                "-v",
                f"role={role}",
                url,
            ]

            def apply(password: str) -> subprocess.CompletedProcess[str]:
                secret.write_text(password)
                text = f"BEGIN;\n{script}\n{script}\n{check}\nROLLBACK;\n"
                return run(Path(tmp), *psql, input=text, timeout=60, check=False)

            good = apply(secrets.token_urlsafe(24))
            assert good.returncode == 0, good.stderr
            assert good.stdout.split() == ["t|f|f|f|SCRAM-SHA-256$"]
            for weak in ("", "short"):
                refused = apply(weak)
                assert refused.returncode != 0
                assert "app_db_password secret is missing or shorter than 16" in refused.stderr


# ---------------------------------------------------------------------------
# Slow tier: build and run the image with buildah
# ---------------------------------------------------------------------------

APT_PACKAGES = "buildah podman debootstrap"


def buildah(*args: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    """buildah on the vfs driver, which needs no kernel overlay support."""
    return run(
        Path.cwd(), "buildah", "--storage-driver", "vfs", *args, timeout=timeout, check=False
    )


def host_ca_bundle() -> Path | None:
    """The host's CA bundle, lent to the build for its PyPI downloads behind a TLS proxy."""
    candidates = [os.environ.get("SSL_CERT_FILE"), ssl.get_default_verify_paths().cafile]
    candidates.append("/etc/ssl/certs/ca-certificates.crt")
    return next((Path(c) for c in candidates if c and Path(c).is_file()), None)


@contextlib.contextmanager
def build_lock() -> Iterator[None]:
    """One image build at a time on this machine (2 cores; buildah's leftovers are per build)."""
    path = Path(tempfile.gettempdir()) / "copier-secure-service-image-build.lock"
    with path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def container_ids() -> set[str]:
    listed = buildah("containers", "--json")
    assert listed.returncode == 0, listed.stderr
    return {c["id"] for c in json.loads(listed.stdout) or []}  # buildah prints null for none


@pytest.fixture(scope="session")
def base_image(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A Debian bookworm image with python3, made with debootstrap once and kept between runs."""
    missing = [name for name in ("buildah", "podman", "debootstrap") if shutil.which(name) is None]
    if missing:
        pytest.fail(
            f"container tests need {', '.join(missing)} (run as root): "
            f"apt-get install -y {APT_PACKAGES}"
        )
    if os.geteuid() != 0:
        pytest.fail("container tests build with buildah's vfs driver as root; run them as root")
    with build_lock():  # parallel workers make the base once
        exists = run(
            Path.cwd(),
            "podman",
            "--storage-driver",
            "vfs",
            "image",
            "exists",
            BASE_IMAGE,
            check=False,
        )
        if exists.returncode == 0:
            return BASE_IMAGE
        root = tmp_path_factory.mktemp("debootstrap") / "root"
        made = run(
            root.parent,
            "debootstrap",
            "--variant=minbase",
            f"--include={BASE_PACKAGES}",
            "bookworm",
            str(root),
            timeout=1200,
            check=False,
        )
        assert made.returncode == 0, (
            f"debootstrap failed:\n{made.stdout[-3000:]}{made.stderr[-3000:]}"
        )
        for cache in ("var/cache/apt/archives", "var/lib/apt/lists"):
            for entry in (root / cache).glob("*"):
                if entry.is_file():
                    entry.unlink()
        tar = subprocess.Popen(["tar", "-C", str(root), "-c", "."], stdout=subprocess.PIPE)
        imported = subprocess.run(
            ["podman", "--storage-driver", "vfs", "import", "-", BASE_IMAGE],
            stdin=tar.stdout,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        tar.wait()
        shutil.rmtree(root)
        assert imported.returncode == 0, imported.stderr
        return BASE_IMAGE


@dataclass(frozen=True)
class Built:
    """A built image of a rendered project, and what was planted in its build context."""

    tag: str
    database: str
    package: str
    canary: str
    config: dict[str, Any]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def image(
    request: pytest.FixtureRequest, base_image: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Built]:
    """The rendered project's image, built on the debootstrap base (Debian's python3 is 3.11).

    The project directory holds a .env (at the top and inside the package), a
    secrets/ file and a git repository, each with a canary value, as a
    developer's checkout would: none of it may reach the image.
    """
    database = request.param
    project = render_files(
        tmp_path_factory.mktemp(f"image-{database}") / "project",
        database=database,
        python_version="3.11",
    )
    package = "acme_orders"
    canary = f"canary-{secrets.token_hex(16)}"
    (project / ".env").write_text(f"DATABASE_URL=postgresql://app:{canary}@db/x\n")
    (project / "src" / package / ".env").write_text(f"SECRET={canary}\n")
    (project / "secrets").mkdir()
    (project / "secrets" / "database_url").write_text(f"postgresql://app:{canary}@db/x")
    git(project, "init", "-q")
    git(project, "config", "user.email", canary + "@example.org")

    tag = f"localhost/copier-secure-service-test:{database}-{secrets.token_hex(4)}"
    args = ["bud", "--format", "docker", "--isolation", "chroot", "--network", "host"]
    args += ["--from", base_image, "--tag", tag]
    ca_bundle = host_ca_bundle()
    if ca_bundle is not None:
        args += ["--secret", f"id=ca_bundle,src={ca_bundle}"]
    with build_lock():
        before = container_ids()
        built = buildah(*args, str(project), timeout=1500)
        # buildah 1.28 leaves the working container of the empty `base` stage behind.
        for leftover in container_ids() - before:
            buildah("rm", leftover)
    assert built.returncode == 0, f"build failed:\n{built.stdout[-5000:]}\n{built.stderr[-3000:]}"
    try:
        inspected = buildah("inspect", "--type", "image", tag)
        assert inspected.returncode == 0, inspected.stderr
        config = json.loads(inspected.stdout)["Docker"]["config"]
        yield Built(tag=tag, database=database, package=package, canary=canary, config=config)
    finally:
        buildah("rmi", "--force", tag)


@pytest.fixture(scope="module")
def container(image: Built) -> Iterator[str]:
    """A working container of the image, shared by the image's tests; removed afterwards."""
    made = buildah("from", "--pull-never", image.tag)
    assert made.returncode == 0, made.stderr
    name = made.stdout.strip().splitlines()[-1]
    try:
        yield name
    finally:
        buildah("rm", name)


def in_container(
    name: str, *command: str, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run `command` in the container as the image's user, sharing the host's network."""
    args = ["run", "--isolation", "chroot"]
    for key, value in (env or {}).items():
        args += ["--env", f"{key}={value}"]
    return buildah(*args, name, "--", *command, timeout=timeout)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def service_env(image: Built, port: int) -> dict[str, str]:
    """What a deployment would pass; postgresql gets a URL it need not reach for /healthz."""
    if image.database == "postgresql":
        url = os.environ.get(
            "TEST_DATABASE_URL", "postgresql://acme_orders_app@127.0.0.1:5432/acme_orders"
        )
    else:
        url = "sqlite:///data/service.sqlite3"
    return {
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "DATABASE_URL": url,
        "ENVIRONMENT": "test",
        "ALLOWED_HOSTS": "127.0.0.1",
    }


def process_uids(port: int) -> list[int]:
    """Real UIDs of the processes on this host whose environment says PORT=`port`."""
    uids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            if f"PORT={port}".encode() in (proc / "environ").read_bytes().split(b"\0"):
                uid_line = next(
                    line
                    for line in (proc / "status").read_text().splitlines()
                    if line.startswith("Uid:")
                )
                uids.append(int(uid_line.split()[1]))
    return uids


@contextlib.contextmanager
def serving(name: str, env: dict[str, str], package: str) -> Iterator[subprocess.Popen[str]]:
    """The service running in the container in the background; stopped on exit."""
    args = ["buildah", "--storage-driver", "vfs", "run", "--isolation", "chroot"]
    for key, value in env.items():
        args += ["--env", f"{key}={value}"]
    process = subprocess.Popen(
        [*args, name, "--", "python3", "-m", package],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=20)


def get_healthz(port: int, deadline: float) -> tuple[int, bytes]:
    """Poll GET /healthz until it answers or `deadline` (monotonic) passes."""
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                return response.status, response.read()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


@pytest.mark.slow
class TestImage:
    def test_runs_as_fixed_unprivileged_user_without_login_shell(
        self, image: Built, container: str
    ) -> None:
        """USER is 10001:10001, processes run with that UID, and the account has no shell."""
        assert image.config["User"] == f"{APP_UID}:{APP_UID}"
        ids = in_container(
            container, "python3", "-c", "import os; print(os.getuid(), os.getgid())"
        )
        assert ids.returncode == 0, ids.stderr
        assert ids.stdout.split() == [str(APP_UID), str(APP_UID)]
        passwd = in_container(container, "getent", "passwd", str(APP_UID))
        assert passwd.stdout.strip().endswith(":/nonexistent:/usr/sbin/nologin")

    def test_healthz_answers_the_host_and_the_healthcheck_probe_agrees(
        self, image: Built, container: str
    ) -> None:
        """/healthz is 200 from the host; the HEALTHCHECK passes, and fails once stopped."""
        healthcheck = image.config["Healthcheck"]["Test"]
        assert healthcheck[0] == "CMD"
        assert not any("curl" in part or "wget" in part for part in healthcheck)
        port = free_port()
        env = service_env(image, port)
        with serving(container, env, image.package) as server:
            try:
                status, body = get_healthz(port, time.monotonic() + 60)
            except OSError:
                server.terminate()
                pytest.fail(f"/healthz never answered; service output:\n{server.communicate()[0]}")
            assert status == 200
            assert json.loads(body) == {"status": "ok"}
            uids = process_uids(port)
            assert uids, "the service process was not found"
            assert 0 not in uids
            assert APP_UID in uids
            probe = in_container(container, *healthcheck[1:], env=env)
            assert probe.returncode == 0, probe.stdout + probe.stderr
        stopped = in_container(container, *healthcheck[1:], env=env)
        assert stopped.returncode != 0

    def test_code_is_read_only_for_the_service(self, image: Built, container: str) -> None:
        """The service cannot change /app, its virtualenv or its package; /app/data is its own."""
        script = (
            "import json, pathlib, tempfile, PKG\n"
            "dirs = ['/app', '/app/venv', '/app/venv/bin', '/etc', '/usr',\n"
            "        str(pathlib.Path(PKG.__file__).parent), '/app/data']\n"
            "result = {}\n"
            "for d in dirs:\n"
            "    try:\n"
            "        tempfile.NamedTemporaryFile(dir=d).close()\n"
            "        result[d] = True\n"
            "    except PermissionError:\n"
            "        result[d] = False\n"
            "print(json.dumps(result))\n"
        ).replace("PKG", image.package)
        result = in_container(container, "python3", "-c", script)
        assert result.returncode == 0, result.stderr
        writable = json.loads(result.stdout)
        assert writable.pop("/app/data") is True
        assert not any(writable.values()), writable

    def test_image_holds_no_secret_test_or_build_tool(self, image: Built, container: str) -> None:
        """No .env, no canary from the context, no tests, no .git, no uv, pip or compiler."""
        mounted = buildah("mount", container)
        assert mounted.returncode == 0, mounted.stderr
        root = Path(mounted.stdout.strip())
        try:
            names = {path.name: path for path in root.rglob("*")}
            leaked = run(root, "grep", "-rlF", image.canary, str(root), timeout=300, check=False)
        finally:
            buildah("umount", container)
        assert leaked.returncode == 1, f"canary found in: {leaked.stdout}"
        for unwanted in (".env", ".git", "test_health.py", "build-requirements.txt", "uv", "uvx"):
            assert unwanted not in names, f"{names[unwanted]} is in the image"
        assert not (root / "run" / "secrets" / "ca_bundle").exists()
        tools = in_container(
            container,
            "python3",
            "-c",
            "import shutil; print([t for t in ('uv', 'pip', 'pip3', 'gcc', 'cc', 'curl', 'wget')"
            " if shutil.which(t)])",
        )
        assert tools.stdout.strip() == "[]", tools.stdout

    def test_missing_database_url_stops_with_a_clear_error(
        self, image: Built, container: str
    ) -> None:
        """Without DATABASE_URL the service refuses to start and says which variable is missing."""
        result = in_container(container, "python3", "-m", image.package, timeout=60)
        output = result.stdout + result.stderr
        assert result.returncode != 0
        assert "DATABASE_URL" in output.upper()
        assert "Traceback" not in output, output

    def test_postgresql_driver_works_inside_the_image(self, image: Built, container: str) -> None:
        """psycopg's binary wheel loads in the slim image and reaches a real PostgreSQL."""
        if image.database != "postgresql":
            probe = in_container(container, "python3", "-c", "import psycopg")
            assert probe.returncode != 0, "sqlite images do not ship psycopg"
            return
        url = os.environ.get("TEST_DATABASE_URL")
        if not url:
            pytest.skip("TEST_DATABASE_URL is not set: no PostgreSQL to connect to")
        script = (
            "import sys, psycopg\n"
            "print(psycopg.connect(sys.argv[1]).execute('SELECT 41 + 1').fetchone()[0])"
        )
        result = in_container(container, "python3", "-c", script, url)
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == "42"
