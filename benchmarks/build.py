"""Index build speed: `build_index` end to end next to the bare sentence-transformers encoder.

Both run in the same process on the same passage texts: the texts `build_index` hands to
the embedder are captured and given to `SentenceTransformer.encode` with the same batch size
and thread count, so their ratio is the pipeline's efficiency.
"""

from __future__ import annotations

import logging
import random
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.results import BuildResult, Corpus
from benchmarks.stats import rate
from rag.chunking import chunk_transcripts
from rag.settings import Settings
from rag.ingest.corpus import read_corpus
from rag.embedding import Embedder, ResolvedModel, Span, SpanVectors, load_sentence_transformer
from rag.index import build_index, read_manifest
from rag.index.document_cache import clear_document_cache
from rag.chunking.tokens import TokenCounter
from rag.ingest.readers import parse_document

log = logging.getLogger(__name__)

_WARMUP_TEXTS = 32
PASSAGE_PASS = "embed passages (sentence vectors pooled in the same pass)"
FALLBACK_PASS = "embed sentences past the model's window"
OTHER_STAGES = "parse, chunk, BM25, FAISS, write"


@dataclass(frozen=True)
class EmbedCall:
    """One call `build_index` made to the embedder."""

    texts: list[str]
    seconds: float


@dataclass
class TimedEmbedder:
    """An `Embedder` that forwards to a real one and records every call (texts and duration)."""

    inner: Embedder
    calls: list[EmbedCall] = field(default_factory=list)

    @property
    def model(self) -> ResolvedModel:
        """The wrapped embedder's model (the manifest records it)."""
        return self.inner.model

    @property
    def dimension(self) -> int:
        """The wrapped embedder's vector size."""
        return self.inner.dimension

    def embed(self, texts: Sequence[str], *, batch_size: int = 64, progress: bool = False) -> np.ndarray:
        """Embed through the wrapped embedder, timing the call."""
        started = time.perf_counter()
        vectors = self.inner.embed(texts, batch_size=batch_size, progress=progress)
        self.calls.append(EmbedCall(list(texts), time.perf_counter() - started))
        return vectors

    def embed_with_spans(
        self, texts: Sequence[str], spans: Sequence[Sequence[Span]], *, batch_size: int = 64, progress: bool = False
    ) -> SpanVectors:
        """Embed texts and spans through the wrapped embedder, timing the call."""
        started = time.perf_counter()
        vectors = self.inner.embed_with_spans(texts, spans, batch_size=batch_size, progress=progress)
        self.calls.append(EmbedCall(list(texts), time.perf_counter() - started))
        return vectors


def load_raw_encoder(settings: Settings, model: ResolvedModel) -> Any:
    """A plain `SentenceTransformer` on the CPU, on the pipeline's backend with its thread count:
    the reference the pipeline is compared with."""
    return load_sentence_transformer(model, settings.embed.threads, settings.embed.backend, settings.embed.model_cache_dir)


def raw_encode_seconds(encoder: Any, texts: list[str], batch_size: int) -> float:
    """Wall time of one `encode` call over `texts`, normalised numpy output as the pipeline asks."""
    started = time.perf_counter()
    encoder.encode(texts, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True,
                   show_progress_bar=False)
    return time.perf_counter() - started


