"""What transcription and meeting tools export besides captions: timestamped text (Otter, Rev,
Descript, Zoom, Teams, a copied YouTube transcript), captions saved as `.txt`, Markdown
transcripts, and the speech-to-text JSON of Amazon, Google, Speechmatics, Rev.ai, Azure,
whisper.cpp and ElevenLabs. Small files written here after each tool's documented shape."""

from __future__ import annotations

import json

import msgspec

import pytest

from rag.errors import CorpusError
from rag.ingest.readers import parse_document
from rag.types import Transcript
from tests.ingest.test_formats import assert_segments_check_out

OTTER = """Weekly sync - March 3, 2025

John Smith  0:00
Okay, so let's get started. The first item is the budget
for the new warehouse.

Jane Doe  0:12
We came in at 2.4 million, which is under the estimate.

Sam Ortiz  0:58
Quick question from facilities: who signs off?

John Smith  1:05
I do. And the timeline?

Jane Doe  1:09
Construction starts in May and should finish by November.
"""
REV = """Speaker 1 (00:00):
Welcome to the show. Today we talk about coral reefs.

Speaker 2 (00:05):
Reefs cover less than one percent of the ocean floor.

Speaker 1 (01:15):
And yet they hold a quarter of marine species?
"""
DESCRIPT = """[00:00:00] Alice: Thanks for joining the quarterly review.
[00:00:07] Bob: Sales rose eight percent over the quarter.
[00:00:15] Alice: What drove that growth?
[00:00:18] Bob: Mostly the new subscription plan in Europe.
"""
SONIX = """Alice Wong: [00:00:00] Thanks for joining the quarterly review.

Bob Lee: [00:00:07] Sales rose eight percent over the quarter.

Alice Wong: [00:00:15] What drove that growth?
"""
ZOOM_TEXT = """[Alice Wong] 00:02:15
Let's review the incident from Tuesday.

[Bob Lee] 00:02:31
The database failover took eleven minutes because the replica was lagging.

[Alice Wong] 00:03:02
What is the fix?
"""
TEAMS_TEXT = """Meeting Transcript
0:0:0.0 --> 0:0:5.120
Alice Wong
Good morning, the launch date moved to June.

0:0:5.120 --> 0:0:9.800
Bob Lee
Why did it move?

0:0:9.800 --> 0:0:15.0
Alice Wong
The certification lab needs three more weeks.
"""
YOUTUBE_TEXT = """0:00
welcome back to the channel today we're
0:03
looking at how solar panels are recycled
0:07
most panels last about twenty five years
"""

# A Podcasting 2.0 HTML transcript read as text: each speaker and time on a line of their own
# ("Alban :", as French typography writes a label).
PODCAST_TEXT = """Kevin: 0:00

We plan to let you upload artwork for each video.

Alban : 0:09

That is the feature everyone asked for.

Kevin: 0:15

It was on the list for a while.
"""

# A Markdown export: bold names (or headings) with their times above the words.
MARKDOWN_EXPORT = """**Alice Wong** (00:00:00)

Thanks for joining the quarterly review.

**Bob Lee** (00:00:07)

Sales rose eight percent over the quarter.

### Alice Wong (00:00:15)

What drove that growth?
"""


@pytest.mark.parametrize(
    ("doc_id", "content", "speakers", "turns", "first_words", "times"),
    [
        ("otter.txt", OTTER, ["John Smith", "Jane Doe", "Sam Ortiz"], 6,
         "Okay, so let's get started. The first item is the budget for the new warehouse.", [0, 12, 58, 65, 69]),
        ("rev.txt", REV, ["Speaker 1", "Speaker 2"], 3, "Welcome to the show. Today we talk about coral reefs.",
         [0, 5, 75]),
        ("descript.txt", DESCRIPT, ["Alice", "Bob"], 4, "Thanks for joining the quarterly review.", [0, 7, 15, 18]),
        ("sonix.txt", SONIX, ["Alice Wong", "Bob Lee"], 3, "Thanks for joining the quarterly review.", [0, 7, 15]),
        ("zoom.txt", ZOOM_TEXT, ["Alice Wong", "Bob Lee"], 3, "Let's review the incident from Tuesday.",
         [135, 151, 182]),
        ("teams.md", TEAMS_TEXT, ["Alice Wong", "Bob Lee"], 4, "Good morning, the launch date moved to June.",
         [0, 5.12, 9.8]),
        ("youtube.txt", YOUTUBE_TEXT, [], 1, "welcome back to the channel today we're looking at how solar panels "
         "are recycled most panels last about twenty five years", [0]),
        ("podcast.txt", PODCAST_TEXT, ["Kevin", "Alban"], 3, "We plan to let you upload artwork for each video.",
         [0, 9, 15]),
        ("descript.md", MARKDOWN_EXPORT, ["Alice Wong", "Bob Lee"], 3, "Thanks for joining the quarterly review.",
         [0, 7, 15]),
    ],
)
def test_timestamped_text_gives_speakers_and_times(
    doc_id: str, content: str, speakers: list[str], turns: int, first_words: str, times: list[float]
) -> None:
    transcript = parse_document(doc_id, content)
    assert [s.name for s in transcript.speakers] == speakers
    spoken = [t for t in transcript.turns if t.start_time is not None]
    assert len(transcript.turns) == turns
    assert transcript.text[spoken[0].start : spoken[0].end] == first_words
    assert [t.start_time for t in spoken] == times
    assert_segments_check_out(transcript, content)
    # No stamp is anyone's words.
    assert not any(stamp in transcript.text for stamp in ("0:12", "(00:05)", "[00:00:07]", "00:02:31", "-->"))
    # Nor is the markup around a stamp line.
    assert "**" not in transcript.text and "###" not in transcript.text


