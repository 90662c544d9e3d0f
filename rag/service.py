"""The question-answering service as plain Python: the app, the CLI and the eval all call this."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

import msgspec

import numpy as np

from rag.query.answer import answer_signals, build_answer
from rag.query.answerability import CONFIDENCE_SCALE, AnswerabilityModel, Signals, load_model
from rag.index.calibration import load_calibration
from rag.settings import Settings, thread_plan, usable_cores
from rag.embedding import (
    Embedder, LazyEmbedder, QuestionEncoder, load_question_encoder, resolve_model, with_query_threads,
)
from rag.errors import InputError, NotFoundError, RagError
from rag.ingest.uploads import remove_staged
from rag.index.changes import IndexWriter, ServedIndex, WriteResult
from rag.index.watch import FolderWatcher
from rag.query.filters import allowed_positions
from rag.index import LoadedIndex, build_index, index_problem, load_configured_index
from rag.embedding.batching import QuestionVectors
from rag.types import Answer, DocumentSummary, Filters, Speaker, Turn, TurnKind
from rag.query.retrieval import ScoredPassage, search
from rag.query.speakers import SpeakerDirectory
from rag.chunking.tokens import load_encoding

log = logging.getLogger(__name__)


class PassageView(msgspec.Struct, frozen=True):
    id: str
    doc_id: str
    title: str | None
    date: str | None
    speaker: str | None
    role: str | None
    kind: TurnKind
    turn_index: int
    last_turn_index: int
    speakers: list[str]
    start: int
    end: int
    text: str
    context: str | None


class TurnView(Turn, frozen=True, kw_only=True):
    """A turn as the API shows it: the turn (with its times, when the source has them) and its text."""

    text: str


class DocumentView(msgspec.Struct, frozen=True):
    """A document as the API serves it: its canonical text, in which every citation's
    `[start, end)` holds the extract exactly, and its turns."""

    doc_id: str
    title: str | None
    date: str | None
    date_text: str | None
    speakers: list[Speaker]
    turns: list[TurnView]
    format: str
    """The reader that made it: `text` (the canonical text is the file, unless it is timed or line-numbered),
    `docx`, `odt`, `rtf`, `pdf`, `webvtt`, `srt`, `sbv`, `json`, `html`, `ttml`, `csv`, `xlsx`, `ass`, `tei`, `elan`, `textgrid`, `chat`."""
    media_url: str | None
    text: str


class Health(msgspec.Struct, frozen=True):
    status: str
    model: str
    build_id: str
    """The build on disk underneath."""
    version: str
    """What is served: the build id, then `+N` after N writes applied to it (the build id alone
    when what is served is exactly the build)."""
    documents: int
    passages: int
    pending_documents: int = 0
    """Documents written since the build, not yet folded into one by compaction."""


@dataclass(frozen=True)
class _Served:
    """An index with what is derived from it, swapped as one object."""

    index: ServedIndex
    speakers: SpeakerDirectory
    min_score: float
    """The abstention threshold in force for this index."""

    @classmethod
    def of(cls, index: ServedIndex, min_score: float) -> _Served:
        speakers = SpeakerDirectory(index.transcripts.entries, index.positions, len(index.passages))
        return cls(index, speakers, min_score)


def _min_score(index: ServedIndex, settings: Settings, model: AnswerabilityModel) -> float:
    """A configured threshold wins; else one calibrated for this index; else the model's own."""
    if settings.answer.min_score is not None:
        return settings.answer.min_score
    calibration = load_calibration(
        settings.index_dir, weights_sha256=index.manifest.model.weights_sha256, chunking=index.manifest.chunking,
        scale=CONFIDENCE_SCALE,
    )
    return calibration.min_score if calibration else model.threshold


