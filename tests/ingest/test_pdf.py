"""PDF files: pages printed by a real PDF writer (tests/ingest/samples/chromium-pdf) are read as
plain text is, and every segment points at the page that holds its words."""

from __future__ import annotations

import re
from pathlib import Path

import pypdfium2
import pytest

from rag.errors import CorpusError
from rag.ingest.corpus import source_document
from rag.ingest.readers import parse_document
from rag.types import Transcript, TurnKind

PDFS = Path(__file__).parent / "samples" / "chromium-pdf"


def read(name: str) -> Transcript:
    document = source_document(name, (PDFS / name).read_bytes(), None)
    return parse_document(name, document.text, document.metadata)


def page_texts(path: Path) -> list[str]:
    """Each page's text as PDFium gives it, read here without our reader, whitespace collapsed."""
    document = pypdfium2.PdfDocument(path.read_bytes())
    try:
        return [" ".join(document[i].get_textpage().get_text_bounded().split()) for i in range(len(document))]
    finally:
        document.close()


def assert_pages_hold_their_segments(transcript: Transcript, name: str) -> None:
    pages = page_texts(PDFS / name)
    assert transcript.segments
    for segment in transcript.segments:
        first, _, last = segment.source.removeprefix("page=").partition("-")
        held = " ".join(pages[int(first) - 1 : int(last or first)])
        assert " ".join(transcript.text[segment.start : segment.end].split()) in held, segment


def test_a_printed_briefing_gives_its_title_date_speakers_and_page() -> None:
    transcript = read("briefing.pdf")
    assert transcript.format == "pdf"
    assert (transcript.title, transcript.date) == ("Harbour Authority Press Briefing", "2024-03-14")
    speeches = [(t.speaker, transcript.text[t.start : t.end]) for t in transcript.turns if t.kind == TurnKind.SPEECH]
    assert speeches[1] == ("MINISTER ALVAREZ", "The works cost 48 million euros. The port paid two thirds of that\n"
                                               "from its own reserves and the regional government paid the rest.")
    speakers = {t.speaker for t in transcript.turns if t.speaker}
    assert speakers == {"MINISTER ALVAREZ", "REPORTER", "HARBOUR MASTER BECKER"}
    # The browser's footer (print date, file URL, page count) is no one's words.
    assert not any("file:///" in transcript.text[t.start : t.end] for t in transcript.turns)
    turn = transcript.turns[-1]
    assert transcript.locate(turn.start, turn.end)[0] == ["page=1"]
    assert_pages_hold_their_segments(transcript, "briefing.pdf")


def test_a_turn_runs_on_over_a_page_break_and_cites_both_pages() -> None:
    transcript = read("committee.pdf")
    assert "\f" not in transcript.text
    crossing = [t for t in transcript.turns if len(transcript.locate(t.start, t.end)[0]) == 2]
    assert crossing and all(t.speaker for t in crossing)
    turn = crossing[0]
    assert transcript.locate(turn.start, turn.end)[0] == ["page=1", "page=2"]
    assert "\n quay stays at 20 million." in transcript.text[turn.start : turn.end]
    assert len(transcript.speakers) == 3 and transcript.date == "2024-02-05"
    assert_pages_hold_their_segments(transcript, "committee.pdf")


def test_a_line_numbered_court_transcript_drops_its_numbers_and_cites_the_page() -> None:
    transcript = read("deposition.pdf")
    text = transcript.text
    # The line numbers (and the page number above them) are gone; each line keeps what followed its number.
    assert text.startswith("\n A. At home, with my sister.\n Q. Did you see the defendant that night?\n")
    assert not re.search(r"^\s*\d", text, re.MULTILINE)
    answers = [(t.kind, t.speaker, text[t.start : t.end]) for t in transcript.turns if text[t.start : t.end].startswith(
        "Around eleven")]
    assert answers and answers[0][:2] == (TurnKind.SPEECH, "A")
    pages = {transcript.locate(t.start, t.end)[0][0] for t in transcript.turns}
    assert pages == {"page=1", "page=2", "page=3"}
    assert "ACME COURT REPORTING" not in text
    assert_pages_hold_their_segments(transcript, "deposition.pdf")


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("locked.pdf", None, "locked with a password; save an unlocked copy"),
        ("scanned.pdf", None, r"no text in its 1 page\(s\): a scanned PDF needs its text recognised first"),
        ("notes.pdf", b"just some words, not a PDF", "not a PDF that can be read"),
        ("cut.pdf", (PDFS / "committee.pdf").read_bytes()[:4000], "not a PDF that can be read"),
    ],
)
def test_pdfs_without_readable_text_are_refused_with_the_reason(name: str, data: bytes | None, message: str) -> None:
    with pytest.raises(CorpusError, match=message):
        source_document(name, data if data is not None else (PDFS / name).read_bytes(), None)


def test_running_heads_and_feet_are_blanked_and_a_sentence_runs_on_over_them() -> None:
    # A rendering as `pdf_text` gives it: the record's name atop each page and its number at the foot.
    bodies = ["MS. PARK: On shore power, the committee heard that the work is on\nschedule. The rail link to the\n",
              "quay is next, and on schedule too.\n", "COUNCILLOR OKAFOR: Thank you. The ferries will\n",
              "run on shore power from May.\n", "MS. PARK: Good.\n"]
    rendering = "\f".join(f"Port Committee, verbatim record\n{body}Page {n} of 5\n" for n, body in enumerate(bodies, 1))
    transcript = parse_document("committee.pdf", rendering)
    assert len(transcript.text) == len(rendering)
    assert transcript.title == "Port Committee, verbatim record"  # the first page's head stays
    said = [(t.speaker, " ".join(transcript.text[t.start : t.end].split())) for t in transcript.turns[1:]]
    assert said == [
        ("MS. PARK", "On shore power, the committee heard that the work is on schedule. The rail link to the quay is "
                     "next, and on schedule too."),
        ("COUNCILLOR OKAFOR", "Thank you. The ferries will run on shore power from May."), ("MS. PARK", "Good."),
    ]
    assert "Page" not in transcript.text and transcript.text.count("Port Committee") == 1
    assert [s.source for s in transcript.segments if s.end > transcript.turns[2].start][:2] == ["page=3", "page=4"]


def test_the_first_pages_foot_is_blanked_though_its_head_opens_with_a_sentence() -> None:
    # Only the first page's head is kept for its title: a foot there is a foot like any other.
    pages = ["Verbatim record of the Port Committee.\nMS. PARK: The ferries will run\non shore power\n",
             "from May, and the cruise ships\nfrom June.\n", "COUNCILLOR OKAFOR: Good. The quay\nis next, and\n",
             "the rail link after it.\nMS. PARK: Agreed.\n"]
    rendering = "\f".join(f"{body}ACME COURT REPORTING (555) 010-0100\nPage {n} of 4\n"
                          for n, body in enumerate(pages, 1))
    transcript = parse_document("record.pdf", rendering)
    assert "ACME" not in transcript.text and "Page" not in transcript.text
    assert transcript.text.startswith("Verbatim record of the Port Committee.")
