"""Speech-to-text JSON as tools in the wild write it (AssemblyAI's sentences endpoint, Google's
diarization, Hugging Face's chunks, Vosk, Speechmatics v1, Trint, Kaldi, Deepgram's live messages,
JSON Lines), each written here in the shape the tool writes, cut down."""

from __future__ import annotations

import json

import pytest

from rag.ingest.readers import parse_document
from rag.ingest.stt_json import SpeechJsonReader
from rag.ingest.timed import Metadata
from tests.ingest.test_formats import assert_segments_check_out


def turns_of(name: str, data: object) -> list[tuple[str | None, float | None, float | None, str]]:
    """Each turn's speaker, times and words, the file's citations checked on the way."""
    text = json.dumps(data, indent=1, ensure_ascii=False)
    transcript = parse_document(name, text)
    assert_segments_check_out(transcript, text)
    return [(t.speaker, t.start_time, t.end_time, transcript.text[t.start : t.end]) for t in transcript.turns]


ASSEMBLY_SENTENCES = [
    {"text": "Darkness falls.", "start": 3612, "end": 4947, "confidence": 0.96, "speaker": "A",
     "words": [{"text": "Darkness", "start": 3612, "end": 4257, "confidence": 0.96, "speaker": "A"},
               {"text": "falls.", "start": 4347, "end": 4947, "confidence": 0.97, "speaker": "A"}]},
    {"text": "Across the land.", "start": 5100, "end": 6800, "confidence": 0.9, "speaker": "B",
     "words": [{"text": "Across", "start": 5100, "end": 5500, "confidence": 0.9, "speaker": "B"}]},
]


@pytest.mark.parametrize("data", [ASSEMBLY_SENTENCES, {"sentences": ASSEMBLY_SENTENCES, "id": "x"},
                                  {"paragraphs": ASSEMBLY_SENTENCES, "id": "x"}])
def test_assemblyai_sentences_and_paragraphs_are_milliseconds_each_its_own_piece(data: object) -> None:
    assert turns_of("sentences.json", data) == [("A", 3.612, 4.947, "Darkness falls."),
                                                ("B", 5.1, 6.8, "Across the land.")]


def test_a_list_of_segments_in_seconds_stays_in_seconds_even_with_whole_numbers() -> None:
    data = [{"start": 0, "end": 4, "text": "Hello there, how are you today?"}, {"start": 4, "end": 30, "text": "Hm."}]
    assert turns_of("list.json", data) == [(None, 0.0, 30.0, "Hello there, how are you today? Hm.")]


def google_word(word: str, start: float, end: float, tag: int | None = None) -> dict:
    said = {"startTime": f"{start}s", "endTime": f"{end}s", "word": word}
    return said if tag is None else {**said, "speakerTag": tag}


GOOGLE_DIARIZED = {"results": [
    {"alternatives": [{"transcript": "There was a day.", "words": [
        google_word("There", 12.9, 13.3), google_word("was", 13.3, 13.5), google_word("a", 13.5, 13.5),
        google_word("day.", 13.5, 13.7)]}], "languageCode": "en-us"},
    {"alternatives": [{"transcript": "Thank you.", "words": [
        google_word("Thank", 705.4, 705.9), google_word("you.", 705.9, 706.0)]}], "languageCode": "en-us"},
    {"alternatives": [{"transcript": "Thank you.", "words": [
        google_word("There", 12.9, 13.3, 2), google_word("was", 13.3, 13.5, 2), google_word("a", 13.5, 13.5, 2),
        google_word("day.", 13.5, 13.7, 2), google_word("Thank", 705.4, 705.9, 1),
        google_word("you.", 705.9, 706.0, 1)]}], "languageCode": "en-us"},
]}


def test_google_diarization_gives_each_speakers_words_once_at_their_times() -> None:
    assert turns_of("google.json", GOOGLE_DIARIZED) == [("Speaker 2", 12.9, 13.7, "There was a day."),
                                                        ("Speaker 1", 705.4, 706.0, "Thank you.")]


def test_speakers_named_by_speaker_name_or_speaker_id_or_beside_the_words() -> None:
    named = {"segments": [{"speaker_id": "S0", "speaker_name": "Ana", "text": "Hi.", "start": 1.0, "end": 1.5},
                          {"speaker_id": "S1", "text": "Hello.", "start": 2.0, "end": 2.5}]}
    assert turns_of("named.json", named) == [("Ana", 1.0, 1.5, "Hi."), ("S1", 2.0, 2.5, "Hello.")]
    unknown = [{"speaker": "Unknown", "text": "Hi.", "start": 1.0, "end": 1.5},
               {"speaker": "?", "text": "Hello.", "start": 2.0, "end": 2.5}]
    assert turns_of("unknown.json", unknown) == [(None, 1.0, 2.5, "Hi. Hello.")]
    paper_edit = {"words": [{"id": 0, "start": 13.02, "end": 13.17, "text": "There"},
                            {"id": 1, "start": 13.17, "end": 13.38, "text": "is"},
                            {"id": 2, "start": 55.22, "end": 55.5, "text": "Yes"}],
                  "paragraphs": [{"id": 0, "start": 13.02, "end": 23.82, "speaker": "F_S12"},
                                 {"id": 3, "start": 55.22, "end": 63.73, "speaker": "F_S10"}]}
    assert turns_of("paper.json", paper_edit) == [("F_S12", 13.02, 13.38, "There is"), ("F_S10", 55.22, 55.5, "Yes")]


