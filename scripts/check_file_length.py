"""Fail when a Python source file is longer than 400 lines (``make lint``).

The house rule (ARCHITECTURE.md): one role per module, no source file over 400 lines, so a
module that grows past the limit is split by role instead. Django migrations are generated
and exempt, as are the virtual environment and other folders that hold no project source.

    python scripts/check_file_length.py [--root DIR] [--max-lines N]

Exit status 0 when every file is within the limit; 1 with one line per offending file
(``path: N lines (limit 400)``) otherwise.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

MAX_LINES = 400

#: Folders never checked: generated code, environments, caches and run outputs.
SKIP_DIRS = frozenset(
    {"migrations", ".venv", "venv", ".git", "node_modules", "__pycache__", "var", "results"}
)

#: Files over the limit that are being split right now; each entry is removed with its split.
ALLOWED: frozenset[str] = frozenset()


def count_lines(path: Path) -> int:
    """Physical lines of ``path`` (a last line without a newline counts)."""
    with open(path, "rb") as fh:
        return sum(1 for _ in fh)


def too_long(root: Path, max_lines: int = MAX_LINES) -> list[tuple[str, int]]:
    """``(relative path, lines)`` of every ``.py`` file under ``root`` over ``max_lines``."""
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        for name in sorted(filenames):
            if not name.endswith(".py"):
                continue
            path = Path(dirpath) / name
            rel = path.relative_to(root).as_posix()
            if rel in ALLOWED:
                continue
            n = count_lines(path)
            if n > max_lines:
                out.append((rel, n))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent)
    ap.add_argument("--max-lines", type=int, default=MAX_LINES)
    args = ap.parse_args(argv)
    if not args.root.is_dir():
        print(f"{args.root}: not a directory", file=sys.stderr)
        return 2
    bad = too_long(args.root, args.max_lines)
    for rel, n in bad:
        print(f"{rel}: {n} lines (limit {args.max_lines}); split it by role", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
