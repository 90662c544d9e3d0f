"""RTF documents: a court reporter's transcript or a TextEdit file saved as .rtf is read as its
text's lines, and every segment points at the line that holds its words."""

from __future__ import annotations

import pytest

from rag.errors import CorpusError
from rag.ingest.corpus import source_document
from rag.types import TurnKind
from tests.ingest.test_docx import assert_segments_point_at_their_paragraphs, read

# As stenography software exports a deposition: a header on every page, numbered lines, Q. and A.,
# escaped characters (an en dash, a curly apostrophe), a footnote.
DEPOSITION = (
    r"{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0\fmodern Courier New;}}{\colortbl;\red0\green0\blue0;}"
    r"{\info{\title Deposition of Dana Reyes}{\author Reporter}}"
    r"{\header\pard\plain\f0 Reyes v. Port Authority \endash  Page 12\par}"
    "\n"
    r"\pard\plain\f0\fs24 1\tab Q.  Where were you on the night of June 4th?\par"
    "\n"
    r"2\tab A.  At the marina, checking the moorings.\par"
    "\n"
    r"3\tab Q.  Who else was there?\par"
    "\n"
    r"4\tab A.  Nobody. The caf\'e9 had closed \endash  it shuts at ten.{\footnote\pard Sic.\par}\par"
    "\n"
    r"5\tab Q.  And you didn\u8217?t see the van?\par"
    "\n"
    r"6\tab A.  No.\par"
    "\n"
    r"7\tab Q.  What time did you leave?\par"
    "\n"
    r"8\tab A.  Around eleven.\par"
    "\n"
    r"9\tab Q.  Did you lock the gate?\par"
    "\n"
    r"10\tab A.  Yes, I did.\par"
    "\n"
    r"11\tab Q.  Thank you.\par"
    "\n}"
)

# What TextEdit saves: Cocoa's header, each paragraph ended by a backslash before the newline.
TEXTEDIT = (
    "{\\rtf1\\ansi\\ansicpg1252\\cocoartf2709\n\\cocoatextscaling0\\cocoaplatform0{\\fonttbl\\f0\\fswiss"
    "\\fcharset0 Helvetica;}\n{\\colortbl;\\red255\\green255\\blue255;}\n\\paperw11900\\paperh16840\\vieww11520\n"
    "\\pard\\tx566\\pardirnatural\\partightenfactor0\n\n\\f0\\fs24 \\cf0 Podcast notes\\\n\\\n"
    "HOST: Welcome back to the show.\\\nToday, the harbour.\\\n\\\nGUEST: Glad to be here.}"
)


def test_a_court_reporters_rtf_is_read_by_its_numbered_lines_without_header_or_footnote() -> None:
    transcript, lines = read("reyes.rtf", DEPOSITION.encode("ascii"))
    assert transcript.format == "rtf"
    asked = [transcript.text[t.start : t.end] for t in transcript.turns if t.kind is TurnKind.QUESTION]
    answered = [transcript.text[t.start : t.end] for t in transcript.turns if t.speaker == "A"]
    assert asked == ["Where were you on the night of June 4th?", "Who else was there?", "And you didn’t see the van?",
                     "What time did you leave?", "Did you lock the gate?", "Thank you."]
    assert answered == ["At the marina, checking the moorings.", "Nobody. The café had closed – it shuts at ten.", "No.",
                        "Around eleven.", "Yes, I did."]
    assert "Page 12" not in transcript.text and "Sic." not in transcript.text and "Courier" not in transcript.text
    assert_segments_point_at_their_paragraphs(transcript, lines, "line")


def test_a_textedit_rtf_is_read_paragraph_by_paragraph() -> None:
    transcript, lines = read("notes.rtf", TEXTEDIT.encode("ascii"))
    assert [(t.speaker, transcript.text[t.start : t.end]) for t in transcript.turns if t.speaker] == [
        ("HOST", "Welcome back to the show.\nToday, the harbour."), ("GUEST", "Glad to be here.")]
    assert_segments_point_at_their_paragraphs(transcript, lines, "line")


@pytest.mark.parametrize(
    ("data", "text"),
    [  # Escapes in the code page the file names; raw bytes as UTF-8, else in that code page.
        (rb"{\rtf1\ansi\ansicpg1251 \'c4\'ee\'e1\'f0\'fb\'e9 \'e4\'e5\'ed\'fc.\par}", "Добрый день."),
        ("{\\rtf1\\ansi Grüße aus Köln.\\par}".encode(), "Grüße aus Köln."),
        ("{\\rtf1\\ansi\\ansicpg1252 Grüße aus Köln.\\par}".encode("cp1252"), "Grüße aus Köln."),
    ],
)
def test_characters_are_read_in_the_files_code_page(data: bytes, text: str) -> None:
    transcript, _ = read("greeting.rtf", data)
    assert transcript.text.strip() == text


def test_a_file_that_is_not_rtf_says_so() -> None:
    with pytest.raises(CorpusError, match=r"x\.rtf: not an RTF document \(it should open with \{\\rtf\)"):
        source_document("x.rtf", b"MS. ALVAREZ: plain text named .rtf\n", None)
