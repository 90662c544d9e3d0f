"""One reader per transcript format behind one protocol, chosen by the file's suffix.

A reader turns a document's decoded text into a `Transcript` whose spans index its canonical
text. For plain text and Markdown the canonical text is the file itself, so every citation is
an offset into the file. Captions, speech-to-text JSON and HTML have a canonical text of their
own, mapped back to the file and to times by the transcript's segments (docs/formats.md).
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Protocol

import msgspec

from rag.errors import CorpusError
from rag.ingest.ass import AssReader
from rag.ingest.captions import TIMING
from rag.ingest.chat import ChatReader
from rag.ingest.docx import MEDIA_TYPE as DOCX_MEDIA_TYPE
from rag.ingest.docx import SUFFIX as DOCX_SUFFIX
from rag.ingest.docx import with_paragraph_sources
from rag.ingest.elan import ROOT as ELAN_ROOT
from rag.ingest.elan import ElanReader
from rag.ingest.failures import unforeseen_as_unreadable
from rag.ingest.front_matter import read_front_matter
from rag.ingest.html import HtmlReader
from rag.ingest.inline_times import with_inline_times
from rag.ingest.line_numbers import strip_line_numbers
from rag.ingest.odt import MEDIA_TYPE as ODT_MEDIA_TYPE
from rag.ingest.odt import SUFFIX as ODT_SUFFIX
from rag.ingest.pdf import MEDIA_TYPE as PDF_MEDIA_TYPE
from rag.ingest.pdf import PAGE_BREAK as PDF_PAGE_BREAK
from rag.ingest.pdf import SUFFIX as PDF_SUFFIX
from rag.ingest.pdf import with_page_sources, without_running_lines
from rag.ingest.parts import pointed_at_lines
from rag.ingest.rtf import MEDIA_TYPES as RTF_MEDIA_TYPES
from rag.ingest.rtf import SUFFIX as RTF_SUFFIX
from rag.ingest.spreadsheet import MEDIA_TYPE as XLSX_MEDIA_TYPE
from rag.ingest.spreadsheet import SUFFIX as XLSX_SUFFIX
from rag.ingest.spreadsheet import with_sheet_cells
from rag.ingest.srt import SbvReader, SrtReader
from rag.ingest.stm import StmReader
from rag.ingest.stt_json import SpeechJsonReader
from rag.ingest.tei import ROOTS as TEI_ROOTS
from rag.ingest.tei import TeiReader
from rag.ingest.tabular import TableReader, read_table
from rag.ingest.text import parse_transcript
from rag.ingest.textgrid import TextGridReader
from rag.ingest.timed import Metadata, build_transcript
from rag.ingest.timestamped import read_stamped_text
from rag.ingest.transcriber import TranscriberReader
from rag.ingest.ttml import TtmlReader
from rag.ingest.webvtt import WebVttReader
from rag.ingest.youtube_xml import ROOTS as YOUTUBE_ROOTS
from rag.ingest.youtube_xml import YouTubeXmlReader
from rag.types import Transcript


class Reader(Protocol):
    """Parses one transcript format."""

    name: str
    """The format's name, as error messages and the API give it."""
    suffixes: tuple[str, ...]
    """File name suffixes (lower case, with the dot) this reader takes."""
    media_types: dict[str, tuple[str, ...]]
    """For each suffix, the content types an upload of such a file may declare (besides
    application/octet-stream, which any may)."""

    def parse(self, doc_id: str, text: str, metadata: Metadata) -> Transcript:
        """The transcript in `text` (the whole file, decoded). `metadata` (from a sidecar) overrides
        what the file says of itself. CorpusError names the line or field that could not be read."""
        ...


class PlainTextReader:
    """Plain text and Markdown: speaker labels, roles, narration and page clutter (`rag.ingest.text`);
    the timestamped exports of meeting tools (`rag.ingest.timestamped`); captions saved as text."""

    name = "text"
    media_types = {".txt": ("text/plain",), ".md": ("text/markdown", "text/plain", "text/x-markdown")}
    suffixes = tuple(media_types)

    def parse(self, doc_id: str, text: str, metadata: Metadata) -> Transcript:
        """The transcript, with spans into `text` itself; into `text` without its line numbers,
        mapped back by segments, when every line of it is numbered (`rag.ingest.line_numbers`);
        as timed pieces when it is a WebVTT or SubRip file or a timestamped export."""
        captions = _captions_saved_as_text(doc_id, text, metadata)
        if captions is not None:
            return captions
        stamped = read_stamped_text(doc_id, text)
        if stamped is not None:
            return build_transcript(doc_id, self.name, stamped.pieces, stamped.metadata.overridden_by(metadata))
        numbered = strip_line_numbers(text)
        if numbered is None:
            transcript = with_inline_times(parse_transcript(doc_id, text))
        else:
            canonical, segments = numbered
            transcript = msgspec.structs.replace(parse_transcript(doc_id, canonical), segments=segments)
        front = read_front_matter(text)
        if front is not None and front.media_url:
            metadata = Metadata(media_url=front.media_url).overridden_by(metadata)
        if not (metadata.title or metadata.date or metadata.media_url):
            return transcript
        return msgspec.structs.replace(
            transcript, title=metadata.title or transcript.title, date=metadata.date or transcript.date,
            date_text=metadata.date or transcript.date_text, media_url=metadata.media_url,
        )


