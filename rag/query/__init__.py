"""Answering a question over an index it sees only through `protocols`: filters, speakers named in
the question, dense and lexical retrieval with fusion, the sentences that answer, and abstention."""

from rag.query.answer import build_answer
from rag.query.filters import allowed_positions
from rag.query.protocols import DenseStore, LexicalScorer, PassageSource, ReadIndex, TranscriptSource
from rag.query.retrieval import ScoredPassage, search
from rag.query.speakers import SpeakerDirectory

__all__ = [
    "DenseStore", "LexicalScorer", "PassageSource", "ReadIndex", "ScoredPassage", "SpeakerDirectory", "TranscriptSource", "allowed_positions", "build_answer", "search",
]
