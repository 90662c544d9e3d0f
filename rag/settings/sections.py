"""The sections of the settings, each validated where it is made, with messages naming the bad value.

Every configurable field names its environment variable (`setting(default, "RAG_...")`);
fields without one are tuned constants, set in code only (tests, experiments).
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rag.errors import ConfigError
from rag.settings.machine import thread_plan
from rag.settings.choices import (
    DEFAULT_ANN_THRESHOLD,
    DEFAULT_FAISS_THREADS,
    DEFAULT_MODEL,
    DENSE_DEPTH,
    MIN_KEY_CHARS,
    EmbedBackend,
    Fusion,
    LogFormat,
    RetrievalMode,
)

# An API key travels in a header: printable ASCII without spaces or commas (the list separator).
_KEY = re.compile(r"[!-+\--~]+")
# An origin as browsers send it: scheme://host[:port], nothing after.
_ORIGIN = re.compile(r"https?://[^/\s?#]+")


def setting(
    default: Any = None, env: str | None = None, *, factory: Any = None, secret: bool = False, auto: bool = False,
) -> Any:
    """A dataclass field read from the environment variable `env` (None: set in code only); with
    `auto`, its default is chosen for the machine and the variable may say so (`auto`)."""
    metadata: dict[str, object] = {"env": env} if env else {}
    if auto:
        metadata["auto"] = True
    if factory is not None:
        return field(default_factory=factory, metadata=metadata, repr=not secret)
    return field(default=default, metadata=metadata, repr=not secret)


def _at_least(section: object, minimum: float, *names: str) -> None:
    for name in names:
        value = getattr(section, name)
        if value < minimum:
            raise ConfigError(f"{name} must be at least {minimum}, got {value}")


def _in_range(name: str, value: float, low: float, high: float) -> None:
    if not low <= value <= high:
        raise ConfigError(f"{name} must be in [{low}, {high}], got {value}")


def _choice(section: object, name: str, kind: type[enum.StrEnum]) -> None:
    """Coerce a plain string passed by code to the enum, or say which values are valid."""
    value = getattr(section, name)
    if isinstance(value, kind):
        return
    try:
        object.__setattr__(section, name, kind(str(value).strip().lower()))
    except ValueError:
        raise ConfigError(f"{name} must be one of: {', '.join(c.value for c in kind)}; got {value!r}") from None


def _default_model_cache() -> Path:
    return Path.home() / ".cache" / "rag" / "models"


@dataclass(frozen=True)
class ChunkSettings:
    """How transcripts are cut into passages; recorded in the index manifest."""

    encoding: str = setting("cl100k_base", "RAG_CHUNK_ENCODING")
    """tiktoken encoding that counts the token budget."""
    max_tokens: int = setting(150, "RAG_CHUNK_MAX_TOKENS")
    """Budget of one passage's cited text. 150 cl100k tokens plus the question context
    stays under the 256-wordpiece window of all-MiniLM-L6-v2 (checked by a test)."""
    overlap_tokens: int = setting(40, "RAG_CHUNK_OVERLAP_TOKENS")
    """Trailing whole sentences, up to this many tokens, repeated at the start of the next
    passage of the same turn."""
    context_tokens: int = setting(48, "RAG_CHUNK_CONTEXT_TOKENS")
    """Budget of the journalist's question embedded with the answer that follows it."""
    group_tokens: int = setting(150, "RAG_CHUNK_GROUP_TOKENS")
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
class EmbedSettings:
    """The embedding model and how it runs, for index builds and for questions."""

    model: str = setting(DEFAULT_MODEL, "RAG_MODEL")
    """sentence-transformers model: a local path, the bundled default, or a hub name."""
    model_cache_dir: Path = setting(env="RAG_MODEL_CACHE_DIR", factory=_default_model_cache)
    """Where the ONNX exports of the model are kept (made once, by `rag setup` or on first use)."""
    backend: EmbedBackend = setting(EmbedBackend.ONNX_INT8, "RAG_EMBED_BACKEND")
    """`onnx-int8` (default), `onnx` or `torch`. int8, statically quantised at export, keeps
    retrieval and answers within noise of fp32 on every public set, costs 20-30% less model time
    and gives a text the same vector alone or in any batch (README "Speed"); `onnx` is the fp32
    export (torch's vectors to 1e-7)."""
    batch_size: int = setting(16, "RAG_BATCH_SIZE")
    """Texts per embedding batch while indexing. Small on purpose: at 64 passages a batch's
    attention scores outgrow the CPU caches and a build runs about a fifth slower (README "Speed")."""
    threads: int = setting(env="RAG_THREADS", factory=lambda: thread_plan().build_threads, auto=True)
    """CPU threads of the embedding runtime (torch or ONNX Runtime) while indexing, and the
    processes a build parses and chunks its new documents in when there is enough text
    (`rag.index.processes`). Default: the CPUs this process may use (affinity, capped by a
    cgroup quota; `rag.settings.machine`)."""
    query_threads: int | None = setting(None, "RAG_QUERY_THREADS", auto=True)
    """CPU threads of the embedding runtime per model call while answering. Unset: chosen for the
    machine, once (`rag setup` or the first start, then remembered in the model cache): two when
    they answer a lone question at least 1.25x faster than one, else one (`rag.embedding.threads`).
    A second thread costs 20-60% more CPU per question; on some CPUs it buys a lone question a
    fifth of its time, on others it is slower than one (README "Speed")."""
    query_spinning: bool | None = setting(None, "RAG_QUERY_SPINNING", auto=True)
    """Whether ONNX Runtime's idle threads busy-wait for work while answering. Unset: only when
    the usable CPUs outnumber `query_threads` x `query_lanes` (off on 2 CPUs, where a spinning
    thread takes the core the server's own work needs)."""
    question_cache_size: int = setting(1024, "RAG_QUESTION_CACHE_SIZE")
    """Question vectors remembered (least recently used dropped first); 0 turns the cache off."""
    query_batch: int = setting(16, "RAG_QUERY_BATCH")
    """Most questions embedded together when they arrive while the model is busy; 1: each alone."""
    query_lanes: int | None = setting(None, "RAG_QUERY_LANES", auto=True)
    """Model calls that may run at once while answering. Unset: the usable CPUs divided by
    `query_threads` (2 on 2 CPUs with one thread per call, 1 with two). Concurrent questions
    share a lane's call (`query_batch`)."""

    def __post_init__(self) -> None:
        _choice(self, "backend", EmbedBackend)
        _at_least(self, 1, "batch_size", "threads", "query_batch")
        for name in ("query_threads", "query_lanes"):
            if getattr(self, name) is not None:
                _at_least(self, 1, name)
        _at_least(self, 0, "question_cache_size")
        if not str(self.model).strip():
            raise ConfigError("model must not be empty")