def test_a_stamp_runs_until_the_next_and_lines_above_the_first_give_title_and_date() -> None:
    transcript = parse_document("otter.txt", OTTER)
    assert (transcript.title, transcript.date) == ("Weekly sync - March 3, 2025", "2025-03-03")
    assert transcript.turns[0].speaker is None and "Weekly sync" in transcript.text  # kept, as narration
    jane = transcript.turns[2]
    assert (jane.speaker, jane.start_time, jane.end_time) == ("Jane Doe", 12, 58)
    assert transcript.turns[-1].end_time == 69  # the last stamp has nothing after it


def test_a_name_heard_once_in_a_file_that_heads_paragraphs_with_names_is_a_speaker() -> None:
    speakers = {t.speaker for t in parse_document("otter.txt", OTTER).turns}
    assert "Sam Ortiz" in speakers


@pytest.mark.parametrize(
    "content",
    [
        # An agenda inside a labelled briefing: the labels are the structure, not the times.
        "Press briefing on the harbour project\n\nAgenda\n10:30 Opening remarks\n10:45 Questions\n\n"
        "Zhu Bing: The harbour will open in 2026.\n\nZhu Bing: It will cost about 4 billion yuan.\n",
        # Capitalised words and a time on a line are no speaker's heading unless the file heads
        # its paragraphs so, some name coming back.
        "Match report\n\nHalf Time 45:00\n\nThe home side led from the start.\n\nFull Time 90:00\n\nA fair result.\n",
    ],
)
def test_times_in_ordinary_text_leave_it_ordinary_text(content: str) -> None:
    transcript = parse_document("notes.txt", content)
    assert transcript.segments == [] and transcript.text == content


def test_captions_saved_as_text_are_read_as_captions() -> None:
    vtt = parse_document("call.txt", "WEBVTT\n\n00:01.000 --> 00:03.000\n<v Alice>The bridge opens in July.\n\n"
                                     "00:03.000 --> 00:06.000\n<v Bob>Is the toll decided?\n")
    srt = parse_document("call.txt", "1\n00:00:01,000 --> 00:00:04,000\n[Alice] The bridge opens in July.\n\n"
                                     "2\n00:00:04,500 --> 00:00:07,000\n[Bob] Is the toll decided?\n")
    for transcript, kind, times in ((vtt, "webvtt", [1.0, 3.0]), (srt, "srt", [1.0, 4.5])):
        assert transcript.format == kind
        assert [(t.speaker, t.start_time) for t in transcript.turns] == list(zip(["Alice", "Bob"], times))


@pytest.mark.parametrize(
    ("content", "speakers", "first_turn"),
    [
        ("# Podcast episode 12: City budgets\n\n**Host:** Welcome back.\n\n**Maria Lopez:** The budget grew by 4 "
         "percent.\n\n**Host:** Where did the money go?\n", ["Host", "Maria Lopez"], "Welcome back."),
        ("# Interview\n\n**Host**: Welcome back.\n\n**Maria Lopez**: The budget grew.\n\n**Host**: Why?\n",
         ["Host", "Maria Lopez"], "Welcome back."),
        ("## Notes\n\n> **Interviewer:** How long have you lived here?\n>\n> **Resident:** Since 1998.\n\n"
         "- **Interviewer**: What changed?\n- **Resident**: The rents doubled.\n", ["Interviewer", "Resident"],
         "How long have you lived here?"),
        (">> ANDERSON COOPER: Good evening.\n>> REPORTER: Winds reached 140 miles per hour.\n"
         ">> ANDERSON COOPER: How many people left?\n", ["ANDERSON COOPER", "REPORTER"], "Good evening."),
    ],
)
def test_markdown_and_caption_marks_around_labels_are_not_speech(content: str, speakers: list[str],
                                                                  first_turn: str) -> None:
    transcript = parse_document("episode.md", content)
    assert [s.name for s in transcript.speakers] == speakers
    spoken = [t for t in transcript.turns if t.speaker]
    assert transcript.text[spoken[0].start : spoken[0].end] == first_turn
    assert not any("*" in transcript.text[t.start : t.end] for t in spoken)


GOOGLE_MEET = """Team sync - Transcript
00:00:00
Alice Wong: Okay, let's start with the budget.
Bob Lee: We are under by ten percent.
00:05:00
Bob Lee: Next, hiring. We filled two roles.
Alice Wong: Which roles?
"""


