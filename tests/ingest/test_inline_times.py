"""Sparse stamps in plain text (`\\[03:57\\]` opening some paragraphs, as podcast sites mark their
transcripts): the words from one stamp to the next are timed by it, and extracts leave it out."""

from __future__ import annotations

from rag.chunking.sentences import sentence_spans
from rag.ingest.readers import parse_document
from tests.ingest.test_formats import assert_segments_check_out

# As The Changelog's Markdown transcripts are written: bold labels, a stamp every few minutes.
PODCAST = (
    "**Tim Smith:** Jeremy hosts several podcasts. This February he started a new show.\n\n"
    "**Jeremy Fuksa:** The last couple of years were difficult for me.\n\n"
    "**Tim Smith:** Why go on your own?\n\n"
    "**Jeremy Fuksa:** \\[03:57\\] I just needed to know whether I could.\n\n"
    "I had seen so many people do it.\n\n"
    "**Tim Smith:** Do we compare ourselves too much?\n\n"
    "**Jeremy Fuksa:** Constantly, yes.\n\n"
    "\\[07:49\\] That idea of impostor syndrome comes into it a lot.\n"
)


def test_each_stamp_times_the_words_up_to_the_next() -> None:
    transcript = parse_document("episode.md", PODCAST)
    assert_segments_check_out(transcript, PODCAST)
    timed = [(t.speaker, *transcript.locate(t.start, t.end)[1:]) for t in transcript.turns]
    assert timed == [("Tim Smith", None, None), ("Jeremy Fuksa", None, None), ("Tim Smith", None, None),
                     ("Jeremy Fuksa", 237.0, 469.0), ("Tim Smith", 237.0, 469.0), ("Jeremy Fuksa", 237.0, 469.0)]
    last = transcript.turns[-1]
    sources, start, end = transcript.locate(PODCAST.index("That idea"), last.end)
    assert (start, end) == (469.0, 469.0) and len(sources) == 1


def test_an_extract_quotes_the_words_after_a_stamp_not_the_stamp() -> None:
    transcript = parse_document("episode.md", PODCAST)
    turn = transcript.turns[3]
    first = sentence_spans(transcript.text, turn.start, turn.end)[0]
    assert transcript.text[first[0] : first[1]] == "I just needed to know whether I could."


def test_times_of_day_in_sentences_and_stamps_out_of_order_are_not_times() -> None:
    minutes = ("Chair: We met at [10:30] and again at [14:00] to review the budget.\n\n"
               "Clerk: The next meeting is at [09:00].\n")
    agenda = "[10:30] Opening remarks.\n\n[09:00] Coffee.\n\n[08:15] Registration.\n"
    for name, text in (("minutes.txt", minutes), ("agenda.txt", agenda)):
        assert not parse_document(name, text).segments


# As f4transkript and f5 write an interview: each paragraph closes with the time it ends.
INTERVIEW = (
    "Interview introduction and small talk #00:00:58-8#\n\n"
    "I: How did the project start? #00:01:01-9#\n\n"
    "B: With a review tool. We check every change. #00:03:55-3#\n\n"
    "I: And the guidelines? #00:04:04-2#\n\n"
    "B: They are written down.\n"
)


def test_stamps_closing_paragraphs_time_the_words_since_the_stamp_before_and_are_not_quoted() -> None:
    transcript = parse_document("interview.txt", INTERVIEW)
    assert_segments_check_out(transcript, INTERVIEW)
    timed = [(t.speaker, *transcript.locate(t.start, t.end)[1:]) for t in transcript.turns]
    assert timed == [(None, 0.0, 58.8), ("I", 58.8, 61.9), ("B", 61.9, 235.3), ("I", 235.3, 244.2), ("B", None, None)]
    assert all("#" not in transcript.text[s.start : s.end] for s in transcript.segments)
    answer = transcript.turns[2]
    sentences = [transcript.text[a:b] for a, b in sentence_spans(transcript.text, answer.start, answer.end)]
    assert sentences == ["With a review tool.", "We check every change."]
