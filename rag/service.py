"""The question-answering service as plain Python: the app, the CLI and the eval all call this."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

import msgspec

from rag.query.answer import build_answer
from rag.index.calibration import load_calibration
from rag.settings import DEFAULT_MIN_SCORE, Settings
from rag.embedding import Embedder, QuestionEncoder, load_embedder, load_question_encoder, resolve_model
from rag.errors import InputError, NotFoundError
from rag.query.filters import allowed_positions
from rag.index import LoadedIndex, build_index, index_problem, load_index
from rag.embedding.batching import QuestionVectors
from rag.types import Answer, DocumentSummary, Filters, Speaker, Turn, TurnKind
from rag.query.retrieval import search
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
    """The reader that made it: `text` (the canonical text is the file), `webvtt`, `srt`, `json`."""
    media_url: str | None
    text: str


class Health(msgspec.Struct, frozen=True):
    status: str
    model: str
    build_id: str
    documents: int
    passages: int


@dataclass(frozen=True)
class _Served:
    """An index with what is derived from it, swapped as one object."""

    index: LoadedIndex
    speakers: SpeakerDirectory
    min_score: float
    """The abstention threshold in force for this index."""

    @classmethod
    def of(cls, index: LoadedIndex, settings: Settings) -> _Served:
        speakers = SpeakerDirectory(index.transcripts.entries, index.positions, len(index.passages))
        return cls(index, speakers, _min_score(index, settings))


def _min_score(index: LoadedIndex, settings: Settings) -> float:
    """A configured threshold wins; else one calibrated for this model and chunking; else the default."""
    if settings.answer.min_score is not None:
        return settings.answer.min_score
    calibration = load_calibration(
        settings.index_dir, weights_sha256=index.manifest.model.weights_sha256, chunking=index.manifest.chunking
    )
    return calibration.min_score if calibration else DEFAULT_MIN_SCORE


class QAService:
    """Answers questions over one loaded index with one embedder."""

    def __init__(
        self, settings: Settings, embedder: QuestionEncoder, index: LoadedIndex,
    ) -> None:
        self.settings = settings
        self.embedder = embedder
        self.questions = QuestionVectors(
            embedder, settings.embed.question_cache_size, settings.embed.query_batch, settings.embed.query_lanes
        )
        self._served = _Served.of(index, settings)
        self._lock = threading.Lock()

    @property
    def index(self) -> LoadedIndex:
        """The index in use; replaced whole by `reload`, never mutated."""
        return self._served.index

    @property
    def min_score(self) -> float:
        """The abstention threshold in force (configured, calibrated or default)."""
        return self._served.min_score

    def ask(self, question: str, k: int | None = None, filters: Filters | None = None) -> Answer:
        """Answer `question` with up to `k` retrieved passages and the sentences that answer it."""
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
        return build_answer(
            index,
            question,
            question_vector,
            hits,
            min_score=served.min_score,
            settings=self.settings.answer,
        )

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
        return Health(
            status="ok", model=index.manifest.model.name, build_id=index.manifest.build_id,
            documents=len(index.transcripts), passages=len(index.passages),
        )

    def reload(self) -> None:
        """Load the current build from disk and swap it in; requests in flight keep the old one."""
        with self._lock:
            index = load_index(
                self.settings.index_dir, self.embedder.model, self.settings.chunk,
                faiss_threads=self.settings.index.faiss_threads,
            )
            self._served = _Served.of(index, self.settings)

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
    if build_if_needed and index_problem(settings, model) is not None:
        # Builds embed in large batches with all the threads; answering gets its own session below.
        ensure_index(settings, load_embedder(settings, model), progress=progress)
    embedder = load_question_encoder(settings, model)
    index = load_index(settings.index_dir, model, settings.chunk, faiss_threads=settings.index.faiss_threads)
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
