"""scripts/check_file_length.py, the ``make lint`` check that no source file exceeds 400 lines."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "check_file_length.py"


def _check(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--root", str(root)],
        capture_output=True,
        text=True,
        timeout=60,
    )


def _write(path: Path, n_lines: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"x{i} = {i}\n" for i in range(n_lines)))


def test_a_401_line_file_fails_and_is_named(tmp_path):
    _write(tmp_path / "pkg" / "long.py", 401)
    _write(tmp_path / "pkg" / "ok.py", 400)
    res = _check(tmp_path)
    assert res.returncode == 1
    assert res.stderr.splitlines() == ["pkg/long.py: 401 lines (limit 400); split it by role"]


def test_every_long_file_is_named(tmp_path):
    _write(tmp_path / "a.py", 500)
    _write(tmp_path / "b" / "c.py", 401)
    res = _check(tmp_path)
    assert res.returncode == 1
    assert [line.split(":")[0] for line in res.stderr.splitlines()] == ["a.py", "b/c.py"]


def test_400_lines_migrations_venv_and_non_python_pass(tmp_path):
    _write(tmp_path / "ok.py", 400)
    _write(tmp_path / "catalog" / "migrations" / "0001_initial.py", 900)
    _write(tmp_path / ".venv" / "lib" / "big.py", 900)
    _write(tmp_path / "notes.txt", 900)
    res = _check(tmp_path)
    assert (res.returncode, res.stderr) == (0, "")


def test_a_last_line_without_newline_counts(tmp_path):
    (tmp_path / "m.py").write_text("x = 1\n" * 400 + "y = 2")
    res = _check(tmp_path)
    assert res.returncode == 1
    assert "m.py: 401 lines" in res.stderr


def test_the_repository_passes():
    res = _check(SCRIPT.parent.parent)
    assert res.returncode == 0, res.stderr