class QAService:
    """Answers questions over one loaded index with one embedder."""

    def __init__(
        self, settings: Settings, embedder: QuestionEncoder, index: LoadedIndex,
        document_embedder: Embedder | None = None,
    ) -> None:
        """`document_embedder` embeds written documents; by default the build embedder is loaded
        at the first write that needs it (answering alone never loads it)."""
        self.settings = settings
        self.embedder = embedder
        # Unset when the caller did not go through `open_service`: the lanes the cores allow.
        lanes = thread_plan(query_threads=settings.embed.query_threads, query_lanes=settings.embed.query_lanes).query_lanes
        self.questions = QuestionVectors(embedder, settings.embed.question_cache_size, settings.embed.query_batch, lanes)
        self.answerability = load_model()
        # Read at start and at each reload, not at each write: a write changes neither the
        # model nor the chunking a calibration is for.
        self._min_score = _min_score(index, settings, self.answerability)
        self._served = _Served.of(index, self._min_score)
        self._lock = threading.Lock()
        self._writer: IndexWriter | None = None
        self._document_embedder = document_embedder or LazyEmbedder(settings, embedder.model)

    @property
    def index(self) -> ServedIndex:
        """The index in use; replaced whole by a write or `reload`, never mutated."""
        return self._served.index

    def put_document(self, doc_id: str, data: bytes) -> WriteResult:
        """Create or replace document `doc_id` with the file bytes `data` (any format a reader takes)."""
        return self._writes().put(doc_id, data)

    def delete_document(self, doc_id: str) -> WriteResult:
        """Remove document `doc_id` from the corpus folder and the index."""
        return self._writes().delete(doc_id)

    def apply_folder_changes(self, changed: list[str], gone: list[str]) -> list[WriteResult]:
        """Serve what the corpus folder now holds for these ids (the watcher found them changed).

        A file that cannot be indexed is logged and skipped; the version served stays.
        """
        writer, results = self._writes(), []
        for doc_id in changed:
            try:
                data = (self.settings.docs_dir / doc_id).read_bytes()
                results.append(writer.put(doc_id, data, commit_file=False))
            except (OSError, RagError) as exc:
                log.warning("watch: %s not applied: %s", doc_id, exc)
        for doc_id in gone:
            if writer.served_sha(doc_id) is not None:
                results.append(writer.delete(doc_id, commit_file=False))
        return results

    def compact_if_due(self) -> bool:
        """Fold written documents into a new build once writes have been quiet long enough, or,
        while they go on, once the written documents hold enough passages to slow answers."""
        writer = self._writer
        if writer is None or not writer.pending:
            return False
        quiet = time.monotonic() - writer.last_write >= self.settings.index.compact_after_seconds
        if not quiet and writer.pending_passages < self.settings.index.compact_segment_passages:
            return False
        return writer.compact()

    def compact(self) -> bool:
        """Fold every written document into a new build now (False: nothing was written)."""
        writer = self._writer
        return writer.compact() if writer is not None else False

    def maintain(self, watcher: FolderWatcher | None) -> None:
        """One round of background upkeep: apply what the watcher saw settle, compact when due."""
        if watcher is not None:
            changed, gone = watcher.settled()
            if changed or gone:
                self.apply_folder_changes(changed, gone)
        self.compact_if_due()

    def _writes(self) -> IndexWriter:
        with self._lock:
            if self._writer is None:
                self._writer = IndexWriter(
                    self.settings, self._served.index.base_build, self._document_embedder, self._publish
                )
            return self._writer

    def _publish(self, index: ServedIndex) -> None:
        self._served = _Served.of(index, self._min_score)

    @property
    def min_score(self) -> float:
        """The abstention threshold in force (configured, calibrated or default)."""
        return self._served.min_score

    def ask(self, question: str, k: int | None = None, filters: Filters | None = None) -> Answer:
        """Answer `question` with up to `k` retrieved passages and the sentences that answer it."""
        served, question, question_vector, hits = self._retrieve(question, k, filters)
        return build_answer(
            served.index, question, question_vector, hits, min_score=served.min_score,
            settings=self.settings.answer, model=self.answerability,
        )

    def answer_signals(self, question: str, k: int | None = None) -> Signals | None:
        """What the answerability model sees for `question` (None when nothing is retrieved):
        eval/abstention/ trains the model on these."""
        served, question, question_vector, hits = self._retrieve(question, k, None)
        return answer_signals(served.index, question, question_vector, hits, self.settings.answer)

    def _retrieve(
        self, question: str, k: int | None, filters: Filters | None
    ) -> tuple[_Served, str, np.ndarray, list[ScoredPassage]]:
        question = self._check_question(question)
        k = self._check_k(k)
        # One read: a concurrent reload swaps the index and what is derived from it together.
        served = self._served
        index, speakers = served.index, served.speakers
        allowed = allowed_positions(index, filters)
        question_vector = self.questions.vector(question)
        mentioned = speakers.mentioned(question)
        boosted = speakers.passages_of(mentioned) if mentioned else None
        hits = search(index, question, question_vector, k, self.settings.retrieval, allowed=allowed, boosted=boosted)
        return served, question, question_vector, hits

    def passage(self, passage_id: str) -> PassageView:
        """One passage by id, with its text."""
        index = self.index
        position = index.passages.position_of(passage_id)
        if position is None:
            raise NotFoundError(f"no passage with id {passage_id!r}")
        p = index.passages[position]
        transcript = index.transcripts[p.doc_id]
        return PassageView(
            id=p.id, doc_id=p.doc_id, title=transcript.title, date=transcript.date, speaker=p.speaker,
            role=p.role, kind=p.kind, turn_index=p.turn_index, last_turn_index=p.last_turn_index,
            speakers=p.speakers, start=p.start, end=p.end,
            text=transcript.text[p.start : p.end], context=p.context,
        )

    def documents(self) -> list[DocumentSummary]:
        """Every indexed document, by id."""
        # From the in-memory metadata: listing documents decodes none of them.
        return [
            DocumentSummary(
                doc_id=t.doc_id, title=t.title, date=t.date, date_text=t.date_text,
                speakers=t.speakers, n_turns=t.n_turns, n_chars=t.n_chars,
            )
            for t in sorted(self.index.transcripts.entries, key=lambda t: t.doc_id)
        ]

    def document(self, doc_id: str) -> DocumentView:
        """One document with all its turns and their text."""
        transcript = self.index.transcripts.get(doc_id)
        if transcript is None:
            raise NotFoundError(f"no document with id {doc_id!r}")
        turns = [
            TurnView(index=t.index, kind=t.kind, speaker=t.speaker, role=t.role, start=t.start, end=t.end,
                     start_time=t.start_time, end_time=t.end_time, text=transcript.text[t.start : t.end])
            for t in transcript.turns
        ]
        return DocumentView(
            doc_id=transcript.doc_id, title=transcript.title, date=transcript.date,
            date_text=transcript.date_text, speakers=transcript.speakers, turns=turns, format=transcript.format,
            media_url=transcript.media_url, text=transcript.text,
        )

    def health(self) -> Health:
        """Liveness plus what is being served."""
        index = self.index
        writer = self._writer
        return Health(
            status="ok", model=index.manifest.model.name, build_id=index.manifest.build_id, version=index.version,
            documents=len(index.transcripts), passages=len(index.passages) - index.n_hidden,
            pending_documents=writer.pending if writer else 0,
        )

    def reload(self) -> None:
        """Load the current build from disk and swap it in; requests in flight keep the old one."""
        index = load_configured_index(self.settings, self.embedder.model)
        self._min_score = _min_score(index, self.settings, self.answerability)
        with self._lock:
            writer = self._writer
            if writer is None:
                self._served = _Served.of(index, self._min_score)
                return
        writer.rebase(index)

    def _check_question(self, question: str) -> str:
        stripped = question.strip()
        if not stripped:
            raise InputError("question must not be empty")
        if len(question) > self.settings.answer.max_question_chars:
            raise InputError(
                f"question is {len(question)} characters; the limit is {self.settings.answer.max_question_chars}"
            )
        return stripped

    def _check_k(self, k: int | None) -> int:
        if k is None:
            return self.settings.retrieval.default_k
        if not 1 <= k <= self.settings.retrieval.max_k:
            raise InputError(f"k must be between 1 and {self.settings.retrieval.max_k}, got {k}")
        return k


