"""Training entry point: ``python -m ml.train <model> --config <file.json>``.

Each sub-command maps to a module that provides ``config_from_file(path)`` and ``main(cfg)``
(torchvision's reference-script shape).  Modules are imported lazily, so adding a model is one
line in :data:`COMMANDS` and a ``host`` trainer can live in ``ml/host/`` without this file
importing it until asked.
"""

from __future__ import annotations

import argparse
import importlib
import sys

#: sub-command -> (module, one-line help).  Add e.g. "host": ("ml.host.train", "...") here.
COMMANDS: dict[str, tuple[str, str]] = {
    "classifier": (
        "ml.classifier.train",
        "optical GALAXY/QSO/STAR image classifier on simulated candidates (seed §3.2)",
    ),
    "host": (
        "ml.host.train",
        "host identifier: grouped 10-fold CV on simulated fields (seed §3.3, §4.2, Fig 7)",
    ),
}


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m ml.train", description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="command", required=True)
    for name, (_, help_) in COMMANDS.items():
        p = sub.add_parser(name, help=help_)
        p.add_argument("--config", required=True, help="JSON config file (see configs/)")
    return ap


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    module = importlib.import_module(COMMANDS[args.command][0])
    cfg = module.config_from_file(args.config)
    module.main(cfg)
    return 0


if __name__ == "__main__":
    sys.exit(main())