@pytest.mark.parametrize(
    ("name", "data", "turns"),
    [
        ("chunks.json", {"text": " So in college, I was", "chunks": [
            {"timestamp": [0.0, 4.48], "text": " So in college,"}, {"timestamp": [4.48, None], "text": " I was"}]},
         [(None, 0.0, 4.48, "So in college, I was")]),
        ("vosk.json", {"result": [{"conf": 1.0, "end": 1.53, "start": 1.02, "word": "hello"},
                                  {"conf": 0.99, "end": 2.49, "start": 2.13, "word": "say"}], "text": "hello say"},
         [(None, 1.02, 2.49, "hello say")]),
        ("sm.json", {"format": "1.0", "speakers": [
            {"duration": "1.000000", "confidence": None, "name": "M18", "time": "25.220000"},
            {"duration": "2.000000", "confidence": None, "name": "M7", "time": "26.300000"}], "words": [
            {"duration": "0.200000", "confidence": "0.900", "name": "There's", "time": "25.220000"},
            {"duration": "0.060000", "confidence": "1.000", "name": "a", "time": "25.700000"},
            {"duration": "0.270000", "confidence": "1.000", "name": "girl", "time": "26.300000"}]},
         [("M18", 25.22, 25.76, "There's a"), ("M7", 26.3, 26.57, "girl")]),
        ("trint.json", {"title": "x.mp3", "speakers": {}, "words": [
            {"duration": 330, "time": 3050, "paragraphId": "p0-0", "value": "Primeiro", "speaker": None},
            {"duration": 450, "time": 3380, "paragraphId": "p0-0", "value": "queria", "speaker": None}]},
         [(None, 3.05, 3.83, "Primeiro queria")]),
        ("kaldi.json", {"action": "audio-transcribe", "retval": {"status": True, "punct": "There is a day.", "words": [
            {"start": 13.02, "confidence": 0.68, "end": 13.17, "word": "there", "punct": "There", "index": 0},
            {"start": 13.17, "confidence": 0.9, "end": 13.44, "word": "day", "punct": "day.", "index": 1}]}},
         [(None, 13.02, 13.44, "There day.")]),
        ("live.json", {"type": "Results", "channel_index": [0, 1], "start": 5.9, "is_final": True, "channel": {
            "alternatives": [{"transcript": "Ensure tranquility.", "words": [
                {"word": "ensure", "start": 6.25, "end": 6.64, "punctuated_word": "Ensure"},
                {"word": "tranquility", "start": 7.19, "end": 7.42, "punctuated_word": "tranquility."}]}]}},
         [(None, 6.25, 7.42, "Ensure tranquility.")]),
        ("wallclock.json", {"transcriptions": [{"start": 1732292100.42, "end": 1732292104.83, "text": "time"}]},
         [(None, None, None, "time")]),
    ],
)
def test_more_tools_shapes_give_their_words_times_and_speakers(name: str, data: object, turns: list) -> None:
    assert turns_of(name, data) == turns


def test_a_word_split_in_two_reads_as_one_word_but_not_across_speakers() -> None:
    data = {"segments": [{"start": 3.4, "end": 3.8, "text": "Fly"}, {"start": 3.8, "end": 4.0, "text": " Dubai"},
                         {"start": 4.0, "end": 4.4, "text": " Co"}, {"start": 4.4, "end": 4.7, "text": "-Pilot"},
                         {"start": 4.7, "end": 5.0, "text": " galt."}]}
    assert turns_of("split.json", data) == [(None, 3.4, 5.0, "Fly Dubai Co-Pilot galt.")]
    spoken = {"segments": [{"start": 0, "end": 1.0, "text": " Yes", "speaker": "A"},
                           {"start": 1.0, "end": 2.0, "text": "No", "speaker": "B"},
                           {"start": 2.0, "end": 3.0, "text": " way", "speaker": "B"}]}
    assert turns_of("spoken.json", spoken) == [("A", 0.0, 1.0, "Yes"), ("B", 1.0, 3.0, "No way")]


