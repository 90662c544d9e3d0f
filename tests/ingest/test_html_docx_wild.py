"""Web pages and Word files as they come from the wild: pages in a legacy charset their `<meta>`
declares, a `<pre>` transcript cited line by line, blocks whose text nodes lie far apart, and Word
files whose main part is not `word/document.xml`. Each file is built here, small."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar.testing import TestClient

from rag.embedding import SentenceTransformerEmbedder
from rag.errors import CorpusError
from rag.http.app import create_app
from rag.ingest.captions import plain
from rag.ingest.corpus import source_document
from rag.ingest.readers import parse_document
from rag.service import QAService
from rag.settings import Settings
from rag.types import Transcript
from tests.conftest import live_copy
from tests.ingest.test_docx import _NS, assert_segments_point_at_their_paragraphs
from tests.ingest.test_formats import assert_segments_check_out

WRITE_KEY = "write-key-0123456789abcdef"
WRITE = {"X-API-Key": WRITE_KEY}


def read(doc_id: str, data: bytes) -> tuple[Transcript, str]:
    """The transcript of a file's bytes, as a build reads them, and the text they were read as."""
    document = source_document(doc_id, data, None)
    return parse_document(doc_id, document.text, document.metadata), document.text


def cited(transcript: Transcript, file_text: str) -> list[tuple[str, str]]:
    """Each segment's words, and what its `char=a,b` holds in the file."""
    pairs = []
    for segment in transcript.segments:
        start, end = (int(x) for x in segment.source.removeprefix("char=").split(","))
        pairs.append((transcript.text[segment.start : segment.end], file_text[start:end]))
    return pairs


# ---- a page in the charset its <meta> declares -------------------------------------------------

WORD_97 = """<HTML>
<HEAD>
<META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=windows-1252">
<TITLE>Interview with Ken Thompson</TITLE>
</HEAD>
<BODY>
<P>MSM:\tVarious accounts I\u2019ve read of Unix \u2014 Ritchie\u2019s retrospective \u2014 say it began in 1969.</P>
<P>Thompson:\tThat\u2019s right, on the PDP-7. We called it \u201cUnics\u201d first.</P>
<P>MSM:\tAnd the caf\u00e9 downstairs?</P>
<P>Thompson:\tIt was na\u00efve of us.</P>
</BODY>
</HTML>
"""


@pytest.mark.parametrize("meta", [
    '<META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=windows-1252">',
    '<meta charset="windows-1252">',
    "<meta charset=WINDOWS-1252 />",
])
def test_a_page_in_the_legacy_charset_its_meta_declares_is_read_in_it(meta: str) -> None:
    page = WORD_97.replace(WORD_97.splitlines()[2], meta)
    transcript, text = read("thompson.htm", page.encode("cp1252"))
    assert text == page
    assert [(t.speaker, transcript.text[t.start : t.end]) for t in transcript.turns if t.speaker][1:3] == [
        ("Thompson", "That\u2019s right, on the PDP-7. We called it \u201cUnics\u201d first."),
        ("MSM", "And the caf\u00e9 downstairs?")]
    # Offsets count the characters of the file read in its charset: here one per byte.
    assert_segments_check_out(transcript, page)
    for words, held in cited(transcript, page):
        assert " ".join(plain(held).split()) == " ".join(words.split())


def test_a_page_saying_iso_8859_1_is_read_as_browsers_read_it() -> None:
    """Browsers read ISO-8859-1 as windows-1252 (the WHATWG Encoding Standard): the curly quotes a
    Windows editor wrote are quotes, and a byte windows-1252 leaves undefined is Latin-1's."""
    data = b'<html><head><meta charset="iso-8859-1"></head><body><p>Ana: It\x92s open\x81 now.</p></body></html>'
    transcript, text = read("a.html", data)
    assert "It\u2019s open\x81 now." in transcript.text
    assert_segments_check_out(transcript, text)