@dataclass(frozen=True)
class IndexSettings:
    """Which FAISS index a build makes, and how it searches."""

    ann_threshold: int = setting(DEFAULT_ANN_THRESHOLD, "RAG_ANN_THRESHOLD")
    """Passages from which the index is approximate (HNSW) instead of exact (flat); see rag/index/dense.py."""
    ann_min_recall: float = setting(0.95, "RAG_ANN_MIN_RECALL")
    """Recall@10 against exact search the approximate index must reach; its efSearch is raised at
    build time until a sample of the corpus's sentences, easier queries than questions, reaches
    half-way from this to 1 (0.975 for 0.95; see `rag.index.dense.sentence_recall_target`)."""
    faiss_threads: int = setting(DEFAULT_FAISS_THREADS, "RAG_FAISS_THREADS")
    """OpenMP threads of FAISS while serving. One: FAISS parallelises across queries, never
    within one, so a single question gains nothing, and idle workers would spin on the cores
    the embedding runtime and other requests share. Builds use the embedder's `threads`."""

    max_upload_bytes: int = setting(50 * 1024 * 1024, "RAG_MAX_UPLOAD_BYTES")
    """Largest transcript a write (`POST`/`PUT /documents`, `rag add`, the watcher) accepts, and a
    build reads: one limit, so a written document is never set aside by the compaction after it."""
    compact_after_seconds: float = setting(2.0, "RAG_COMPACT_AFTER_SECONDS")
    """Quiet time after the last write before the service folds written documents into a new
    build in the background (exact BM25 statistics again; deleted text leaves the index files)."""
    compact_segment_passages: int = setting(2000, "RAG_COMPACT_SEGMENT_PASSAGES")
    """Compact while writes go on once the documents written since the build hold this many
    passages: answering slows as the in-memory segment grows (1.5-3x at 3,400 passages)."""
    watch_interval_seconds: float = setting(1.0, "RAG_WATCH_INTERVAL_SECONDS")
    """How often `rag serve --watch` looks at the corpus folder. A changed file is applied once
    it has looked the same (size and modification time) for one interval: never mid-write."""

    def __post_init__(self) -> None:
        _at_least(self, 1, "ann_threshold", "faiss_threads", "max_upload_bytes", "compact_segment_passages")
        if self.compact_after_seconds < 0 or self.watch_interval_seconds <= 0:
            raise ConfigError("compact_after_seconds must be >= 0 and watch_interval_seconds > 0")
        if not 0.0 < self.ann_min_recall <= 1.0:
            raise ConfigError(f"ann_min_recall must be in (0, 1], got {self.ann_min_recall}")


