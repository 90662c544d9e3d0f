"""Readers are chosen by suffix; the corpus folder is searched for every suffix a reader takes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rag.errors import CorpusError
from rag.ingest import read_corpus, reader_for
from rag.ingest.corpus import source_document
from rag.ingest.readers import SUFFIXES, parse_document
from rag.ingest.text import parse_transcript

BRIEFING = "Press briefing\n\nZhu Bing:\nThe ports handled more containers this year.\n"


def test_plain_text_and_markdown_are_read_and_other_files_left_alone(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(BRIEFING, encoding="utf-8")
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "b.MD").write_text(BRIEFING, encoding="utf-8")
    (tmp_path / "c.odt").write_bytes(b"PK\x03\x04")
    (tmp_path / ".hidden.txt").write_text(BRIEFING, encoding="utf-8")
    assert [d.doc_id for d in read_corpus(tmp_path)] == ["a.txt", "notes/b.MD"]
    assert set(SUFFIXES) >= {".txt", ".md"}


def test_markdown_is_parsed_as_plain_text_with_spans_into_the_file() -> None:
    transcript = parse_document("b.md", BRIEFING)
    assert transcript == parse_transcript("b.md", BRIEFING)
    speech = [t for t in transcript.turns if t.speaker == "Zhu Bing"]
    assert [BRIEFING[t.start : t.end] for t in speech] == ["The ports handled more containers this year."]


@pytest.mark.parametrize("doc_id", ["talk.odt", "README", "a/b.pptx"])
def test_a_suffix_no_reader_takes_is_named_with_the_supported_ones(doc_id: str) -> None:
    with pytest.raises(CorpusError, match=rf"{doc_id}: no reader for .*; supported: \.txt, \.md"):
        reader_for(doc_id)


def test_a_utf16_file_in_the_corpus_is_set_aside_saying_how_to_convert_it() -> None:
    with pytest.raises(CorpusError, match=r"call\.srt: UTF-16 .*iconv -f utf-16 -t utf-8"):
        source_document("call.srt", "1\n00:00:01,000 --> 00:00:02,000\nHello.\n".encode("utf-16"), None)


def test_the_web_page_offers_every_suffix_a_reader_takes() -> None:
    page = (Path(__file__).parents[2] / "rag" / "http" / "web" / "index.html").read_text(encoding="utf-8")
    accepted = re.search(r'accept="([^"]+)"', page)
    assert accepted is not None and set(SUFFIXES) <= set(accepted.group(1).split(","))