def test_labels_under_a_stamp_that_names_nobody_give_each_line_its_speaker() -> None:
    transcript = parse_document("meet.txt", GOOGLE_MEET)
    assert [(t.speaker, t.start_time, transcript.text[t.start : t.end]) for t in transcript.turns[1:]] == [
        ("Alice Wong", 0, "Okay, let's start with the budget."),
        # One turn across the stamp: the same speaker goes on.
        ("Bob Lee", 0, "We are under by ten percent. Next, hiring. We filled two roles."),
        ("Alice Wong", 300, "Which roles?")]
    assert transcript.turns[2].end_time == 300
    assert_segments_check_out(transcript, GOOGLE_MEET)


@pytest.mark.parametrize(
    ("content", "turns"),
    [
        ("Alice Wong\nGood morning, the launch moved to June.\n\nBob Lee\nWhy did it move?\n\n"
         "Alice Wong\nThe lab needs three more weeks.\n",
         [("Alice Wong", "Good morning, the launch moved to June."), ("Bob Lee", "Why did it move?"),
          ("Alice Wong", "The lab needs three more weeks.")]),
        ("INTERVIEW WITH THE MAYOR\n\nMAYOR CHEN\nThe bridge opens in July.\n\nREPORTER\nWill there be a toll?"
         "\n\nMAYOR CHEN\nNo toll for the first year.\n",
         [(None, "INTERVIEW WITH THE MAYOR"), ("MAYOR CHEN", "The bridge opens in July."),
          ("REPORTER", "Will there be a toll?"), ("MAYOR CHEN", "No toll for the first year.")]),
        # Headings that do not come back are sections, not speakers.
        ("Opening Remarks\nThe port grew this year.\n\nClosing Remarks\nThank you all.\n",
         [(None, "Opening Remarks"), (None, "The port grew this year.\n\nClosing Remarks\nThank you all.")]),
        # A word said alone again and again between labelled turns is no heading.
        ("Chair:\n\nYeah\n\nLet us move on.\n\nMember:\n\nGood.\n\nChair:\n\nYeah\n\nNext item.\n\n"
         "Member:\n\nAgreed.\n",
         [("Chair", "Yeah\n\nLet us move on."), ("Member", "Good."), ("Chair", "Yeah\n\nNext item."),
          ("Member", "Agreed.")]),
    ],
)
def test_a_name_alone_above_each_paragraph_is_its_speaker(content: str, turns: list) -> None:
    transcript = parse_document("interview.txt", content)
    assert [(t.speaker, content[t.start : t.end]) for t in transcript.turns] == turns


def test_a_web_page_with_each_speaker_in_a_block_above_the_words_keeps_its_speakers() -> None:
    page = """<html><head><title>Podcast 12</title></head><body>
<div class="turn"><div class="speaker">Alice Wong</div><p>Good morning, the launch moved to June.</p></div>
<div class="turn"><div class="speaker">Bob Lee</div><p>Why did it move?</p></div>
<div class="turn"><div class="speaker">Alice Wong</div><p>The lab needs three more weeks.</p></div>
</body></html>"""
    transcript = parse_document("podcast.html", page)
    assert [(t.speaker, transcript.text[t.start : t.end]) for t in transcript.turns] == [
        ("Alice Wong", "Good morning, the launch moved to June."), ("Bob Lee", "Why did it move?"),
        ("Alice Wong", "The lab needs three more weeks.")]
    assert_segments_check_out(transcript, page)


@pytest.mark.parametrize(
    "body",
    [
        "<p>Speaker 1 (00:00):<br>Welcome to the show.</p>\n<p>Speaker 2 (00:05):<br>Reefs are shrinking.</p>\n"
        "<p>Speaker 1 (01:15):<br>How fast?</p>",
        "<p>[00:00:00] Speaker 1: Welcome to the show.</p><p>[00:00:05] Speaker 2: Reefs are shrinking.</p>"
        "<p>[00:01:15] Speaker 1: How fast?</p>",
    ],
)
def test_a_timestamped_transcript_on_a_web_page_is_timed(body: str) -> None:
    page = f"<html><head><title>Coral reefs</title></head><body><h1>Coral reefs episode</h1>{body}</body></html>"
    transcript = parse_document("reefs.html", page)
    assert transcript.format == "html" and transcript.title == "Coral reefs"
    assert [(t.speaker, t.start_time, transcript.text[t.start : t.end]) for t in transcript.turns[1:]] == [
        ("Speaker 1", 0, "Welcome to the show."), ("Speaker 2", 5, "Reefs are shrinking."), ("Speaker 1", 75, "How fast?")]
    assert_segments_check_out(transcript, page)


