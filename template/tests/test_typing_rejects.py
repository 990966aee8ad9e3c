"""pyright refuses SQL built from runtime text: the `LiteralString` guard really bites."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

REJECTS = Path(__file__).parent / "typing_rejects" / "literal_sql.py"


def test_pyright_rejects_every_query_built_at_runtime(tmp_path: Path) -> None:
    """Each `# rejected` line, and no other, gets a LiteralString error.

    The project's pyright config excludes tests/typing_rejects, so the file is
    checked from a copy with a config of its own, against this interpreter's packages.
    """
    expected = {
        number
        for number, line in enumerate(REJECTS.read_text().splitlines(), start=1)
        if line.rstrip().endswith("rejected")
    }
    assert len(expected) == 4
    shutil.copy(REJECTS, tmp_path / REJECTS.name)
    (tmp_path / "pyrightconfig.json").write_text(json.dumps({"include": [REJECTS.name]}))
    result = subprocess.run(  # noqa: S603 - the locked pyright, on a file of this repository
        [
            sys.executable,
            "-m",
            "pyright",
            "--outputjson",
            "--project",
            str(tmp_path / "pyrightconfig.json"),
            "--pythonpath",
            sys.executable,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    report = json.loads(result.stdout)
    assert report["summary"]["filesAnalyzed"] == 1
    errors = [d for d in report["generalDiagnostics"] if d["severity"] == "error"]
    rejected = {d["range"]["start"]["line"] + 1 for d in errors if "LiteralString" in d["message"]}
    assert rejected == expected, json.dumps(errors, indent=1)
    assert {d["rule"] for d in errors} == {"reportArgumentType"}
