"""Settings for every part of the service, read from `RAG_*` environment variables in one place."""

from __future__ import annotations

import dataclasses
import enum
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from rag.errors import ConfigError

ENV_PREFIX = "RAG_"
DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
DEFAULT_MIN_SCORE = 0.33
"""Abstention threshold when none is configured or calibrated: fitted on eval/gold.jsonl
with `rag eval --calibrate` (see eval/REPORT.md)."""
DEFAULT_ANN_THRESHOLD = 20_000
"""Exact search over 20,000 passages takes ~3 ms per question (0.148 µs per passage, eval/BENCH.md
"Scale"); from there on an approximate index is faster at the required recall."""
DEFAULT_FAISS_THREADS = 1


DENSE_DEPTH = 100
"""Passages the service takes from the dense ranking (`RetrievalSettings.candidates`), and the
depth at which an approximate index's recall is calibrated."""


def _default_tiktoken_cache() -> Path:
    return Path.home() / ".cache" / "rag" / "tiktoken"


def _default_model_cache() -> Path:
    return Path.home() / ".cache" / "rag" / "models"


class RetrievalMode(enum.StrEnum):
    """Which rankings retrieval uses."""

    DENSE = "dense"
    LEXICAL = "lexical"
    HYBRID = "hybrid"


class Fusion(enum.StrEnum):
    """How the dense and lexical rankings are combined."""

    WEIGHTED = "weighted"
    """Each score scaled to [0, 1] between its candidate floor and its best, then mixed."""
    RRF = "rrf"
    """Reciprocal rank fusion (ranks only)."""


class EmbedBackend(enum.StrEnum):
    """Which runtime runs the embedding model."""

    TORCH = "torch"
    ONNX = "onnx"
    """ONNX Runtime on a local export of the same model: the same vectors (to 1e-7), faster."""
    ONNX_INT8 = "onnx-int8"
    """That export with int8 weights (avx2): faster still, vectors at cosine ~0.99 of torch's."""


class LogFormat(enum.StrEnum):
    """How `rag serve` writes its log lines."""

    JSON = "json"
    """One JSON object per line (for log collectors)."""
    TEXT = "text"
    """Plain `time level logger [request id] message` lines (for people)."""


# An API key travels in a header: printable ASCII without spaces or commas (the list separator).
_KEY = re.compile(r"[!-+\--~]+")
MIN_KEY_CHARS = 16
# An origin as browsers send it: scheme://host[:port], nothing after.
_ORIGIN = re.compile(r"https?://[^/\s?#]+")


@dataclass(frozen=True)
class ChunkSettings:
    """How transcripts are cut into passages; recorded in the index manifest."""

    encoding: str = "cl100k_base"
    """tiktoken encoding that counts the token budget."""
    max_tokens: int = 150
    """Budget of one passage's cited text. 150 cl100k tokens plus the question context
    stays under the 256-wordpiece window of all-MiniLM-L6-v2 (checked by a test)."""
    overlap_tokens: int = 40
    """Trailing whole sentences, up to this many tokens, repeated at the start of the next
    passage of the same turn."""
    context_tokens: int = 48
    """Budget of the journalist's question embedded with the answer that follows it."""
    group_tokens: int = 150
    """Consecutive turns of at most this many tokens (and `max_tokens`) share a passage:
    a meeting's quick exchanges carry meaning together. 0 keeps every turn apart. The
    default equals `max_tokens`: whole short turns fill a passage up to its budget
    (eval/REPORT.md, chunking experiments)."""

    def __post_init__(self) -> None:
        if self.max_tokens < 16:
            raise ConfigError(f"max_tokens must be at least 16, got {self.max_tokens}")
        if not 0 <= self.overlap_tokens < self.max_tokens:
            raise ConfigError(
                f"overlap_tokens must be in [0, max_tokens={self.max_tokens}), got {self.overlap_tokens}"
            )
        if self.context_tokens < 0:
            raise ConfigError(f"context_tokens must be >= 0, got {self.context_tokens}")
        if self.group_tokens < 0:
            raise ConfigError(f"group_tokens must be >= 0, got {self.group_tokens}")


