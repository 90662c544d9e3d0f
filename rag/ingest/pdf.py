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


def pdf_text(doc_id: str, data: bytes) -> str:
    """The pages' text, one page after another, a form feed before each but the first;
    CorpusError when the file is not a PDF, is locked, or has no text to read."""
    pages = _page_texts(doc_id, data)
    if not any(page.strip() for page in pages):
        raise CorpusError(f"{doc_id}: no text in its {len(pages)} page(s): a scanned PDF needs its text "
                          "recognised first (OCR, e.g. `ocrmypdf in.pdf out.pdf`)")
    return PAGE_BREAK.join(_clean(page) for page in pages)


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