class DocxReader:
    """Word documents: their paragraphs, one per line, read as plain text is (`rag.ingest.docx`)."""

    name = "docx"
    media_types = {DOCX_SUFFIX: (DOCX_MEDIA_TYPE,)}
    suffixes = tuple(media_types)

    def parse(self, doc_id: str, text: str, metadata: Metadata) -> Transcript:
        """The transcript of the paragraphs (`text` is `docx_text` of the file), pointing at them."""
        return with_paragraph_sources(PlainTextReader().parse(doc_id, text, metadata), text)


class OdtReader:
    """OpenDocument texts: their paragraphs, one per line, read as plain text is (`rag.ingest.odt`)."""

    name = "odt"
    media_types = {ODT_SUFFIX: (ODT_MEDIA_TYPE,)}
    suffixes = tuple(media_types)

    def parse(self, doc_id: str, text: str, metadata: Metadata) -> Transcript:
        """The transcript of the paragraphs (`text` is `odt_text` of the file), pointing at them."""
        return with_paragraph_sources(PlainTextReader().parse(doc_id, text, metadata), text, self.name)


class RtfReader:
    """RTF documents: their text's lines, read as plain text is (`rag.ingest.rtf`)."""

    name = "rtf"
    media_types = {RTF_SUFFIX: RTF_MEDIA_TYPES}
    suffixes = tuple(media_types)

    def parse(self, doc_id: str, text: str, metadata: Metadata) -> Transcript:
        """The transcript of the lines (`text` is `rtf_text` of the file), pointing at them."""
        return pointed_at_lines(PlainTextReader().parse(doc_id, text, metadata), self.name, "line", text)


class XlsxReader:
    """Excel workbooks: the first worksheet's rows, read as a `.tsv` is (`rag.ingest.spreadsheet`)."""

    name = "xlsx"
    media_types = {XLSX_SUFFIX: (XLSX_MEDIA_TYPE,)}
    suffixes = tuple(media_types)

    def parse(self, doc_id: str, text: str, metadata: Metadata) -> Transcript:
        """The transcript of the rows (`text` is `xlsx_text` of the file), pointing at the sheet's cells."""
        table = read_table(doc_id, text, tab=True)
        return with_sheet_cells(build_transcript(doc_id, self.name, table.pieces(), metadata), text)


class PdfReader:
    """PDF files: their pages' text, read as plain text is (`rag.ingest.pdf`)."""

    name = "pdf"
    media_types = {PDF_SUFFIX: (PDF_MEDIA_TYPE,)}
    suffixes = tuple(media_types)

    def parse(self, doc_id: str, text: str, metadata: Metadata) -> Transcript:
        """The transcript of the pages (`text` is `pdf_text` of the file), pointing at them. Its
        canonical text has a space for each form feed: a sentence runs on over a page break, and
        an extract never shows one, and its running heads and feet are blanked."""
        flat = without_running_lines(text).replace(PDF_PAGE_BREAK, " ")
        return with_page_sources(PlainTextReader().parse(doc_id, flat, metadata), text)


class XmlReader:
    """`.xml` files, by their root element: TTML captions (`<tt>`, as Netflix, Amazon and YouTube
    deliver them), TEI transcripts (`<TEI>`: `rag.ingest.tei`), ELAN documents
    (`<ANNOTATION_DOCUMENT>`: `rag.ingest.elan`), YouTube's timedtext captions (`<timedtext>`, srv2
    and srv3, and `<transcript>`, srv1: `rag.ingest.youtube_xml`)."""

    name = "xml"
    media_types = {".xml": ("application/xml", "text/xml", "application/ttml+xml", "application/tei+xml")}
    suffixes = tuple(media_types)

    def parse(self, doc_id: str, text: str, metadata: Metadata) -> Transcript:
        """The transcript, read by the reader the root element names; CorpusError names the root
        and the ones known otherwise."""
        root = _ROOT.search(text)
        local = root[1].lower().rpartition(":")[2] if root else ""  # `tt:tt` is TTML's `tt` too
        if local == "tt":
            return TtmlReader().parse(doc_id, text, metadata)
        if local in TEI_ROOTS:
            return TeiReader().parse(doc_id, text, metadata)
        if local == ELAN_ROOT:
            return ElanReader().parse(doc_id, text, metadata)
        if local in YOUTUBE_ROOTS:
            return YouTubeXmlReader().parse(doc_id, text, metadata)
        found = f"its root element is <{root[1]}>" if root else "it has no XML element"
        raise CorpusError(f"{doc_id}: not a transcript in XML: {found}; known: TTML captions <tt>, "
                          "TEI <TEI>, ELAN <ANNOTATION_DOCUMENT>, YouTube timedtext <timedtext>, <transcript>")


