"""The checks every rendered project must pass, each returning its findings as text.

An empty string means clean. Tests assert on the text, so a failure shows exactly
what the tool reported.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from combinations import ROOT
from rendering import RenderedProject, run


def tool(name: str) -> str:
    """A scanner from the maintainers' locked environment (next to this Python)."""
    found = shutil.which(name, path=str(Path(sys.executable).parent))
    if found is None:
        raise AssertionError(f"{name} is not installed: run `uv sync --locked` in {ROOT}")
    return found


def stale_lock_findings(project: RenderedProject) -> str:
    """Does the rendered uv.lock still match the rendered pyproject.toml?"""
    result = project.run("uv", "lock", "--locked", check=False)
    if result.returncode == 0:
        return ""
    key = f"py{project.answers['python_version']}-{project.answers['database']}"
    return (
        f"includes/locks/{key}.lock is stale for the rendered pyproject.toml: "
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
    """GitHub workflows: zizmor (offline, every severity) and the workflow schema."""
    workflows = sorted((project.path / ".github" / "workflows").glob("*.yml"))
    if not workflows:
        return "no workflow files rendered for ci=github"
    zizmor = run(
        [
            tool("zizmor"),
            "--offline",
            "--no-progress",
            "--min-severity",
            "unknown",
            "--min-confidence",
            "unknown",
            ".github/workflows",
        ],
        cwd=project.path,
        check=False,
    )
    schema = run(
        [
            tool("check-jsonschema"),
            "--builtin-schema",
            "vendor.github-workflows",
            *map(str, workflows),
        ],
        cwd=project.path,
        check=False,
    )
    return "\n".join(
        out
        for code, out in (
            (zizmor.returncode, zizmor.stdout + zizmor.stderr),
            (schema.returncode, schema.stdout + schema.stderr),
        )
        if code != 0
    )


SCHEMAS = {
    ".gitlab-ci.yml": "vendor.gitlab-ci",
    "renovate.json": "vendor.renovate",
    ".github/dependabot.yml": "vendor.dependabot",
    "compose.yml": "vendor.compose-spec",
}


def config_schema_findings(project: RenderedProject) -> str:
    """Each rendered tool config validates against its published schema (or checker)."""
    problems = []
    pre_commit = run(
        [tool("pre-commit"), "validate-config", ".pre-commit-config.yaml"],
        cwd=project.path,
        check=False,
    )
    if pre_commit.returncode != 0:
        problems.append(f".pre-commit-config.yaml: {pre_commit.stdout}{pre_commit.stderr}")
    for relative, schema in SCHEMAS.items():
        if (project.path / relative).exists():
            result = run(
                [tool("check-jsonschema"), "--builtin-schema", schema, relative],
                cwd=project.path,
                check=False,
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


def container_findings(project: RenderedProject) -> str:
    """hadolint on the Dockerfile; checkov (dockerfile, github_actions) with nothing skipped."""
    problems = []
    hadolint = run([tool("hadolint"), "Dockerfile"], cwd=project.path, check=False)
    if hadolint.returncode != 0 or hadolint.stdout.strip():
        problems.append(f"hadolint: {hadolint.stdout}{hadolint.stderr}")
    checkov = run(
        [
            tool("checkov"),
            "--skip-download",
            "--quiet",
            "--output",
            "json",
            "--framework",
            "dockerfile",
            "github_actions",
            "--directory",
            ".",
        ],
        cwd=project.path,
        check=False,
    )
    for report in (r for document in json_documents(checkov.stdout) for r in document):
        summary = report.get("summary", {})
        if summary.get("failed") or summary.get("skipped"):
            failed = report["results"].get("failed_checks", [])
            problems.append(
                f"checkov {report['check_type']}: "
                + ", ".join(f"{c['check_id']} {c['file_path']}" for c in failed)
            )
    if checkov.returncode != 0 and not problems:
        problems.append(f"checkov exited {checkov.returncode}: {checkov.stderr[-2000:]}")
    return "\n".join(problems)
