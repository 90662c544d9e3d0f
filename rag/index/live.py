"""An index that takes writes while serving: the last build, plus the documents written since.

A build on disk is immutable. Documents added or replaced since it was made live in a small
in-memory `Segment` whose positions follow the build's; documents deleted or replaced are
hidden from the build (never searched, never cited). `LiveIndex` joins the two behind the same
`ReadIndex` protocol the query layer reads, so answering does not know which part a passage
came from. Compaction (a full build from the document cache) folds the segment back into a build.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import numpy as np

from rag.index.lexical import LexicalIndex, SegmentLexical, Statistics, bm25_idf, tokenize
from rag.index.load import LoadedIndex
from rag.index.manifest import Manifest
from rag.index.pieces import DocumentPieces, assemble
from rag.ingest.names import speaker_key
from rag.types import DocumentEntry, Passage, Transcript, Where

# Below this many hidden passages, searching a little deeper and dropping them is cheaper than
# building a selector of every visible position for each question.
_OVERFETCH_LIMIT = 256


class Segment:
    """Documents written since the build, in memory, at positions from `first_position` on."""

    def __init__(self, pieces: Sequence[DocumentPieces], base: LoadedIndex, previous: Segment | None = None) -> None:
        dimension = base.manifest.model.dimension
        table = assemble(pieces, dimension)
        self.first_position = len(base.passages)
        self.first_sentence = base.sentence_vectors.shape[0]
        self.passages = table.passages
        self.vectors = table.passage_vectors
        self.sentence_vectors = table.sentence_vectors
        self.sentence_rows = [np.asarray(rows, dtype=np.int64) + self.first_sentence for rows in table.sentence_rows]
        self.transcripts = {t.doc_id: t for t in table.transcripts}
        self.entries: list[DocumentEntry] = []
        first = self.first_position
        for piece in pieces:
            t = piece.transcript
            self.entries.append(DocumentEntry(
                doc_id=t.doc_id, title=t.title, date=t.date, date_text=t.date_text, speakers=t.speakers,
                n_turns=len(t.turns), n_chars=len(t.text), first_passage=first, end_passage=first + len(piece.passages),
            ))
            first += len(piece.passages)
        self.position_of = {p.id: self.first_position + i for i, p in enumerate(self.passages)}
        spoken: dict[tuple[str, str], list[int]] = {}
        for i, passage in enumerate(self.passages):
            for name in set(passage.speakers):
                spoken.setdefault((passage.doc_id, speaker_key(name)), []).append(self.first_position + i)
        self.spoken_by = {key: np.asarray(rows, dtype=np.int64) for key, rows in spoken.items()}
        """Positions of each (document, speaker key)'s passages: speaker filters and boosts."""
        # SegmentLexical checks that `previous` scored over the same build and pieces.
        self.lexical = SegmentLexical(base.lexical, [p.passage_postings for p in pieces],
                                      previous.lexical if previous else None)
        self.sentence_lexical = SegmentLexical(base.sentence_lexical, [p.sentence_postings for p in pieces],
                                               previous.sentence_lexical if previous else None)

    def __len__(self) -> int:
        return len(self.passages)


class LiveIndex:
    """The build with `hidden` documents taken out and the `segment`'s documents added."""

    def __init__(self, base: LoadedIndex, segment: Segment, hidden: frozenset[str], version: str) -> None:
        self.base = base
        self.segment = segment
        self.hidden = hidden
        self.version = version
        """Changes with every write: the build id, then the number of writes applied to it."""
        mask = np.zeros(len(base.passages), dtype=bool)
        sentence_mask = np.zeros(base.sentence_vectors.shape[0], dtype=bool)
        sentence_rows = base.passages.sentence_rows
        offsets = sentence_rows.offsets
        for doc_id in hidden:
            entry = base.transcripts.entry(doc_id)
            if entry is not None:
                mask[entry.first_passage : entry.end_passage] = True
                sentence_mask[sentence_rows.values[offsets[entry.first_passage] : offsets[entry.end_passage]]] = True
        self._hidden_mask = mask
        self._n_hidden = int(mask.sum())
        self._visible = np.flatnonzero(~mask).astype(np.int64) if self._n_hidden else None
        self.passages = _Passages(self)
        self.transcripts = _Transcripts(self)
        self.dense = _Dense(self)
        n_base = len(base.passages)
        self.lexical = _Lexical(base.lexical, segment.lexical, n_base, mask if self._n_hidden else None)
        self.sentence_lexical = _Lexical(base.sentence_lexical, segment.sentence_lexical, segment.first_sentence,
                                         sentence_mask if self._n_hidden else None)
        self.sentence_vectors = _Rows(base.sentence_vectors, segment.sentence_vectors)

    @property
    def base_build(self) -> LoadedIndex:
        """The build on disk underneath."""
        return self.base

    @property
    def manifest(self) -> Manifest:
        """The manifest of the build underneath."""
        return self.base.manifest

    @property
    def path(self) -> Path:
        """The folder of the build underneath."""
        return self.base.path

    def positions(self, where: Where) -> np.ndarray:
        """Ascending positions of the passages `where` allows, hidden ones never among them."""
        base = self.without_hidden(self.base.positions(where))
        segment = self.segment
        wanted = [
            e for e in segment.entries if where.documents is None or e.doc_id in where.documents
        ]
        if where.speakers is None:
            extra = [np.arange(e.first_passage, e.end_passage, dtype=np.int64) for e in wanted]
        else:
            extra = [segment.spoken_by[(e.doc_id, key)] for e in wanted for key in where.speakers
                     if (e.doc_id, key) in segment.spoken_by]
        found = np.unique(np.concatenate(extra)) if extra else np.zeros(0, dtype=np.int64)
        return np.concatenate([base, found])

    def visible_base(self) -> np.ndarray | None:
        """Positions of the build's passages still served (None: all of them)."""
        return self._visible

    def is_hidden(self, position: int) -> bool:
        """Whether a position of the build belongs to a hidden document."""
        return bool(self._hidden_mask[position])

    def without_hidden(self, positions: np.ndarray) -> np.ndarray:
        """`positions` of the build, those of hidden documents left out (order kept)."""
        return positions[~self._hidden_mask[positions]] if self._n_hidden else positions

    @property
    def n_hidden(self) -> int:
        """How many of the build's passages are hidden."""
        return self._n_hidden


