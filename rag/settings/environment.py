"""`Settings`: the sections together, read from `RAG_*` environment variables in one place."""

from __future__ import annotations

import dataclasses
import enum
import os
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rag.errors import ConfigError
from rag.settings.sections import (
    AnswerSettings,
    ChunkSettings,
    EmbedSettings,
    HttpSettings,
    IndexSettings,
    RetrievalSettings,
    setting,
)

_SECTIONS = {
    "chunk": ChunkSettings, "embed": EmbedSettings, "index": IndexSettings, "retrieval": RetrievalSettings,
    "answer": AnswerSettings, "http": HttpSettings,
}
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


def _default_tiktoken_cache() -> Path:
    return Path.home() / ".cache" / "rag" / "tiktoken"


@dataclass(frozen=True)
class Settings:
    """Everything configurable, in sections. Build it with `Settings.from_env()`; tests pass values directly."""

    docs_dir: Path = setting(Path("seeds"), "RAG_DOCS_DIR")
    """Corpus folder; every file below it that a reader takes (`.txt`, `.md`) is a document, its id the relative path."""
    index_dir: Path = setting(Path("index"), "RAG_INDEX_DIR")
    """Where the built index lives (builds are swapped in atomically)."""
    tiktoken_cache_dir: Path = setting(env="RAG_TIKTOKEN_CACHE_DIR", factory=_default_tiktoken_cache)
    """Folder holding tiktoken's encoding files (filled by `rag setup`)."""
    chunk: ChunkSettings = dataclasses.field(default_factory=ChunkSettings)
    embed: EmbedSettings = dataclasses.field(default_factory=EmbedSettings)
    index: IndexSettings = dataclasses.field(default_factory=IndexSettings)
    retrieval: RetrievalSettings = dataclasses.field(default_factory=RetrievalSettings)
    answer: AnswerSettings = dataclasses.field(default_factory=AnswerSettings)
    http: HttpSettings = dataclasses.field(default_factory=HttpSettings)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Read the `RAG_*` variables (see README) over the defaults; keyword overrides (as in
        `with_overrides`) win."""
        env = os.environ if environ is None else environ
        sections = {name: section(**_read(section, env)) for name, section in _SECTIONS.items()}
        return cls(**_read(cls, env), **sections).with_overrides(**overrides)  # type: ignore[arg-type]

    def with_overrides(self, **changes: object) -> Settings:
        """A copy with fields replaced, named flat (`port=8080`, `api_keys=(...)`) or as whole
        sections (`chunk=ChunkSettings(...)`). `None` is a value too: `min_score=None` resets it."""
        top: dict[str, object] = {}
        by_section: dict[str, dict[str, object]] = {}
        for name, value in changes.items():
            if name in _TOP_FIELDS:
                top[name] = value
            elif name in _FIELD_SECTION:
                by_section.setdefault(_FIELD_SECTION[name], {})[name] = value
            else:
                raise ConfigError(f"no setting named {name!r}; settings are: {', '.join(sorted(_ALL_NAMES))}")
        for section, values in by_section.items():
            top[section] = dataclasses.replace(top.get(section, getattr(self, section)), **values)  # type: ignore[type-var]
        return dataclasses.replace(self, **top)  # type: ignore[arg-type]


_TOP_FIELDS = frozenset(f.name for f in dataclasses.fields(Settings))
_FIELD_SECTION = {f.name: name for name, section in _SECTIONS.items() for f in dataclasses.fields(section)}
_ALL_NAMES = _TOP_FIELDS | _FIELD_SECTION.keys()


def environment_variables() -> dict[str, str]:
    """Every environment variable read, with the `section.field` it sets (the README documents each)."""
    names = {f.metadata["env"]: f.name for f in dataclasses.fields(Settings) if "env" in f.metadata}
    for section_name, section in _SECTIONS.items():
        names.update({f.metadata["env"]: f"{section_name}.{f.name}" for f in dataclasses.fields(section)
                      if "env" in f.metadata})
    return names


def _read(cls: type, env: Mapping[str, str]) -> dict[str, object]:
    """The fields of `cls` whose variables are set in `env`, parsed to their declared types."""
    hints = typing.get_type_hints(cls)
    values: dict[str, object] = {}
    for spec in dataclasses.fields(cls):
        variable = spec.metadata.get("env")
        if variable is None or variable not in env:
            continue
        if spec.metadata.get("auto") and env[variable].strip().lower() == "auto":
            continue  # the default, chosen for the machine, as the README writes it
        values[spec.name] = parse_value(variable, env[variable], hints[spec.name])
    return values


def parse_value(variable: str, raw: str, kind: Any) -> object:
    """`raw`, the text of `variable`, as a value of type `kind`; ConfigError says what was expected.

    Types without a rule here are refused (TypeError): a new kind of setting needs one.
    """
    optional = typing.get_origin(kind) in (typing.Union, types.UnionType) and type(None) in typing.get_args(kind)
    if optional:
        if not raw.strip():
            return None
        kind = next(k for k in typing.get_args(kind) if k is not type(None))
    text = raw.strip()
    if kind is bool:
        if text.lower() not in _TRUE | _FALSE:
            raise ConfigError(f"{variable}={raw!r} is not a yes/no value (1, true, yes, on / 0, false, no, off)")
        return text.lower() in _TRUE
    if kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            raise ConfigError(f"{variable}={raw!r} is not a valid {kind.__name__}") from None
    if isinstance(kind, type) and issubclass(kind, enum.StrEnum):
        try:
            return kind(text.lower())
        except ValueError:
            raise ConfigError(f"{variable}={raw!r} is not one of: {', '.join(c.value for c in kind)}") from None
    if kind is Path:
        if not text:
            raise ConfigError(f"{variable} must not be empty")
        return Path(text).expanduser()
    if kind == tuple[str, ...]:
        # Comma-separated; empty means none.
        return tuple(item.strip() for item in raw.split(",") if item.strip())
    if kind is str:
        if not text:
            raise ConfigError(f"{variable} must not be empty")
        return raw
    raise TypeError(f"{variable}: no rule to read a setting of type {kind!r}")
