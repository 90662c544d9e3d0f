"""Writes while serving: what a write costs, how answers compare with a full build, and whether
answering slows down as written documents pile up.

All in one process over a copy of a corpus, through `QAService` (the code path of the write
routes and of `POST /ask`):

* a fresh full build of the corpus is the reference: its eval numbers and its `ask` latency;
* the same corpus written one document at a time onto a build of its first document (their
  parse and vectors taken from the reference's document cache, so this measures everything but
  the model), eval before and after compaction, and again after deleting half the documents and
  writing them back;
* `ask` latency with every written document still in the in-memory segment, and after compaction,
  next to the fresh build;
* a few documents written cold (parsed and embedded), against the bare encoder on the same
  passage texts: the write's throughput as a ratio.
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.build import raw_encode_seconds
from benchmarks.results import Corpus, WritesResult, WriteEval
from benchmarks.stats import rate, summarize
from rag.chunking import embedding_text
from rag.embedding import Embedder
from rag.evaluation import load_gold
from rag.evaluation.runner import run_eval
from rag.evaluation.types import Metrics
from rag.index import load_configured_index
from rag.index.document_cache import CACHE_FILE, document_cache
from rag.service import QAService, ensure_index, open_service
from rag.settings import Settings

log = logging.getLogger(__name__)

_COLD_DOCUMENTS = 3
"""Documents written with nothing cached (parsed and embedded), for the throughput ratio."""


def bench_writes(corpus: Corpus, settings: Settings, embedder: Embedder, encoder: Any, work_dir: Path,
                 *, ask_repeats: int = 3) -> WritesResult:
    """Measure writes on `corpus` (its full build in `settings.index_dir`, made if missing)."""
    # No question cache: every timed `ask` embeds its question, as a new question would.
    settings = settings.with_overrides(question_cache_size=0)
    gold = load_gold(Path(corpus.gold))
    questions = [q.question for q in gold if q.answerable][:100]
    ensure_index(settings, embedder)
    full_service = open_service(settings, build_if_needed=False)
    full = run_eval(full_service, gold).report.overall
    fresh_ask = _ask_latency(full_service, questions, ask_repeats)

    names = sorted(d.doc_id for d in full_service.documents())
    live = corpus_copy(settings, full_service, embedder, work_dir / "incremental", names[:1])
    write_seconds = []
    for name in names[1:]:
        data = (Path(corpus.docs_dir) / name).read_bytes()
        started = time.perf_counter()
        live.put_document(name, data)
        write_seconds.append(time.perf_counter() - started)
    segment_ask = _ask_latency(live, questions, ask_repeats)
    incremental = run_eval(live, gold).report.overall
    started = time.perf_counter()
    live.compact()
    compaction_seconds = time.perf_counter() - started
    compacted = run_eval(live, gold).report.overall
    compacted_ask = _ask_latency(live, questions, ask_repeats)
    for name in names[::2]:
        live.delete_document(name)
    for name in names[::2]:
        live.put_document(name, (Path(corpus.docs_dir) / name).read_bytes())
    readded = run_eval(live, gold).report.overall
    live.compact()
    readded_compacted = run_eval(live, gold).report.overall

    cold_seconds, cold_passages, encode_seconds = _cold_writes(settings, full_service, embedder, encoder,
                                                               work_dir / "cold", names)
    return WritesResult(
        corpus=corpus.name, documents=len(names), passages=full_service.health().passages,
        writes=len(write_seconds), write=summarize(write_seconds),
        compaction_seconds=round(compaction_seconds, 2),
        evals=[_eval("full build", full), _eval("written one at a time", incremental),
               _eval("... then compacted", compacted), _eval("half deleted and written back", readded),
               _eval("... then compacted", readded_compacted)],
        ask_fresh=summarize(fresh_ask), ask_after_writes=summarize(segment_ask),
        ask_after_compaction=summarize(compacted_ask),
        cold_documents=_COLD_DOCUMENTS, cold_passages=cold_passages,
        cold_passages_per_second=round(rate(cold_passages, cold_seconds), 2),
        encoder_passages_per_second=round(rate(cold_passages, encode_seconds), 2),
    )


def corpus_copy(settings: Settings, reference: QAService, embedder: Embedder, root: Path, names: Sequence[str],
                *, cache: bool = True, **overrides: object) -> QAService:
    """A service taking writes over the documents `names` of `settings.docs_dir`, copied into `root`
    with an index folder of their own and `overrides` of the settings. With `cache`, the
    reference's document cache comes along, so neither the copy's build nor writing one of the
    reference's documents parses or embeds anything."""
    shutil.rmtree(root, ignore_errors=True)
    docs = root / "docs"
    docs.mkdir(parents=True)
    for name in names:
        (docs / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(settings.docs_dir / name, docs / name)
    local = settings.with_overrides(docs_dir=docs, index_dir=root / "index", **overrides)
    local.index_dir.mkdir(parents=True)
    reference_cache = document_cache(settings, embedder)
    if cache:
        reference_cache.copy_to(local.index_dir / CACHE_FILE)
    ensure_index(local, embedder)
    if cache:
        # Again after the build, which keeps only the entries of the documents it holds.
        reference_cache.copy_to(local.index_dir / CACHE_FILE)
    index = load_configured_index(local, reference.embedder.model)
    return QAService(local, reference.embedder, index, document_embedder=embedder)


def _cold_writes(settings: Settings, reference: QAService, embedder: Embedder, encoder: Any, root: Path,
                 names: Sequence[str]) -> tuple[float, int, float]:
    """Seconds to write the last `_COLD_DOCUMENTS` documents with nothing cached, their passages,
    and the bare encoder's seconds on the same passage texts."""
    live = corpus_copy(settings, reference, embedder, root, names[:1], cache=False)
    chosen = names[-_COLD_DOCUMENTS:]
    seconds, passages = 0.0, 0
    texts: list[str] = []
    for name in chosen:
        data = (settings.docs_dir / name).read_bytes()
        started = time.perf_counter()
        result = live.put_document(name, data)
        seconds += time.perf_counter() - started
        passages += result.passages_added
    index = live.index
    for entry in index.transcripts.entries:
        if entry.doc_id in chosen:
            transcript = index.transcripts[entry.doc_id]
            texts += [embedding_text(index.passages[i], transcript) for i in range(entry.first_passage, entry.end_passage)]
    return seconds, passages, raw_encode_seconds(encoder, texts, settings.embed.batch_size)


def _ask_latency(service: QAService, questions: Sequence[str], repeats: int) -> list[float]:
    """Seconds per `ask`, each question `repeats` times, after a short warm-up."""
    for question in questions[:3]:
        service.ask(question)
    seconds = []
    for _ in range(repeats):
        for question in questions:
            started = time.perf_counter()
            service.ask(question)
            seconds.append(time.perf_counter() - started)
    return seconds


def _eval(label: str, metrics: Metrics) -> WriteEval:
    return WriteEval(label=label, hit_5=metrics.hit_5, mrr_10=metrics.mrr_10, cov_300=metrics.cov_300,
                     containment=metrics.answer_containment, citation_exactness=metrics.citation_exactness)
