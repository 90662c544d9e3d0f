"""Where the passage table and the document store keep their files, and what each holds.

Passages and transcripts on disk, read through memory maps: resident memory stays small.

At a million passages, a `list[Passage]` and a dict of parsed transcripts are millions of
Python objects (gigabytes). Here they live in plain files inside the build folder and are
turned into `Passage` and `Transcript` values only when asked for:

* `PassageTable` keeps one `.npy` column per passage field, opened with
  `np.load(mmap_mode="r")`: the operating system pages in what a request touches, and
  those pages are clean file pages it can drop again under pressure. Variable-length
  fields (speakers, sentences) are CSR arrays (row offsets + values), strings are ids
  into string tables (one UTF-8 blob + offsets).
* `DocumentStore` keeps every transcript as one JSON line, found through an offsets
  array and decoded on demand behind a small LRU cache; the per-document metadata that
  listings and filters need (title, date, speakers...) stays in memory, since it grows
  with documents, not passages.

Layout (inside a build folder)::

    passages/ids.npy             uint64, the 8-byte passage id (blake2b hex, see chunking.passage_id)
             id_sorted.npy       uint64, the ids sorted, for binary search
             id_order.npy        int64, position of each sorted id
             doc.npy             int32, document number (row of documents/catalog.json)
             turn.npy, last_turn.npy  int32, turn indexes
             kind.npy            uint8, index into KINDS
             start.npy, end.npy  int64, cited span
             speaker.npy, role.npy  int32, ids into the names/roles tables (-1: None)
             context.npy         int32, id into the contexts table (-1: None)
             speakers_offsets.npy, speakers_values.npy  CSR: names ids of everyone who speaks
             sentences_offsets.npy, sentence_starts.npy, sentence_ends.npy  CSR: sentence spans
             sentence_rows.npy   int64, row of each sentence in sentences.npy (CSR with the spans)
             names_blob.npy, names_offsets.npy         string table of speaker names
             roles_blob.npy, roles_offsets.npy         string table of roles
             contexts_blob.npy, contexts_offsets.npy   string table of contexts (questions)
    documents/catalog.json       per-document metadata, passage ranges; row = document number
             transcripts.jsonl   one JSON `Transcript` per line, in catalog order
             offsets.npy         int64, byte offset of each line (n + 1 entries)
"""

from __future__ import annotations

import re

from rag.types import TurnKind

PASSAGES_DIR = "passages"
DOCUMENTS_DIR = "documents"

KINDS: tuple[TurnKind, ...] = tuple(TurnKind)
"""Kind codes: `kind.npy` holds the index of a passage's kind in this tuple."""

STRING_TABLES = ("names", "roles", "contexts")
COLUMNS = (
    "ids", "id_sorted", "id_order", "doc", "turn", "last_turn", "kind", "start", "end", "speaker", "role",
    "context", "speakers_offsets", "speakers_values", "sentences_offsets", "sentence_starts", "sentence_ends",
    "sentence_rows",
)
PASSAGE_FILES: tuple[str, ...] = tuple(f"{PASSAGES_DIR}/{name}.npy" for name in COLUMNS) + tuple(
    f"{PASSAGES_DIR}/{table}_{part}.npy" for table in STRING_TABLES for part in ("blob", "offsets")
)
"""Every file of a passage table, relative to the build folder."""
DOCUMENT_FILES: tuple[str, ...] = tuple(
    f"{DOCUMENTS_DIR}/{name}" for name in ("catalog.json", "transcripts.jsonl", "offsets.npy")
)
"""Every file of a document store, relative to the build folder."""

DEFAULT_CACHE_BYTES = 64 * 1024 * 1024
"""How much of the transcripts file (bytes of JSON) a `DocumentStore` keeps decoded: all of a
corpus of a few hundred hour-long meetings, two to three times that in memory once decoded. A count
of documents thrashed on a corpus just over it (35 meetings, 32 kept: 7% of `ask` outside the
model went to decoding) and would bound nothing on one of long recordings."""
DEFAULT_PASSAGE_CACHE_SIZE = 1024
"""Passages a `PassageTable` keeps once made (about 1 KB each)."""
# A passage id as `chunking.passage_id` writes it; anything else cannot be in the table
# (and must not match by accident: "ABC..." is not the id "abc...").
PASSAGE_ID = re.compile(r"[0-9a-f]{16}")
NONE = -1
"""The id column value of a missing name, role or context."""