def test_offsets_of_a_page_in_a_multibyte_charset_count_its_characters() -> None:
    page = ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS"></head><body>'
            '<p>\u8a18\u8005\uff1a\u4eca\u65e5\u306e\u4f1a\u8b70\u306f\u4f55\u6642\u3067\u3059\u304b\u3002</p>'
            '<p>\u5e02\u9577\uff1a\u5341\u6642\u3067\u3059\u3002</p></body></html>')
    transcript, text = read("kaigi.html", page.encode("shift_jis"))
    assert text == page
    assert_segments_check_out(transcript, page)
    for words, held in cited(transcript, page):
        assert plain(held).strip() == words


def test_the_bytes_win_over_the_meta() -> None:
    page = '<html><head><meta charset="windows-1252"></head><body><p>Caf\u00e9 talk: the caf\u00e9 opens.</p></body></html>'
    # Converted to UTF-8 without its <meta> edited: read as UTF-8, not as mojibake.
    assert "Caf\u00e9 talk" in read("cafe.html", page.encode("utf-8"))[0].text
    # A UTF-8 byte-order mark says UTF-8 too: bytes that are not are refused, whatever the meta says.
    with pytest.raises(CorpusError, match=r"cafe\.html: not valid UTF-8"):
        read("cafe.html", b"\xef\xbb\xbf" + page.encode("cp1252"))


@pytest.mark.parametrize(("meta", "message"), [
    ("", r"not valid UTF-8 \(byte \d+"),
    ('<meta charset="klingon">', r"its <meta> declares charset 'klingon', which is not one such a file can be read in"),
    ('<meta charset="utf-16">', r"declares charset 'utf-16'"),
    ('<meta charset="base64">', r"declares charset 'base64'"),
    ('<meta charset="utf-8">', r"not valid utf-8, the charset its <meta> declares \(byte \d+"),
    ('<meta charset="shift_jis">', r"not valid shift_jis, the charset its <meta> declares"),
])
def test_a_page_its_charset_cannot_read_is_refused_saying_why(meta: str, message: str) -> None:
    data = f"<html><head>{meta}</head><body><p>Ana: caf\u00e9</p></body></html>".encode("cp1252") + b"\x82\xff"
    with pytest.raises(CorpusError, match=message):
        read("cafe.html", data)


def test_a_charset_named_only_in_a_comment_or_past_the_first_kilobyte_is_not_declared() -> None:
    padding = "<!-- " + "x" * 1100 + " -->"
    for head in ('<!-- <meta charset="windows-1252"> -->', padding + '<meta charset="windows-1252">'):
        with pytest.raises(CorpusError, match="not valid UTF-8"):
            read("a.html", f"<html><head>{head}</head><body><p>caf\u00e9</p></body></html>".encode("cp1252"))


@pytest.fixture
def client(settings: Settings, service: QAService, embedder: SentenceTransformerEmbedder,
           tmp_path: Path) -> Iterator[TestClient]:
    """The app over a live copy of one seed document, taking writes."""
    live = live_copy(settings, service, embedder, tmp_path, documents=["001_0c22fd98c8d2c594.txt"])
    keyed = live.settings.with_overrides(write_api_keys=(WRITE_KEY,))
    with TestClient(app=create_app(keyed, live)) as test_client:
        yield test_client


def test_an_uploaded_page_in_the_charset_its_meta_declares_is_read_in_it(client: TestClient) -> None:
    response = client.put("/documents/thompson.htm", content=WORD_97.encode("cp1252"),
                          headers={**WRITE, "Content-Type": "text/html"})
    assert response.status_code == 201, response.text
    assert "We called it \u201cUnics\u201d first." in client.get("/documents/thompson.htm", headers=WRITE).json()["text"]


# ---- <pre> line by line; no citation over markup that is not its words -----------------------

RECORD = """<html><head><title>Congressional Record</title></head><body>
<pre>
[Congressional Record Volume 151 (July 20, 2005)]

  Mr. BROWNBACK. Mr. President, I ask unanimous consent that the
Senate proceed to S. 1429 &amp; S. 1430, <a href="/bills/s1431">S. 1431</a>,
and that the bills be read a third time.

  The PRESIDING OFFICER. Without objection, it is so ordered.
</pre></body></html>
"""