def test_a_podcasting_2_transcript_page_gives_each_cited_speaker_their_words_and_time() -> None:
    """The Podcasting 2.0 HTML transcript: `<cite>` names the speaker, `<time>` gives the start,
    `<p>` holds the words; a page of only these, as podcast hosts publish it."""
    page = ("<cite>Kevin:</cite>\n<time>0:00</time>\n<p>We plan to let you upload artwork for each video.</p>\n"
            "<cite>Alban :</cite>\n<time>0:09</time>\n<p>That is the feature everyone asked for.</p>\n"
            "<cite>Kevin:</cite>\n<time>1:05</time>\n<p>It was on the list for a while.</p>\n")
    transcript = parse_document("episode.html", page)
    assert [(t.speaker, t.start_time, transcript.text[t.start : t.end]) for t in transcript.turns] == [
        ("Kevin", 0, "We plan to let you upload artwork for each video."),
        ("Alban", 9, "That is the feature everyone asked for."), ("Kevin", 65, "It was on the list for a while.")]
    assert "0:09" not in transcript.text
    assert_segments_check_out(transcript, page)


def test_a_web_page_dated_only_in_its_title_gets_that_date() -> None:
    page = """<html><head><title>Council meeting, 4 March 2024</title></head><body><article>
<p><b>MAYOR LIND:</b> The library reopens in May.</p><p><strong>Councillor Ames:</strong> What hours?</p>
<p><b>MAYOR LIND:</b> Nine to nine.</p></article></body></html>"""
    transcript = parse_document("council.html", page)
    assert (transcript.date, transcript.date_text) == ("2024-03-04", "4 March 2024")
    assert [t.speaker for t in transcript.turns] == ["MAYOR LIND", "Councillor Ames", "MAYOR LIND"]


def test_a_markdown_heading_titles_the_document_without_its_marks() -> None:
    transcript = parse_document("episode.md", "# Podcast episode 12: City budgets\n\n**Host:** Welcome.\n\n"
                                              "**Guest:** Thanks.\n")
    assert transcript.title == "Podcast episode 12: City budgets"


def _words(*items: tuple[str, float, float, str]) -> list[dict]:
    return [{"content": w, "start": s, "end": e, "speaker": who} for w, s, e, who in items]


AWS = {"jobName": "j", "results": {
    "transcripts": [{"transcript": "The dam holds water. When?"}],
    "items": [
        {"type": "pronunciation", "start_time": "0.04", "end_time": "0.2", "speaker_label": "spk_0",
         "alternatives": [{"confidence": "0.99", "content": "The"}]},
        {"type": "pronunciation", "start_time": "0.2", "end_time": "0.5", "speaker_label": "spk_0",
         "alternatives": [{"confidence": "0.99", "content": "dam"}]},
        {"type": "pronunciation", "start_time": "0.5", "end_time": "0.8", "speaker_label": "spk_0",
         "alternatives": [{"confidence": "0.99", "content": "holds"}]},
        {"type": "pronunciation", "start_time": "0.8", "end_time": "1.2", "speaker_label": "spk_0",
         "alternatives": [{"confidence": "0.99", "content": "water"}]},
        {"type": "punctuation", "alternatives": [{"confidence": "0.0", "content": "."}]},
        {"type": "pronunciation", "start_time": "3.0", "end_time": "3.4", "speaker_label": "spk_1",
         "alternatives": [{"confidence": "0.99", "content": "When"}]},
        {"type": "punctuation", "alternatives": [{"confidence": "0.0", "content": "?"}]},
    ]}}
AWS_OLDER = {"results": {
    "transcripts": [{"transcript": "The dam holds water. When?"}],
    "speaker_labels": {"speakers": 2, "segments": [
        {"start_time": "0.04", "end_time": "1.2", "speaker_label": "spk_0",
         "items": [{"start_time": s, "speaker_label": "spk_0"} for s in ("0.04", "0.2", "0.5", "0.8")]},
        {"start_time": "3.0", "end_time": "3.4", "speaker_label": "spk_1",
         "items": [{"start_time": "3.0", "end_time": "3.4", "speaker_label": "spk_1"}]}]},
    "items": [{k: v for k, v in item.items() if k != "speaker_label"} for item in AWS["results"]["items"]]}}
AWS_SEGMENTS = {"results": {"transcripts": [{"transcript": "The dam holds water. When?"}], "items": [],
                            "audio_segments": [
                                {"id": 0, "transcript": "The dam holds water.", "start_time": "0.04", "end_time": "1.2",
                                 "speaker_label": "spk_0", "items": [0, 1, 2, 3, 4]},
                                {"id": 1, "transcript": "When?", "start_time": "3.0", "end_time": "3.4",
                                 "speaker_label": "spk_1", "items": [5, 6]}]}}
SPEECHMATICS = {"format": "2.9", "results": [
    {"type": "word", "start_time": 0.04, "end_time": 0.3, "alternatives": [{"content": "The", "speaker": "S1"}]},
    {"type": "word", "start_time": 0.3, "end_time": 0.6, "alternatives": [{"content": "dam", "speaker": "S1"}]},
    {"type": "word", "start_time": 0.6, "end_time": 0.9, "alternatives": [{"content": "holds", "speaker": "S1"}]},
    {"type": "word", "start_time": 0.9, "end_time": 1.2, "alternatives": [{"content": "water", "speaker": "S1"}]},
    {"type": "punctuation", "start_time": 1.2, "end_time": 1.2, "attaches_to": "previous", "is_eos": True,
     "alternatives": [{"content": ".", "speaker": "S1"}]},
    {"type": "word", "start_time": 3.0, "end_time": 3.4, "alternatives": [{"content": "When", "speaker": "S2"}]},
    {"type": "punctuation", "start_time": 3.4, "end_time": 3.4, "attaches_to": "previous", "is_eos": True,
     "alternatives": [{"content": "?", "speaker": "S2"}]}]}
