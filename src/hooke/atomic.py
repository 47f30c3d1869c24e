"""Outputs appear whole or not at all: write beside the target, then rename."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from hooke.runtime import is_main_process


def _drop_stale(path: Path) -> None:
    """Remove temporaries a killed writer of `path` left behind (one job writes a path; in a
    multi-process job, its main process)."""
    if not is_main_process():
        return
    for stale in path.parent.glob(f".{path.name}.*.tmp"):
        if stale.is_dir():
            shutil.rmtree(stale, ignore_errors=True)
        else:
            stale.unlink(missing_ok=True)


@contextlib.contextmanager
def atomic_file(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path in the target's directory; rename it onto `path` on success."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _drop_stale(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp)
    try:
        yield tmp
        if is_main_process():
            os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


@contextlib.contextmanager
def atomic_dir(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary directory beside `path`; it replaces `path` on success."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _drop_stale(path)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
    try:
        yield tmp
        if is_main_process():
            if path.exists():
                shutil.rmtree(path)
            os.replace(tmp, path)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)


@contextlib.contextmanager
def resumable_dir(path: str | os.PathLike, fingerprint: str) -> Iterator[Path]:
    """Like `atomic_dir`, but the work directory (`.<name>.partial` beside `path`) survives a
    failure or a kill, so that a re-run can resume from what it holds. A work directory left
    by a different configuration (another `fingerprint`) is discarded, never resumed."""
    path = Path(path)
    work = path.parent / f".{path.name}.partial"
    if not is_main_process():  # the other processes of a multi-GPU job share the main's
        work.mkdir(parents=True, exist_ok=True)
        yield work
        return
    stamp = work / ".fingerprint"
    if work.exists() and (not stamp.is_file() or stamp.read_text() != fingerprint):
        shutil.rmtree(work)
    work.mkdir(parents=True, exist_ok=True)
    stamp.write_text(fingerprint)
    yield work
    stamp.unlink()
    if path.exists():
        shutil.rmtree(path)
    os.replace(work, path)


def write_table(frame, csv_path: str | Path, md_path: str | Path) -> None:
    """A table as CSV and as a Markdown copy, each written atomically."""
    with atomic_file(csv_path) as tmp:
        frame.to_csv(tmp, index=False)
    write_text(frame.to_markdown(index=False, floatfmt=".4f") + "\n", md_path)


def write_text(text: str, path: str | Path) -> None:
    """A text file, written atomically."""
    with atomic_file(path) as tmp:
        tmp.write_text(text)