def test_a_preformatted_transcript_is_cited_line_by_line() -> None:
    transcript, text = read("record.htm", RECORD.encode())
    assert "Mr. BROWNBACK" in transcript.text
    lines = [line.strip() for line in plain(RECORD[RECORD.index("<pre>") + 5 : RECORD.index("</pre>")]).splitlines()]
    assert [words for words, _ in cited(transcript, text)] == [line for line in lines if line]
    for words, held in cited(transcript, text):
        assert "\n" not in held and plain(held).strip() == words
    assert_segments_check_out(transcript, text)
    turn = next(t for t in transcript.turns if t.speaker and "BROWNBACK" in t.speaker)
    sources = transcript.locate(turn.start, turn.end)[0]
    assert len(sources) == 3 and all(text[int(s[5:].split(",")[0])] != "\n" for s in sources)


def test_a_timestamped_transcript_in_a_pre_cites_each_piece_by_its_lines() -> None:
    page = ("<html><body><pre>\nSpeaker 1 (00:05):\nWelcome to the show.\n\nSpeaker 2 (00:09):\nThanks &amp; hello.\n"
            "It is good to be here.\n\nSpeaker 1 (00:15):\nGreat.\n</pre></body></html>")
    transcript, text = read("show.html", page.encode())
    assert [(t.speaker, t.start_time) for t in transcript.turns] == [("Speaker 1", 5), ("Speaker 2", 9), ("Speaker 1", 15)]
    assert_segments_check_out(transcript, text)
    for segment in transcript.segments:
        start, end = (int(x) for x in segment.source.removeprefix("char=").split(","))
        # Bob's piece is two lines of the file, not the whole <pre>.
        assert plain(text[start:end]).split() == transcript.text[segment.start : segment.end].split()


def test_no_citation_spans_the_markup_left_out_between_its_words() -> None:
    icon = '<svg viewBox="0 0 24 24">' + '<path d="M12 2L2 7l10 5 10-5-10-5z"/>' * 80 + "</svg>"
    menu = "<nav>" + "".join(f'<a href="/p{i}">Page {i}</a>' for i in range(100)) + "</nav>"
    page = (f"<html><body><div><a href='#top'>Scroll Up</a>{menu}</div>"
            f"<p>Host: Press {icon} play to hear the episode.</p><p>Guest: Thanks for having me.</p></body></html>")
    transcript, text = read("episode.html", page.encode())
    assert "Press play to hear the episode." in transcript.text and "Page 7" not in transcript.text
    for words, held in cited(transcript, text):
        assert len(held) < len(words) + 100, (words, held[:80])
    assert [words for words, _ in cited(transcript, text)] == [
        "Scroll Up", "Host: Press", "play to hear the episode.", "Guest: Thanks for having me."]
    assert_segments_check_out(transcript, text)


# ---- Word files whose main part is elsewhere -----------------------------------------------------

RELS = ('\ufeff<?xml version="1.0" encoding="utf-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
        'package/2006/relationships"><Relationship Type="http://schemas.openxmlformats.org/package/2006/'
        'relationships/metadata/core-properties" Target="docProps/core.xml" Id="rId2" /><Relationship '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
        'Target="{target}" Id="rId1" /></Relationships>')


def word_archive(parts: dict[str, str]) -> bytes:
    """A .docx holding `parts` (name: XML) beside its content types."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                         'package/2006/content-types"/>')
        for name, xml in parts.items():
            archive.writestr(name, xml.encode("utf-8"))
    return buffer.getvalue()


def body(*paragraphs: str) -> str:
    """A main document part with one run per paragraph."""
    runs = "".join(f'<w:p><w:r><w:t xml:space="preserve">{p}</w:t></w:r></w:p>' for p in paragraphs)
    return f'<?xml version="1.0" encoding="UTF-8"?><w:document {_NS}><w:body>{runs}</w:body></w:document>'


TRANSCRIBED = ("Audio file", "Interview 1.mp4", "", "Transcript", "00:00:03 Speaker 1", "Yeah, that works.",
               "00:00:05 Speaker 2", "Then let us begin.", "00:00:07 Speaker 1", "Which tools do you use?",
               "00:00:12 Speaker 2", "Mostly the cloud provider's own.")


@pytest.mark.parametrize("target", ["word/document2.xml", "/word/document2.xml", "word/./document%32.xml"])
def test_a_word_file_is_read_from_the_part_its_relationships_name(target: str) -> None:
    """Word's Transcribe exports keep the body in `word/document2.xml`, named by `_rels/.rels`."""
    data = word_archive({"_rels/.rels": RELS.format(target=target), "word/document2.xml": body(*TRANSCRIBED),
                         "docProps/core.xml": "<coreProperties/>"})
    transcript, text = read("interview.docx", data)
    assert [(t.speaker, t.start_time, transcript.text[t.start : t.end]) for t in transcript.turns if t.speaker] == [
        ("Speaker 1", 3, "Yeah, that works."), ("Speaker 2", 5, "Then let us begin."),
        ("Speaker 1", 7, "Which tools do you use?"), ("Speaker 2", 12, "Mostly the cloud provider's own.")]
    assert_segments_point_at_their_paragraphs(transcript, text.split("\n"))
    assert transcript.locate(transcript.turns[-1].start, transcript.turns[-1].end)[0] == ["paragraph=12"]