REV_AI = {"monologues": [
    {"speaker": 0, "elements": [
        {"type": "text", "value": "The", "ts": 0.04, "end_ts": 0.2}, {"type": "punct", "value": " "},
        {"type": "text", "value": "dam", "ts": 0.2, "end_ts": 0.5}, {"type": "punct", "value": " "},
        {"type": "text", "value": "holds", "ts": 0.5, "end_ts": 0.8}, {"type": "punct", "value": " "},
        {"type": "text", "value": "water", "ts": 0.8, "end_ts": 1.2}, {"type": "punct", "value": "."}]},
    {"speaker": 1, "speaker_name": "Mayor Chen", "elements": [
        {"type": "text", "value": "When", "ts": 3.0, "end_ts": 3.4}, {"type": "punct", "value": "?"}]}]}
GOOGLE = {"results": [
    {"alternatives": [{"transcript": "the dam holds water", "confidence": 0.9, "words": [
        {"startTime": "0.040s", "endTime": "0.200s", "word": "the"}, {"startTime": "0.800s", "endTime": "1.200s",
                                                                      "word": "water"}]}], "resultEndTime": "1.300s"},
    {"alternatives": [{"transcript": " when", "confidence": 0.9}], "resultEndTime": "3.400s"}]}
AZURE = {"source": "https://example.org/a.wav", "durationInTicks": 34000000, "recognizedPhrases": [
    {"recognitionStatus": "Success", "channel": 0, "speaker": 1, "offsetInTicks": 400000.0,
     "durationInTicks": 11600000.0, "nBest": [{"confidence": 0.9, "lexical": "the dam holds water",
                                              "display": "The dam holds water."}]},
    {"recognitionStatus": "Success", "channel": 0, "speaker": 2, "offsetInTicks": 30000000.0,
     "durationInTicks": 4000000.0, "nBest": [{"confidence": 0.9, "lexical": "when", "display": "When?"}]}]}
WHISPER_CPP = {"systeminfo": "AVX = 1", "result": {"language": "en"}, "transcription": [
    {"timestamps": {"from": "00:00:00,040", "to": "00:00:01,200"}, "offsets": {"from": 40, "to": 1200},
     "text": " The dam holds water."},
    {"timestamps": {"from": "00:00:03,000", "to": "00:00:03,400"}, "offsets": {"from": 3000, "to": 3400},
     "text": " When?"}]}
ELEVENLABS = {"language_code": "eng", "text": "The dam holds water. When?", "words": [
    {"text": "The", "start": 0.04, "end": 0.2, "type": "word", "speaker_id": "speaker_0"},
    {"text": " ", "start": 0.2, "end": 0.2, "type": "spacing", "speaker_id": "speaker_0"},
    {"text": "dam", "start": 0.2, "end": 0.5, "type": "word", "speaker_id": "speaker_0"},
    {"text": " ", "start": 0.5, "end": 0.5, "type": "spacing", "speaker_id": "speaker_0"},
    {"text": "holds", "start": 0.5, "end": 0.8, "type": "word", "speaker_id": "speaker_0"},
    {"text": " ", "start": 0.8, "end": 0.8, "type": "spacing", "speaker_id": "speaker_0"},
    {"text": "water.", "start": 0.8, "end": 1.2, "type": "word", "speaker_id": "speaker_0"},
    {"text": "When?", "start": 3.0, "end": 3.4, "type": "word", "speaker_id": "speaker_1"}]}


