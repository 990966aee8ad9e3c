"""What the template's tests share: render, run, the uv environment, template releases, locks.

One module, as Copier's own tests/helpers.py is: every test module, the
noxfile and the benchmarks import from here, so each rule (which lock a
combination uses, which variables keep uv out of the maintainers' environment,
how Copier is called) is written once. The answer sets are data and live in
combinations.py; git isolation is one autouse fixture in conftest.py.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import tomllib
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import copier
import yaml
from combinations import BASE_ANSWERS
from jinja2 import FileSystemLoader
from jinja2.sandbox import SandboxedEnvironment

__all__ = [
    "COPIER",
    "COPIER_CONFIG",
    "FIRST_RELEASE",
    "PACKAGE",
    "QUESTIONS",
    "ROOT",
    "RenderCombination",
    "RenderTo",
    "RenderedProject",
    "answers_of",
    "append_line",
    "clone_with_history",
    "commit_all",
    "conflicted_paths",
    "edit",
    "fresh_shell_env",
    "git",
    "lock_path",
    "locked_versions",
    "macro",
    "make_template_repo",
    "next_release",
    "readme_block",
    "release",
    "relock",
    "render",
    "replace_first_line",
    "run",
    "serve_until_ready",
    "shell",
    "tool",
    "update",
    "uv_env",
    "validator",
    "validator_words",
]

ROOT = Path(__file__).resolve().parents[1]
# The copier console script of the environment running the tests (the maintainers').
COPIER = str(Path(sys.executable).with_name("copier"))
COPIER_CONFIG: dict[str, Any] = yaml.safe_load((ROOT / "copier.yml").read_text())
# The questions Copier asks and records; computed values (`when: false`) are neither.
QUESTIONS = [
    name
    for name, spec in COPIER_CONFIG.items()
    if not name.startswith("_") and not (isinstance(spec, dict) and spec.get("when") is False)
]
FIRST_RELEASE = "0.1.0"
PACKAGE = "acme_orders"  # package_name derived from BASE_ANSWERS' project_name

# Variables that would make uv in a rendered project use or find the maintainers'
# environment, project or configuration instead of the project's own.
_OURS = frozenset(
    {
        "VIRTUAL_ENV",  # set by `uv run` and activation: uv would install into our .venv
        "CONDA_PREFIX",  # an active conda env counts as the environment to use
        "UV_PROJECT",  # points uv at another project directory
        "UV_PROJECT_ENVIRONMENT",  # points uv at another environment directory
        "UV_WORKING_DIR",  # changes the directory uv works in
        "UV_CONFIG_FILE",  # our uv.toml instead of the project's settings
        "UV_NO_PROJECT",  # makes uv ignore the rendered pyproject.toml
        "UV_ENV_FILE",  # dotenv files loaded by `uv run`
        "UV_RUN_RECURSION_DEPTH",  # set by our `uv run`; the project's is a fresh one
    }
)


def uv_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """This environment minus everything that points uv at ours, plus `extra`."""
    env = {key: value for key, value in os.environ.items() if key not in _OURS}
    env.setdefault("UV_PYTHON_DOWNLOADS", "never" if os.environ.get("CI") else "automatic")
    env["NO_COLOR"] = "1"
    env.update(extra or {})
    return env


def run(
    cwd: Path,
    *args: str,
    env: Mapping[str, str] | None = None,
    check: bool = True,
    timeout: float = 900,
    input: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run args in cwd with uv_env(env); a failure (if checked) shows the command's output."""
    result = subprocess.run(
        args,
        cwd=cwd,
        env=uv_env(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        input=input,
        stdin=None if input is not None else subprocess.DEVNULL,
        check=False,
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"`{' '.join(args)}` exited {result.returncode} in {cwd}\n"
            f"--- stdout ---\n{result.stdout[-6000:]}\n--- stderr ---\n{result.stderr[-6000:]}"
        )
    return result


def git(cwd: Path, *args: str) -> str:
    """Run git in `cwd` and return what it printed."""
    return run(cwd, "git", *args).stdout


def tool(name: str) -> str:
    """A scanner from the maintainers' locked environment (next to this Python)."""
    found = shutil.which(name, path=str(Path(sys.executable).parent))
    if found is None:
        raise AssertionError(f"{name} is not installed: run `uv sync --locked` in {ROOT}")
    return found


def readme_block(marker: str, readme: Path = ROOT / "README.md", fence: str = "sh") -> list[str]:
    """The lines of the `fence` block between `<!-- marker -->` and `<!-- /marker -->`.

    .ci/run reads README.md's shell blocks the same way; docs pages mark theirs alike.
    """
    text = readme.read_text()
    found = re.search(
        rf"^<!-- {marker} -->\n```{fence}\n(.*?)^```\n<!-- /{marker} -->$", text, re.M | re.S
    )
    if found is None:
        raise AssertionError(f"{readme.name} lost its {marker} block")
    return found.group(1).splitlines()


def fresh_shell_env() -> dict[str, str]:
    """A new user's shell: uv_env() with every PATH entry that holds uv or uvx left out."""
    env = uv_env()
    kept = [
        entry
        for entry in env.get("PATH", os.defpath).split(os.pathsep)
        if not any(Path(entry, name).exists() for name in ("uv", "uvx"))
    ]
    env["PATH"] = os.pathsep.join(kept)
    assert shutil.which("uv", path=env["PATH"]) is None
    return env


def shell(script: str, cwd: Path, env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    """Run lines as a user pastes them into bash: stop at the first failing one."""
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, (
        f"{script}\nexited {result.returncode}\n--- stdout\n{result.stdout[-4000:]}\n"
        f"--- stderr\n{result.stderr[-6000:]}"
    )
    return result


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve_until_ready(
    steps: Sequence[str], cwd: Path, env: Mapping[str, str], ready_within: float = 90.0
) -> int:
    """Run the steps, the last one starting the server: the status of its first /readyz.

    The server gets a free PORT through the environment (settings read it before
    .env); it is stopped, with everything the steps started, before this returns.
    """
    port = _free_port()
    script = "\n".join([*steps[:-1], f"exec {steps[-1]}"])
    server = subprocess.Popen(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=cwd,
        env={**env, "PORT": str(port)},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + ready_within + 600  # the steps before serve: sync, tests
        while time.monotonic() < deadline:
            if server.poll() is not None:
                output = server.stdout.read() if server.stdout else ""
                raise AssertionError(
                    f"the steps ended ({server.returncode}) before serving:\n{output[-6000:]}"
                )
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/readyz", timeout=2
                ) as answer:
                    return int(answer.status)
            except urllib.error.HTTPError as error:
                return error.code
            except OSError:
                time.sleep(0.5)
        raise AssertionError("the server never answered /readyz")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def lock_path(python_version: str, database: str, template: Path = ROOT) -> Path:
    """Where a template keeps the lock for one python_version x database."""
    return template / "includes" / "locks" / f"py{python_version}-{database}.lock"


# --- Rendering ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RenderedProject:
    """A rendered project directory and the answers Copier recorded for it."""

    path: Path
    answers: dict[str, Any]

    @property
    def package(self) -> str:
        """The import name of the rendered package."""
        return str(self.answers["package_name"])

    def run(
        self, *args: str, check: bool = True, env: Mapping[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run a command in the project, outside the maintainers' virtualenv."""
        return run(self.path, *args, check=check, env=env)


def answers_of(project: Path) -> dict[str, Any]:
    """The answers Copier recorded in the project."""
    loaded = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert isinstance(loaded, dict)
    return loaded


def commit_all(project: Path, message: str) -> None:
    """Commit every change in the project, as a user would before updating."""
    git(project, "add", "-A")
    git(project, "commit", "-qm", message)


def render(
    dst: Path,
    answers: Mapping[str, Any] | None = None,
    *,
    template: Path = ROOT,
    vcs_ref: str = "HEAD",
    commit: bool = True,
    exclude: Sequence[str] = (),
) -> RenderedProject:
    """Render `template` at `vcs_ref` with BASE_ANSWERS + answers, as `copier copy --defaults`.

    vcs_ref="HEAD" renders this checkout's working tree (uncommitted changes
    included); a tag renders that release. With `commit`, the result becomes a
    git repository with one commit, as a new user would start.
    """
    copier.run_copy(
        str(template),
        dst,
        data={**BASE_ANSWERS, **(answers or {})},
        vcs_ref=vcs_ref,
        defaults=True,
        exclude=list(exclude),
        unsafe=False,
        quiet=True,
    )
    if commit:
        git(dst, "init", "-q")
        commit_all(dst, "Start from copier-secure-service")
    return RenderedProject(path=dst, answers=answers_of(dst))


class RenderCombination(Protocol):
    """The `rendered` fixture: a PAIRWISE combination, rendered once per session."""

    def __call__(self, combo_id: str) -> RenderedProject: ...


class RenderTo(Protocol):
    """The `render_to` fixture: one answer set rendered into the test's own directory."""

    def __call__(self, answers: Mapping[str, Any], name: str = "project") -> RenderedProject: ...


def update(project: Path, *, vcs_ref: str, quiet: bool = True) -> None:
    """Update as `copier update --defaults` does: no --trust, conflicts inline."""
    copier.run_update(
        project,
        vcs_ref=vcs_ref,
        defaults=True,
        overwrite=True,
        unsafe=False,
        quiet=quiet,
        conflict="inline",
    )


def conflicted_paths(project: Path) -> list[str]:
    """Paths git records as unmerged: where the update left conflict markers."""
    return git(project, "diff", "--name-only", "--diff-filter=U").split()


# --- Validators, called as copier.yml calls them -----------------------------------------

# Copier's own environment: sandboxed, its default extension (the Ansible filters
# that give regex_search / regex_replace), the template root as loader; Copier's
# default envops leave block trimming off, as here. test_bad_answers.py's
# test_defaults_match_copier checks this stand-in against real renders.
_JINJA = SandboxedEnvironment(
    loader=FileSystemLoader(str(ROOT)),
    extensions=["jinja2_ansible_filters.AnsibleCoreFiltersExtension"],
    keep_trailing_newline=True,
)


def macro(name: str, *args: object) -> str:
    """What one macro of includes/validators.jinja renders, as a copier.yml default does."""
    source = f"{{% from 'includes/validators.jinja' import {name} %}}{{{{ {name}(*args) }}}}"
    return _JINJA.from_string(source).render(args=args)


def validator_words(name: str) -> list[str]:
    """One of the word lists includes/validators.jinja sets (keywords, stdlib modules ...)."""
    source = f"{{% from 'includes/validators.jinja' import {name} %}}{{{{ {name} | join(' ') }}}}"
    return _JINJA.from_string(source).render().split()


def validator(name: str, *args: object) -> str:
    """One validator macro's reason as Copier reads it (stripped); '' accepts the answer."""
    return macro(name, *args).strip()


# --- Template releases, for the update tests ---------------------------------------------


def _template_files() -> list[str]:
    """The template's files as they are now: tracked or new, never ignored ones."""
    listed = git(ROOT, "ls-files", "--cached", "--others", "--exclude-standard", "-z")
    return sorted(name for name in set(listed.split("\0")) if name and (ROOT / name).is_file())


def make_template_repo(dst: Path, tag: str = FIRST_RELEASE) -> Path:
    """Copy this template into a fresh git repo at `dst` and tag it as a release."""
    for name in _template_files():
        target = dst / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)
    git(dst, "init", "-q")
    # --force: the template's own files may match a rendered .gitignore inside template/.
    git(dst, "add", "--all", "--force")
    git(dst, "commit", "-qm", f"Release {tag}")
    git(dst, "tag", tag)
    return dst


def edit(path: Path, old: str, new: str) -> None:
    """Replace the one occurrence of `old` in `path`; fail loudly if the file moved on."""
    text = path.read_text()
    assert text.count(old) == 1, f"{path}: expected exactly one {old!r}"
    path.write_text(text.replace(old, new))


def release(
    template: Path,
    tag: str,
    *,
    write: Mapping[str, str] | None = None,
    edits: Sequence[tuple[str, str, str]] = (),
    rename: Mapping[str, str] | None = None,
    delete: Sequence[str] = (),
) -> None:
    """Change the template the way a release does, commit and tag it."""
    for name, text in (write or {}).items():
        path = template / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    for name, old, new in edits:
        edit(template / name, old, new)
    for old_name, new_name in (rename or {}).items():
        (template / new_name).parent.mkdir(parents=True, exist_ok=True)
        git(template, "mv", old_name, new_name)
    for name in delete:
        git(template, "rm", "-q", name)
    git(template, "add", "--all", "--force")
    git(template, "commit", "-qm", f"Release {tag}")
    git(template, "tag", tag)


def replace_first_line(path: Path, line: str) -> None:
    """Put `line` in place of the file's first line (a module docstring, a heading)."""
    lines = path.read_text().splitlines(keepends=True)
    lines[0] = line + "\n"
    path.write_text("".join(lines))


def append_line(path: Path, line: str) -> None:
    """Add `line` at the end of the file, keeping its final newline."""
    text = path.read_text()
    path.write_text(text + ("" if text.endswith("\n") else "\n") + line + "\n")


def clone_with_history(dst: Path, oldest: str = FIRST_RELEASE) -> tuple[str, str]:
    """Clone this repo with its tags, commit the working tree on top; return (oldest, head).

    `oldest` is the oldest release a project can still update from. Before it is
    tagged, the commit checked out now stands in for it, so the test still
    updates from real template history to the working tree.
    """
    head = git(ROOT, "rev-parse", "HEAD").strip()
    git(dst.parent, "clone", "-q", "--no-checkout", str(ROOT), dst.name)
    git(dst, "checkout", "-q", "-B", "main", head)
    if not git(dst, "tag", "--list", oldest).strip():
        git(dst, "tag", oldest, head)
    current = set(_template_files())
    for name in git(dst, "ls-files", "-z").split("\0"):
        if name and name not in current:
            git(dst, "rm", "-q", "--", name)
    for name in current:
        target = dst / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)
    git(dst, "add", "--all", "--force")
    git(dst, "commit", "-q", "--allow-empty", "-m", "Working tree")
    return oldest, next_release(dst)


def next_release(template: Path) -> str:
    """A release number above every tag the template has."""
    majors = [
        int(tag.lstrip("v").split(".")[0])
        for tag in git(template, "tag", "--list").split()
        if tag.lstrip("v").split(".")[0].isdigit()
    ]
    return f"{max(majors, default=0) + 1}.0.0"


# --- Locks ---------------------------------------------------------------------------------

_LOCK_PLACEHOLDER = "lock-placeholder-service"


def relock(
    template: Path,
    python_version: str = "3.12",
    database: str = "sqlite",
    uv_args: Sequence[str] = (),
) -> Path:
    """Render `template` at HEAD, run `uv lock`, store the lock with the slug templated.

    `nox -s relock` and the update tests both call this, so both produce a lock
    exactly the same way. The current lock seeds the resolution, so only what
    the change needs moves; pass `--upgrade` in `uv_args` to move everything.
    """
    lock = lock_path(python_version, database, template)
    with tempfile.TemporaryDirectory(prefix="relock-") as tmp:
        project = render(
            Path(tmp) / "project",
            {
                "project_name": _LOCK_PLACEHOLDER,
                "author_email": "maintainers@example.org",
                "python_version": python_version,
                "database": database,
            },
            template=template,
            commit=False,
            exclude=["uv.lock"],
        )
        if lock.exists() and "--upgrade" not in uv_args:
            seed = lock.read_text().replace("{{ project_slug }}", _LOCK_PLACEHOLDER)
            (project.path / "uv.lock").write_text(seed)
        project.run("uv", "lock", "--quiet", *uv_args)
        text = (project.path / "uv.lock").read_text()
    if any(marker in text for marker in ("{{", "{%", "{#")):
        raise ValueError(f"{lock.name}: the lock text clashes with Jinja syntax")
    lock.write_text(text.replace(f'"{_LOCK_PLACEHOLDER}"', '"{{ project_slug }}"'))
    return lock


def locked_versions(lock_text: str) -> dict[str, str]:
    """Package name -> locked version, read from a uv.lock."""
    packages = tomllib.loads(lock_text).get("package", [])
    return {pkg["name"]: str(pkg.get("version", "")) for pkg in packages}
