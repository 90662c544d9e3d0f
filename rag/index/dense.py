"""Which FAISS index holds the passage vectors, and how retrieval searches and reads it.

Below `IndexSettings.ann_threshold` passages the index is exact (`IndexFlatIP`): a single
question scans every vector, 0.148 µs per passage on the 2-core machine (eval/BENCH.md,
"Scale": 0.19 ms at 3.9k, 14.8 ms at 100k, 148 ms at 1M), so under 3 ms up to the
default threshold of 20,000. From the threshold on it is an HNSW graph over 8-bit
scalar-quantised vectors (`HNSW64_SQ8`), whose search breadth `efSearch` is calibrated
at build time until recall@10 against exact search reaches `IndexSettings.ann_min_recall`.

Why HNSW64 over SQ8, from measurements on the bench's synthetic 100k vectors (cached
under .cache/bench/scale; 300 sentence vectors as queries, depth 100, one thread):

| index | search | recall@10 | p50 ms | bytes/passage |
|---|---|---|---|---|
| Flat | exact | 1.000 | 12.0 | 1536 |
| HNSW32 | efSearch=512 / 1024 | 0.923 / 0.955 | 2.3 / 4.2 | 1808 |
| HNSW64 | efSearch=512 | 0.967 | 3.0 | ~2064 (1536 + the same graph) |
| HNSW64_SQ8 | efSearch=512 / 1024 | 0.966 / 0.982 | 3.5 / 6.9 | 912 |
| IVF256,SQ8 | nprobe=128 / 256 | 0.970 / 0.995 | 3.3 / 6.6 | 396 |
| IVF1024,SQ8 | nprobe=512 | 0.975 | 3.4 | ~400 |

At 100k the graph and the inverted lists tie, but these vectors have little cluster
structure: IVF reaches 0.95 only by scanning 40-50% of its lists, so its cost grows
linearly with the corpus (eval/BENCH.md: IVF1024,SQ8 needs nprobe=256, 21 ms, for 0.957
at 1M, too slow for the 25 ms `/ask` budget), while a graph's grows with its depth.
HNSW32 falls behind as the corpus grows (0.918 at efSearch=512 at 1M); HNSW64 at
efSearch=512 beats HNSW32 at 1024 (0.967 against 0.955) in less time (3.0 against 4.2
ms). SQ8 storage costs no measurable recall (0.966 against 0.967) and keeps the index at
912 bytes per passage instead of ~2064, which matters for the 4 GB memory target at 1M
passages. Its vectors, read back for scoring, are approximate (within 1e-3 per dimension,
~1e-4 in a cosine). The price is the build: 63 s for 100k vectors on 2 threads (HNSW32:
26 s; IVF: seconds), small beside embedding the same passages. Synthetic vectors are not a
real corpus, which is why efSearch is measured on every build rather than fixed here.
"""

from __future__ import annotations

import logging
import math
from typing import ClassVar

import faiss
import msgspec
import numpy as np

from rag.errors import IndexUnavailableError
from rag.settings import DENSE_DEPTH

log = logging.getLogger(__name__)

RECALL_AT = 10
RECALL_QUERIES = 300
"""Sentence vectors sampled as questions when calibrating: they live in the same space as
questions and, unlike the passage vectors, are not trivially found."""
HNSW_M = 64
"""Graph neighbours per node (level 0 keeps 2M): see the module docstring for why 64."""
HNSW_EF_CONSTRUCTION = 40
"""faiss's default; the recall figures above were measured with it."""
EF_SEARCH_STEPS = (128, 192, 256, 384, 512, 768, 1024, 1536, 2048)
"""efSearch values tried in order; each is above DENSE_DEPTH, since HNSW keeps efSearch
candidates and the service asks for 100. The last is the cap (about 13 ms per question at
100k, twice a full scan of the SQ8 codes): a corpus that needs more is logged and recorded
as missing its target, and would be better served by another index."""
_SEED = 0