def open_service(settings: Settings, *, build_if_needed: bool = True, progress: bool = False) -> QAService:
    """Load the model and the index (building it first when missing or stale) and return the service."""
    model = resolve_model(settings.embed.model)
    removed = remove_staged(settings.docs_dir)
    if removed:
        log.info("removed %d half-written uploads a crash left in %s", removed, settings.docs_dir)
    if build_if_needed and index_problem(settings, model) is not None:
        # Builds embed in large batches with all the threads; answering gets its own session below.
        ensure_index(settings, LazyEmbedder(settings, model), progress=progress)
    settings, chosen = with_query_threads(settings, model)
    log.info("threads: %d per question (%s; %s), %d question lanes, %d for indexing, FAISS %d (%d usable CPUs; "
             "RAG_QUERY_THREADS, RAG_QUERY_SPINNING, RAG_QUERY_LANES, RAG_THREADS and RAG_FAISS_THREADS override)",
             chosen.threads, chosen.basis, "spinning" if chosen.spinning else "not spinning", chosen.lanes,
             settings.embed.threads, settings.index.faiss_threads, usable_cores())
    embedder = load_question_encoder(settings, model)
    index = load_configured_index(settings, model)
    return QAService(settings, embedder, index)


def ensure_index(settings: Settings, embedder: Embedder, *, progress: bool = False) -> bool:
    """Build the index when it is missing or stale; returns True when it built one."""
    problem = index_problem(settings, embedder.model)
    if problem is None:
        return False
    log.info("building the index: %s", problem)
    tokenizer = load_encoding(settings.chunk.encoding, settings.tiktoken_cache_dir)
    build_index(settings, embedder, tokenizer, progress=progress)
    return True