@pytest.mark.parametrize(
    ("data", "speakers", "turns"),
    [
        (AWS, ["spk_0", "spk_1"], [("The dam holds water.", 0.04, 1.2), ("When?", 3.0, 3.4)]),
        (AWS_OLDER, ["spk_0", "spk_1"], [("The dam holds water.", 0.04, 1.2), ("When?", 3.0, 3.4)]),
        (AWS_SEGMENTS, ["spk_0", "spk_1"], [("The dam holds water.", 0.04, 1.2), ("When?", 3.0, 3.4)]),
        (SPEECHMATICS, ["S1", "S2"], [("The dam holds water.", 0.04, 1.2), ("When?", 3.0, 3.4)]),
        (REV_AI, ["Speaker 0", "Mayor Chen"], [("The dam holds water.", 0.04, 1.2), ("When?", 3.0, 3.4)]),
        (GOOGLE, [], [("the dam holds water when", 0.04, 3.4)]),
        (AZURE, ["Speaker 1", "Speaker 2"], [("The dam holds water.", 0.04, 1.2), ("When?", 3.0, 3.4)]),
        (WHISPER_CPP, [], [("The dam holds water. When?", 0.04, 3.4)]),
        (ELEVENLABS, ["speaker_0", "speaker_1"], [("The dam holds water.", 0.04, 1.2), ("When?", 3.0, 3.4)]),
        ({"text": " The dam holds water. When?"}, [], [("The dam holds water. When?", None, None)]),
        ({"id": "t1", "status": "completed", "audio_duration": 4, "utterances": None, "words": [
            {"text": "The", "start": 40, "end": 200, "speaker": None}, {"text": "dam", "start": 200, "end": 500},
            {"text": "holds", "start": 500, "end": 800}, {"text": "water.", "start": 800, "end": 1200},
            {"text": "When?", "start": 3000, "end": 3400}]}, [], [("The dam holds water. When?", 0.04, 3.4)]),
        ([{"speaker": "Alice", "start": "00:00:00.040", "end": "00:00:01,200", "text": "The dam holds water."},
          {"speaker": "Bob", "start": "0:03", "end": "0:03.4", "text": "When?"}],
         ["Alice", "Bob"], [("The dam holds water.", 0.04, 1.2), ("When?", 3.0, 3.4)]),
        ({"version": "1.0.0", "segments": [
            {"speaker": "Alice", "startTime": 0.04, "endTime": 0.5, "body": "The dam"},
            {"speaker": "Alice", "startTime": 0.5, "endTime": 1.2, "body": "holds water."},
            {"speaker": "Bob", "startTime": 3, "endTime": 3.4, "body": "When?"}]},
         ["Alice", "Bob"], [("The dam holds water.", 0.04, 1.2), ("When?", 3.0, 3.4)]),
        ({"wireMagic": "pb3", "events": [
            {"tStartMs": 0, "dDurationMs": 5000, "id": 1},
            {"tStartMs": 40, "dDurationMs": 1160, "segs": [{"utf8": "the"}, {"utf8": " dam", "tOffsetMs": 160},
                                                           {"utf8": " holds", "tOffsetMs": 460},
                                                           {"utf8": " water", "tOffsetMs": 760}]},
            {"tStartMs": 1190, "dDurationMs": 10, "aAppend": 1, "segs": [{"utf8": "\n"}]},
            {"tStartMs": 3000, "dDurationMs": 400, "segs": [{"utf8": "when"}]}]},
         [], [("the dam holds water when", 0.04, 3.4)]),
    ],
    ids=["aws", "aws-older", "aws-segments", "speechmatics", "rev-ai", "google", "azure", "whisper-cpp",
         "elevenlabs", "text-only", "assemblyai-words-ms", "clock-times", "podcasting-2.0", "youtube-json3"],
)
def test_speech_to_text_json_of_each_service(data: dict | list, speakers: list[str],
                                             turns: list[tuple[str, float | None, float | None]]) -> None:
    content = json.dumps(data, indent=1)
    transcript: Transcript = parse_document("call.json", content)
    assert [s.name for s in transcript.speakers] == speakers
    assert [(transcript.text[t.start : t.end], t.start_time, t.end_time) for t in transcript.turns] == turns
    assert_segments_check_out(transcript, content)


SLOPPY_SRT = (
    "1\r\n00:00:01,000 --> 00:00:04,000\r\n{\\an8}<i>ALICE: The bridge opens in July.</i>\r\n\r\n"
    "2\r\n00:00:04,500 --> 00:00:07,000 X1:100 X2:200 Y1:10 Y2:20\r\nBOB: Is the toll decided?\r\n\r\n\r\n"
    "No, not yet.\r\n"
    "3\r\n00:00:08.000 --> 00:00:09.500\r\nALICE: Not yet.\r\n"
)


def test_a_sloppy_subrip_file_is_read_whole() -> None:
    """A stray blank line inside a cue, a cue with no blank line before it, a dot for the comma,
    positioning codes and coordinates: what subtitle editors leave behind."""
    transcript = parse_document("sloppy.srt", SLOPPY_SRT)
    assert [(t.speaker, t.start_time, t.end_time, transcript.text[t.start : t.end]) for t in transcript.turns] == [
        ("ALICE", 1.0, 4.0, "The bridge opens in July."), ("BOB", 4.5, 7.0, "Is the toll decided? No, not yet."),
        ("ALICE", 8.0, 9.5, "Not yet.")]
    assert_segments_check_out(transcript, SLOPPY_SRT)


def test_webvtt_text_after_a_stray_blank_line_joins_the_cue_before_it() -> None:
    content = ("WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n<v Alice>The bridge opens in July.\n\n\nStill Alice here.\n\n"
               "00:00:04.500 --> 00:00:07.000 align:start\n<v Bob>Is the toll decided?\n")
    transcript = parse_document("call.vtt", content)
    assert [(t.speaker, t.start_time, transcript.text[t.start : t.end]) for t in transcript.turns] == [
        ("Alice", 1.0, "The bridge opens in July. Still Alice here."), ("Bob", 4.5, "Is the toll decided?")]
    assert_segments_check_out(transcript, content)


