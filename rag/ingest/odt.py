"""OpenDocument text (`.odt`): the transcripts LibreOffice, OpenOffice and Google Docs save.

An `.odt` file is a zip archive whose `content.xml` holds the body (`office:body/office:text`).
The document's text here is that body's paragraphs and headings (`text:p`, `text:h`, those of
tables, lists and frames included, in document order), one per line: their text, `text:s` as
its count of spaces, a tab as a tab, a line break as a space; footnotes and endnotes
(`text:note`), comments (`office:annotation`) and tracked deletions are left out. That
rendering is read as plain text is, and each piece of it points back at its paragraph:
`paragraph=N`, counted from 1, as for Word documents.
"""

from __future__ import annotations

from xml.etree import ElementTree

from rag.errors import CorpusError
from rag.ingest.archive import open_archive, parsed_part

SUFFIX = ".odt"
MEDIA_TYPE = "application/vnd.oasis.opendocument.text"
_CONTENT = "content.xml"
_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_PARAGRAPHS = (f"{_TEXT}p", f"{_TEXT}h")
# Inside a paragraph, what is not its words: notes' bodies, comments, deleted text kept for review.
_NOT_WORDS = frozenset({f"{_TEXT}note", f"{_OFFICE}annotation", f"{_OFFICE}annotation-end", f"{_TEXT}tracked-changes",
                        f"{_TEXT}deletion"})


def odt_text(doc_id: str, data: bytes) -> str:
    """The paragraphs of an OpenDocument text's body, one per line; CorpusError when it is not one."""
    with open_archive(doc_id, data, "an OpenDocument text", SUFFIX) as archive:
        if _CONTENT not in archive.namelist():
            raise CorpusError(f"{doc_id}: not an OpenDocument text (the archive has no {_CONTENT})")
        root = parsed_part(doc_id, archive, _CONTENT)
    body = root.find(f"{_OFFICE}body/{_OFFICE}text")
    if body is None:
        raise CorpusError(f"{doc_id}: not an OpenDocument text (its {_CONTENT} has no office:text body; "
                          "a spreadsheet or a presentation holds no transcript)")
    return "\n".join(_paragraph_text(p) for p in _paragraphs(body)) + "\n"


def _paragraphs(body: ElementTree.Element) -> list[ElementTree.Element]:
    """The body's paragraphs and headings in document order, not those inside notes or comments."""
    found = []
    pending = [body]
    while pending:
        element = pending.pop()
        if element.tag in _PARAGRAPHS:
            found.append(element)
        if element.tag not in _NOT_WORDS:
            pending.extend(reversed(element))
    return found


def _paragraph_text(paragraph: ElementTree.Element) -> str:
    """A paragraph's words (see the module's docstring); not a nested paragraph's (a frame's text
    box is a paragraph of its own). A stack, not recursion: nesting depth is the file's say."""
    parts: list[str] = [paragraph.text or ""]
    pending: list[ElementTree.Element | str] = list(reversed(paragraph))
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            parts.append(item)
            continue
        if item.tail:
            pending.append(item.tail)
        if item.tag in _PARAGRAPHS or item.tag in _NOT_WORDS:
            continue
        if item.tag == f"{_TEXT}s":
            parts.append(" " * _count(item.get(f"{_TEXT}c")))
        elif item.tag == f"{_TEXT}tab":
            parts.append("\t")
        elif item.tag == f"{_TEXT}line-break":
            parts.append(" ")
        else:
            parts.append(item.text or "")
            pending.extend(reversed(item))
    return "".join(parts).replace("\n", " ")


def _count(value: str | None) -> int:
    """`text:c`, the spaces a `text:s` stands for: 1 when absent, at most a line's worth."""
    try:
        return min(max(int(value), 1), 1000) if value else 1
    except ValueError:
        return 1