class _Passages:
    def __init__(self, live: LiveIndex) -> None:
        self._live = live
        self.sentence_rows = _SentenceRows(live)

    def __len__(self) -> int:
        return len(self._live.base.passages) + len(self._live.segment)

    def __getitem__(self, position: int) -> Passage:
        segment = self._live.segment
        if position >= segment.first_position:
            return segment.passages[position - segment.first_position]
        return self._live.base.passages[position]

    def position_of(self, passage_id: str) -> int | None:
        position = self._live.segment.position_of.get(passage_id)
        if position is not None:
            return position
        position = self._live.base.passages.position_of(passage_id)
        return None if position is None or self._live.is_hidden(position) else position


class _SentenceRows:
    def __init__(self, live: LiveIndex) -> None:
        self._live = live

    def __getitem__(self, position: int) -> np.ndarray:
        segment = self._live.segment
        if position >= segment.first_position:
            return segment.sentence_rows[position - segment.first_position]
        return self._live.base.passages.sentence_rows[position]


class _Transcripts(Mapping[str, Transcript]):
    def __init__(self, live: LiveIndex) -> None:
        self._live = live
        base = live.base.transcripts
        self.entries = [e for e in base.entries if e.doc_id not in live.hidden] + live.segment.entries

    def __contains__(self, doc_id: object) -> bool:
        live = self._live
        return doc_id in live.segment.transcripts or (doc_id in live.base.transcripts and doc_id not in live.hidden)

    def __getitem__(self, doc_id: str) -> Transcript:
        live = self._live
        found = live.segment.transcripts.get(doc_id)
        if found is not None:
            return found
        if doc_id in live.hidden:
            raise KeyError(doc_id)
        return live.base.transcripts[doc_id]

    def __iter__(self) -> Iterator[str]:
        return (e.doc_id for e in self.entries)

    def __len__(self) -> int:
        return len(self.entries)


class _Dense:
    def __init__(self, live: LiveIndex) -> None:
        self._live = live

    def search(self, query: np.ndarray, depth: int, allowed: np.ndarray | None = None) -> np.ndarray:
        """The `depth` nearest among the build's visible passages and the segment's, best first."""
        live = self._live
        segment = live.segment
        base_positions = self._search_base(query, depth, allowed)
        base_similarity = live.base.dense.vectors(base_positions) @ query if len(base_positions) else np.zeros(0)
        if allowed is None:
            segment_rows = np.arange(len(segment), dtype=np.int64)
            segment_similarity = segment.vectors @ query
        else:
            segment_rows = allowed[allowed >= segment.first_position] - segment.first_position
            segment_similarity = segment.vectors[segment_rows] @ query
        positions = np.concatenate([base_positions, segment_rows + segment.first_position])
        similarity = np.concatenate([base_similarity, segment_similarity])
        best = np.argsort(-similarity, kind="stable")[:depth]
        return positions[best]

    def _search_base(self, query: np.ndarray, depth: int, allowed: np.ndarray | None) -> np.ndarray:
        live = self._live
        base = live.base.dense
        if allowed is not None:
            allowed = allowed[allowed < live.segment.first_position]
            if not len(allowed):
                return np.zeros(0, dtype=np.int64)
            found = base.search(query, min(depth, len(allowed)), allowed)
        elif live.n_hidden == 0:
            found = base.search(query, min(depth, len(live.base.passages)))
        elif live.n_hidden <= _OVERFETCH_LIMIT:
            found = base.search(query, min(depth + live.n_hidden, len(live.base.passages)))
            found = live.without_hidden(found[found >= 0])[:depth]
        else:
            visible = live.visible_base()
            if visible is None or not len(visible):
                return np.zeros(0, dtype=np.int64)
            found = base.search(query, min(depth, len(visible)), visible)
        return found[found >= 0].astype(np.int64)

    def vectors(self, positions: np.ndarray) -> np.ndarray:
        """Stored vectors at `positions`, from the build or the segment."""
        segment = self._live.segment
        positions = np.asarray(positions, dtype=np.int64)
        in_segment = positions >= segment.first_position
        if not in_segment.any():
            return self._live.base.dense.vectors(positions)
        out = np.empty((len(positions), segment.vectors.shape[1]), dtype=np.float32)
        if (~in_segment).any():
            out[~in_segment] = self._live.base.dense.vectors(positions[~in_segment])
        out[in_segment] = segment.vectors[positions[in_segment] - segment.first_position]
        return out


