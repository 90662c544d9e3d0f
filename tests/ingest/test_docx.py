"""Word documents: a transcript exported as .docx is read as its paragraphs, and every segment
points at the paragraph that holds its words."""

from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import escape

import pytest

from rag.errors import CorpusError
from rag.ingest.corpus import source_document
from rag.ingest.readers import parse_document
from rag.types import Transcript

_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def word_file(*paragraphs: str, extra: str = "") -> bytes:
    """A minimal .docx: each paragraph one run; `\\t` a tab, `\\n` a line break within it."""
    def run(text: str) -> str:
        pieces = []
        for i, line in enumerate(text.split("\\n")):
            if i:
                pieces.append("<w:br/>")
            pieces.append("<w:tab/>".join(f'<w:t xml:space="preserve">{escape(part)}</w:t>' for part in line.split("\\t")))
        return f"<w:r>{''.join(pieces)}</w:r>"
    body = "".join(f"<w:p>{run(p) if p else ''}</w:p>" for p in paragraphs)
    xml = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document {_NS}><w:body>{body}{extra}</w:body></w:document>'
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                         'package/2006/content-types"/>')
        archive.writestr("word/document.xml", xml)
    return buffer.getvalue()


def read(doc_id: str, data: bytes) -> tuple[Transcript, list[str]]:
    document = source_document(doc_id, data, None)
    return parse_document(doc_id, document.text, document.metadata), document.text.split("\n")


def assert_segments_point_at_their_paragraphs(transcript: Transcript, paragraphs: list[str],
                                              part: str = "paragraph") -> None:
    assert transcript.segments
    for segment in transcript.segments:
        first, _, last = segment.source.removeprefix(f"{part}=").partition("-")
        held = " ".join(paragraphs[int(first) - 1 : int(last or first)])
        assert " ".join(transcript.text[segment.start : segment.end].split()) in " ".join(held.split())


def test_a_labelled_transcript_in_word_is_cited_by_paragraph() -> None:
    data = word_file("Council meeting, 4 March 2024", "", "MAYOR LIND: The library reopens in May.",
                     "COUNCILLOR AMES: What will the\\nhours be?", "MAYOR LIND: Nine to nine,\\tevery day.",
                     extra="<w:p><w:del><w:r><w:delText>Struck out.</w:delText></w:r></w:del></w:p>")
    transcript, paragraphs = read("council.docx", data)
    assert transcript.format == "docx" and transcript.date == "2024-03-04"
    assert [(t.speaker, transcript.text[t.start : t.end]) for t in transcript.turns[1:]] == [
        ("MAYOR LIND", "The library reopens in May."), ("COUNCILLOR AMES", "What will the hours be?"),
        ("MAYOR LIND", "Nine to nine,\tevery day.")]
    assert "Struck out" not in transcript.text
    assert transcript.locate(transcript.turns[2].start, transcript.turns[2].end)[0] == ["paragraph=4"]
    assert_segments_point_at_their_paragraphs(transcript, paragraphs)


def test_a_timestamped_export_in_word_is_timed_and_cited_by_paragraph() -> None:
    data = word_file("Coral reefs episode", "", "Speaker 1 (00:00):", "Welcome to the show.", "",
                     "Speaker 2 (00:05):", "Reefs cover less than one percent of the ocean floor.", "",
                     "Speaker 1 (01:15):", "How fast are they shrinking?")
    transcript, paragraphs = read("reefs.docx", data)
    assert [(t.speaker, t.start_time, transcript.text[t.start : t.end]) for t in transcript.turns[1:]] == [
        ("Speaker 1", 0, "Welcome to the show."), ("Speaker 2", 5, "Reefs cover less than one percent of the ocean floor."),
        ("Speaker 1", 75, "How fast are they shrinking?")]
    assert transcript.locate(transcript.turns[2].start, transcript.turns[2].end)[0] == ["paragraph=7"]
    assert_segments_point_at_their_paragraphs(transcript, paragraphs)


def _corrupted(data: bytes) -> bytes:
    """The archive with the compressed bytes of its body damaged (the directory left intact)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo("word/document.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    damaged = bytearray(data)
    for i in range(start, start + min(info.compress_size, 40)):
        damaged[i] ^= 0xFF
    return bytes(damaged)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"MAYOR LIND: plain text named .docx\n", r"x\.docx: not a Word document \(\.docx is a zip archive"),
        (word_file("x")[:200], r"x\.docx: not a Word document"),
        (word_file(), r"x\.docx: the file is empty"),
        (_corrupted(word_file("MAYOR LIND: The library reopens in May.")), r"x\.docx: cannot read its word/document\.xml"),
    ],
)
def test_a_file_that_is_not_a_word_document_says_so(data: bytes, message: str) -> None:
    with pytest.raises(CorpusError, match=message):
        source_document("x.docx", data, None)


def test_a_deeply_nested_paragraph_is_read_without_recursion() -> None:
    deep = "<w:r>" * 50_000 + "<w:t>The library reopens in May.</w:t>" + "</w:r>" * 50_000
    data = word_file("MAYOR LIND: hello", "REPORTER: When?", extra=f"<w:p>{deep}</w:p>")
    assert source_document("deep.docx", data, None).text.endswith("The library reopens in May.\n")


def test_a_non_breaking_hyphen_is_a_hyphen_not_nothing() -> None:
    # Word writes `<w:noBreakHyphen/>` in hyphenated names and numbers; dropped, "What-hours" was "Whathours".
    data = word_file("Chair: The meeting opens.", "Member: Good.",
                     extra='<w:p><w:r><w:t>Chair: What</w:t><w:noBreakHyphen/><w:t>hours apply?</w:t></w:r></w:p>')
    transcript, paragraphs = read("minutes.docx", data)
    assert paragraphs[2] == "Chair: What\u2011hours apply?"
    assert transcript.text[transcript.turns[-1].start : transcript.turns[-1].end] == "What\u2011hours apply?"
