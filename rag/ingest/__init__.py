"""Ingest: reading a corpus folder and parsing each transcript into speaker turns with exact spans."""

from rag.ingest.corpus import SourceDocument, corpus_fingerprint, file_sha256, read_corpus
from rag.ingest.names import speaker_key
from rag.ingest.text import parse_transcript

__all__ = ["SourceDocument", "corpus_fingerprint", "file_sha256", "parse_transcript", "read_corpus", "speaker_key"]