TTML = """<?xml version="1.0" encoding="UTF-8"?>
<tt xmlns="http://www.w3.org/ns/ttml" xmlns:ttm="http://www.w3.org/ns/ttml#metadata"
    xmlns:tts="http://www.w3.org/ns/ttml#styling" xmlns:ttp="http://www.w3.org/ns/ttml#parameter"
    ttp:frameRate="25" xml:lang="en">
  <head>
    <metadata>
      <ttm:title>Harbour briefing</ttm:title>
      <ttm:agent xml:id="alice" type="person"><ttm:name type="full">Alice Wong</ttm:name></ttm:agent>
      <ttm:agent xml:id="bob" type="person"><ttm:name type="full">Bob Lee</ttm:name></ttm:agent>
    </metadata>
    <styling><style xml:id="s1" tts:color="white"/></styling>
  </head>
  <body>
    <div begin="00:00:10.000">
      <p begin="00:00:01.000" end="00:00:04.000" ttm:agent="alice">The ferry terminal reopens<br/>on 2 June &amp; gets
        four berths.</p>
      <p begin="4.5s" dur="2.5s" ttm:agent="bob"><span tts:color="yellow">How many</span> berths?</p>
      <p begin="00:00:08:12" end="10s">HARBOUR MASTER: Four new ones.</p>
    </div>
  </body>
</tt>
"""
DFXP = """<?xml version="1.0" encoding="utf-8"?>
<tt xml:lang="en" xmlns="http://www.w3.org/2006/10/ttaf1" xmlns:ttp="http://www.w3.org/2006/10/ttaf1#parameter"
    ttp:tickRate="10000000">
  <body><div>
    <p begin="10000000t" end="40000000t">[Alice] The ferry terminal reopens on 2 June.</p>
    <p begin="45000000t" end="70000000t">[Bob] How many berths?</p>
    <p begin="75000000t" end="90000000t">Four, I think.</p>
  </div></body>
</tt>
"""


@pytest.mark.parametrize(
    ("doc_id", "content", "title", "turns"),
    [
        ("briefing.ttml", TTML, "Harbour briefing", [
            ("Alice Wong", 11.0, 14.0, "The ferry terminal reopens on 2 June & gets four berths."),
            ("Bob Lee", 14.5, 17.0, "How many berths?"), ("HARBOUR MASTER", 18.48, 20.0, "Four new ones.")]),
        ("briefing.dfxp", DFXP, None, [
            ("Alice", 1.0, 4.0, "The ferry terminal reopens on 2 June."),
            ("Bob", 4.5, 9.0, "How many berths? Four, I think.")]),
    ],
)
def test_ttml_and_dfxp_captions(doc_id: str, content: str, title: str | None, turns: list) -> None:
    transcript = parse_document(doc_id, content)
    assert transcript.format == "ttml" and transcript.title == title
    assert [(t.speaker, t.start_time, t.end_time, transcript.text[t.start : t.end]) for t in transcript.turns] == turns
    assert_segments_check_out(transcript, content)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("<html><body><p>Not captions.</p></body></html>", r"notes\.ttml: not TTML: no <tt> element"),
        ('<tt xmlns="http://www.w3.org/ns/ttml"><body><div>\n<p begin="soon">Hi.</p></div></body></tt>',
         r"notes\.ttml: line 2: 'soon' is not a TTML time"),
        ('<tt xmlns="http://www.w3.org/ns/ttml"><body></body></tt>', r"notes\.ttml: no spoken text found"),
    ],
)
def test_a_file_that_is_not_ttml_says_so(content: str, message: str) -> None:
    with pytest.raises(CorpusError, match=message):
        parse_document("notes.ttml", content)


def test_subviewer_captions_from_youtube() -> None:
    content = ("0:00:01.000,0:00:04.000\n>> ALICE: The bridge opens in July.\n\n"
               "0:00:04.500,0:00:07.000\n>> BOB: Is the toll decided?\nNot yet.\n")
    transcript = parse_document("captions.sbv", content)
    assert transcript.format == "sbv"
    assert [(t.speaker, t.start_time, t.end_time, transcript.text[t.start : t.end]) for t in transcript.turns] == [
        ("ALICE", 1.0, 4.0, "The bridge opens in July."), ("BOB", 4.5, 7.0, "Is the toll decided? Not yet.")]
    assert_segments_check_out(transcript, content)
    with pytest.raises(CorpusError, match=r"x\.sbv: line 1: expected a cue timing like 0:00:01\.000,0:00:04\.000"):
        parse_document("x.sbv", "0:00:01.000 --> 0:00:04.000\nHello.\n")


@pytest.mark.parametrize(
    ("begin", "end", "extra", "times"),
    [
        ("19.764", "3:58.640", "", (19.764, 238.64)),  # Apple Music: bare seconds, m:ss.fff
        ("00:00:01,500", "00:00:02,000", "", (1.5, 2.0)),  # a comma before the milliseconds
        ("360f", "720f", ' ttp:frameRate="24" ttp:frameRateMultiplier="1000 1001"', (15.015, 30.03)),
    ],
)
def test_ttml_times_as_real_files_write_them(begin: str, end: str, extra: str, times: tuple[float, float]) -> None:
    content = (f'<?xml version="1.0"?><tt xmlns="http://www.w3.org/ns/ttml" '
               f'xmlns:ttp="http://www.w3.org/ns/ttml#parameter"{extra}><body><div>'
               f'<p begin="{begin}" end="{end}">A line of the song.</p></div></body></tt>')
    transcript = parse_document("lyrics.xml", content)
    assert transcript.format == "ttml"
    assert (transcript.turns[0].start_time, transcript.turns[0].end_time) == times


