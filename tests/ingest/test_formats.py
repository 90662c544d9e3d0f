"""Captions, speech-to-text JSON: real files written by the real tools (tests/ingest/samples, each with
its SOURCE.md), and small files written here for what those samples do not show."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from rag.chunking import TokenCounter, chunk_transcript
from rag.errors import CorpusError
from rag.ingest.captions import plain
from rag.ingest.readers import parse_document
from rag.ingest.timed import Metadata
from rag.settings import ChunkSettings
from rag.types import Speaker, Transcript

SAMPLES = Path(__file__).parent / "samples"


def parsed(relative: str, metadata: Metadata | None = None) -> tuple[Transcript, str]:
    path = SAMPLES / relative
    text = path.read_bytes().decode("utf-8")
    return parse_document(path.name, text, metadata), text


def resolve(source: str, file_text: str) -> str:
    """What a segment's source locator points at in the file: characters, a table's cell or record
    (RFC 7111, read here by the standard library's sniffer, not by our reader), or a JSON value."""
    if source.startswith("char="):
        start, end = (int(x) for x in source[5:].split(","))
        return " ".join(plain(file_text[start:end]).split())
    if source.startswith(("cell=", "row=")):
        row, _, column = source.partition("=")[2].partition(",")
        delimiter, records = table_records(file_text)
        cells = records[int(row) - 1]
        return " ".join((cells[int(column) - 1] if column else delimiter.join(cells)).split())
    value = json.loads(file_text)
    for key in source.split("/")[1:]:
        value = value[int(key)] if isinstance(value, list) else value[key.replace("~1", "/").replace("~0", "~")]
    return " ".join(str(value).split())


def table_records(file_text: str) -> tuple[str, list[list[str]]]:
    """A CSV or TSV file's delimiter and records, blank lines left out, as RFC 7111 counts them."""
    body = file_text.lstrip("\ufeff")
    dialect = csv.Sniffer().sniff(body.splitlines()[0], delimiters=",;\t")
    # RFC 4180's doubled quotes, else older whisper.cpp's `\"` where RFC 4180 cannot read the file.
    for escape in (None, "\\"):
        reader = csv.reader(io.StringIO(body, newline=""), delimiter=dialect.delimiter, escapechar=escape,
                            strict=True)
        try:
            return dialect.delimiter, [cells for cells in reader if any(c.strip() for c in cells)]
        except csv.Error:
            continue
    raise AssertionError("the table is not one the csv module reads")


def assert_segments_check_out(transcript: Transcript, file_text: str,
                              resolved: Callable[[str, str], str] = resolve) -> None:
    """Each segment's words are where its source points (as `resolved(source, file_text)` reads it); a
    timed segment lies inside one turn (a web page's paragraphs go through the plain-text parser,
    which may leave page clutter out of every turn)."""
    assert transcript.segments
    for segment in transcript.segments:
        words = transcript.text[segment.start : segment.end]
        if transcript.format != "html":
            turn = transcript.turn_at(segment.start)
            assert turn is not None and turn.end >= segment.end
        assert " ".join(words.split()) in resolved(segment.source, file_text), (segment, words)
        if segment.start_time is not None:
            assert segment.end_time is not None and segment.start_time <= segment.end_time


@pytest.mark.parametrize(
    ("relative", "speakers", "turns", "first", "last"),
    [
        ("teams-vtt/teams_timeframe.vtt", ["Yuri Bakulin", "Adrian Petrescu"], 2, (0.0, 0.57), (0.21, 1.13)),
        ("zoom-vtt/meeting003_transcript.trimmed.vtt",
         ["Andrew Knight", "Paul McCartney", "George Harrison", "Ringo Starr", "John Lennon"], 22, (4.859, 21.24),
         (3303.36, 3341.97)),
        ("youtube-auto-vtt/youtube_dl.vtt", [], 1, (286.07, 305.069), (286.07, 305.069)),
        ("srt-speakers/dosparlants.srt", ["SPEAKER_01", "SPEAKER_00"], 11, (0.0, 2.0), (32.0, 34.0)),
        ("whisper-json/jfk.json", [], 1, (0.0, 11.0), (0.0, 11.0)),
        ("whisper-json/gossos.whisper-ctranslate2.json", [], 1, (0.0, 32.0), (0.0, 32.0)),
        ("whisper-ctranslate2-diarized-json/dosparlants.json", ["SPEAKER_01", "SPEAKER_00"], 11, (0.0, 2.0),
         (32.0, 34.0)),
        ("assemblyai-json/assemblyai_utterances.json", ["A"], 1, (0.17, 25.14), (0.17, 25.14)),
        ("deepgram-json/dg_speakers.trimmed.json", ["Speaker 0", "Speaker 1"], 2, (3.04, 17.28), (17.66, 24.495)),
    ],
)
def test_real_files_give_their_speakers_turns_and_times(
    relative: str, speakers: list[str], turns: int, first: tuple[float, float], last: tuple[float, float]
) -> None:
    transcript, text = parsed(relative)
    assert [s.name for s in transcript.speakers] == speakers
    assert len(transcript.turns) == turns
    assert (transcript.turns[0].start_time, transcript.turns[0].end_time) == first
    assert (transcript.turns[-1].start_time, transcript.turns[-1].end_time) == last
    assert_segments_check_out(transcript, text)


def test_teams_voice_tags_are_speakers_and_rolling_youtube_lines_are_said_once() -> None:
    teams, _ = parsed("teams-vtt/teams_timeframe.vtt")
    assert teams.text == "Yuri Bakulin: There you go.\n\nAdrian Petrescu: Why hello there, Yuri.\n"
    youtube, _ = parsed("youtube-auto-vtt/youtube_dl.vtt")
    assert youtube.text == "yeah what this will happen is I'm telling\n"


def test_a_sidecar_names_the_diarized_speakers() -> None:
    names = {"SPEAKER_00": Speaker("Carme", "guest"), "SPEAKER_01": Speaker("Interviewer")}
    transcript, _ = parsed("srt-speakers/dosparlants.srt", Metadata(title="Interview", speakers=names,
                                                                     media_url="https://example.org/a.mp3"))
    assert [s.name for s in transcript.speakers] == ["Interviewer", "Carme"]
    assert transcript.turns[1].speaker == "Carme" and transcript.turns[1].role == "guest"
    assert (transcript.title, transcript.media_url) == ("Interview", "https://example.org/a.mp3")


ZOOM = """WEBVTT

1
00:00:01.000 --> 00:00:03.500
Jane Doe: Good morning, everyone.

2
00:00:03.600 --> 00:00:06.000
Jane Doe: Let us begin with the port figures.

3
00:00:06.200 --> 00:01:02.250
John Roe: Throughput rose by 12 percent.
"""

TEAMS_NEW = """WEBVTT

NOTE Title: Weekly sync
NOTE Date: 2024-05-02

STYLE
::cue { color: white }

REGION
id:bottom

9a1f2b3c-1d2e-4f5a-8b9c-0d1e2f3a4b5c/12-0
00:00:00.000 --> 00:00:02.480 line:90%
<v Jane Doe>We shipped the release.</v>

9a1f2b3c-1d2e-4f5a-8b9c-0d1e2f3a4b5c/13-0
00:00:02.480 --> 00:00:04.000
<v John Roe>Great news &amp; well done.</v>
"""

BROADCAST_SRT = """1
00:00:01,000 --> 00:00:04,000
>> SENATOR SMITH: The committee will
come to order.

2
00:00:04,100 --> 00:00:06,000
We have two witnesses today.

3
00:00:06,500 --> 00:00:08,000
>> Thank you, Mr. Chairman.
- Glad to be here.
"""

WHISPERX = {
    "segments": [
        {"start": 0.5, "end": 2.25, "text": " Welcome back.", "words": [
            {"word": "Welcome", "start": 0.5, "end": 1.0, "speaker": "SPEAKER_01"},
            {"word": "back.", "start": 1.1, "end": 2.25, "speaker": "SPEAKER_01"}]},
        {"start": 2.5, "end": 4.0, "text": " Thanks for having me.", "speaker": "SPEAKER_00", "words": []},
    ],
    "language": "en",
}

ASSEMBLYAI = {"utterances": [
    {"speaker": "A", "start": 250, "end": 4100, "text": "How many routes does the port have?", "words": []},
    {"speaker": "B", "start": 4300, "end": 9000, "text": "More than three hundred.", "words": []},
]}


@pytest.mark.parametrize(
    ("doc_id", "content", "text", "times"),
    [
        ("zoom.vtt", ZOOM,
         "Jane Doe: Good morning, everyone. Let us begin with the port figures.\n\nJohn Roe: Throughput rose by 12 percent.\n",
         [(1.0, 6.0), (6.2, 62.25)]),
        ("teams.vtt", TEAMS_NEW, "Jane Doe: We shipped the release.\n\nJohn Roe: Great news & well done.\n",
         [(0.0, 2.48), (2.48, 4.0)]),
        ("hearing.srt", BROADCAST_SRT,
         "SENATOR SMITH: The committee will come to order. We have two witnesses today.\n\nThank you, Mr. Chairman."
         "\n\nGlad to be here.\n", [(1.0, 6.0), (6.5, 8.0), (6.5, 8.0)]),
        ("whisperx.json", json.dumps(WHISPERX), "SPEAKER_01: Welcome back.\n\nSPEAKER_00: Thanks for having me.\n",
         [(0.5, 2.25), (2.5, 4.0)]),
        ("assemblyai.json", json.dumps(ASSEMBLYAI),
         "A: How many routes does the port have?\n\nB: More than three hundred.\n", [(0.25, 4.1), (4.3, 9.0)]),
    ],
)
def test_written_files_cover_what_the_samples_do_not(
    doc_id: str, content: str, text: str, times: list[tuple[float, float]]
) -> None:
    transcript = parse_document(doc_id, content)
    assert transcript.text == text
    assert [(t.start_time, t.end_time) for t in transcript.turns] == times
    assert_segments_check_out(transcript, content)
    for turn in transcript.turns:
        # A turn's span is its words only, never its speaker label.
        assert not re.match(r"\w[\w .]*: ", transcript.text[turn.start : turn.end])


def test_webvtt_note_metadata_is_read() -> None:
    transcript = parse_document("teams.vtt", TEAMS_NEW)
    assert (transcript.title, transcript.date) == ("Weekly sync", "2024-05-02")


@pytest.mark.parametrize(
    ("doc_id", "content", "message"),
    [
        ("a.vtt", "1\n00:00:01.000 --> 00:00:02.000\nhello\n", r"a\.vtt: line 1: a WebVTT file starts with WEBVTT"),
        ("b.vtt", "WEBVTT\n\n00:00:01.000 -> 00:00:02.000\nhello\n", r"b\.vtt: line 3: expected a cue timing"),
        ("c.srt", "1\n00:00:01,000 --> 00:00:02,000\nHi.\n\n2\n00:00:03.000 -> 00:00:04,000\nThere.\n",
         r"c\.srt: line 6: expected a cue timing like 00:00:01,000 --> 00:00:04,000, "
         r"got '00:00:03\.000 -> 00:00:04,000'"),
        ("d.srt", "1\n00:00:01,000 to 00:00:02,000\nhello\n",
         r"d\.srt: line 2: expected a cue timing like 00:00:01,000 --> 00:00:04,000"),
        ("e.json", '{"segments": [', r"e\.json: line 1, column 15: not valid JSON"),
        ("f.json", '{"words": 3}', r"f\.json: JSON of no known shape"),
        ("g.vtt", "WEBVTT\n\nNOTE nothing here\n", r"g\.vtt: no spoken text found in this webvtt file"),
    ],
)
def test_malformed_files_say_which_line_and_what_was_expected(doc_id: str, content: str, message: str) -> None:
    with pytest.raises(CorpusError, match=message):
        parse_document(doc_id, content)


PAGE = """<html><head><title>Press Briefing</title><meta name="date" content="2024-07-19">
<script>var tracking = "Zhu Bing: not a turn";</script></head>
<body><nav><a href="/">Home</a> | <a href="/news">News</a></nav>
<div class="share-box">Share on X</div>
<article><h1>Press briefing on ports</h1>
<p>Zhu Bing:</p><p>Throughput rose by 12 percent &amp; the port added 20 routes.</p>
<video src="https://media.example.org/briefing.mp4"></video>
</article><div id="comments">First! Great article</div><footer>Copyright 2024</footer></body></html>
"""


def test_a_web_page_gives_its_main_text_with_speakers_and_metadata() -> None:
    transcript = parse_document("briefing.html", PAGE)
    assert (transcript.title, transcript.date, transcript.media_url) == (
        "Press Briefing", "2024-07-19", "https://media.example.org/briefing.mp4")
    assert transcript.text == (
        "Press briefing on ports\n\nZhu Bing:\n\nThroughput rose by 12 percent & the port added 20 routes.\n")
    speech = [t for t in transcript.turns if t.speaker == "Zhu Bing"]
    assert [transcript.text[t.start : t.end] for t in speech] == [
        "Throughput rose by 12 percent & the port added 20 routes."]
    for skipped in ("Home", "Share on X", "First!", "Copyright", "tracking"):
        assert skipped not in transcript.text
    assert_segments_check_out(transcript, PAGE)


def test_a_real_government_page_keeps_its_preformatted_text() -> None:
    transcript, text = parsed("government-transcript-html/CREC-2005-07-20-pt1-PgS8583.htm")
    assert transcript.title == "Congressional Record, Volume 151 Issue 99 (Wednesday, July 20, 2005)"
    assert transcript.format == "html" and "Mr. BROWNBACK. Mr. President, I ask unanimous consent" in transcript.text
    assert "<pre>" not in transcript.text and "www.gpo.gov" in transcript.text
    assert_segments_check_out(transcript, text)


BRIEFING_Q = """Press Briefing by the Press Secretary

MS. JEAN-PIERRE: Good afternoon, everyone.

Q Thank you, Karine. Two questions on the ports.

MS. JEAN-PIERRE: Go ahead.

Q How many ships are waiting?

MS. JEAN-PIERRE: About forty.
And more tomorrow.
"""

DEPOSITION = """DEPOSITION OF JOHN ROE

Q. Where were you on the night of May 2?
A. At home, with my family.
Q. Did anyone visit?
A. No one.
"""

HEARING = """HEARING ON PORT SECURITY

Chairman SMITH. The committee will come to order.
Senator Jones. Thank you, Mr. Chairman. I have one question.
Chairman SMITH. Please go ahead.
Senator Jones. How many inspectors does the port have?
"""


@pytest.mark.parametrize(
    ("doc_id", "content", "turns"),
    [
        ("wh.txt", BRIEFING_Q, [
            ("speech", "MS. JEAN-PIERRE", "Good afternoon, everyone."),
            ("question", None, "Thank you, Karine. Two questions on the ports."),
            ("speech", "MS. JEAN-PIERRE", "Go ahead."),
            ("question", None, "How many ships are waiting?"),
            ("speech", "MS. JEAN-PIERRE", "About forty.\nAnd more tomorrow.")]),
        ("dep.txt", DEPOSITION, [
            ("question", None, "Where were you on the night of May 2?"), ("speech", "A", "At home, with my family."),
            ("question", None, "Did anyone visit?"), ("speech", "A", "No one.")]),
        ("hearing.txt", HEARING, [
            ("speech", "Chairman SMITH", "The committee will come to order."),
            ("speech", "Senator Jones", "Thank you, Mr. Chairman. I have one question."),
            ("speech", "Chairman SMITH", "Please go ahead."),
            ("speech", "Senator Jones", "How many inspectors does the port have?")]),
    ],
)
def test_text_conventions_of_briefings_depositions_and_hearings(doc_id: str, content: str, turns: list) -> None:
    transcript = parse_document(doc_id, content)
    body = [(t.kind.value, t.speaker, content[t.start : t.end]) for t in transcript.turns if t.kind.value != "header"]
    assert body == turns


def test_a_real_floor_debate_gives_each_senator_their_turns() -> None:
    transcript, text = parsed("plaintext-transcripts/CREC-1997-01-28-pt1-PgS697.lines6-8_10-105.txt")
    speakers = [t.speaker for t in transcript.turns if t.speaker]
    # `The PRESIDING OFFICER (Mr. Kyl).` takes the floor between the senators.
    assert speakers[:5] == ["Mr. GORTON", "The PRESIDING OFFICER", "Mr. BOND", "The PRESIDING OFFICER", "Mr. BOND"]
    assert set(speakers) == {"Mr. GORTON", "Mr. BOND", "The PRESIDING OFFICER", "Mr. MURKOWSKI", "Mr. HELMS"}
    for turn in transcript.turns:
        assert not text[turn.start : turn.end].startswith(("Mr. GORTON.", "Mr. BOND.", "The PRESIDING"))


def test_sentences_of_a_hard_wrapped_record_run_across_its_line_ends(tokenizer: TokenCounter) -> None:
    transcript, text = parsed("plaintext-transcripts/CREC-1997-01-28-pt1-PgS697.lines6-8_10-105.txt")
    sentences = [text[s.start : s.end] for p in chunk_transcript(transcript, tokenizer, ChunkSettings()) for s in p.sentences]
    assert "Mr. President, this is to express my deep concern over a\ndecision President Clinton made last year " \
           "concerning the Anti-Terrorism\nand Effective Death Penalty Act of 1996, but it has only recently come\n" \
           "to light." in sentences
    # A bill's number after `S.` does not end the sentence.
    assert any(s.startswith("(The remarks of Mr. Bond pertaining to the introduction of S. 208 are\nlocated") for s in sentences)
    # Wrapped lines join, paragraphs do not: no sentence runs on past a full stop at a line's end.
    assert not any(re.search(r"[.?!]\n\s*[A-Z]", s) for s in sentences)


DEPOSITION = """\
                                                  Page 14
 1             UNITED STATES DISTRICT COURT
 2             DISTRICT OF COLUMBIA
 3
 4          Q.   Where were you on the evening of March 3rd, 2019?
 5          A.   I was at home with my family the whole evening,
 6     from about six o'clock until the next morning.
 7          Q.   Did anyone else see you there?
 8          A.   My neighbour, Mr. Alvarez, came over to return a
 9     ladder he had borrowed from us in the spring.
10               MS. GRANT:  Objection. Form.
11               THE WITNESS:  He stayed for maybe twenty minutes,
12     and then he went back home to watch the game.
13          Q.   What time did he leave?
14          A.   Around eight.
15               SENATOR MURPHY:  I would like the record to show
16     that the witness answered without hesitation and that
17     counsel's objection was noted for the file.
18
19
20
21
22
23
24
25
                                                  Page 15
 1          Q.   Thank you. Nothing further.
"""


def test_a_line_numbered_transcript_reads_without_its_numbers(tokenizer: TokenCounter) -> None:
    transcript = parse_document("deposition.txt", DEPOSITION)
    turns = [(t.kind.value, t.speaker) for t in transcript.turns if t.kind.value != "header"]
    assert turns == [
        # The answers (`A.`) are the witness's, whom the colloquy labels `THE WITNESS:`.
        ("narration", None), ("question", None), ("speech", "THE WITNESS"), ("question", None),
        ("speech", "THE WITNESS"), ("speech", "MS. GRANT"), ("speech", "THE WITNESS"), ("question", None),
        ("speech", "THE WITNESS"),
        ("speech", "SENATOR MURPHY"), ("question", None),
    ]
    # The page furniture is not read, so the last answer is not glued to `Page 15`.
    assert "Page" not in transcript.text and not re.search(r"^\s*\d", transcript.text, re.MULTILINE)
    sentences = [transcript.text[s.start : s.end]
                 for p in chunk_transcript(transcript, tokenizer, ChunkSettings()) for s in p.sentences]
    assert "He stayed for maybe twenty minutes,\n     and then he went back home to watch the game." in sentences
    # Each line maps back to its characters in the file, without the number.
    for segment in transcript.segments:
        start, end = (int(x) for x in segment.source[5:].split(","))
        assert DEPOSITION[start:end] == transcript.text[segment.start : segment.end]
        assert not DEPOSITION[start].isdigit()
    murphy = next(t for t in transcript.turns if t.speaker == "SENATOR MURPHY")
    sources, _, _ = transcript.locate(murphy.start, murphy.end)
    said = " ".join(" ".join(DEPOSITION[int(a) : int(b)].split()) for a, b in (s[5:].split(",") for s in sources))
    assert said == "SENATOR MURPHY: I would like the record to show that the witness answered without hesitation " \
                   "and that counsel's objection was noted for the file."


@pytest.mark.parametrize(
    "content",
    [
        "1 apple\n2 pears\nWe bought fruit.\n",  # a short list
        "\n".join(f"{n} percent of {n * 3} cases were closed in the year" for n in (5, 12, 40, 7, 33, 18, 2, 90, 61, 4, 23))
        + "\n",  # numbers out of sequence: figures, not line numbers
    ],
)
def test_numbers_at_line_starts_that_are_not_line_numbers_stay(content: str) -> None:
    transcript = parse_document("notes.txt", content)
    assert transcript.text == content and not transcript.segments


def test_a_block_left_open_at_the_end_of_a_page_points_at_its_own_characters() -> None:
    page = "<p>One block.</p>\n<p>Zhu Bing: the last words, never closed"
    transcript = parse_document("open.html", page)
    assert [resolve(s.source, page) for s in transcript.segments] == [
        "One block.", "Zhu Bing: the last words, never closed"]
    assert_segments_check_out(transcript, page)


@pytest.mark.parametrize(
    ("doc_id", "body"),
    [
        ("a.srt", "1\n00:00:01,000 --> 00:00:02,000\nHello there.\n\n2\n00:00:02,500 --> 00:00:04,000\nBob: Hi.\n"),
        ("a.sbv", "0:00:01.000,0:00:02.000\nHello there.\n\n0:00:02.500,0:00:04.000\nBob: Hi.\n"),
        ("a.vtt", "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHello there.\n"),
        ("a.txt", "1\n00:00:01,000 --> 00:00:02,000\nHello there.\n"),
        ("a.txt", "[00:00:01] Bob: Hello there.\n[00:00:05] Ann: Hi Bob, how are you?\n"),
        ("a.html", "<html><body><p>Alice Wong: Hello there.</p><p>Bob Lee: Hi.</p></body></html>"),
        ("a.ass", "[Events]\nDialogue: 0,0:00:01.00,0:00:02.00,Default,Bob,0,0,0,,Hello there.\n"),
    ],
)
def test_a_byte_order_mark_does_not_shift_the_sources(doc_id: str, body: str) -> None:
    """Windows editors open UTF-8 files with a byte-order mark; it is a character of the file, so
    every `char=a,b` counts it and still slices out the words."""
    text = "\ufeff" + body
    transcript = parse_document(doc_id, text)
    assert "\ufeff" not in transcript.text
    assert_segments_check_out(transcript, text)
    for segment in transcript.segments:
        start, end = (int(x) for x in segment.source.removeprefix("char=").split(","))
        assert text[start] != "\ufeff" and text[start:end].strip() == text[start:end]


def test_angle_brackets_that_are_no_tags_stay_words() -> None:
    """SubRip has no escaping and Whisper writes `<` and `>` as said: only tag-shaped markup goes."""
    srt = ("1\n00:00:01,000 --> 00:00:03,000\nIf x < 5 and y > 3 then stop.\n\n"
           "2\n00:00:03,000 --> 00:00:05,000\nUse a <- b in R, and a -> b <i>rarely</i>, when n<m.\n\n"
           '3\n00:00:05,000 --> 00:00:07,000\n<font color="#ffff00">Yellow</font> <b>bold</b> <u>under</u>.\n')
    transcript = parse_document("maths.srt", srt)
    assert transcript.text == ("If x < 5 and y > 3 then stop. Use a <- b in R, and a -> b rarely, when n<m. "
                               "Yellow bold under.\n")
    assert_segments_check_out(transcript, srt)
    vtt = ("WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n"
           "<c.yellow>Sing</c> <00:00:02.000><lang en>along</lang> <02.500><v.loud Ann>now</v> if 2 > 1\n")
    transcript = parse_document("karaoke.vtt", vtt)
    assert transcript.text == "Ann: Sing along now if 2 > 1\n"
    assert_segments_check_out(transcript, vtt)


CRCRLF_SRT = "1\r\r\n00:00:01,000 --> 00:00:03,000\r\r\nJANE: First line\r\r\nsecond line.\r\r\n\r\r\n" \
             "2\r\r\n00:00:03,000 --> 00:00:05,000\r\r\nJOHN: Reply.\r\r\n\r\r\n" \
             "3\r\r\n00:00:05,000 --> 00:00:07,000\r\r\nJANE: 1984\r\r\n"


def test_subrip_with_cr_cr_lf_line_ends_keeps_the_cue_numbers_out_of_the_words() -> None:
    # A Windows program writing "\r\n" in text mode leaves "\r\r\n": a blank line after every line.
    transcript = parse_document("windows.srt", CRCRLF_SRT)
    assert [(t.speaker, transcript.text[t.start : t.end]) for t in transcript.turns] == [
        ("JANE", "First line second line."), ("JOHN", "Reply."), ("JANE", "1984")]
    assert_segments_check_out(transcript, CRCRLF_SRT)
    # A number said alone, a blank line, then a cue without a number: words, not a cue number.
    numberless = "00:00:01,000 --> 00:00:02,000\nWhat year?\n\n00:00:02,000 --> 00:00:03,000\n1984\n\n" \
                 "00:00:03,000 --> 00:00:04,000\nThat one.\n"
    assert parse_document("years.srt", numberless).text == "What year? 1984 That one.\n"


def test_a_negative_time_from_a_shifted_subrip_file_is_read_as_zero() -> None:
    srt = ("1\n00:00:01,000 --> 00:00:03,000\nFirst line.\n\n2\n-00:00:01,000 --> 00:00:02,000\n"
           "Shifted before the start.\n\n3\n00:00:04,000 --> 00:00:05,000\nThird line.\n")
    transcript = parse_document("shifted.srt", srt)
    assert transcript.text == "First line. Shifted before the start. Third line.\n"
    assert [(s.start_time, s.end_time) for s in transcript.segments] == [(1.0, 3.0), (0.0, 2.0), (4.0, 5.0)]
    assert_segments_check_out(transcript, srt)


@pytest.mark.parametrize(
    ("doc_id", "content"),
    [
        ("typo.srt", "1\n00:00:01,000 --> 00:00:02,000\nHello.\n\n2\n00:00:05,000 --> 00:00:04,900\nA typo.\n"),
        ("typo.sbv", "0:00:01.000,0:00:02.000\nHello.\n\n0:00:05.000,0:00:04.900\nA typo.\n"),
        ("typo.vtt", "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHello.\n\n00:00:05.000 --> 00:00:04.900\nA typo.\n"),
        ("typo.ass", "[Events]\nDialogue: 0,0:00:01.00,0:00:02.00,Default,,0,0,0,,Hello.\n"
                     "Dialogue: 0,0:00:05.00,0:00:04.90,Default,,0,0,0,,A typo.\n"),
    ],
)
def test_a_cue_that_ends_before_it_starts_lasts_no_time(doc_id: str, content: str) -> None:
    # One slip in a two-hour file does not set the whole file aside.
    transcript = parse_document(doc_id, content)
    assert transcript.text == "Hello. A typo.\n"
    assert [(s.start_time, s.end_time) for s in transcript.segments] == [(1.0, 2.0), (5.0, 5.0)]
    assert_segments_check_out(transcript, content)


@pytest.mark.parametrize(
    "content",
    [
        "WEBVTT\n00:00:01.000 --> 00:00:03.000\nWelcome to the hearing.\n\n"
        "00:00:03.500 --> 00:00:06.000\nFirst item.\n",
        "WEBVTT - budget\nKind: captions\n00:00:01.000 --> 00:00:03.000\nWelcome to the hearing.\n\n"
        "00:00:03.500 --> 00:00:06.000\nFirst item.\n",
    ],
)
def test_a_webvtt_header_without_a_blank_line_after_it_keeps_the_first_cue(content: str) -> None:
    transcript = parse_document("hearing.vtt", content)
    assert transcript.text == "Welcome to the hearing. First item.\n"
    assert transcript.segments[0].start_time == 1.0
    assert_segments_check_out(transcript, content)


def test_a_webvtt_cue_identifier_right_after_the_last_cue_words_is_no_words() -> None:
    content = ("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHello there.\ncue-2\n"
               "00:00:02.000 --> 00:00:03.000\nGeneral Kenobi.\n")
    transcript = parse_document("scene.vtt", content)
    assert transcript.text == "Hello there. General Kenobi.\n"
    assert_segments_check_out(transcript, content)
    # Without identifiers in the file, a cue's last line of words above the next timing stays words.
    plain_lines = "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHello there.\nGeneral Kenobi.\n" \
                  "00:00:02.000 --> 00:00:03.000\nYou are a bold one.\n"
    assert parse_document("scene.vtt", plain_lines).text == "Hello there. General Kenobi. You are a bold one.\n"


@pytest.mark.parametrize(("name", "separator"), [(n, s) for n in ("talk.vtt", "talk.srt")
                                                 for s in ("\u2028", "\x1e", "\x0c", "\x85")])
def test_captions_break_lines_at_cr_and_lf_only(name: str, separator: str) -> None:
    # Python's splitlines also breaks at these; WebVTT and SubRip do not, and a tag cut there
    # left `<v Adrian` and `</c` among the words, where no check of the file finds them.
    header = "WEBVTT\n\n" if name.endswith(".vtt") else "1\n"
    timing = "00:00:01.000 --> 00:00:04.000" if name.endswith(".vtt") else "00:00:01,000 --> 00:00:04,000"
    content = (f"{header}{timing}\n<v Adrian{separator}Petrescu>Why hello<c.yellow>there</c{separator}>, Yuri.</v>\n"
               f"And good{separator}morning.\n")
    transcript = parse_document(name, content)
    assert "<" not in transcript.text and ">" not in transcript.text
    assert " ".join(transcript.text.split()) == "Adrian Petrescu: Why hellothere, Yuri. And good morning."
    assert [s.name for s in transcript.speakers] == ["Adrian Petrescu"]
    assert_segments_check_out(transcript, content)


@pytest.mark.parametrize(("name", "newline"), [(n, nl) for n in ("talk.vtt", "talk.srt") for nl in ("\n", "\r\n")])
def test_a_tag_cut_by_a_line_break_is_one_tag(name: str, newline: str) -> None:
    # WebVTT reads a line break inside a tag as a space in it. Read line by line, `<v Adrian` and
    # `Petrescu>` were words, and the voice was lost; a `<br/>` inside a tag alike.
    header = f"WEBVTT{newline}{newline}" if name.endswith(".vtt") else f"1{newline}"
    timing = "00:00:01.000 --> 00:00:04.000" if name.endswith(".vtt") else "00:00:01,000 --> 00:00:04,000"
    cue = [timing, "<v Adrian", "Petrescu>Why hello <c.col", "orE5>there</c>, Yuri.</v>", "<v Yuri<br/> Bakulin>Hi."]
    content = header + newline.join(cue) + newline
    transcript = parse_document(name, content)
    assert "<" not in transcript.text and ">" not in transcript.text
    assert " ".join(transcript.text.split()) == "Adrian Petrescu: Why hello there, Yuri. Yuri Bakulin: Hi."
    assert [s.name for s in transcript.speakers] == ["Adrian Petrescu", "Yuri Bakulin"]
    assert_segments_check_out(transcript, content)


def test_a_ttml_paragraph_with_a_begin_and_no_end_ends_as_ttml_implies() -> None:
    # The div's end where it has one; else the next paragraph's begin; else its own begin.
    content = ('<tt xmlns="http://www.w3.org/ns/ttml"><body>'
               '<div begin="10s" end="20s"><p begin="1s">Inside a timed div.</p></div>'
               '<div><p begin="30s">Runs to the next.</p><p begin="32s" end="33s">Closed.</p>'
               '<p begin="40s">The last one.</p></div></body></tt>')
    transcript = parse_document("open.ttml", content)
    assert [(s.start_time, s.end_time) for s in transcript.segments] == [
        (11.0, 20.0), (30.0, 32.0), (32.0, 33.0), (40.0, 40.0)]
    assert_segments_check_out(transcript, content)
