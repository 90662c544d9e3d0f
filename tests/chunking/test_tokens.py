"""tiktoken offline: the encoding files are installed from the registry and verified, or the error says what to do."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

from rag.chunking.tokens import KNOWN_ENCODINGS, cache_file_name, encoding_files_present, install_encoding_files
from tests.conftest import REPO


def test_cache_file_names_are_the_ones_tiktoken_looks_for() -> None:
    assert cache_file_name("cl100k_base") == "9b5ad71b2ce5302211f9c61530b329a4922fc6a4"
    assert cache_file_name("o200k_base") == "fb374d419588a4632f3f557e76b4b70aebbca790"


def test_install_places_verified_files(tmp_path: Path) -> None:
    installed = install_encoding_files(tmp_path)
    assert {p.name for p in installed} == {cache_file_name(n) for n in KNOWN_ENCODINGS}
    for name, digest in KNOWN_ENCODINGS.items():
        assert hashlib.sha256((tmp_path / cache_file_name(name)).read_bytes()).hexdigest() == digest
    assert encoding_files_present(tmp_path)
    (tmp_path / cache_file_name("cl100k_base")).write_bytes(b"tampered")
    assert not encoding_files_present(tmp_path)


def _load_in_fresh_process(cache_dir: Path) -> subprocess.CompletedProcess[str]:
    # A fresh process: tiktoken caches encodings and reads its cache folder from the environment.
    env = {k: v for k, v in os.environ.items() if k != "TIKTOKEN_CACHE_DIR"}
    code = (
        "import sys; from pathlib import Path; from rag.chunking.tokens import load_encoding\n"
        "from rag.errors import EncodingUnavailableError\n"
        "try:\n"
        f"    print(len(load_encoding('cl100k_base', Path({str(cache_dir)!r})).encode_ordinary('hello world')))\n"
        "except EncodingUnavailableError as exc:\n"
        "    print(exc); sys.exit(3)\n"
    )
    return subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)


def test_missing_encoding_file_error_says_what_to_do(tmp_path: Path) -> None:
    result = _load_in_fresh_process(tmp_path / "empty")
    assert result.returncode == 3, result.stderr
    assert "Run `rag setup`" in result.stdout
    assert cache_file_name("cl100k_base") in result.stdout


def test_installed_files_load_without_network(tmp_path: Path) -> None:
    install_encoding_files(tmp_path)
    result = _load_in_fresh_process(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "2"
