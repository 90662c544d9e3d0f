"""One reader per transcript format behind one protocol, chosen by the file's suffix.

A reader turns a document's decoded text into a `Transcript` whose spans index its canonical
text. For plain text and Markdown the canonical text is the file itself, so every citation
is an offset into the file (docs/contracts.md). Formats with markup (WebVTT, SRT, JSON, HTML)
add a reader here; nothing above this module changes.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Protocol

from rag.errors import CorpusError
from rag.ingest.text import parse_transcript
from rag.types import Transcript


class Reader(Protocol):
    """Parses one transcript format."""

    name: str
    """The format's name, as error messages and docs give it."""
    suffixes: tuple[str, ...]
    """File name suffixes (lower case, with the dot) this reader takes."""

    def parse(self, doc_id: str, text: str) -> Transcript:
        """The transcript in `text` (the whole file, decoded), its spans indexing its canonical text."""
        ...


class PlainTextReader:
    """Plain text and Markdown: speaker labels, roles, narration and page clutter (`rag.ingest.text`)."""

    name = "plain text"
    suffixes = (".txt", ".md")

    def parse(self, doc_id: str, text: str) -> Transcript:
        """The transcript, with spans into `text` itself."""
        return parse_transcript(doc_id, text)


READERS: tuple[Reader, ...] = (PlainTextReader(),)
SUFFIXES: tuple[str, ...] = tuple(suffix for reader in READERS for suffix in reader.suffixes)
"""Every suffix some reader takes: what the corpus folder is searched for."""


def reader_for(doc_id: str) -> Reader:
    """The reader for this document's suffix; CorpusError names the supported ones otherwise."""
    suffix = PurePosixPath(doc_id).suffix.lower()
    for reader in READERS:
        if suffix in reader.suffixes:
            return reader
    raise CorpusError(f"{doc_id}: no reader for {suffix or 'files without a suffix'}; supported: {', '.join(SUFFIXES)}")


def parse_document(doc_id: str, text: str) -> Transcript:
    """Parse one document with the reader its suffix selects."""
    return reader_for(doc_id).parse(doc_id, text)