@dataclass(frozen=True)
class RetrievalSettings:
    """How passages are found and their rankings combined (tuned on the eval; see eval/REPORT.md)."""

    mode: RetrievalMode = setting(RetrievalMode.HYBRID, "RAG_RETRIEVAL_MODE")
    """`hybrid` (dense + BM25), `dense` or `lexical`."""
    fusion: Fusion = setting(Fusion.WEIGHTED, "RAG_FUSION")
    """How hybrid retrieval combines its rankings: `weighted` or `rrf`."""
    dense_weight: float = setting(0.5, "RAG_DENSE_WEIGHT")
    """Weighted fusion: share of the dense score (the rest is BM25)."""
    speaker_boost: float = setting(0.02, "RAG_SPEAKER_BOOST")
    """Added to the fused score of passages where a speaker the question names speaks."""
    default_k: int = setting(5, "RAG_DEFAULT_K")
    """Passages retrieved when a request does not say."""
    max_k: int = setting(50, "RAG_MAX_K")
    """Largest `k` a request may ask for."""
    candidates: int = DENSE_DEPTH
    """Passages taken from each ranking before fusion."""
    rrf_k: int = 60
    """Reciprocal rank fusion constant (Cormack et al., SIGIR 2009)."""

    def __post_init__(self) -> None:
        _choice(self, "mode", RetrievalMode)
        _choice(self, "fusion", Fusion)
        _in_range("dense_weight", self.dense_weight, 0.0, 1.0)
        _at_least(self, 0, "speaker_boost")
        _at_least(self, 1, "default_k", "max_k", "candidates", "rrf_k")
        if self.default_k > self.max_k:
            raise ConfigError(f"default_k ({self.default_k}) must not exceed max_k ({self.max_k})")


