"""Passages and transcripts on disk, read through memory maps (see `layout` for every file)."""

from rag.index.store.arrays import Ragged, StringTable, map_array
from rag.index.store.documents import DocumentStore
from rag.index.store.layout import DOCUMENT_FILES, DOCUMENTS_DIR, KINDS, PASSAGE_FILES, PASSAGES_DIR
from rag.index.store.passages import PassageTable
from rag.index.store.writer import write_store

__all__ = [
    "DOCUMENTS_DIR", "DOCUMENT_FILES", "KINDS", "PASSAGES_DIR", "PASSAGE_FILES", "DocumentStore", "PassageTable",
    "Ragged", "StringTable", "map_array", "write_store",
]