def bench_build(
    corpus: Corpus, settings: Settings, embedder: Embedder, encoder: Any, tokenizer: TokenCounter, *,
    repeats: int, encode_sample: int, model_load_seconds: float, seed: int = 0,
) -> BuildResult:
    """Build the index of `corpus` into `settings.index_dir` `repeats` times, alternating with raw encodes.

    Alternating keeps a drift in machine load (the cores are shared) from favouring either side:
    odd repeats encode first and then build (build, encode, encode, build, ...), so a load that
    rises or falls through the run weighs on both sides alike.
    `encode_sample` bounds the raw encode to a seeded sample of the passage texts (0: all).
    """
    docs = Path(corpus.docs_dir)
    settings = settings.with_overrides(docs_dir=docs)
    # Warm both models so neither pays first-call costs inside a timed region.
    embedder.embed(["warm up"] * _WARMUP_TEXTS, batch_size=settings.embed.batch_size)
    raw_encode_seconds(encoder, ["warm up"] * _WARMUP_TEXTS, settings.embed.batch_size)

    builds: list[tuple[float, list[EmbedCall]]] = []
    encodes: list[float] = []
    sample: list[str] = []
    manifest = None
    for repeat in range(repeats):
        if repeat % 2:
            encodes.append(raw_encode_seconds(encoder, sample, settings.embed.batch_size))
        # A cold build each time: with the document cache, a rebuild would parse and embed nothing.
        clear_document_cache(settings.index_dir)
        timed = TimedEmbedder(embedder)
        started = time.perf_counter()
        folder = build_index(settings, timed, tokenizer, progress=False)
        builds.append((time.perf_counter() - started, timed.calls))
        manifest = read_manifest(folder / "manifest.json")
        if not sample:
            # The first build says which texts the encoder is given.
            passage_texts = _passage_call(timed.calls, manifest.n_passages).texts
            sample = _sample(passage_texts, encode_sample, seed)
        if not repeat % 2:
            encodes.append(raw_encode_seconds(encoder, sample, settings.embed.batch_size))
    assert manifest is not None  # repeats >= 1 is checked by the options

    build_seconds = statistics.median(seconds for seconds, _ in builds)
    # The split comes from one build, the one nearest the median, against that build's own total:
    # against the median of two builds (their mean) its parts could sum past it.
    typical_seconds, typical_calls = min(builds, key=lambda item: abs(item[0] - build_seconds))
    encode_seconds = statistics.median(encodes)
    passages_per_second = rate(manifest.n_passages, build_seconds)
    encode_rate = rate(len(sample), encode_seconds)
    return BuildResult(
        corpus=corpus.name,
        documents=len(manifest.documents),
        passages=manifest.n_passages,
        sentences=manifest.n_sentences,
        dimension=manifest.model.dimension,
        repeats=repeats,
        build_seconds=round(build_seconds, 3),
        passages_per_second=round(passages_per_second, 2),
        encode_texts=len(sample),
        encode_seconds=round(encode_seconds, 3),
        encode_passages_per_second=round(encode_rate, 2),
        efficiency=round(passages_per_second / encode_rate, 3) if encode_rate else 0.0,
        stage_seconds=stage_seconds(typical_calls, typical_seconds, manifest.n_passages),
        parse_chunk_seconds=round(parse_chunk_seconds(docs, tokenizer, settings), 3),
        model_load_seconds=round(model_load_seconds, 3),
    )


def stage_seconds(calls: list[EmbedCall], total: float, n_passages: int) -> dict[str, float]:
    """Split a build's time into its embedding calls and everything else.

    The call over all passages also pools the sentence vectors; any other call embeds
    sentences that lie past the model's window (none at the default budgets).
    """
    stages: dict[str, float] = {}
    for call in calls:
        name = PASSAGE_PASS if len(call.texts) == n_passages and PASSAGE_PASS not in stages else FALLBACK_PASS
        stages[name] = stages.get(name, 0.0) + call.seconds
    stages[OTHER_STAGES] = total - sum(stages.values())
    return {name: round(seconds, 3) for name, seconds in stages.items()}


def parse_chunk_seconds(docs: Path, tokenizer: TokenCounter, settings: Settings) -> float:
    """Reading, parsing and chunking the corpus alone (no embedding, no writing)."""
    started = time.perf_counter()
    transcripts = [parse_document(d.doc_id, d.text) for d in read_corpus(docs)]
    chunk_transcripts(transcripts, tokenizer, settings.chunk)
    return time.perf_counter() - started


def _passage_call(calls: list[EmbedCall], n_passages: int) -> EmbedCall:
    for call in calls:
        if len(call.texts) == n_passages:
            return call
    raise RuntimeError(f"build_index made no embedding call with its {n_passages} passages")


def _sample(texts: list[str], size: int, seed: int) -> list[str]:
    """A seeded random sample of `size` texts, in their original order (0 or enough: all of them)."""
    if size <= 0 or size >= len(texts):
        return list(texts)
    chosen = sorted(random.Random(seed).sample(range(len(texts)), size))
    return [texts[i] for i in chosen]
