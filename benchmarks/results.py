"""The benchmark's value types: what each stage measured, written to BENCH.json as they are.

Times are milliseconds (latencies) or seconds (builds, runs); memory is bytes. Every figure
carries the number of observations behind it.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class LatencySummary:
    """Percentiles (linear interpolation) of `n` timed operations, in milliseconds."""

    n: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float


@dataclass(frozen=True)
class LoadSample:
    """The machine's load average when a stage started or ended (the cores are shared)."""

    stage: str
    load1: float
    load5: float
    load15: float
    cpu_ticks: tuple[int, int] | None = None
    """The machine's CPU time since boot, (stolen, all), in clock ticks: on a virtual machine,
    time the hypervisor gave other guests, which no load average shows. None off Linux."""


@dataclass(frozen=True)
class Machine:
    """Where the numbers were taken."""

    cpu_model: str
    cores: int
    """CPUs this process may run on."""
    memory_bytes: int
    memory_available_bytes: int
    python: str
    platform: str
    runtime: str
    """Embedding backend and thread counts, e.g. "onnx; embedding threads 2 indexing / 1 answering; FAISS 1"."""


@dataclass(frozen=True)
class Corpus:
    """A folder of transcripts and the gold file whose questions drive the load."""

    name: str
    role: str
    """"seeds" (the project's own corpus) or "benchmark" (the largest public one)."""
    docs_dir: str
    gold: str
    documents: int
    bytes: int


@dataclass(frozen=True)
class BuildResult:
    """Index build end to end (parse, chunk, embed, index, write) next to the bare encoder."""

    corpus: str
    documents: int
    passages: int
    sentences: int
    dimension: int
    repeats: int
    build_seconds: float
    """Median over `repeats` builds; the model is loaded beforehand."""
    passages_per_second: float
    encode_texts: int
    """Passage texts given to `SentenceTransformer.encode` (all of them, or a seeded sample)."""
    encode_seconds: float
    encode_passages_per_second: float
    efficiency: float
    """End-to-end passages per second over raw-encoder passages per second."""
    stage_seconds: dict[str, float]
    """Where one build's time went (median build): embedding calls and the rest."""
    parse_chunk_seconds: float
    """Parsing and chunking alone, timed separately."""
    model_load_seconds: float


@dataclass(frozen=True)
class ConcurrentResult:
    """A bounded burst of `/ask` requests from `clients` concurrent keep-alive connections."""

    clients: int
    requests: int
    answered: int
    errors: int
    seconds: float
    throughput_qps: float
    latency: LatencySummary
    server_cpu_ms_per_request: float
    client_cpu_ms_per_request: float
    stopped_by_time_limit: bool


@dataclass(frozen=True)
class HttpResult:
    """`POST /ask` over HTTP against a `rag serve` process on 127.0.0.1."""

    corpus: str
    passages: int
    questions: int
    server_start_seconds: float
    """Median over `starts` launches."""
    single: LatencySummary
    single_errors: int
    single_server_cpu_ms_per_request: float
    health: LatencySummary
    """`GET /health` round trips, one client: the HTTP stack's own cost, no model or index work."""
    single_server_mean_ms: float | None
    """Mean `POST /ask` duration by the server's own clock (its /metrics histogram), same requests."""
    concurrent: list[ConcurrentResult]
    rss_idle_bytes: int
    rss_after_bytes: int
    rss_peak_bytes: int
    anon_idle_bytes: int = 0
    """RssAnon at the same moments: the part of RSS that is not pages of mapped index files."""
    anon_after_bytes: int = 0
    model_alongside: LatencySummary | None = None
    """The bare model on the one-client requests' questions, in the bench process, timed in blocks
    of 50 between blocks of the requests: the floor measured in the same minute as `single`."""
    first_start_seconds: float | None = None
    """The first of the launches `server_start_seconds` is the median of: the one that may read
    the program's files from disk rather than the page cache."""
    starts: int = 1
    """Launches of `rag serve` to its first `/health` answer behind `server_start_seconds`."""


@dataclass(frozen=True)
class ProfileRun:
    """A server started with other settings (e.g. the throughput profile), one client and bursts."""

    corpus: str
    settings: dict[str, str]
    single: LatencySummary
    concurrent: list[ConcurrentResult]


@dataclass(frozen=True)
class ServerMemory:
    """One `rag serve` process: memory from /proc/<pid>/status after start and after one client's questions."""

    corpus: str
    passages: int
    start_seconds: float
    single: LatencySummary
    errors: int
    rss_idle_bytes: int
    anon_idle_bytes: int
    rss_after_bytes: int
    anon_after_bytes: int
    """RssAnon: memory the kernel cannot drop; VmRSS adds the pages of mapped index files read so far."""
    file_after_bytes: int
    """RssFile: mapped files (index files, shared libraries) read so far; reclaimable under pressure."""
    peak_bytes: int


@dataclass(frozen=True)
class LargeResult:
    """A real server over the benchmark copied until it holds about `target_passages` passages."""

    source_corpus: str
    copies: int
    target_passages: int
    passages: int
    sentences: int
    documents: int
    build_seconds: float
    build_cached: bool
    faiss_index: str
    """The index the build chose and calibrated, e.g. "HNSW64_SQ8 efSearch 1024 (recall@10 0.97)"."""
    requests: int
    small: list[ServerMemory]
    """The seeds server, measured the same way (the base the per-passage cost is taken from)."""
    large: list[ServerMemory]
    dense_search: LatencySummary
    """The large index's dense search alone, in process, one search per benchmark question."""