@pytest.mark.parametrize("rels", [RELS.format(target="word/missing.xml"), RELS.format(target="../outside.xml"),
                                  "<Relationships", None])
def test_a_word_file_whose_relationships_name_no_part_it_holds_is_read_from_word_document_xml(
    rels: str | None,
) -> None:
    parts = {"word/document.xml": body("MAYOR LIND: The library reopens in May.")}
    if rels is not None:
        parts["_rels/.rels"] = rels
    transcript, _ = read("council.docx", word_archive(parts))
    assert [t.speaker for t in transcript.turns] == ["MAYOR LIND"]


def test_a_word_archive_without_its_main_part_is_refused_saying_so() -> None:
    data = word_archive({"_rels/.rels": RELS.format(target="word/document2.xml"), "word/styles.xml": "<styles/>"})
    with pytest.raises(CorpusError, match=re.escape("not a Word document (the archive has no word/document.xml, "
                                                    "nor a document part its _rels/.rels names)")):
        read("empty.docx", data)


HANSARD = (
    "<html><body><div class='hansard'>"
    "<p>1. <b>Mr David Hanson (Delyn) (Lab):</b> When he next expects to discuss Syria. [66855]</p>"
    "<p><b>Mr Philip Hollobone (Kettering) (Con):</b> Iran has been training Syrian troops. What assessment has he"
    " made?</p>"
    "<p><b>The Secretary of State for Foreign and Commonwealth Affairs (Mr William Hague):</b> We are concerned.</p>"
    "<p><strong>Stephen Twigg</strong>: The Foreign Secretary is right.</p>"
    "<p><b>Note:</b> the sitting was suspended.</p>"
    "<p>Many members: nodded.</p>"
    "</div></body></html>"
)


def test_a_bold_label_opening_a_block_is_a_speaker_though_it_speaks_once() -> None:
    # Hansard names most members once; the page's bold says that the words before the colon are a label.
    transcript = parse_document("debate.html", HANSARD)
    assert_segments_check_out(transcript, HANSARD)
    assert [(t.speaker, t.role) for t in transcript.turns] == [
        ("Mr David Hanson", "Delyn, Lab"), ("Mr Philip Hollobone", "Kettering, Con"),
        ("Mr William Hague", "The Secretary of State for Foreign and Commonwealth Affairs"),
        ("Stephen Twigg", None), (None, None),
    ]
    # A bold `Note:` is the editor's: it and what follows are no member's words.
    last = transcript.text[transcript.turns[-1].start : transcript.turns[-1].end]
    assert last == "Note: the sitting was suspended.\n\nMany members: nodded."


def test_an_oral_questions_number_inside_the_bold_is_no_part_of_the_name() -> None:
    page = ("<html><body><p><b>1. Mr Philip Hollobone (Kettering) (Con):</b> What assessment has the Minister made?</p>"
            "<p><b>The Parliamentary Under-Secretary of State for Transport (Guy Opperman):</b> We have invested.</p>"
            "</body></html>")
    transcript = parse_document("buses.html", page)
    assert [(t.speaker, t.role) for t in transcript.turns] == [
        ("Mr Philip Hollobone", "Kettering, Con"),
        ("Guy Opperman", "The Parliamentary Under-Secretary of State for Transport")]
    assert_segments_check_out(transcript, page)
