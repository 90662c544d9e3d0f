"""Word documents (`.docx`): the transcripts Otter, Rev, Teams and most transcription services
also export as Word files.

A Word file is a zip archive; its text is the body of its main document part: the one
`_rels/.rels` names the office document (Word's Transcribe exports name `word/document2.xml`),
else `word/document.xml`. The document's text here is that body's paragraphs (`<w:p>`, tables'
and text boxes' included, in document order), one per line: runs' text (`<w:t>`), a tab as a tab,
a line break as a space, a non-breaking hyphen as U+2011, deleted text (tracked changes) and
field codes left out. That rendering is read as plain text is (labels, timestamped exports, ...),
and each piece of it points back at its paragraph: `paragraph=N`, counted from 1.
"""

from __future__ import annotations

import posixpath
import zipfile
from urllib.parse import unquote
from xml.etree import ElementTree

from rag.errors import CorpusError
from rag.ingest.archive import open_archive, parsed_part
from rag.ingest.parts import pointed_at_lines
from rag.types import Transcript

SUFFIX = ".docx"
MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_BODY = "word/document.xml"
_RELS = "_rels/.rels"
_PACKAGE_RELATIONSHIPS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_OFFICE_DOCUMENT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"


def docx_text(doc_id: str, data: bytes) -> str:
    """The paragraphs of a Word file's body, one per line; CorpusError when it is not one."""
    with open_archive(doc_id, data, "a Word document", SUFFIX) as archive:
        part = main_part(doc_id, archive)
        if part is None:
            raise CorpusError(f"{doc_id}: not a Word document (the archive has no {_BODY}, nor a document "
                              f"part its {_RELS} names)") from None
        root = parsed_part(doc_id, archive, part)
    body = root.find(f"{_W}body")
    paragraphs = [] if body is None else [_paragraph_text(p) for p in body.iter(f"{_W}p")]
    return "\n".join(paragraphs) + "\n"


def main_part(doc_id: str, archive: zipfile.ZipFile) -> str | None:
    """The name of the archive's main document part: the one its package relationships
    (`_rels/.rels`) name the office document, as Word opens it (Word's Transcribe exports name it
    `word/document2.xml`), else `word/document.xml`; None when the archive holds neither."""
    names = set(archive.namelist())
    named = _office_document_target(doc_id, archive) if _RELS in names else None
    if named in names:
        return named
    return _BODY if _BODY in names else None


def _office_document_target(doc_id: str, archive: zipfile.ZipFile) -> str | None:
    """The archive member `_rels/.rels` points its officeDocument relationship at; None when it
    names none, or cannot be read (the usual part is then looked for)."""
    try:
        root = parsed_part(doc_id, archive, _RELS)
    except CorpusError:
        return None
    for relationship in root.iter(f"{_PACKAGE_RELATIONSHIPS}Relationship"):
        if relationship.get("Type") == _OFFICE_DOCUMENT and relationship.get("TargetMode") != "External":
            return _part_name(relationship.get("Target") or "")
    return None


def _part_name(target: str) -> str | None:
    """The archive member a package-level relationship's target (a URI relative to the package's
    root, `word/document2.xml` or `/word/document2.xml`, percent-encoded) names; None outside it."""
    name = posixpath.normpath(unquote(target).lstrip("/"))
    return None if name.startswith("..") or name == "." else name


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
        elif element.tag == f"{_W}noBreakHyphen":
            # Word's hyphen that keeps a name or number on one line ("What-hours", "555-0100").
            parts.append("\u2011")
        else:
            pending.extend(reversed(element))
    return "".join(parts).replace("\n", " ")


def with_paragraph_sources(transcript: Transcript, rendering: str, format_name: str = "docx") -> Transcript:
    """`transcript`, read from a document's `rendering` (`docx_text`, `odt_text`: a paragraph per
    line), pointing at its paragraphs."""
    return pointed_at_lines(transcript, format_name, "paragraph", rendering)
