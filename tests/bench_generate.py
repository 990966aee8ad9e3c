"""Generation benchmarks, measured in one run against a baseline (`nox -s bench_generate`).

1. Median wall time of `copier copy --defaults` for this template vs a one-file
   template, both through the same Copier CLI; prints the ratio (target <= 1.3x).
2. copy -> `uv sync --locked` -> pytest with a warm uv cache (target <= 20 s),
   each step's wall time, and the CPU time (user + sys) the steps took, since
   wall time on a shared machine says as much about the neighbours as about
   the template.
3. The rendered suite once more (a second run): the time a developer
   waits for `pytest` (target <= 10 s for the SQLite suite).

Numbers are printed, never asserted: benchmarks are not tests.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from combinations import BASE_ANSWERS
from helpers import COPIER, ROOT, git, run


def one_file_template(where: Path) -> Path:
    """The baseline: a committed template with one question and one file."""
    where.mkdir()
    (where / "copier.yml").write_text("project_name:\n  type: str\n")
    (where / "README.md.jinja").write_text("# {{ project_name }}\n")
    git(where, "init", "-q")
    git(where, "add", "-A")
    git(where, "-c", "user.name=b", "-c", "user.email=b@example.org", "commit", "-qm", "t")
    return where


def copy_seconds(template: Path, dst: Path) -> float:
    """Wall time of one `copier copy --defaults` through the CLI."""
    data = [arg for k, v in BASE_ANSWERS.items() for arg in ("--data", f"{k}={v}")]
    start = time.perf_counter()
    run(
        template.parent,
        COPIER,
        "copy",
        "--quiet",
        "--vcs-ref=HEAD",
        "--defaults",
        *data,
        str(template),
        str(dst),
    )
    return time.perf_counter() - start


def main() -> None:
    """Run both benchmarks and print medians, ratios and targets."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=7)
    rounds = parser.parse_args().rounds
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        baseline = one_file_template(scratch / "baseline")
        ours: list[float] = []
        base: list[float] = []
        for i in range(rounds):  # interleaved, so drift hits both alike
            base.append(copy_seconds(baseline, scratch / f"b{i}"))
            ours.append(copy_seconds(ROOT, scratch / f"o{i}"))
        ours_median, base_median = statistics.median(ours), statistics.median(base)
        print(f"copier copy --defaults, median of {rounds}:")
        print(f"  one-file template : {base_median:.3f} s")
        print(f"  this template     : {ours_median:.3f} s")
        print(f"  ratio             : {ours_median / base_median:.2f}x (target <= 1.30x)")

        # A developer's machine writes bytecode; with PYTHONDONTWRITEBYTECODE (set by
        # some CI images) every pytest process would compile all it imports again.
        unset = os.environ.pop("PYTHONDONTWRITEBYTECODE", None) is not None
        warm = scratch / "warm"
        copy_seconds(ROOT, warm)  # warm the uv cache with this project's lock
        run(warm, "uv", "sync", "--locked", "-q")
        project = scratch / "timed"
        pytest = ("uv", "run", "--locked", "pytest", "-q", "-p", "no:cacheprovider")
        start, children = time.perf_counter(), _children_cpu()
        steps = {"copy": copy_seconds(ROOT, project)}
        steps["uv sync --locked"] = _seconds(lambda: run(project, "uv", "sync", "--locked", "-q"))
        steps["pytest"] = _seconds(lambda: run(project, *pytest))
        total, cpu = time.perf_counter() - start, _children_cpu() - children
        print(
            f"copy -> uv sync --locked -> pytest (warm uv cache): {total:.1f} s wall, "
            f"{cpu:.1f} s user+sys (target <= 20 s); load average {os.getloadavg()[0]:.1f}"
        )
        print("  " + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in steps.items()))
        children = _children_cpu()
        again = _seconds(lambda: run(project, *pytest))
        print(
            f"rendered suite, second run: {again:.1f} s wall, "
            f"{_children_cpu() - children:.1f} s user+sys (target <= 10 s); "
            f"load average {os.getloadavg()[0]:.1f}"
        )
        if unset:
            print("  (PYTHONDONTWRITEBYTECODE unset for these steps, as on a developer's machine)")


def _seconds(step: Callable[[], object]) -> float:
    """Wall time of one call of `step`."""
    start = time.perf_counter()
    step()
    return time.perf_counter() - start


def _children_cpu() -> float:
    """User + system CPU seconds of the finished child processes so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


if __name__ == "__main__":
    main()