@dataclass(frozen=True)
class FunctionShare:
    """One function's cumulative time inside `QAService.ask`, from cProfile."""

    function: str
    ms_per_ask: float
    share: float


@dataclass(frozen=True)
class ProfileResult:
    """`QAService.ask` in process: question embedding alone versus the whole call."""

    corpus: str
    embed: LatencySummary
    ask: LatencySummary
    embed_worker_thread: LatencySummary
    """The same embedding called from one long-lived worker thread, as the HTTP app calls `ask`."""
    ask_worker_thread: LatencySummary
    rest_p50_ms: float
    """ask p50 minus embed p50: retrieval, sentence scoring and answer assembly."""
    profiled_asks: int
    top_functions: list[FunctionShare]
    model_cpu_ms: list[ModelCost] = field(default_factory=list)
    """The bare model's CPU time per question at each setting tried (the floor of an answer's cost)."""


@dataclass(frozen=True)
class ModelCost:
    """CPU time the question encoder alone spends per question at one setting, in process."""

    setting: str
    threads: int
    batch: int
    questions: int
    cpu_ms_per_question: float
    wall_ms_per_call: float


@dataclass(frozen=True)
class IndexTypeResult:
    """One FAISS index type at one corpus size, searched one question at a time."""

    size: int
    name: str
    factory: str
    search_params: str
    build_seconds: float
    build_cached: bool
    recall_at_10: float
    latency: LatencySummary
    bytes_per_passage: float


@dataclass(frozen=True)
class LexicalScaleResult:
    """BM25 scoring at one corpus size: over passages (retrieval) and over sentences (answers)."""

    size: int
    sentences: int
    build_seconds: float
    passage_bm25: LatencySummary
    sentence_bm25: LatencySummary


@dataclass(frozen=True)
class ScaleResult:
    """Synthetic corpora of real sentences resampled into passages, vectors mixed from theirs."""

    pool_sentences: int
    pool_cached: bool
    vectors_cached: bool
    generation_seconds: float
    queries: int
    search_k: int
    sizes: list[int]
    indexes: list[IndexTypeResult]
    lexical: list[LexicalScaleResult]


@dataclass(frozen=True)
class PeerResult:
    """One peer script's own meta sidecar figures on one corpus."""

    peer: str
    corpus: str
    status: str
    note: str = ""
    n_passages: int | None = None
    n_questions: int | None = None
    index_build_seconds: float | None = None
    model_load_seconds: float | None = None
    query_p50_ms: float | None = None
    query_p95_ms: float | None = None
    peak_rss_mb: float | None = None
    """VmHWM of the peer process, polled from /proc while it ran."""
    sidecar_peak_rss_mb: float | None = None
    """The sidecar's ru_maxrss, which also counts the peak of the process that started the peer."""
    wall_seconds: float | None = None
    ours_beside: LatencySummary | None = None
    """This service's in-process `ask` on the same questions, timed right before and right after the
    peer ran: the machine's speed drifts between stages minutes apart, so the ratio pairs these."""


@dataclass(frozen=True)
class TargetCheck:
    """A target from the issue, the figure it is judged on, and whether it is met (None: not measured)."""

    target: str
    measured: str
    met: bool | None
    basis: str


@dataclass(frozen=True)
class ParseResult:
    """How long a reader takes over about 1 MB of its format."""

    format: str
    bytes: int
    segments: int
    turns: int
    repeats: int
    median_ms: float
    mb_per_second: float


@dataclass(frozen=True)
class WriteEval:
    """Eval numbers of one state of a written-to index."""

    label: str
    hit_5: float | None
    mrr_10: float | None
    cov_300: float | None
    containment: float | None
    citation_exactness: float | None


@dataclass(frozen=True)
class WritesResult:
    """Writes while serving on one corpus (benchmarks/writes.py)."""

    corpus: str
    documents: int
    passages: int
    writes: int
    write: LatencySummary
    """Each document written onto the build, from the upload to the index that serves it (parse
    and vectors from the document cache)."""
    compaction_seconds: float
    evals: list[WriteEval]
    ask_fresh: LatencySummary
    ask_after_writes: LatencySummary
    """`ask` with every written document still in the in-memory segment."""
    ask_after_compaction: LatencySummary
    cold_documents: int
    cold_passages: int
    cold_passages_per_second: float
    encoder_passages_per_second: float


@dataclass(frozen=True)
class BenchResult:
    """Everything one `rag bench` run measured."""

    created_at: str
    command: str
    git_commit: str | None
    git_dirty: bool | None
    machine: Machine
    wall_seconds: float
    corpora: list[Corpus]
    load: list[LoadSample]
    notes: list[str]
    builds: list[BuildResult] = field(default_factory=list)
    http: list[HttpResult] = field(default_factory=list)
    throughput_profile: ProfileRun | None = None
    profiles: list[ProfileResult] = field(default_factory=list)
    scale: ScaleResult | None = None
    large: LargeResult | None = None
    peers: list[PeerResult] = field(default_factory=list)
    parsing: list[ParseResult] = field(default_factory=list)
    writes: list[WritesResult] = field(default_factory=list)
    estimates: dict[str, float] = field(default_factory=dict)
    targets: list[TargetCheck] = field(default_factory=list)
