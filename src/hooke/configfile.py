"""A config file read before anything else reads it: a missing, unreadable, empty or
non-mapping file is one line naming the file, where Snakemake's own reader gives a
traceback (a missing --configfile) or a line without the file's name (an empty one, a
list). `make plan` (hooke.plan) reads its config through it, and `python -m
hooke.configfile FILE...` checks files the same way; the schema's check (hooke.config)
then reads what it returns."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from hooke.errors import HookeError


def read_configfile(path: str | Path) -> dict[str, Any]:
    """The config mapping in `path` (YAML or JSON)."""
    import yaml

    path = Path(path)
    where = f"config file '{path}'"
    if not path.exists():
        raise HookeError(f"{where}: no such file")
    if path.is_dir():
        raise HookeError(f"{where}: is a directory, not a YAML file")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise HookeError(f"{where}: cannot be read: {exc}") from None
    try:
        config = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}" if mark else ""
        raise HookeError(f"{where}: not valid YAML{at}") from None
    if config is None:
        raise HookeError(f"{where}: is empty (a config is a mapping of sections)")
    if not isinstance(config, dict):
        kind = type(config).__name__
        raise HookeError(f"{where}: holds a {kind}, not a mapping of sections (tasks, bases, ...)")
    return config


def main(argv: list[str] | None = None) -> int:
    for name in sys.argv[1:] if argv is None else argv:
        try:
            read_configfile(name)
        except HookeError as exc:
            print(f"hooke: error: {exc}", file=sys.stderr)
            return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
