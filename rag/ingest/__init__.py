"""Ingest: reading a corpus folder and parsing each transcript into speaker turns with exact spans."""

from rag.ingest.corpus import SourceDocument, corpus_fingerprint, file_sha256, read_corpus
from rag.ingest.names import speaker_key
from rag.ingest.readers import READERS, Reader, parse_document, reader_for
from rag.ingest.text import parse_transcript

__all__ = [
    "READERS", "Reader", "SourceDocument", "corpus_fingerprint", "file_sha256", "parse_document", "parse_transcript",
    "read_corpus", "reader_for", "speaker_key",
]