class FlatIndexSpec(msgspec.Struct, frozen=True, tag="IndexFlatIP", tag_field="type"):
    """Exact inner-product search over the float vectors (recall 1 by definition)."""

    threshold: int
    """`IndexSettings.ann_threshold` when built: the corpus had fewer passages."""
    recall_at_10: float = 1.0
    exact: ClassVar[bool] = True


class HNSWIndexSpec(msgspec.Struct, frozen=True, tag="IndexHNSWSQ", tag_field="type"):
    """An HNSW graph over 8-bit scalar-quantised vectors, with its calibrated search breadth."""

    threshold: int
    """`IndexSettings.ann_threshold` when built: the corpus had at least this many passages."""
    factory: str
    """faiss `index_factory` string, e.g. `HNSW64_SQ8`."""
    m: int
    ef_construction: int
    ef_search: int
    """Set on the index at load time (not trusted to survive in the faiss file)."""
    search_depth: int
    """Results per query when recall was measured (the service's dense depth)."""
    recall_at_10: float
    """Mean share of the exact top 10 found in the approximate top 10, on `recall_queries`."""
    recall_queries: int
    target_recall: float
    reached_target: bool
    """False when even the largest efSearch tried fell short of `target_recall`."""
    exact: ClassVar[bool] = False


IndexSpec = FlatIndexSpec | HNSWIndexSpec
"""How the passage index was built, as recorded in the manifest (`faiss_index`)."""


def uses_approximate_index(n_passages: int, threshold: int) -> bool:
    """True when a corpus of `n_passages` gets the approximate (HNSW) index rather than exact search."""
    return n_passages >= threshold


def hnsw_factory(m: int = HNSW_M) -> str:
    """The faiss factory string of the approximate index."""
    return f"HNSW{m}_SQ8"


def build_dense_index(
    vectors: np.ndarray, queries: np.ndarray, *, threshold: int, min_recall: float, depth: int = DENSE_DEPTH
) -> tuple[faiss.Index, IndexSpec]:
    """The index for these unit passage vectors and how it was built.

    `queries` are vectors that look like questions (the corpus's sentence vectors); a
    sample of them measures the approximate index's recall against exact search.
    """
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if not uses_approximate_index(len(vectors), threshold):
        index = faiss.IndexFlatIP(vectors.shape[1])
        index.add(vectors)
        return index, FlatIndexSpec(threshold=threshold)
    index = build_hnsw(vectors)
    return index, calibrate(index, vectors, queries, threshold=threshold, min_recall=min_recall, depth=depth)


