"""Settings from the environment, their validation, and the README's table of them."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from rag.settings import ChunkSettings, Settings
from rag.errors import ConfigError
from tests.conftest import REPO


def env_names() -> set[str]:
    names = {"RAG_" + f.name.upper() for f in dataclasses.fields(Settings) if f.name != "chunk"}
    return names | {"RAG_CHUNK_" + f.name.upper() for f in dataclasses.fields(ChunkSettings)}


def test_environment_overrides_defaults() -> None:
    settings = Settings.from_env(
        {"RAG_DOCS_DIR": "~/corpus", "RAG_MAX_K": "20", "RAG_MIN_SCORE": "0.25", "RAG_CHUNK_MAX_TOKENS": "120"}
    )
    assert settings.docs_dir == Path.home() / "corpus"
    assert (settings.max_k, settings.min_score, settings.chunk.max_tokens) == (20, 0.25, 120)
    assert settings.chunk.overlap_tokens == ChunkSettings().overlap_tokens


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"RAG_MAX_K": "lots"}, "RAG_MAX_K='lots' is not a valid int"),
        ({"RAG_DEFAULT_K": "0"}, "default_k must be at least 1, got 0"),
        ({"RAG_DEFAULT_K": "60"}, r"default_k \(60\) must not exceed max_k \(50\)"),
        ({"RAG_MIN_SCORE": "2"}, r"min_score must be a confidence in \[-1, 1\], got 2.0"),
        ({"RAG_PORT": "70000"}, "port must be in 1..65535"),
        ({"RAG_CHUNK_OVERLAP_TOKENS": "500"}, r"overlap_tokens must be in \[0, max_tokens=150\)"),
        ({"RAG_MODEL": "  "}, "RAG_MODEL must not be empty"),
    ],
)
def test_invalid_settings_say_what_and_which_value(environ: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Settings.from_env(environ)


def test_readme_documents_every_setting_and_no_other() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `(RAG_[A-Z_]+)` \|", readme, flags=re.MULTILINE))
    assert documented == env_names()


def test_readme_defaults_match_the_code() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    defaults = dict(re.findall(r"^\| `(RAG_[A-Z_]+)` \| `([^`]*)` \|", readme, flags=re.MULTILINE))
    settings = Settings()
    for field in dataclasses.fields(Settings):
        if field.name == "chunk":
            continue
        value = getattr(settings, field.name)
        if isinstance(value, Path):
            # Home-relative defaults are written with ~ in the README.
            value = "~/" + str(value.relative_to(Path.home())) if value.is_relative_to(Path.home()) else value
        assert defaults["RAG_" + field.name.upper()] == ("unset" if value is None else str(value)), field.name
    for field in dataclasses.fields(ChunkSettings):
        assert defaults["RAG_CHUNK_" + field.name.upper()] == str(getattr(settings.chunk, field.name))