@dataclass(frozen=True)
class AnswerSettings:
    """Which questions are taken, how answer sentences are scored and chosen, and when to abstain."""

    min_score: float | None = setting(None, "RAG_MIN_SCORE")
    """Abstain when the answer's confidence (the answerability model's probability that its best
    sentences answer the question) is below this. Unset: the threshold `rag eval --calibrate`
    stored beside the index, else the model's own (rag/query/answerability.json)."""
    max_extract_sentences: int = setting(3, "RAG_MAX_EXTRACT_SENTENCES")
    """Sentences in one answer, at most."""
    max_question_chars: int = setting(2000, "RAG_MAX_QUESTION_CHARS")
    """Longer questions are refused (HTTP 400)."""
    candidate_passages: int = 3
    """Sentences are taken from this many of the top passages."""
    sentence_weight: float = 0.6
    """Weight of the sentence's own cosine similarity to the question."""
    passage_weight: float = 0.2
    """Weight of its passage's similarity: context the sentence alone lacks ("It has 300 routes")."""
    lexical_weight: float = 0.2
    """Weight of the sentence's BM25 score, scaled to the best candidate: exact names and numbers."""
    margin: float = 0.1
    """Sentences this close to the best one join the answer."""
    next_sentence_margin: float = 0.2
    """The sentence right after the best one, in the same turn, joins the answer this close to it
    (eval/REPORT.md: containment 0.815 -> 0.840 on the seeds, 0.825 -> 0.835 on SQuAD, 4 words more)."""
    type_bonus: float = 0.05
    """Added to a sentence holding the kind of answer the question asks for (a number for "how
    many", a date for "when", a name for "who" and "where")."""
    question_penalty: float = 0.05
    """Taken from a sentence that is itself a question: it repeats what is asked and answers nothing."""

    def __post_init__(self) -> None:
        _at_least(self, 1, "max_extract_sentences", "max_question_chars", "candidate_passages")
        if self.min_score is not None:
            _in_range("min_score", self.min_score, -1.0, 1.0)


@dataclass(frozen=True)
class HttpSettings:
    """The HTTP service: where it listens, what it accepts, who may call it, how it logs."""

    host: str = setting("127.0.0.1", "RAG_HOST")
    """Address `rag serve` binds."""
    port: int = setting(8000, "RAG_PORT")
    """Port `rag serve` binds."""
    max_body_bytes: int = setting(65536, "RAG_MAX_BODY_BYTES")
    """Request bodies over this many bytes are refused with 413."""
    api_keys: tuple[str, ...] = setting((), "RAG_API_KEYS", secret=True)
    """Keys accepted on every route but `/health` and the web page; empty: no key needed."""
    admin_api_keys: tuple[str, ...] = setting((), "RAG_ADMIN_API_KEYS", secret=True)
    """Keys for `/admin/*` (they also work wherever `api_keys` do); empty: admin routes are off."""
    write_api_keys: tuple[str, ...] = setting((), "RAG_WRITE_API_KEYS", secret=True)
    """Keys that may add, replace and delete documents (admin keys may too; both also read);
    empty and no admin keys: the write routes are off."""
    rate_limit_per_minute: int = setting(0, "RAG_RATE_LIMIT_PER_MINUTE")
    """Requests one client (API key, else address) may make per minute; 0: no limit."""
    cors_origins: tuple[str, ...] = setting((), "RAG_CORS_ORIGINS")
    """Origins whose pages may call the API from a browser; empty: none (same-origin only)."""
    log_format: LogFormat = setting(LogFormat.JSON, "RAG_LOG_FORMAT")
    """Log lines of the HTTP service: `json` or `text`."""
    keep_alive_seconds: int = setting(75, "RAG_KEEP_ALIVE_SECONDS")
    """How long an idle client connection stays open. Longer than clients keep idle connections
    (httpx: 5 s, browsers and load balancers: up to 60 s), so a client never sends a request on a
    connection the server is closing at that moment: uvicorn's own 5 s matched httpx's and lost
    requests in the load test."""

    def __post_init__(self) -> None:
        _choice(self, "log_format", LogFormat)
        _at_least(self, 1, "max_body_bytes")
        _at_least(self, 0, "rate_limit_per_minute")
        _at_least(self, 1, "keep_alive_seconds")
        if not 0 < self.port < 65536:
            raise ConfigError(f"port must be in 1..65535, got {self.port}")
        for name in ("api_keys", "admin_api_keys", "write_api_keys"):
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
