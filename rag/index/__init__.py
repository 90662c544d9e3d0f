"""The on-disk index: a folder of plain files (manifest, FAISS, BM25, passage table, transcripts),
built beside the live one and swapped in atomically (layout in `rag.index.layout`)."""

from rag.index.build import build_index
from rag.index.freshness import index_problem
from rag.index.layout import BUILDS_DIR, CURRENT_LINK
from rag.index.load import LoadedIndex, load_configured_index, load_index
from rag.index.manifest import FORMAT_VERSION, PIPELINE_VERSION, Manifest, read_manifest

__all__ = [
    "BUILDS_DIR", "CURRENT_LINK", "FORMAT_VERSION", "PIPELINE_VERSION", "LoadedIndex", "Manifest", "build_index",
    "index_problem", "load_configured_index", "load_index", "read_manifest",
]
