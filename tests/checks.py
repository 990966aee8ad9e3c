"""The checks every rendered project must pass, each returning its findings as text.

An empty string means clean. Tests assert on the text, so a failure shows exactly
what the tool reported.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from helpers import ROOT, RenderedProject, lock_path, run, tool


def stale_lock_findings(project: RenderedProject) -> str:
    """Does the rendered uv.lock still match the rendered pyproject.toml?"""
    result = project.run("uv", "lock", "--locked", check=False)
    if result.returncode == 0:
        return ""
    lock = lock_path(project.answers["python_version"], project.answers["database"])
    return (
        f"{lock.relative_to(ROOT)} is stale for the rendered pyproject.toml: "
        f"run `uv run --locked nox -s relock` and commit the result.\n{result.stderr[-2000:]}"
    )


def pyright_findings(project: RenderedProject) -> str:
    """Pyright (strict on src) must report no error, warning or information."""
    result = project.run("uv", "run", "--locked", "pyright", "--outputjson", check=False)
    report = json.loads(result.stdout)
    problems = [
        f"{d['file']}:{d['range']['start']['line'] + 1}: {d['severity']}: {d['message']}"
        for d in report["generalDiagnostics"]
    ]
    return "\n".join(problems)


def bandit_findings(project: RenderedProject) -> str:
    """Bandit over src/ must report nothing, at any severity or confidence."""
    result = project.run(
        "uv",
        "run",
        "--locked",
        "bandit",
        "-q",
        "-c",
        "pyproject.toml",
        "-r",
        "src",
        "-f",
        "json",
        check=False,
    )
    report = json.loads(result.stdout)
    issues = [
        f"{i['filename']}:{i['line_number']}: {i['test_id']} {i['issue_text']}"
        for i in report["results"]
    ]
    errors = [f"{e['filename']}: {e['reason']}" for e in report["errors"]]
    return "\n".join(issues + errors)


def secrets_findings(project: RenderedProject) -> str:
    """The project's own detect-secrets over the tracked tree finds nothing new.

    It runs from the rendered project's locked environment: the maintainers'
    environment also holds checkov, whose bc-detect-secrets fork installs over
    the same `detect_secrets` module and reports differently.
    """
    result = project.run(
        "uv", "run", "--locked", "detect-secrets", "scan", "--exclude-files", r"^uv\.lock$"
    )
    found = json.loads(result.stdout)["results"]
    baseline_path = project.path / ".secrets.baseline"
    baseline = json.loads(baseline_path.read_text())["results"] if baseline_path.exists() else {}
    new = {
        path: [s["type"] for s in secrets if s not in baseline.get(path, [])]
        for path, secrets in found.items()
    }
    return "\n".join(f"{path}: {types}" for path, types in new.items() if types)


def workflow_findings(project: RenderedProject) -> str:
    """GitHub workflows: zizmor (offline, pedantic, every severity) and the workflow schema."""
    workflows = sorted((project.path / ".github" / "workflows").glob("*.yml"))
    if not workflows:
        return "no workflow files rendered for ci=github"
    problems = []
    zizmor = project.run(
        tool("zizmor"),
        "--offline",
        "--no-progress",
        "--persona",
        "pedantic",
        "--min-severity",
        "unknown",
        "--min-confidence",
        "unknown",
        ".github/workflows",
        check=False,
    )
    if zizmor.returncode != 0 or "No findings" not in zizmor.stdout + zizmor.stderr:
        problems.append(f"zizmor: {zizmor.stdout}{zizmor.stderr}")
    schema = project.run(
        tool("check-jsonschema"),
        "--builtin-schema",
        "vendor.github-workflows",
        *map(str, workflows),
        check=False,
    )
    if schema.returncode != 0:
        problems.append(f"workflow schema: {schema.stdout}{schema.stderr}")
    return "\n".join(problems)


SCHEMAS = {
    ".gitlab-ci.yml": "vendor.gitlab-ci",
    "renovate.json": "vendor.renovate",
    ".github/dependabot.yml": "vendor.dependabot",
    "compose.yml": "vendor.compose-spec",
}


def config_schema_findings(project: RenderedProject) -> str:
    """Each rendered tool config validates against its published schema (or checker)."""
    problems = []
    pre_commit = project.run(
        tool("pre-commit"), "validate-config", ".pre-commit-config.yaml", check=False
    )
    if pre_commit.returncode != 0:
        problems.append(f".pre-commit-config.yaml: {pre_commit.stdout}{pre_commit.stderr}")
    for relative, schema in SCHEMAS.items():
        if (project.path / relative).exists():
            result = project.run(
                tool("check-jsonschema"), "--builtin-schema", schema, relative, check=False
            )
            if result.returncode != 0:
                problems.append(f"{relative}: {result.stdout}{result.stderr}")
    return "\n".join(problems)


def json_documents(text: str) -> Iterator[list[dict[str, Any]]]:
    """checkov prints one JSON document per scanned directory, one after the other."""
    decoder = json.JSONDecoder()
    position = 0
    while text[position:].strip():
        position += len(text[position:]) - len(text[position:].lstrip())
        document, position = decoder.raw_decode(text, position)
        yield document if isinstance(document, list) else [document]


def checkov_reports(
    cwd: Path, *args: str
) -> tuple[list[dict[str, Any]], subprocess.CompletedProcess[str]]:
    """checkov offline with JSON output: every report it printed, and the run itself."""
    result = run(
        cwd, tool("checkov"), "--skip-download", "--quiet", "--output", "json", *args, check=False
    )
    return [r for document in json_documents(result.stdout) for r in document], result


def container_findings(project: RenderedProject) -> str:
    """hadolint on the Dockerfile; checkov (dockerfile, github_actions) with nothing skipped.

    Each framework that has files to scan must report, pass some checks, and
    fail and skip none: a framework that silently scanned nothing is a finding.
    """
    problems = []
    hadolint = project.run(tool("hadolint"), "Dockerfile", check=False)
    if hadolint.returncode != 0 or hadolint.stdout.strip():
        problems.append(f"hadolint: {hadolint.stdout}{hadolint.stderr}")
    reports, checkov = checkov_reports(
        project.path, "--framework", "dockerfile", "github_actions", "--directory", "."
    )
    expected = {"dockerfile"}
    if (project.path / ".github" / "workflows").is_dir():
        expected.add("github_actions")
    if missing := expected - {r.get("check_type") for r in reports}:
        problems.append(f"checkov reported nothing for {sorted(missing)}")
    for report in reports:
        summary = report.get("summary", {})
        if summary.get("failed") or summary.get("skipped") or not summary.get("passed"):
            failed = report["results"].get("failed_checks", [])
            problems.append(
                f"checkov {report['check_type']}: {summary}: "
                + ", ".join(f"{c['check_id']} {c['file_path']}" for c in failed)
            )
    if checkov.returncode != 0 and not problems:
        problems.append(f"checkov exited {checkov.returncode}: {checkov.stderr[-2000:]}")
    return "\n".join(problems)
