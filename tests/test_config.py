"""Settings from the environment, in sections: parsing, validation, overrides, and the README's table."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from rag.errors import ConfigError
from rag.settings import (
    ChunkSettings, EmbedBackend, Settings, environment_variables, parse_value, thread_plan, usable_cores,
)
from tests.conftest import REPO


def test_environment_overrides_defaults_in_each_section() -> None:
    settings = Settings.from_env({
        "RAG_DOCS_DIR": "~/corpus", "RAG_MAX_K": "20", "RAG_MIN_SCORE": "0.25", "RAG_CHUNK_MAX_TOKENS": "120",
        "RAG_EMBED_BACKEND": "TORCH", "RAG_API_KEYS": "k" * 16 + ", " + "m" * 16, "RAG_FAISS_THREADS": "2",
    })
    assert settings.docs_dir == Path.home() / "corpus"
    assert (settings.retrieval.max_k, settings.answer.min_score, settings.chunk.max_tokens) == (20, 0.25, 120)
    assert settings.embed.backend is EmbedBackend.TORCH and settings.index.faiss_threads == 2
    assert settings.http.api_keys == ("k" * 16, "m" * 16)
    assert settings.chunk.overlap_tokens == ChunkSettings().overlap_tokens


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"RAG_MAX_K": "lots"}, "RAG_MAX_K='lots' is not a valid int"),
        ({"RAG_DEFAULT_K": "0"}, "default_k must be at least 1, got 0"),
        ({"RAG_DEFAULT_K": "60"}, r"default_k \(60\) must not exceed max_k \(50\)"),
        ({"RAG_MIN_SCORE": "2"}, r"min_score must be in \[-1.0, 1.0\], got 2.0"),
        ({"RAG_PORT": "70000"}, "port must be in 1..65535"),
        ({"RAG_CHUNK_OVERLAP_TOKENS": "500"}, r"overlap_tokens must be in \[0, max_tokens=150\)"),
        ({"RAG_MODEL": "  "}, "RAG_MODEL must not be empty"),
        ({"RAG_FUSION": "borda"}, "RAG_FUSION='borda' is not one of: weighted, rrf"),
        ({"RAG_DENSE_WEIGHT": "1.5"}, r"dense_weight must be in \[0.0, 1.0\], got 1.5"),
        ({"RAG_API_KEYS": "short"}, "api_keys: key #1 must be at least 16"),
        ({"RAG_CORS_ORIGINS": "example.org"}, "cors_origins: 'example.org' is not an origin"),
        ({"RAG_THREADS": "0"}, "threads must be at least 1, got 0"),
    ],
)
def test_invalid_settings_say_what_and_which_value(environ: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Settings.from_env(environ)


def test_overrides_are_named_flat_and_can_reset_to_none() -> None:
    settings = Settings.from_env({"RAG_MIN_SCORE": "0.4"})
    changed = settings.with_overrides(port=9000, min_score=None, backend="onnx-int8", max_tokens=120)
    assert (changed.http.port, changed.answer.min_score, changed.chunk.max_tokens) == (9000, None, 120)
    assert changed.embed.backend is EmbedBackend.ONNX_INT8
    assert (settings.http.port, settings.answer.min_score) == (8000, 0.4)
    with pytest.raises(ConfigError, match="no setting named 'prot'"):
        settings.with_overrides(prot=9000)
    with pytest.raises(ConfigError, match="backend must be one of: torch, onnx, onnx-int8; got 'cuda'"):
        settings.with_overrides(backend="cuda")


@pytest.mark.parametrize(
    ("raw", "kind", "expected"),
    [("yes", bool, True), ("0", bool, False), ("", float | None, None), ("0.5", float | None, 0.5),
     ("a, b,", tuple[str, ...], ("a", "b"))],
)
def test_values_are_parsed_by_their_declared_type(raw: str, kind: object, expected: object) -> None:
    assert parse_value("RAG_X", raw, kind) == expected


def test_a_setting_of_a_type_with_no_rule_is_refused() -> None:
    with pytest.raises(TypeError, match="no rule to read a setting of type"):
        parse_value("RAG_X", "1,2", list[int])
    with pytest.raises(ConfigError, match="not a yes/no value"):
        parse_value("RAG_X", "maybe", bool)


def test_readme_documents_every_setting_and_no_other() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `(RAG_[A-Z_]+)` \|", readme, flags=re.MULTILINE))
    assert documented == set(environment_variables())


def test_readme_defaults_match_the_code() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    defaults = dict(re.findall(r"^\| `(RAG_[A-Z_]+)` \| `([^`]*)` \|", readme, flags=re.MULTILINE))
    settings = Settings()
    for variable, path in environment_variables().items():
        value: object = settings
        for part in path.split("."):
            value = getattr(value, part)
        if isinstance(value, Path):
            # Home-relative defaults are written with ~ in the README.
            value = "~/" + str(value.relative_to(Path.home())) if value.is_relative_to(Path.home()) else value
        if isinstance(value, tuple) and not value:
            value = None  # an empty list of keys or origins is written `unset`
        if defaults[variable] == "auto":
            # Chosen for the machine: the README says how. The build's threads from the cores;
            # the answering ones unset until the service measures them (rag.embedding.threads).
            assert value == (thread_plan().build_threads if variable == "RAG_THREADS" else None), variable
            continue
        assert defaults[variable] == ("unset" if value is None else str(value)), variable


def test_auto_as_the_readme_writes_it_keeps_the_machine_chosen_default() -> None:
    chosen = Settings.from_env({"RAG_THREADS": "auto", "RAG_QUERY_THREADS": "AUTO", "RAG_QUERY_SPINNING": " auto ",
                                "RAG_QUERY_LANES": "Auto"})
    assert chosen.embed == Settings.from_env({}).embed
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    written_auto = set(re.findall(r"^\| `(RAG_[A-Z_]+)` \| `auto` \|", readme, flags=re.MULTILINE))
    assert written_auto == {"RAG_THREADS", "RAG_QUERY_THREADS", "RAG_QUERY_SPINNING", "RAG_QUERY_LANES"}
    # Only those: a port or a batch size has no machine-chosen default to fall back on.
    for variable in ("RAG_PORT", "RAG_BATCH_SIZE"):
        with pytest.raises(ConfigError, match=f"{variable}='auto' is not a valid int"):
            Settings.from_env({variable: "auto"})


@pytest.mark.parametrize(
    ("cores", "threads", "build", "query", "lanes", "spinning"),
    [(1, None, 1, 1, 1, False), (2, None, 2, 2, 1, False), (2, 1, 2, 1, 2, False), (3, None, 3, 2, 1, True),
     (3, 1, 3, 1, 3, False), (4, None, 4, 2, 2, False), (5, None, 5, 2, 2, True), (16, None, 16, 2, 8, False),
     (1, 2, 1, 1, 1, False)],
)
def test_thread_plans_follow_the_cores(
    cores: int, threads: int | None, build: int, query: int, lanes: int, spinning: bool,
) -> None:
    plan = thread_plan(cores, threads)
    # Lanes fill the cores the calls leave; spinning only where a core is left over for the
    # server's own work; never more threads than cores.
    assert (plan.build_threads, plan.query_threads, plan.query_lanes, plan.query_spinning) == (
        build, query, lanes, spinning)


def test_the_cores_a_process_may_use_bound_the_thread_defaults() -> None:
    assert 1 <= usable_cores() <= len(os.sched_getaffinity(0))
    assert Settings().embed.threads == usable_cores()


def test_the_readers_default_size_limit_is_the_upload_limits_default() -> None:
    # A build passes the setting; the readers' own default (for callers without settings) must agree.
    from rag.ingest.corpus import MAX_DOCUMENT_BYTES

    assert Settings().index.max_upload_bytes == MAX_DOCUMENT_BYTES
