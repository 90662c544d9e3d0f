"""Chunking: transcripts into passages by speaker turn, sentence spans, and tiktoken token budgets."""

from rag.chunking.passages import chunk_transcript, chunk_transcripts, embedding_text, sentence_spans_in
from rag.chunking.tokens import TokenCounter, load_encoding

__all__ = ["TokenCounter", "chunk_transcript", "chunk_transcripts", "embedding_text", "load_encoding",
           "sentence_spans_in"]