@dataclass(frozen=True)
class Settings:
    """Everything configurable. Build it with `Settings.from_env()`; tests pass values directly."""

    docs_dir: Path = Path("seeds")
    """Corpus folder; every `*.txt` below it is a document, its id the relative path."""
    index_dir: Path = Path("index")
    """Where the built index lives (builds are swapped in atomically)."""
    model: str = DEFAULT_MODEL
    """sentence-transformers model: a local path, the bundled default, or a hub name."""
    tiktoken_cache_dir: Path = field(default_factory=_default_tiktoken_cache)
    """Folder holding tiktoken's encoding files (filled by `rag setup`)."""
    chunk: ChunkSettings = field(default_factory=ChunkSettings)
    batch_size: int = 64
    """Texts per embedding batch while indexing."""
    threads: int = 2
    """CPU threads of the embedding runtime (torch or ONNX Runtime) while indexing; the default
    matches the 2-core target machine."""
    query_threads: int = 2
    """CPU threads of the embedding runtime while answering. Measured on 2 idle cores (README
    "Speed"): a question takes 3.0 ms with two threads, 5.1 ms with one, and since concurrent
    questions share one model call (`query_batch`), a single thread would leave a core idle."""
    embed_backend: EmbedBackend = EmbedBackend.ONNX
    """`onnx` (default), `torch` or `onnx-int8`; see README "Speed"."""
    model_cache_dir: Path = field(default_factory=_default_model_cache)
    """Where the ONNX exports of the model are kept (made once, by `rag setup` or on first use)."""
    question_cache_size: int = 1024
    """Question vectors remembered (least recently used dropped first); 0 turns the cache off."""
    query_batch: int = 16
    """Most questions embedded together when they arrive while the model is busy; 1: each alone."""
    query_lanes: int = 1
    """Model calls that may run at once while answering. The default (one call over a batch,
    `query_threads` wide) answers a lone question fastest; `query_lanes=2` with
    `query_threads=1` runs two narrow calls side by side, which spends less CPU per
    question under concurrent load (README "Speed")."""
    default_k: int = 5
    """Passages retrieved when a request does not say."""
    max_k: int = 50
    """Largest `k` a request may ask for."""
    max_question_chars: int = 2000
    """Longer questions are refused with 400."""
    min_score: float | None = None
    """Abstain when the answer's confidence (its best sentence's score) is below this. Unset:
    the threshold `rag eval --calibrate` stored beside the index, else `DEFAULT_MIN_SCORE`."""
    max_extract_sentences: int = 3
    """Sentences in one answer, at most."""
    host: str = "127.0.0.1"
    port: int = 8000
    max_body_bytes: int = 65536
    """Request bodies over this many bytes are refused with 413."""
    api_keys: tuple[str, ...] = field(default=(), repr=False)
    """Keys accepted on every route but `/health` and the web page; empty: no key needed."""
    admin_api_keys: tuple[str, ...] = field(default=(), repr=False)
    """Keys for `/admin/*` (they also work wherever `api_keys` do); empty: admin routes are off."""
    rate_limit_per_minute: int = 0
    """Requests one client (API key, else address) may make per minute; 0: no limit."""
    cors_origins: tuple[str, ...] = ()
    """Origins whose pages may call the API from a browser; empty: none (same-origin only)."""
    log_format: LogFormat = LogFormat.JSON
    """Log lines of the HTTP service: `json` or `text`."""
    retrieval_mode: RetrievalMode = RetrievalMode.HYBRID
    """`hybrid` (dense + BM25), `dense` or `lexical`."""
    fusion: Fusion = Fusion.WEIGHTED
    """How hybrid retrieval combines its rankings: `weighted` or `rrf`."""
    dense_weight: float = 0.5
    """Share of the dense score in weighted fusion (the rest is BM25)."""
    speaker_boost: float = 0.02
    """Added to the fused score of passages where a speaker the question names speaks."""
    ann_threshold: int = DEFAULT_ANN_THRESHOLD
    """Passages from which the index is approximate (HNSW) instead of exact (flat); see rag/ann.py."""
    ann_min_recall: float = 0.95
    """Recall@10 against exact search the approximate index must reach; its efSearch is raised at
    build time until a sample of the corpus's sentences, easier queries than questions, reaches
    half-way from this to 1 (0.975 for 0.95; see `rag.index.dense.sentence_recall_target`)."""
    faiss_threads: int = DEFAULT_FAISS_THREADS
    """OpenMP threads of FAISS while serving. One: FAISS parallelises across queries, never
    within one, so a single question gains nothing, and idle workers would spin on the cores
    the embedding runtime and other requests share. Builds use `threads`."""

    def __post_init__(self) -> None:
        for name in (
            "batch_size", "threads", "query_threads", "query_batch", "query_lanes", "default_k", "max_k", "max_question_chars", "max_extract_sentences",
            "max_body_bytes",
        ):
            value = getattr(self, name)
            if value < 1:
                raise ConfigError(f"{name} must be at least 1, got {value}")
        if self.question_cache_size < 0:
            raise ConfigError(f"question_cache_size must be >= 0 (0: no cache), got {self.question_cache_size}")
        if self.rate_limit_per_minute < 0:
            raise ConfigError(f"rate_limit_per_minute must be >= 0 (0: no limit), got {self.rate_limit_per_minute}")
        for name in ("api_keys", "admin_api_keys"):
            for position, key in enumerate(getattr(self, name), 1):
                # Never echo a key back: the message names its position only.
                if len(key) < MIN_KEY_CHARS or not _KEY.fullmatch(key):
                    raise ConfigError(
                        f"{name}: key #{position} must be at least {MIN_KEY_CHARS} printable ASCII characters "
                        "without spaces or commas"
                    )
        for origin in self.cors_origins:
            if origin != "*" and not _ORIGIN.fullmatch(origin):
                raise ConfigError(f"cors_origins: {origin!r} is not an origin like https://example.org[:port] or *")
        enum_fields: tuple[tuple[str, type[enum.StrEnum]], ...] = (
            ("log_format", LogFormat), ("retrieval_mode", RetrievalMode), ("fusion", Fusion),
            ("embed_backend", EmbedBackend),
        )
        for name, choice in enum_fields:
            value = getattr(self, name)
            if not isinstance(value, choice):
                try:
                    # Frozen: coercing a plain string ("text") passed by code goes through object.__setattr__.
                    object.__setattr__(self, name, choice(str(value)))
                except ValueError:
                    choices = ", ".join(f.value for f in choice)
                    raise ConfigError(f"{name} must be one of: {choices}; got {value!r}") from None
        if not 0.0 <= self.dense_weight <= 1.0:
            raise ConfigError(f"dense_weight must be in [0, 1], got {self.dense_weight}")
        if self.speaker_boost < 0:
            raise ConfigError(f"speaker_boost must be >= 0, got {self.speaker_boost}")
        if self.default_k > self.max_k:
            raise ConfigError(f"default_k ({self.default_k}) must not exceed max_k ({self.max_k})")
        if self.min_score is not None and not -1.0 <= self.min_score <= 1.0:
            raise ConfigError(f"min_score must be a confidence in [-1, 1], got {self.min_score}")
        if not 0 < self.port < 65536:
            raise ConfigError(f"port must be in 1..65535, got {self.port}")
        if self.ann_threshold < 1:
            raise ConfigError(f"ann_threshold must be at least 1 passage, got {self.ann_threshold}")
        if not 0.0 < self.ann_min_recall <= 1.0:
            raise ConfigError(f"ann_min_recall must be in (0, 1], got {self.ann_min_recall}")
        if self.faiss_threads < 1:
            raise ConfigError(f"faiss_threads must be at least 1, got {self.faiss_threads}")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Read `RAG_*` variables (see README) over the defaults; keyword overrides win."""
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        chunk_values: dict[str, object] = {}
        for spec in dataclasses.fields(cls):
            if spec.name == "chunk":
                continue
            raw = env.get(ENV_PREFIX + spec.name.upper())
            if raw is not None:
                values[spec.name] = _parse(spec.name, raw, spec.type)
        for spec in dataclasses.fields(ChunkSettings):
            raw = env.get(ENV_PREFIX + "CHUNK_" + spec.name.upper())
            if raw is not None:
                chunk_values[spec.name] = _parse("chunk_" + spec.name, raw, spec.type)
        if chunk_values:
            values["chunk"] = ChunkSettings(**chunk_values)  # type: ignore[arg-type]
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]

    def with_overrides(self, **changes: object) -> Settings:
        """A copy with some fields replaced (used by CLI flags)."""
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})


def _parse(name: str, raw: str, type_name: object) -> object:
    # Field types are strings under `from __future__ import annotations`.
    kind = str(type_name)
    variable = ENV_PREFIX + name.upper()
    try:
        if kind == "int":
            return int(raw)
        if kind in ("float", "float | None"):
            return float(raw)
    except ValueError:
        raise ConfigError(f"{variable}={raw!r} is not a valid {kind}") from None
    if kind == "Path":
        return Path(raw).expanduser()
    if kind == "tuple[str, ...]":
        # Comma-separated; empty means none.
        return tuple(item.strip() for item in raw.split(",") if item.strip())
    choice = _CHOICES.get(kind)
    if choice is not None:
        try:
            return choice(raw.strip().lower())
        except ValueError:
            choices = ", ".join(f.value for f in choice)
            raise ConfigError(f"{variable}={raw!r} is not one of: {choices}") from None
    if not raw.strip():
        raise ConfigError(f"{variable} must not be empty")
    return raw


_CHOICES: dict[str, type[enum.StrEnum]] = {
    "LogFormat": LogFormat, "RetrievalMode": RetrievalMode, "Fusion": Fusion, "EmbedBackend": EmbedBackend,
}
