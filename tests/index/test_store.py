"""The passage table and document store on disk: exact round trips, id look-ups, bounded cache,
and filters and speaker masks that match the per-passage definitions they replace."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from rag.chunking import chunk_transcripts
from rag.settings import Settings
from rag.ingest.corpus import read_corpus
from rag.query.filters import allowed_positions
from rag.types import Filters, Passage, Transcript
from rag.service import QAService
from rag.query.speakers import SpeakerDirectory
from rag.index.store import (
    DOCUMENTS_DIR,
    PASSAGES_DIR,
    DocumentStore,
    PassageTable,
    Ragged,
    write_store,
)
from rag.chunking.tokens import load_encoding
from rag.ingest.names import speaker_key
from rag.ingest.text import parse_transcript
from tests.conftest import QMSUM_DOCS, SEEDS



def sentence_table(passages: list[Passage]) -> list[tuple[str, int, int]]:
    """The expected sentence table: every distinct sentence once, in first-seen order."""
    return list(dict.fromkeys((p.doc_id, s.start, s.end) for p in passages for s in p.sentences))


def sentence_rows(passages: list[Passage], keys: list[tuple[str, int, int]]) -> list[list[int]]:
    """The expected rows of each passage's sentences in `keys`."""
    table = {key: row for row, key in enumerate(keys)}
    return [[table[(p.doc_id, s.start, s.end)] for s in p.sentences] for p in passages]


def _chunked(docs: Path, settings: Settings) -> tuple[list[Transcript], list[Passage]]:
    tokenizer = load_encoding(settings.chunk.encoding, settings.tiktoken_cache_dir)
    transcripts = [parse_transcript(d.doc_id, d.text) for d in read_corpus(docs)]
    return transcripts, chunk_transcripts(transcripts, tokenizer, settings.chunk)


@pytest.fixture(scope="module")
def seeds_chunked(settings: Settings) -> tuple[list[Transcript], list[Passage]]:
    return _chunked(SEEDS, settings)


def _check_table(table: PassageTable, passages: list[Passage]) -> None:
    assert len(table) == len(passages)
    for position, passage in enumerate(passages):
        assert table[position] == passage, position
    assert list(table) == passages
    assert table[-1] == passages[-1] and table[1:3] == passages[1:3]
    with pytest.raises(IndexError):
        table[len(passages)]
    positions: dict[str, int] = {}
    for position, passage in enumerate(passages):
        positions[passage.id] = position
    for passage_id, position in positions.items():
        assert table.position_of(passage_id) == position


def test_served_table_is_what_the_chunker_produced(service: QAService, seeds_chunked) -> None:
    _, passages = seeds_chunked
    index = service.index
    _check_table(index.passages, passages)
    keys = sentence_table(passages)
    rows = sentence_rows(passages, keys)
    assert [index.passages.sentence_rows[i].tolist() for i in range(len(passages))] == rows
    assert index.sentence_vectors.shape[0] == len(keys)


def test_unknown_passage_ids_are_clear_misses(service: QAService) -> None:
    table = service.index.passages
    ids = {passage.id for passage in table}
    some = table[0].id
    # Chosen against the real ids, not against what `position_of` answers.
    probes = {"0" * 16, "f" * 16, some.upper(), some[:-1], some + "0", "", "not-a-passage-id", "z" * 16,
              " " + some[1:]} - ids
    assert len(probes) >= 8
    for probe in probes:
        assert table.position_of(probe) is None, probe


def test_document_store_returns_identical_transcripts(service: QAService, seeds_chunked) -> None:
    transcripts, _ = seeds_chunked
    store = service.index.transcripts
    assert list(store) == [t.doc_id for t in transcripts] == store.doc_ids
    assert len(store) == len(transcripts)
    for transcript in transcripts:
        assert transcript.doc_id in store
        assert store[transcript.doc_id] == transcript
        entry = store.entry(transcript.doc_id)
        assert entry is not None
        assert (entry.title, entry.date, entry.date_text, entry.speakers, entry.n_turns, entry.n_chars) == (
            transcript.title, transcript.date, transcript.date_text, transcript.speakers, len(transcript.turns),
            len(transcript.text),
        )
    assert "missing.txt" not in store and store.get("missing.txt") is None
    with pytest.raises(KeyError):
        store["missing.txt"]


