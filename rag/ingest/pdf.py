"""PDF files: the transcripts courts, parliaments and transcription services publish as PDF.

A PDF's text is its pages' text as PDFium (the engine Chrome prints and reads PDFs with) gives it,
line by line, each page after the first opening with a form feed, as `pdftotext` writes them.
That rendering is read as plain text is (labels, line-numbered court transcripts, timestamped
exports), and each piece of it points back at its page: `page=N`, counted from 1 (the number
RFC 8118's `#page=N` opens a PDF at).
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from itertools import accumulate

from rag.errors import CorpusError
from rag.ingest.parts import pointed_at_parts
from rag.types import Transcript

SUFFIX = ".pdf"
MEDIA_TYPE = "application/pdf"
PAGE_BREAK = "\f"
# PDFium ends lines with \r\n; a hyphen it finds at a line's end may come as U+FFFE or U+0002.
_LINE_END = re.compile(r"\r\n?")
_SOFT_HYPHEN = re.compile("[\ufffe\x02]")
# Other control characters a text layer may hold (a NUL from a broken font map) read as spaces.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
# PDFium is not thread-safe: no two of its calls may run at once in a process, even on different
# documents, or the process crashes. A write and the folder watcher may both read a PDF.
_PDFIUM = threading.Lock()
_MIN_RUNNING_PAGES = 3
_EDGE_LINES = 2
_DIGITS = re.compile(r"\d+")
_SENTENCE_END = re.compile(r"[.?!…\"”’]\s*$")


def pdf_text(doc_id: str, data: bytes) -> str:
    """The pages' text, one page after another, a form feed before each but the first;
    CorpusError when the file is not a PDF, is locked, or has no text to read."""
    pages = _page_texts(doc_id, data)
    if not any(page.strip() for page in pages):
        raise CorpusError(f"{doc_id}: no text in its {len(pages)} page(s): a scanned PDF needs its text "
                          "recognised first (OCR, e.g. `ocrmypdf in.pdf out.pdf`)")
    return PAGE_BREAK.join(_clean(page) for page in pages)


def without_running_lines(rendering: str) -> str:
    """`rendering` (`pdf_text`) with its running heads and feet blanked (each character a space,
    so offsets stay those of the rendering): a line among the first or last two of its page whose
    words, numbers aside, open or close at least half the pages, three or more (the case's name
    and `Page 3 of 40` on each page of a court record), but for the first page's head, where a
    title is. Its line break goes with it, so that a sentence running over the page break stays one."""
    pages = rendering.split(PAGE_BREAK)
    if len(pages) < _MIN_RUNNING_PAGES:
        return rendering
    offsets = accumulate((len(page) + len(PAGE_BREAK) for page in pages), initial=0)
    edges = [_edge_lines(page, offset) for page, offset in zip(pages, offsets)]
    counts = Counter(key for lines in edges for key in {key for key, _, _ in lines})
    needed = max(_MIN_RUNNING_PAGES, len(pages) / 2)
    # The first page's head stays: a title there is the document's, however often it repeats.
    running = [(start, end) for number, lines in enumerate(edges) for key, start, end in lines
               if counts[key] >= needed and not (number == 0 and key[0] >= 0)]
    if not running:
        return rendering
    blanked = list(rendering)
    for start, end in running:
        end += rendering.startswith("\n", end)
        blanked[start:end] = " " * (end - start)
    return "".join(blanked)


def _edge_lines(page: str, offset: int) -> list[tuple[tuple[int, str], int, int]]:
    """The first and last two non-blank lines of a page that end no sentence: each its key (its
    place on the page, from 0 at the top and from -1 at the foot; its words lower-cased, numbers as
    `#`) and its span in the rendering."""
    lines = [(match.start(), match.end()) for match in re.finditer(r"[^\n]*\S[^\n]*", page)]
    heads = list(enumerate(lines[:_EDGE_LINES]))
    first_foot = max(_EDGE_LINES, len(lines) - _EDGE_LINES)
    feet = [(place - len(lines), line) for place, line in enumerate(lines) if place >= first_foot]
    # A head is the same line in the same place; a spoken line ends its sentence, a head seldom does.
    return [((place, _DIGITS.sub("#", " ".join(page[start:end].split())).lower()), offset + start, offset + end)
            for place, (start, end) in heads + feet if not _SENTENCE_END.search(page, start, end)]


def with_page_sources(transcript: Transcript, rendering: str) -> Transcript:
    """`transcript`, read from a PDF's `rendering` (`pdf_text`), pointing at its pages."""
    starts = [0] + [match.start() for match in re.finditer(PAGE_BREAK, rendering)]
    return pointed_at_parts(transcript, "pdf", "page", starts, rendering)


def _page_texts(doc_id: str, data: bytes) -> list[str]:
    # Imported here: only a process that reads a PDF loads PDFium.
    import pypdfium2

    with _PDFIUM:
        try:
            document = pypdfium2.PdfDocument(data)
        except pypdfium2.PdfiumError as exc:
            if "password" in str(exc).lower():
                raise CorpusError(f"{doc_id}: the PDF is locked with a password; save an unlocked copy") from None
            raise CorpusError(f"{doc_id}: not a PDF that can be read ({exc})") from None
        try:
            return [_page_text(document, index) for index in range(len(document))]
        except pypdfium2.PdfiumError as exc:
            raise CorpusError(f"{doc_id}: cannot read its text ({exc})") from None
        finally:
            # Closed here, under the lock: a finaliser would call PDFium from whichever thread collects it.
            document.close()


def _page_text(document, index: int) -> str:  # noqa: ANN001 (pypdfium2 is imported lazily)
    page = document[index]
    try:
        text_page = page.get_textpage()
        try:
            return text_page.get_text_bounded()
        finally:
            text_page.close()
    finally:
        page.close()


def _clean(page: str) -> str:
    """A page's text with `\\n` line ends, no control characters, and one final newline."""
    text = _CONTROL.sub(" ", _SOFT_HYPHEN.sub("-", _LINE_END.sub("\n", page)).replace(PAGE_BREAK, " "))
    return text.rstrip() + "\n"