class _Lexical:
    """The build's BM25 rows then the segment's; hidden rows of the build score 0.

    Every row is scored with the statistics of the rows served now, as a full build of them
    would score it: a word's idf counts the build's rows less the hidden ones plus the
    segment's, and the mean length is theirs. The build's stored scores are converted (see
    `LexicalIndex.scores`), so a write moves other rows' scores as it would after compaction.
    """

    def __init__(self, base: LexicalIndex, segment: SegmentLexical, first_row: int, hidden: np.ndarray | None) -> None:
        self._base = base
        self._segment = segment
        self._first = first_row
        self._hidden = hidden
        hidden_rows = np.flatnonzero(hidden) if hidden is not None else np.zeros(0, dtype=np.int64)
        self._n_rows = base.num_docs - len(hidden_rows) + len(segment)
        total_length = (base.avg_doc_len * base.num_docs - float(np.sum(base.row_lengths[hidden_rows]))
                        + segment.total_length)
        self._avg_doc_len = total_length / self._n_rows if self._n_rows else 1.0

    @property
    def num_docs(self) -> int:
        """Rows served: the build's visible rows and the segment's."""
        return self._n_rows

    def words(self, text: str) -> list[str]:
        return self._base.words(text)

    def document_frequency(self, token: str) -> int:
        """Rows served that contain `token`."""
        in_base = self._base.rows_with(token)
        hidden = int(self._hidden[in_base].sum()) if self._hidden is not None and len(in_base) else 0
        return len(in_base) - hidden + self._segment.own_frequency(token)

    def _statistics(self, question: str) -> Statistics:
        idf = {token: bm25_idf(self.document_frequency(token), self._n_rows) for token in set(tokenize(question))}
        return Statistics(idf, self._avg_doc_len)

    def scores(self, question: str) -> np.ndarray:
        statistics = self._statistics(question)
        base = self._base.scores(question, statistics)
        if self._hidden is not None:
            base = np.where(self._hidden, np.float32(0), base)
        return np.concatenate([base, self._segment.scores(question, statistics)])

    def scores_at(self, question: str, rows: np.ndarray) -> np.ndarray:
        statistics = self._statistics(question)
        rows = np.asarray(rows, dtype=np.int64)
        in_segment = rows >= self._first
        out = np.zeros(len(rows), dtype=np.float32)
        if (~in_segment).any():
            out[~in_segment] = self._base.scores_at(question, rows[~in_segment], statistics)
        if in_segment.any():
            out[in_segment] = self._segment.scores_at(question, rows[in_segment] - self._first, statistics)
        return out


class _Rows:
    """Rows of the build's sentence vectors, then the segment's: indexable by an array of rows."""

    def __init__(self, base: np.ndarray, segment: np.ndarray) -> None:
        self._base = base
        self._segment = segment
        self.shape = (base.shape[0] + segment.shape[0], base.shape[1])

    def __getitem__(self, rows: np.ndarray) -> np.ndarray:
        rows = np.asarray(rows, dtype=np.int64)
        first = self._base.shape[0]
        in_segment = rows >= first
        if not in_segment.any():
            return self._base[rows]
        out = np.empty((len(rows), self.shape[1]), dtype=np.float32)
        out[~in_segment] = self._base[rows[~in_segment]]
        out[in_segment] = self._segment[rows[in_segment] - first]
        return out


def live_index(
    base: LoadedIndex, pieces: Sequence[DocumentPieces], hidden: frozenset[str], writes: int,
    previous: Segment | None = None,
) -> LiveIndex:
    """The build with `hidden` documents removed and `pieces` added, as one index; `previous`,
    the segment served before, lends what it merged of the same leading pieces."""
    return LiveIndex(base, Segment(pieces, base, previous), hidden, f"{base.manifest.build_id}+{writes}")