# The first element's name, past the XML declaration, comments and a doctype.
_ROOT = re.compile(r"<(?![?!/])([A-Za-z_][\w:.-]*)")


def _captions_saved_as_text(doc_id: str, text: str, metadata: Metadata) -> Transcript | None:
    """A `.txt` that is WebVTT (it says so on its first line) or SubRip (a cue number, then a
    timing), read as such: users rename caption files to open them in an editor."""
    head = text.lstrip("\ufeff \t\r\n")
    if head.startswith("WEBVTT"):
        return WebVttReader().parse(doc_id, text, metadata)
    first_lines = head.split("\n", 2)[:2]
    if len(first_lines) == 2 and first_lines[0].strip().isdigit() and TIMING.match(first_lines[1]):
        try:
            return SrtReader().parse(doc_id, text, metadata)
        except CorpusError:
            return None  # not SubRip after all: the timestamped reader takes its timings as stamps
    return None


READERS: tuple[Reader, ...] = (
    PlainTextReader(), WebVttReader(), SrtReader(), SbvReader(), SpeechJsonReader(), HtmlReader(), TtmlReader(),
    XmlReader(), DocxReader(), OdtReader(), RtfReader(), PdfReader(), TableReader(), AssReader(), TextGridReader(),
    ElanReader(), ChatReader(), XlsxReader(), YouTubeXmlReader(), TranscriberReader(), StmReader(),
)
SUFFIXES: tuple[str, ...] = tuple(suffix for reader in READERS for suffix in reader.suffixes)
"""Every suffix some reader takes: what the corpus folder is searched for."""
XML_SUFFIXES: tuple[str, ...] = tuple(
    suffix for reader in READERS
    if isinstance(reader, XmlReader | TtmlReader | ElanReader | TranscriberReader | YouTubeXmlReader)
    for suffix in reader.suffixes
)
"""The suffixes of files that are XML, whose declaration may name their encoding."""
BINARY_SUFFIXES: tuple[str, ...] = (DOCX_SUFFIX, ODT_SUFFIX, PDF_SUFFIX, XLSX_SUFFIX)
"""The suffixes of files that are bytes (archives, PDF) rendered to text, never decoded by a charset."""
UNREAD_FORMATS: dict[str, str] = {
    ".doc": "a Word 97-2003 document: save it as .docx",
    ".pages": "an Apple Pages document: export it as .docx or .pdf",
    ".scc": "Scenarist closed captions: convert them to .srt or .vtt, as pycaption and ffmpeg can",
    ".smi": "SAMI captions: convert them to .srt or .vtt, as pycaption can",
    ".sami": "SAMI captions: convert them to .srt or .vtt, as pycaption can",
    ".sub": "MicroDVD subtitles: convert them to .srt, as Subtitle Edit and ffmpeg can (VobSub's .sub holds pictures)",
    ".stl": "EBU STL subtitles: convert them to .srt or .ttml, as Subtitle Edit and ffmpeg can",
    ".cap": "Cheetah CAP captions: convert them to .srt, as Subtitle Edit can",
    ".lrc": "LRC lyrics: convert them to .srt, as Subtitle Edit can",
    ".ctm": "NIST CTM word timings: convert them to .srt or a JSON list of words",
}
"""Transcript and caption formats no reader takes, with what to convert them to. A corpus folder's
such file is listed as unreadable with this advice, not skipped unseen as an image or a recording is."""


def reader_for(doc_id: str) -> Reader:
    """The reader for this document's suffix; CorpusError names the supported ones otherwise (and,
    for a transcript format known but not read, what to convert it to)."""
    suffix = PurePosixPath(doc_id).suffix.lower()
    for reader in READERS:
        if suffix in reader.suffixes:
            return reader
    advice = f", {UNREAD_FORMATS[suffix]}" if suffix in UNREAD_FORMATS else ""
    raise CorpusError(f"{doc_id}: no reader for {suffix or 'files without a suffix'}{advice}; "
                      f"supported: {', '.join(SUFFIXES)}")


def parse_document(doc_id: str, text: str, metadata: Metadata | None = None) -> Transcript:
    """Parse one document with the reader its suffix selects; CorpusError for any file it cannot parse."""
    reader = reader_for(doc_id)
    with unforeseen_as_unreadable(doc_id, reader.name):
        return reader.parse(doc_id, text, metadata or Metadata())