def test_unstamped_paragraphs_that_name_their_speaker_under_named_stamps_are_that_speakers() -> None:
    # A podcast page stamping only the host's paragraphs: the guest's answers were the host's words.
    text = ("# Episode 5\n\n[00:00] Host: Welcome to the show.\n\nGuest: Thanks for having me.\n\n"
            "[03:57] Host: So what's new?\n\nGuest: A lot.\n\nNote: we will be back.\n\n[10:12] Host: Goodbye.\n")
    transcript = parse_document("episode.md", text)
    assert [(t.speaker, t.start_time, transcript.text[t.start : t.end]) for t in transcript.turns[1:]] == [
        ("Host", 0, "Welcome to the show."), ("Guest", 0, "Thanks for having me."), ("Host", 237, "So what's new?"),
        # A one-off `Note:` is no speaker: it stays the words of whoever spoke.
        ("Guest", 237, "A lot. Note: we will be back."), ("Host", 612, "Goodbye.")]
    assert_segments_check_out(transcript, text)


def test_a_full_width_colon_after_a_stamped_label_is_no_part_of_the_words() -> None:
    text = ("**Lex Fridman (00:00:00)**： 对我们来说很难。 Hello and welcome.\n\n"
            "**Demis Hassabis (00:00:12)**：是的。 Thanks for having me.\n\n**Lex Fridman (00:00:20)**： Let's start.\n")
    transcript = parse_document("podcast.md", text)
    assert [(t.speaker, t.start_time, transcript.text[t.start : t.end]) for t in transcript.turns] == [
        ("Lex Fridman", 0, "对我们来说很难。 Hello and welcome."), ("Demis Hassabis", 12, "是的。 Thanks for having me."),
        ("Lex Fridman", 20, "Let's start.")]
    assert_segments_check_out(transcript, text)


def test_an_export_reads_its_entities_as_the_page_showed_them_and_leaves_out_the_services_signature() -> None:
    text = (OTTER.replace("let's get started", "let&#39;s get started").replace("under the estimate",
                                                                              "under the estimate &amp; on time")
            + "\nTranscribed by https://otter.ai\n")
    transcript = parse_document("sync.txt", text)
    said = [transcript.text[t.start : t.end] for t in transcript.turns]
    assert said[1].startswith("Okay, so let's get started.")
    assert said[2] == "We came in at 2.4 million, which is under the estimate & on time."
    assert said[-1] == "Construction starts in May and should finish by November."
    assert "otter.ai" not in transcript.text
    assert_segments_check_out(transcript, text)


def test_json_nested_past_the_readers_depth_is_set_aside_saying_so() -> None:
    with pytest.raises(CorpusError, match=r"^deep\.json: JSON nested too deeply to read"):
        parse_document("deep.json", '{"segments": ' + "[" * 100_000 + "]" * 100_000 + "}")


@pytest.mark.parametrize("doc_id", ["half.json", "half.jsonl"])
def test_half_an_emoji_in_json_is_a_replacement_character_and_the_transcript_can_be_stored(doc_id: str) -> None:
    # `"\ud83d"` alone decodes to a string UTF-8 cannot hold: writing the index failed on it.
    text = '{"segments": [{"start": 0, "end": 1, "text": "Hi \\ud83d there \\ud83d\\ude00", "speaker": "A\\udc00"}]}'
    if doc_id.endswith(".jsonl"):
        text = '{"start": 0, "end": 1, "text": "Hi \\ud83d there \\ud83d\\ude00", "speaker": "A\\udc00"}\n'
    transcript = parse_document(doc_id, text)
    assert transcript.text == "A\ufffd: Hi \ufffd there \U0001f600\n"
    assert msgspec.json.decode(msgspec.json.encode(transcript), type=Transcript) == transcript


def test_an_unknown_speaker_in_an_otter_export_is_nobody_named_and_a_turn_of_its_own() -> None:
    text = ("Weekly sync\n\nJohn Smith  0:00\nOkay, let's start.\n\nUnknown Speaker  0:12\nCan you hear me?\n\n"
            "Unknown Speaker  0:15\nYes, loud and clear.\n\nJohn Smith  0:20\nGood.\n")
    transcript = parse_document("sync.txt", text)
    assert [(t.speaker, transcript.text[t.start : t.end]) for t in transcript.turns[1:]] == [
        ("John Smith", "Okay, let's start."), (None, "Can you hear me?"), (None, "Yes, loud and clear."),
        ("John Smith", "Good.")]
    assert [s.name for s in transcript.speakers] == ["John Smith"]
    assert_segments_check_out(transcript, text)
