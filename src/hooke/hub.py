"""Bases from the Hugging Face hub (pinned revision) or a local model directory.

Only safetensors weights, configs and tokenizer files are fetched: pickled `.bin` weights can run
code on load. The access token, where a gated model needs one, comes from the environment
(`HF_TOKEN`), which huggingface_hub reads itself; hooke never handles or logs it.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

from hooke.atomic import atomic_dir
from hooke.errors import HookeError

REVISION_FILE = "hooke-revision.json"
ALLOW = ["*.json", "*.safetensors", "*.model", "*.txt", "*.tiktoken", "*.py"]


def _allowed(name: str, trust_remote_code: bool) -> bool:
    if name.endswith(".py") and not trust_remote_code:
        return False
    return any(fnmatch(name, pattern) for pattern in ALLOW)


def fetch_base(spec: Mapping[str, Any], out_dir: str | Path) -> Path:
    """Copy (local directory) or download (hub id + revision) a base model into `out_dir`."""
    repo = str(spec["repo"])
    trust = bool(spec.get("trust_remote_code", False))
    with atomic_dir(out_dir) as tmp:
        if Path(repo).is_dir():
            for file in sorted(Path(repo).iterdir()):
                if file.is_file() and _allowed(file.name, trust):
                    shutil.copy2(file, tmp / file.name)
        else:
            snapshot = _download(repo, spec.get("revision"), trust)
            for file in sorted(snapshot.rglob("*")):
                if file.is_file() and _allowed(file.name, trust):
                    _link_or_copy(file, tmp / file.relative_to(snapshot))
            # The hub cache names a snapshot's folder by the commit it resolved to.
            record_revision(tmp, repo, spec.get("revision"), snapshot.name)
        if not any(tmp.glob("*.safetensors")):
            raise HookeError(
                f"base '{repo}' has no .safetensors weights (pickled ones are refused)"
            )
        if not (tmp / "config.json").is_file():
            raise HookeError(f"base '{repo}' has no config.json: not a model")
    return Path(out_dir)


def _download(repo: str, revision: str | None, trust: bool) -> Path:
    """The repo's snapshot folder in the hub cache (HF_HUB_CACHE, shared by every job and
    user of a cluster that points it at one place), with the safe files fetched into it."""
    from huggingface_hub import snapshot_download

    patterns = [p for p in ALLOW if trust or p != "*.py"]
    try:
        return Path(snapshot_download(repo_id=repo, revision=revision, allow_patterns=patterns))
    except Exception as exc:  # network, auth, missing repo: one line, not a traceback
        raise HookeError(f"base '{repo}' could not be downloaded: {exc}") from None


def _link_or_copy(source: Path, target: Path) -> None:
    """A hard link to the cached file where the cache and results/ share a file system (no
    second copy of the weights on disk), else a copy."""
    target.parent.mkdir(parents=True, exist_ok=True)
    source = source.resolve()  # the cache's snapshot files link to its blobs
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def record_revision(folder: Path, repo: str, requested: str | None, commit: str) -> dict[str, Any]:
    """Write REVISION_FILE: the commit a download actually resolved to, so that a base
    pinned by branch or left unpinned can be pinned afterwards."""
    import json

    record = {"repo": repo, "requested": requested, "commit": commit}
    (folder / REVISION_FILE).write_text(json.dumps(record, indent=2) + "\n")
    return record
