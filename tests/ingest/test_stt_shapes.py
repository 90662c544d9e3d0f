"""Speech-to-text JSON shapes met in real service output (IBM Watson, Amazon Transcribe's channel
identification, Gladia, Azure fast transcription and Speech SDK results, Google results saved bare,
Speechmatics punctuation), each written here in the shape the service returns, cut down."""

from __future__ import annotations

import json

import pytest

from rag.ingest.readers import parse_document
from tests.ingest.test_formats import assert_segments_check_out

WATSON = {"results": [{"alternatives": [{"timestamps": [["today's", 0.92, 1.3], ["April", 1.3, 1.54],
                                                       ["%HESITATION", 1.6, 1.9], ["ninth", 2.0, 2.25]],
                                        "transcript": "today's April %HESITATION ninth "}], "final": True},
                      {"alternatives": [{"timestamps": [["hello", 3.0, 3.4]], "transcript": "hello "}], "final": True}],
          "speaker_labels": [{"from": 0.92, "to": 1.3, "speaker": 0}, {"from": 1.3, "to": 1.54, "speaker": 0},
                             {"from": 2.0, "to": 2.25, "speaker": 0}, {"from": 3.0, "to": 3.4, "speaker": 1}]}
AWS_CHANNELS = {"results": {
    "transcripts": [{"transcript": "Lorem ipsum Yeh dolor."}],
    "channel_labels": {"number_of_channels": 2, "channels": [
        {"channel_label": "ch_0", "items": [{"start_time": "0.0", "end_time": "0.4"}, {"start_time": "0.5",
                                                                                        "end_time": "0.9"}]},
        {"channel_label": "ch_1", "items": [{"start_time": "0.45", "end_time": "0.5"}]}]},
    "items": [{"start_time": "0.0", "end_time": "0.4", "alternatives": [{"content": "Lorem"}], "type": "pronunciation"},
              {"start_time": "0.45", "end_time": "0.5", "alternatives": [{"content": "Yeh"}], "type": "pronunciation"},
              {"start_time": "0.5", "end_time": "0.9", "alternatives": [{"content": "dolor"}], "type": "pronunciation"},
              {"alternatives": [{"content": "."}], "type": "punctuation"}]}}
GLADIA = {"id": "88cfa47b", "result": {"transcription": {"full_transcript": "Hola Sasha. Hola Anna.", "utterances": [
    {"text": "Hola Sasha.", "start": 1.258, "end": 1.738, "speaker": 0, "channel": 0},
    {"text": "Hola Anna.", "start": 2.1, "end": 2.9, "speaker": 1, "channel": 0}]}}}
AZURE_FAST = {"duration": 3000, "combinedPhrases": [{"text": "I think we got disconnected. Good."}],
              "phrases": [{"offset": 240, "duration": 1200, "text": "I think we got disconnected.", "speaker": 1},
                          {"offset": 1600, "duration": 400, "text": "Good.", "speaker": 2}]}
AZURE_SDK = [{"RecognitionStatus": "Success", "Offset": 900000, "Duration": 5600000, "SpeakerId": "0",
              "NBest": [{"Confidence": 0.95, "Display": "Hello."}]},
             {"RecognitionStatus": "Success", "Offset": 7000000, "Duration": 3000000, "SpeakerId": "1",
              "DisplayText": "Hello hello."}]
GOOGLE_BARE = [{"alternatives": [{"transcript": "the fog horn", "words": [{"startTime": "0.1s", "endTime": "0.5s",
                                                                           "word": "the"}]}]},
               {"alternatives": [{"transcript": " out in the cold water"}], "resultEndTime": "4.2s"}]
SPEECHMATICS = {"format": "2.9", "results": [
    {"type": "word", "start_time": 0.1, "end_time": 0.4, "alternatives": [{"content": "Yes", "speaker": "S1"}]},
    {"type": "punctuation", "attaches_to": "previous", "start_time": 0.4, "end_time": 0.4,
     "alternatives": [{"content": ",", "speaker": "S1"}]},
    {"type": "punctuation", "attaches_to": "next", "start_time": 0.5, "end_time": 0.5,
     "alternatives": [{"content": "*", "speaker": "S1"}]},
    {"type": "word", "start_time": 0.5, "end_time": 0.8, "alternatives": [{"content": "great", "speaker": "S1"}]},
    {"type": "word", "start_time": 0.9, "end_time": 1.1, "alternatives": [{"content": "for", "speaker": "S1"}]},
    {"type": "punctuation", "attaches_to": "both", "start_time": 1.1, "end_time": 1.1,
     "alternatives": [{"content": "-", "speaker": "S1"}]},
    {"type": "word", "start_time": 1.1, "end_time": 1.4, "alternatives": [{"content": "sure", "speaker": "S1"}]}]}


@pytest.mark.parametrize(
    ("name", "data", "turns"),
    [
        ("watson.json", WATSON, [("Speaker 0", 0.92, 2.25, "today's April ninth"), ("Speaker 1", 3.0, 3.4, "hello")]),
        ("channels.json", AWS_CHANNELS, [("ch_0", 0.0, 0.4, "Lorem"), ("ch_1", 0.45, 0.5, "Yeh"),
                                         ("ch_0", 0.5, 0.9, "dolor.")]),
        ("gladia.json", GLADIA, [("Speaker 0", 1.258, 1.738, "Hola Sasha."), ("Speaker 1", 2.1, 2.9, "Hola Anna.")]),
        ("fast.json", AZURE_FAST, [("Speaker 1", 0.24, 1.44, "I think we got disconnected."),
                                   ("Speaker 2", 1.6, 2.0, "Good.")]),
        ("sdk.json", AZURE_SDK, [("Speaker 0", 0.09, 0.65, "Hello."), ("Speaker 1", 0.7, 1.0, "Hello hello.")]),
        ("google.json", GOOGLE_BARE, [(None, 0.1, 4.2, "the fog horn out in the cold water")]),
        ("speechmatics.json", SPEECHMATICS, [("S1", 0.1, 1.4, "Yes, *great for-sure")]),
    ],
)
def test_service_output_gives_speakers_times_and_words(name: str, data: object, turns: list) -> None:
    text = json.dumps(data, indent=1)
    transcript = parse_document(name, text)
    assert_segments_check_out(transcript, text)
    assert [(t.speaker, t.start_time, t.end_time, transcript.text[t.start : t.end]) for t in transcript.turns] == turns


def test_a_youtube_json3_word_lasts_until_the_next_word() -> None:
    data = {"wireMagic": "pb3", "events": [
        {"tStartMs": 2399, "dDurationMs": 6801, "segs": [{"utf8": "hey"}, {"utf8": " in", "tOffsetMs": 201},
                                                         {"utf8": " there", "tOffsetMs": 600}]}]}
    text = json.dumps(data)
    transcript = parse_document("captions.json", text)
    assert_segments_check_out(transcript, text)
    assert [(s.start_time, s.end_time) for s in transcript.segments] == [(2.399, 2.6), (2.6, 2.999), (2.999, 9.2)]