def test_cache_stays_bounded_in_bytes_and_listing_decodes_nothing(service: QAService, seeds_chunked) -> None:
    transcripts, _ = seeds_chunked
    folder = service.index.path / DOCUMENTS_DIR
    sizes = sorted(len(line) for line in (folder / "transcripts.jsonl").read_bytes().splitlines(keepends=True))
    budget = sizes[-1] + sizes[-2]  # the two largest documents' lines
    store = DocumentStore(folder, cache_bytes=budget)
    assert set(store.keys()) == {t.doc_id for t in transcripts}
    assert all(t.doc_id in store for t in transcripts) and store.entries
    assert store.cached() == 0
    for _ in range(3):
        for transcript in transcripts:
            assert store[transcript.doc_id] == transcript
            assert 1 <= store.cached() < len(transcripts) and store.cached_bytes() <= budget
    everything = DocumentStore(folder, cache_bytes=sum(sizes))
    for transcript in transcripts * 2:
        assert everything[transcript.doc_id] == transcript
    assert everything.cached() == len(transcripts) and everything.cached_bytes() == sum(sizes)
    # A document larger than the whole budget is still kept while it is the last one used.
    tiny = DocumentStore(folder, cache_bytes=1)
    assert tiny[transcripts[0].doc_id] == transcripts[0] and tiny.cached() == 1
    assert tiny[transcripts[1].doc_id] == transcripts[1] and tiny.cached() == 1
    uncached = DocumentStore(folder, cache_bytes=0)
    assert uncached[transcripts[0].doc_id] == transcripts[0] and uncached.cached() == 0


def test_passage_cache_stays_bounded(service: QAService, seeds_chunked) -> None:
    _, passages = seeds_chunked
    folder, doc_ids = service.index.path / PASSAGES_DIR, service.index.transcripts.doc_ids
    table = PassageTable(folder, doc_ids, cache_size=3)
    assert table[0] is table[0] and table.cached() == 1
    for position in range(len(passages)):
        assert table[position] == passages[position]
        assert table.cached() <= 3
    list(table)
    assert table.cached() == 3
    uncached = PassageTable(folder, doc_ids, cache_size=0)
    assert uncached[5] == passages[5] and uncached.cached() == 0


@pytest.mark.skipif(not QMSUM_DOCS.is_dir(), reason="public benchmark corpus not present")
def test_meeting_corpus_round_trip(settings: Settings, tmp_path: Path) -> None:
    """Meetings: grouped passages with several speakers, passages without a speaker, many contexts."""
    transcripts, passages = _chunked(QMSUM_DOCS, settings)
    keys = sentence_table(passages)
    rows = sentence_rows(passages, keys)
    write_store(tmp_path, transcripts, passages, rows)
    store = DocumentStore(tmp_path / DOCUMENTS_DIR)
    table = PassageTable(tmp_path / PASSAGES_DIR, store.doc_ids)
    assert any(len(p.speakers) > 1 for p in passages) and any(p.speaker is None for p in passages)
    _check_table(table, passages)
    assert [table.sentence_rows[i].tolist() for i in range(len(table))] == rows
    for transcript in transcripts[:3]:
        assert store[transcript.doc_id] == transcript
    for number, entry in enumerate(store.entries):
        assert all(p.doc_id == entry.doc_id for p in passages[entry.first_passage : entry.end_passage])
        assert (table.doc_numbers[entry.first_passage : entry.end_passage] == number).all()
    assert store.entries[-1].end_passage == len(passages)


def test_passages_out_of_document_order_are_refused(seeds_chunked, tmp_path: Path) -> None:
    transcripts, passages = seeds_chunked
    shuffled = passages[-1:] + passages[:-1]
    with pytest.raises(ValueError, match="document order"):
        write_store(tmp_path, transcripts, shuffled, [[0] * len(p.sentences) for p in shuffled])


