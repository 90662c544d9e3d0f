"""Word documents (`.docx`): the transcripts Otter, Rev, Teams and most transcription services
also export as Word files.

A Word file is a zip archive; its text is the body of `word/document.xml`. The document's text
here is that body's paragraphs (`<w:p>`, tables' and text boxes' included, in document order),
one per line: runs' text (`<w:t>`), a tab as a tab, a line break as a space, deleted text (tracked
changes) and field codes left out. That rendering is read as plain text is (labels, timestamped
exports, ...), and each piece of it points back at its paragraph: `paragraph=N`, counted from 1.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from xml.etree import ElementTree

from rag.errors import CorpusError
from rag.ingest.parts import pointed_at_parts
from rag.types import Transcript

SUFFIX = ".docx"
MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_BODY = "word/document.xml"
# A zip's members are inflated in memory: a small file may claim a huge body (a zip bomb).
_MAX_BODY_BYTES = 64 * 1024 * 1024
# What zipfile raises for a damaged or truncated archive (a directory that seeks outside the file,
# a bad checksum), an unsupported compression method or version, or encryption.
_DAMAGED = (zipfile.BadZipFile, NotImplementedError, RuntimeError, EOFError, OSError, ValueError, zlib.error)


def docx_text(doc_id: str, data: bytes) -> str:
    """The paragraphs of a Word file's body, one per line; CorpusError when it is not one."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except _DAMAGED:
        raise CorpusError(f"{doc_id}: not a Word document (.docx is a zip archive; this is not one)") from None
    with archive:
        try:
            info = archive.getinfo(_BODY)
        except KeyError:
            raise CorpusError(f"{doc_id}: not a Word document (the archive has no {_BODY})") from None
        if info.file_size > _MAX_BODY_BYTES:
            raise CorpusError(f"{doc_id}: its {_BODY} inflates to {info.file_size} bytes, over the "
                              f"{_MAX_BODY_BYTES}-byte limit")
        try:
            body_xml = archive.read(info)
        except _DAMAGED as exc:
            raise CorpusError(f"{doc_id}: cannot read its {_BODY}: {exc}") from None
    try:
        root = ElementTree.fromstring(body_xml)
    except ElementTree.ParseError as exc:
        raise CorpusError(f"{doc_id}: {_BODY}: {exc}") from None
    body = root.find(f"{_W}body")
    paragraphs = [] if body is None else [_paragraph_text(p) for p in body.iter(f"{_W}p")]
    return "\n".join(paragraphs) + "\n"


def _paragraph_text(paragraph: ElementTree.Element) -> str:
    """A paragraph's words: its runs' text, tabs, line breaks as spaces; not a nested paragraph's
    (a text box is a paragraph of its own). A stack, not recursion: nesting depth is the file's say."""
    parts: list[str] = []
    pending = list(reversed(paragraph))
    while pending:
        element = pending.pop()
        if element.tag == f"{_W}p":
            continue
        if element.tag == f"{_W}t":
            parts.append(element.text or "")
        elif element.tag == f"{_W}tab":
            parts.append("\t")
        elif element.tag in (f"{_W}br", f"{_W}cr"):
            parts.append(" ")
        else:
            pending.extend(reversed(element))
    return "".join(parts).replace("\n", " ")


def with_paragraph_sources(transcript: Transcript, rendering: str) -> Transcript:
    """`transcript`, read from a Word file's `rendering` (`docx_text`), pointing at its paragraphs
    (one per line of the rendering)."""
    starts = [0] + [match.end() for match in re.finditer("\n", rendering)]
    return pointed_at_parts(transcript, "docx", "paragraph", starts, rendering)
