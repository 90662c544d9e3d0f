"""`PIPELINE_VERSION` changes exactly when what parsing, chunking and BM25 tokenising make of a corpus
changes: moving code or editing comments must not force a re-embedding, a real change must."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import msgspec

from rag.chunking import TokenCounter, chunk_transcripts, embedding_text
from rag.index import PIPELINE_VERSION
from rag.index.lexical import tokenize
from rag.ingest.corpus import read_corpus
from rag.ingest.text import parse_transcript
from rag.settings import ChunkSettings
from tests.conftest import SEEDS

RECORD = Path(__file__).parent / "data" / "pipeline_output.json"


def pipeline_output_sha256(docs_dir: Path, tokenizer: TokenCounter) -> str:
    """sha256 over everything an index keeps that parsing, chunking and tokenising decide."""
    transcripts = [parse_transcript(d.doc_id, d.text) for d in read_corpus(docs_dir)]
    passages = chunk_transcripts(transcripts, tokenizer, ChunkSettings())
    by_id = {t.doc_id: t for t in transcripts}
    texts = [embedding_text(p, by_id[p.doc_id]) for p in passages]
    digest = hashlib.sha256()
    for part in (transcripts, passages, texts, [tokenize(t) for t in texts]):
        digest.update(msgspec.json.encode(part))
    return digest.hexdigest()


def test_the_pipeline_version_names_the_pipelines_output(tokenizer: TokenCounter) -> None:
    recorded = json.loads(RECORD.read_text())
    measured = pipeline_output_sha256(SEEDS, tokenizer)
    assert recorded["pipeline_version"] == PIPELINE_VERSION, (
        f"PIPELINE_VERSION is {PIPELINE_VERSION}; record its output in {RECORD}: {measured}"
    )
    assert measured == recorded["seeds_sha256"], (
        "parsing, chunking or tokenising now makes something else of the seeds: bump PIPELINE_VERSION in "
        f"rag/index/manifest.py (indexes are then rebuilt) and record {measured} in {RECORD}"
    )
