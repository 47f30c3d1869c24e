"""What every `scripts/*.py` entry point does around its one call: send stdout and stderr to
the rule's log, fix threads and seeds, and turn a HookeError into one line and exit 1."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from typing import Any

from hooke.errors import HookeError


@contextlib.contextmanager
def entry(snakemake: Any, seed: int = 0) -> Iterator[None]:
    from hooke.runtime import progress_wanted

    show_progress = progress_wanted(2)  # asked before stderr goes to the log
    real_stderr = os.dup(2)
    log_path = snakemake.log[0] if snakemake.log else None
    if log_path:
        os.makedirs(os.path.dirname(log_path) or ".", exist_ok=True)
        log = open(log_path, "w", buffering=1)
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
    try:
        from hooke.runtime import setup

        # Tracking is read from the config here, not passed as rule params, so that turning
        # a dashboard on or off never re-runs a job.
        # Like tracking, checkpointing cannot change a result: read here, never a rule param.
        setup(
            snakemake.threads,
            seed,
            snakemake.config.get("tracking"),
            log_path,
            show_progress,
            snakemake.config.get("checkpoint_every", 100),
        )
        yield
    except HookeError as exc:
        message = f"hooke: error: {exc}\n"
        sys.stderr.write(message)
        sys.stderr.flush()
        os.write(real_stderr, message.encode())
        sys.exit(1)