def build_hnsw(vectors: np.ndarray) -> faiss.Index:
    """The approximate index (`hnsw_factory()`) filled with `vectors`, not yet calibrated."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    index = faiss.index_factory(vectors.shape[1], hnsw_factory(), faiss.METRIC_INNER_PRODUCT)
    faiss.downcast_index(index).hnsw.efConstruction = HNSW_EF_CONSTRUCTION
    # The scalar quantiser learns each dimension's range: one pass over every vector, so
    # no passage falls outside it and gets clipped.
    index.train(vectors)
    index.add(vectors)
    return index


def calibrate(
    index: faiss.Index, vectors: np.ndarray, queries: np.ndarray, *, threshold: int, min_recall: float,
    depth: int = DENSE_DEPTH,
) -> HNSWIndexSpec:
    """Set the HNSW `index` over `vectors` to the smallest efSearch reaching `min_recall`; describe it.

    Recall is measured on a seeded sample of `queries` (see `calibrate_ef_search`); when
    even the cap falls short, the index keeps the cap and a warning is logged.
    """
    sample = sample_queries(queries)
    aim = sentence_recall_target(min_recall)
    ef_search, recall = calibrate_ef_search(index, vectors, sample, aim, depth)
    reached = recall >= aim
    factory = hnsw_factory()
    if not reached:
        log.warning(
            "%s over %d passages: recall@%d %.3f at efSearch=%d, the largest tried, is below the target %.2f",
            factory, index.ntotal, RECALL_AT, recall, ef_search, aim,
        )
    else:
        log.info("%s over %d passages: efSearch=%d gives recall@%d %.3f on %d sampled sentences",
                 factory, index.ntotal, ef_search, RECALL_AT, recall, len(sample))
    return HNSWIndexSpec(
        threshold=threshold, factory=factory, m=HNSW_M, ef_construction=HNSW_EF_CONSTRUCTION, ef_search=ef_search,
        search_depth=depth, recall_at_10=round(recall, 4), recall_queries=len(sample), target_recall=min_recall,
        reached_target=reached,
    )


def sentence_recall_target(min_recall: float) -> float:
    """The recall@10 the calibration asks of sentence queries for `min_recall` on questions:
    half-way from `min_recall` to 1.

    Sentences lie inside the passages they are drawn from, so the graph finds their
    neighbours more easily than a question's: on the bench's 1M synthetic corpus, efSearch=192
    gave 0.954 on sentences but 0.910 on 200 real gold questions (at 100k: 0.964 and 0.967).
    """
    return min_recall + (1.0 - min_recall) / 2


def sample_queries(queries: np.ndarray, size: int = RECALL_QUERIES) -> np.ndarray:
    """A seeded sample of up to `size` rows (the same rows for the same input, build after build)."""
    if len(queries) == 0:
        raise ValueError("no query vectors to measure recall with")
    rows = np.sort(np.random.default_rng(_SEED).choice(len(queries), size=min(size, len(queries)), replace=False))
    return np.ascontiguousarray(queries[rows], dtype=np.float32)


def calibrate_ef_search(
    index: faiss.Index, vectors: np.ndarray, queries: np.ndarray, min_recall: float, depth: int = DENSE_DEPTH
) -> tuple[int, float]:
    """The smallest efSearch of EF_SEARCH_STEPS whose recall@10 reaches `min_recall`, with that recall.

    Each step searches `queries` for `depth` results, as the service does, and compares
    their first 10 with exact search over `vectors`. When no step reaches the target, the
    last (the cap) and its recall are returned. The index is left set to the chosen value.
    """
    hnsw = faiss.downcast_index(index).hnsw
    _, truth = faiss.knn(queries, np.ascontiguousarray(vectors, dtype=np.float32), min(RECALL_AT, len(vectors)),
                         metric=faiss.METRIC_INNER_PRODUCT)
    recall = 0.0
    for ef_search in EF_SEARCH_STEPS:
        hnsw.efSearch = ef_search
        _, found = index.search(queries, max(depth, RECALL_AT))
        recall = recall_at_k(found, truth)
        if recall >= min_recall:
            break
    return ef_search, recall


def recall_at_k(found: np.ndarray, truth: np.ndarray, k: int | None = None) -> float:
    """Mean over queries (rows) of |found[:k] ∩ truth[:k]| / k; -1 marks "no result". `k` defaults
    to the width of `truth` (the exact top ids)."""
    if found.shape[0] != truth.shape[0]:
        raise ValueError(f"{found.shape[0]} result rows for {truth.shape[0]} queries")
    if found.shape[0] == 0:
        return math.nan
    k = truth.shape[1] if k is None else k
    hits = [len((set(f[:k].tolist()) & set(t[:k].tolist())) - {-1}) / k for f, t in zip(found, truth, strict=True)]
    return float(np.mean(hits))


def rebuild_reason(spec: IndexSpec, n_passages: int, threshold: int, min_recall: float) -> str | None:
    """Why the settings now want another passage index than `spec` (None: they want this one)."""
    approximate = uses_approximate_index(n_passages, threshold)
    if approximate == spec.exact:
        wanted = hnsw_factory() if approximate else "exact search (IndexFlatIP)"
        built = "exact search (IndexFlatIP)" if spec.exact else spec.factory
        return f"index built with {built}, configured {wanted} for {n_passages} passages (ann_threshold {threshold})"
    if isinstance(spec, HNSWIndexSpec) and spec.target_recall != min_recall:
        return f"index calibrated for recall@10 >= {spec.target_recall}, configured {min_recall}"
    return None


def set_threads(threads: int) -> None:
    """Set the OpenMP threads of the FAISS calls the calling thread makes.

    OpenMP keeps this per thread: a thread started later (a web server's worker) begins
    with the default of one thread per core, so `DenseIndex` sets it on every search.

    FAISS parallelises over queries (and over vectors when building), never within one
    query: the service, which searches one question at a time, gains nothing from more
    than one thread, while idle OpenMP workers spin on cores that torch or onnxruntime
    (embedding the next question) and the other requests share on a 2-core machine.
    Builds, which search hundreds of queries at once, use more.
    """
    faiss.omp_set_num_threads(threads)


class DenseIndex:
    """The passage index as retrieval uses it: top positions for a question, vectors of given positions."""

    def __init__(self, index: faiss.Index, spec: IndexSpec, threads: int = 1) -> None:
        expected = type(spec).__struct_config__.tag
        if type(index).__name__ != expected:
            raise IndexUnavailableError(
                f"passages.faiss holds a {type(index).__name__}, the manifest says {expected}; run `rag index`"
            )
        self.index = index
        self.spec = spec
        self.threads = threads
        self._rows: np.ndarray | None = None
        self._storage: faiss.Index | None = None
        if isinstance(spec, FlatIndexSpec):
            # A read-only view of the index's own float storage: scoring candidates needs no
            # second copy of the vectors (the view lives no longer than this object, which
            # keeps the index alive).
            size = index.ntotal * index.d
            rows = faiss.rev_swig_ptr(index.get_xb(), size) if size else np.zeros(0, dtype=np.float32)
            self._rows = rows.reshape(index.ntotal, index.d)
            self._rows.flags.writeable = False
        else:
            # Set from the manifest: the calibrated value, whatever the faiss file carries.
            index.hnsw.efSearch = spec.ef_search
            self._storage = faiss.downcast_index(index.storage)

    def search(self, query: np.ndarray, depth: int, allowed: np.ndarray | None = None) -> np.ndarray:
        """Positions of the `depth` passages nearest `query`, best first, among `allowed` when given (-1 pads)."""
        if depth <= 0 or self.index.ntotal == 0:  # FAISS asserts on k = 0; an empty corpus has nothing near
            return np.zeros(0, dtype=np.int64)
        set_threads(self.threads)
        query = query.reshape(1, -1)
        selector = None if allowed is None else faiss.IDSelectorBatch(allowed)
        if isinstance(self.spec, FlatIndexSpec):
            params = None if selector is None else faiss.SearchParameters(sel=selector)
            _, positions = self.index.search(query, depth, params=params)
        elif selector is not None and len(allowed) < self.spec.threshold:  # type: ignore[arg-type]
            # A narrow filter leaves the graph walk few allowed nodes to collect: scan the
            # allowed passages' codes exactly instead (a membership test per passage, a
            # distance per allowed one: no more than flat search below the threshold).
            _, positions = self._storage.search(query, depth, params=faiss.SearchParameters(sel=selector))
        else:
            params = faiss.SearchParametersHNSW(efSearch=self.spec.ef_search)
            if selector is not None:
                params.sel = selector
            _, positions = self.index.search(query, depth, params=params)
        return positions[0]

    def vectors(self, positions: np.ndarray) -> np.ndarray:
        """The stored vectors at `positions` (approximate for the SQ8 index), one row each."""
        if self._rows is not None:
            return self._rows[positions]
        return self.index.reconstruct_batch(np.ascontiguousarray(positions, dtype=np.int64))