def test_json_lines_are_items_of_a_list_pointing_at_their_characters() -> None:
    text = ('{"start": 0.0, "end": 5.32, "speaker": "A", "text": "Hi, can you hear me?"}\n'
            '{"start": 9.7, "end": 14.34, "speaker": "B", "text": "Yes."}{"start": 14.5, "end": 15.0, "speaker": "B",'
            ' "text": "Caf\\u00e9 \\"noir\\"."}\n\n')
    transcript = SpeechJsonReader().parse("talk.jsonl", text, Metadata())
    turns = [(t.speaker, t.start_time, t.end_time, transcript.text[t.start : t.end]) for t in transcript.turns]
    assert turns == [("A", 0.0, 5.32, "Hi, can you hear me?"), ("B", 9.7, 15.0, 'Yes. Café "noir".')]
    for segment in transcript.segments:
        start, end = (int(n) for n in segment.source.removeprefix("char=").split(","))
        assert json.loads(f'"{text[start:end]}"') == transcript.text[segment.start : segment.end]


def test_amazon_items_saved_alone_and_diarization_scripts_transcription_lists() -> None:
    items = [{"start_time": "8.65", "end_time": "8.98", "alternatives": [{"confidence": "0.99", "content": "One"}],
              "type": "pronunciation", "speaker_label": "spk_0"},
             {"alternatives": [{"confidence": "0.0", "content": "."}], "type": "punctuation", "speaker_label": "spk_0"},
             {"start_time": "9.05", "end_time": "9.15", "alternatives": [{"confidence": "1.0", "content": "Two"}],
              "type": "pronunciation", "speaker_label": "spk_1"}]
    assert turns_of("items.json", items) == [("spk_0", 8.65, 8.98, "One."), ("spk_1", 9.05, 9.15, "Two")]
    clips = [{"speaker_name": "SPEAKER_00", "transcription": " Connect the crawl."},
             {"speaker_name": "SPEAKER_01", "transcription": " Well, we go to the picture."}]
    assert turns_of("clips.json", clips) == [("SPEAKER_00", None, None, "Connect the crawl."),
                                             ("SPEAKER_01", None, None, "Well, we go to the picture.")]


def test_segment_lists_with_their_transcript_and_rev_monologues_under_data() -> None:
    segments = {"id": "f2fb", "totalSpeakers": 2, "segment": [
        {"speaker": "SPEAKER_00", "start": 2629, "end": 6291, "transcript": "Hey guys, this is Rohit speaking.",
         "language": "en"},
        {"speaker": "SPEAKER_01", "start": 7118, "end": 8974, "transcript": "Hello Rohit.", "language": "en"}]}
    assert turns_of("segments.json", segments) == [("SPEAKER_00", 2.629, 6.291, "Hey guys, this is Rohit speaking."),
                                                   ("SPEAKER_01", 7.118, 8.974, "Hello Rohit.")]
    monologues = {"data": [
        {"speaker": 1, "elements": [{"ts": 75.29, "type": "text", "value": "Hello", "end_ts": 75.77},
                                    {"type": "punct", "value": "."}]},
        {"speaker": 2, "elements": [{"ts": 76.1, "type": "text", "value": "Hi", "end_ts": 76.4}]}]}
    assert turns_of("monologues.json", monologues) == [("Speaker 1", 75.29, 75.77, "Hello."),
                                                       ("Speaker 2", 76.1, 76.4, "Hi")]


def test_a_long_paper_edit_gives_each_word_the_speaker_of_the_paragraph_it_starts_in() -> None:
    # 4,000 paragraphs listed out of order, each of two words; one word falls in a gap between
    # paragraphs and has no speaker. Each word was once checked against every paragraph.
    paragraphs = [{"start": 10.0 * p, "end": 10.0 * p + 8.0, "speaker": f"S{p % 2}"} for p in range(4000)]
    words = [{"start": 10.0 * p + offset, "end": 10.0 * p + offset + 0.5, "text": f"w{p}x{offset:g}"}
             for p in range(4000) for offset in (1.0, 7.5)] + [{"start": 40009.0, "end": 40009.5, "text": "gap"}]
    data = {"words": words, "paragraphs": paragraphs[::-1]}
    transcript = parse_document("long.json", json.dumps(data))
    speakers = [(t.speaker, transcript.text[t.start : t.end].split()[0]) for t in transcript.turns]
    assert speakers[:3] == [("S0", "w0x1"), ("S1", "w1x1"), ("S0", "w2x1")]
    assert len(speakers) == 4001 and speakers[-1] == (None, "gap")


def test_of_overlapping_speaker_paragraphs_a_word_takes_the_one_begun_last() -> None:
    paper_edit = {"words": [{"start": 1.0, "end": 1.5, "text": "Good"}, {"start": 5.0, "end": 5.5, "text": "evening"},
                            {"start": 9.0, "end": 9.5, "text": "all"}],
                  "paragraphs": [{"start": 0.0, "end": 10.0, "speaker": "Host"},
                                 {"start": 4.0, "end": 6.0, "speaker": "Guest"}]}
    assert [t.speaker for t in parse_document("o.json", json.dumps(paper_edit)).turns] == ["Host", "Guest", "Host"]