def test_rows_with_any_handles_empty_rows() -> None:
    ragged = Ragged(np.array([0, 2, 2, 3, 5]), np.array([7, 8, 9, 7, 1]))
    assert ragged[1].tolist() == [] and ragged[3].tolist() == [7, 1]
    assert ragged.rows_with_any(ragged.values == 7).tolist() == [True, False, False, True]
    assert ragged.rows_with_any(ragged.values[2:5] == 9, 1, 3).tolist() == [False, True]
    with pytest.raises(ValueError):
        Ragged(np.array([0, 2]), np.array([1, 2, 3]))


# ---------------------------------------------------------------- vectorised filters and speakers


def _reference_positions(index, passages: list[Passage], filters: Filters) -> list[int]:
    """The per-passage definition that `allowed_positions` vectorises."""
    documents = set(filters.documents) if filters.documents else None
    speakers = {speaker_key(n) for n in filters.speakers} if filters.speakers else None
    dated = None
    if filters.date_from or filters.date_to:
        low = dt.date.fromisoformat(filters.date_from) if filters.date_from else None
        high = dt.date.fromisoformat(filters.date_to) if filters.date_to else None
        dated = {
            e.doc_id for e in index.transcripts.entries
            if e.date and (low is None or dt.date.fromisoformat(e.date) >= low)
            and (high is None or dt.date.fromisoformat(e.date) <= high)
        }
    return [
        position for position, p in enumerate(passages)
        if (documents is None or p.doc_id in documents)
        and (speakers is None or any(speaker_key(n) in speakers for n in p.speakers))
        and (dated is None or p.doc_id in dated)
    ]


def test_filters_match_the_per_passage_definition(service: QAService, seeds_chunked) -> None:
    transcripts, passages = seeds_chunked
    index = service.index
    dates = sorted({t.date for t in transcripts if t.date})
    names = sorted({n for p in passages for n in p.speakers})
    cases = [
        Filters(documents=[transcripts[0].doc_id]),
        Filters(documents=[transcripts[1].doc_id, transcripts[-1].doc_id]),
        Filters(speakers=[names[0]]),
        Filters(speakers=[names[1].upper(), names[-1]]),
        Filters(documents=[transcripts[0].doc_id], speakers=[names[0]]),
        Filters(date_from=dates[0]),
        Filters(date_to=dates[0]),
        Filters(date_from=dates[-1], date_to=dates[-1], speakers=[names[0]]),
        Filters(date_from="1990-01-01", date_to="1990-12-31"),
    ]
    for filters in cases:
        allowed = allowed_positions(index, filters)
        assert allowed is not None and allowed.dtype == np.int64
        assert allowed.tolist() == _reference_positions(index, passages, filters), filters
    assert allowed_positions(index, Filters()) is None


def test_speaker_mask_matches_the_per_passage_definition(service: QAService, seeds_chunked) -> None:
    transcripts, passages = seeds_chunked
    directory = SpeakerDirectory(service.index.transcripts.entries, service.index.positions, len(service.index.passages))
    owners = [{(p.doc_id, speaker_key(n)) for n in p.speakers} for p in passages]
    pairs = sorted({(t.doc_id, speaker_key(s.name)) for t in transcripts for s in t.speakers})
    assert pairs
    # A name several documents share: looked up once over all of them.
    shared = max({k for _, k in pairs}, key=lambda key: sum(k == key for _, k in pairs))
    in_several = [pair for pair in pairs if pair[1] == shared]
    assert len(in_several) > 1
    for chosen in ([pairs[0]], pairs[1:4], pairs, in_several, [*in_several, pairs[0]], [("missing.txt", "nobody")]):
        expected = [not o.isdisjoint(chosen) for o in owners]
        assert directory.passages_of(set(chosen)).tolist() == expected
    assert directory.mentioned("What did Xin Guobin say about ports?")
