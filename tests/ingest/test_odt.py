"""OpenDocument texts: a transcript saved by LibreOffice or Google Docs as .odt is read as its
paragraphs, and every segment points at the paragraph that holds its words."""

from __future__ import annotations

import io
import zipfile

import pytest

from rag.errors import CorpusError
from rag.ingest.corpus import source_document
from tests.ingest.test_docx import assert_segments_point_at_their_paragraphs, read

_NAMESPACES = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" office:version="1.3"'
)
# As LibreOffice writes a transcript: styled spans, runs of spaces as <text:s>, a footnote, a
# comment, a soft page break, a table of who spoke when.
CONTENT = f"""<?xml version="1.0" encoding="UTF-8"?>
<office:document-content {_NAMESPACES}><office:automatic-styles/><office:body><office:text>
<text:sequence-decls/>
<text:h text:style-name="Heading_20_1" text:outline-level="1">Harbour board, 12 June 2024</text:h>
<text:p text:style-name="P1"/>
<text:p text:style-name="P2"><text:span text:style-name="T1">CHAIR:</text:span> The dredging starts in<text:s/>August.<text:note text:id="ftn1" text:note-class="footnote"><text:note-citation>1</text:note-citation><text:note-body><text:p>Confirmed by letter.</text:p></text:note-body></text:note></text:p>
<text:p text:style-name="P2">MS. OKAFOR:<text:tab/>How deep<text:s text:c="2"/>will the<text:line-break/>channel be?<office:annotation><dc:creator>Editor</dc:creator><text:p>check spelling</text:p></office:annotation></text:p>
<text:soft-page-break/>
<text:p text:style-name="P2">CHAIR: Fourteen metres, <text:span text:style-name="T2">at low tide</text:span>.</text:p>
<table:table table:name="Speakers"><table:table-row><table:table-cell><text:p>Prepared by the clerk.</text:p></table:table-cell></table:table-row></table:table>
</office:text></office:body></office:document-content>
"""


def odt_file(content: str = CONTENT, part: str = "content.xml") -> bytes:
    """A minimal .odt, its `mimetype` stored first as the format asks."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text", compress_type=zipfile.ZIP_STORED)
        archive.writestr(part, content)
        archive.writestr("META-INF/manifest.xml", "<manifest:manifest/>")
    return buffer.getvalue()


def test_a_transcript_in_opendocument_is_cited_by_paragraph_without_notes_or_comments() -> None:
    transcript, paragraphs = read("board.odt", odt_file())
    assert transcript.format == "odt" and transcript.date == "2024-06-12"
    assert [(t.speaker, transcript.text[t.start : t.end]) for t in transcript.turns if t.speaker] == [
        ("CHAIR", "The dredging starts in August."), ("MS. OKAFOR", "How deep  will the channel be?"),
        ("CHAIR", "Fourteen metres, at low tide.\nPrepared by the clerk.")]
    assert "Confirmed" not in transcript.text and "check spelling" not in transcript.text
    assert_segments_point_at_their_paragraphs(transcript, paragraphs)


@pytest.mark.parametrize(
    ("data", "message"),
    [(b"CHAIR: plain text named .odt\n", r"not an OpenDocument text \(\.odt is a zip archive"),
     (odt_file(part="styles.xml"), "the archive has no content.xml"),
     (odt_file(CONTENT.replace("office:text>", "office:spreadsheet>")), "a spreadsheet or a presentation"),
     (odt_file(CONTENT[:300]), "content.xml: unclosed token")],
)
def test_a_file_that_is_not_an_opendocument_text_says_so(data: bytes, message: str) -> None:
    with pytest.raises(CorpusError, match=message):
        source_document("x.odt", data, None)


@pytest.mark.parametrize(("doc_id", "part"), [("bomb.docx", "word/document.xml"), ("bomb.odt", "content.xml"),
                                              ("bomb.xlsx", "xl/worksheets/sheet1.xml")])
def test_a_package_part_that_inflates_past_the_limit_is_refused_before_it_is_read(doc_id: str, part: str) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(part, b" " * (64 * 1024 * 1024 + 1))
    assert len(buffer.getvalue()) < 200_000  # a small file, a huge part
    with pytest.raises(CorpusError, match=rf"its {part} inflates to 67108865 bytes, over the 67108864-byte limit"):
        source_document(doc_id, buffer.getvalue(), None)
