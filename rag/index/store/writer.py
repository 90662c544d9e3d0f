"""Writing one build's passage table and document store (layout in `rag.index.store.layout`)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import msgspec
import numpy as np

from rag.index.store.arrays import offsets_of, write_strings
from rag.index.store.layout import DOCUMENTS_DIR, KINDS, NONE, PASSAGE_ID, PASSAGES_DIR
from rag.types import DocumentEntry, Passage, Transcript


def write_store(build: Path, transcripts: Sequence[Transcript], passages: Sequence[Passage],
                sentence_rows: Sequence[Sequence[int]]) -> None:
    """Write the passage table and the document store of one build into the folder `build`.

    `passages` are in document then source order (as the chunker returns them) and
    `sentence_rows[i]` gives, for each sentence of passage i, its row in sentences.npy.
    """
    numbers = {t.doc_id: i for i, t in enumerate(transcripts)}
    doc = np.array([numbers[p.doc_id] for p in passages], dtype=np.int32)
    # Document-level ranges (filters, speakers) rely on each document's passages being one run.
    if len(doc) and np.any(np.diff(doc) < 0):
        raise ValueError("passages must come in document order")
    bounds = np.searchsorted(doc, np.arange(len(transcripts) + 1), side="left")
    _write_passages(build / PASSAGES_DIR, passages, doc, sentence_rows)
    _write_documents(build / DOCUMENTS_DIR, transcripts, bounds)


def _write_passages(folder: Path, passages: Sequence[Passage], doc: np.ndarray,
                    sentence_rows: Sequence[Sequence[int]]) -> None:
    folder.mkdir(parents=True)
    names: dict[str, int] = {}
    roles: dict[str, int] = {}
    contexts: dict[str, int] = {}

    def intern(table: dict[str, int], value: str | None) -> int:
        # Contexts repeat (one question answered by several passages): store each once.
        return NONE if value is None else table.setdefault(value, len(table))

    for p in passages:
        if not PASSAGE_ID.fullmatch(p.id):
            raise ValueError(f"passage id {p.id!r} is not 16 lower-case hex digits")
    ids = np.array([int(p.id, 16) for p in passages], dtype=np.uint64)
    # Stable: among equal ids the later position sorts last, the one `position_of` returns.
    order = np.argsort(ids, kind="stable")
    sentence_counts = [len(p.sentences) for p in passages]
    if [len(rows) for rows in sentence_rows] != sentence_counts:
        raise ValueError("sentence rows do not match the passages' sentences")
    columns: dict[str, np.ndarray] = {
        "ids": ids,
        "id_sorted": ids[order],
        "id_order": order.astype(np.int64),
        "doc": doc,
        "turn": np.array([p.turn_index for p in passages], dtype=np.int32),
        "last_turn": np.array([p.last_turn_index for p in passages], dtype=np.int32),
        "kind": np.array([KINDS.index(p.kind) for p in passages], dtype=np.uint8),
        "start": np.array([p.start for p in passages], dtype=np.int64),
        "end": np.array([p.end for p in passages], dtype=np.int64),
        "speaker": np.array([intern(names, p.speaker) for p in passages], dtype=np.int32),
        "role": np.array([intern(roles, p.role) for p in passages], dtype=np.int32),
        "context": np.array([intern(contexts, p.context) for p in passages], dtype=np.int32),
        "speakers_offsets": offsets_of([len(p.speakers) for p in passages]),
        "speakers_values": np.array([intern(names, s) for p in passages for s in p.speakers], dtype=np.int32),
        "sentences_offsets": offsets_of(sentence_counts),
        "sentence_starts": np.array([s.start for p in passages for s in p.sentences], dtype=np.int64),
        "sentence_ends": np.array([s.end for p in passages for s in p.sentences], dtype=np.int64),
        "sentence_rows": np.array([r for rows in sentence_rows for r in rows], dtype=np.int64),
    }
    for name, values in columns.items():
        np.save(folder / f"{name}.npy", values, allow_pickle=False)
    for name, table in (("names", names), ("roles", roles), ("contexts", contexts)):
        write_strings(folder, name, list(table))


def _write_documents(folder: Path, transcripts: Sequence[Transcript], bounds: np.ndarray) -> None:
    folder.mkdir(parents=True)
    encoder = msgspec.json.Encoder()
    offsets = [0]
    with (folder / "transcripts.jsonl").open("wb") as handle:
        for transcript in transcripts:
            # JSON escapes newlines inside strings, so one line is one transcript.
            line = encoder.encode(transcript) + b"\n"
            handle.write(line)
            offsets.append(offsets[-1] + len(line))
    np.save(folder / "offsets.npy", np.array(offsets, dtype=np.int64), allow_pickle=False)
    catalog = [
        DocumentEntry(
            doc_id=t.doc_id, title=t.title, date=t.date, date_text=t.date_text, speakers=t.speakers,
            n_turns=len(t.turns), n_chars=len(t.text),
            first_passage=int(bounds[number]), end_passage=int(bounds[number + 1]),
        )
        for number, t in enumerate(transcripts)
    ]
    (folder / "catalog.json").write_bytes(encoder.encode(catalog))
