"""Speech-to-text JSON: recordings split by channel (Deepgram, Amazon Transcribe, Azure, Google,
Speechmatics, ElevenLabs, whisper.cpp's stereo diarization), the unit of whole-number times, shapes
that were refused (Amazon Transcribe Call Analytics, Google's long-running operation, NeMo
manifests, Deepgram's live messages saved together) and malformed values refused naming where
they are. Each file is written here in the shape its tool documents, cut down; the comment above
each says which."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag.errors import CorpusError
from rag.ingest.readers import parse_document
from tests.ingest.test_formats import assert_segments_check_out

Turns = list[tuple[str | None, float | None, float | None, str]]


def read(name: str, text: str) -> Turns:
    """Each turn's speaker, times and words, the file's citations checked on the way."""
    transcript = parse_document(name, text)
    assert_segments_check_out(transcript, text)
    return [(t.speaker, t.start_time, t.end_time, transcript.text[t.start : t.end]) for t in transcript.turns]


def turns_of(name: str, data: object) -> Turns:
    return read(name, json.dumps(data, indent=1))


def dg_word(word: str, start: float, end: float, speaker: int | None = None) -> dict:
    said = {"word": word.lower().strip(".,?"), "start": start, "end": end, "confidence": 0.99,
            "punctuated_word": word}
    return said if speaker is None else {**said, "speaker": speaker}


# Deepgram's prerecorded response with `multichannel=true` (developers.deepgram.com/docs/multichannel:
# `results.channels[]`, one per channel, each with its `alternatives[0].words`); channel 0 lists all
# its words before channel 1's.
DEEPGRAM_STEREO = {"metadata": {"request_id": "r", "channels": 2}, "results": {"channels": [
    {"alternatives": [{"transcript": "Thanks for calling. Let me check that.", "words": [
        dg_word("Thanks", 0.1, 0.4), dg_word("for", 0.4, 0.6), dg_word("calling.", 0.6, 1.0),
        dg_word("Let", 6.0, 6.2), dg_word("me", 6.2, 6.3), dg_word("check", 6.3, 6.6), dg_word("that.", 6.6, 7.0)]}]},
    {"alternatives": [{"transcript": "My order never arrived.", "words": [
        dg_word("My", 3.0, 3.2), dg_word("order", 3.2, 3.5), dg_word("never", 3.5, 3.8),
        dg_word("arrived.", 3.8, 4.3)]}]}]}}


def test_deepgram_channels_are_speakers_and_their_words_go_in_time_order() -> None:
    assert turns_of("call.json", DEEPGRAM_STEREO) == [
        ("Channel 1", 0.1, 1.0, "Thanks for calling."), ("Channel 2", 3.0, 4.3, "My order never arrived."),
        ("Channel 1", 6.0, 7.0, "Let me check that.")]


def test_deepgram_diarized_speakers_are_told_apart_within_each_channel() -> None:
    # `multichannel=true&diarize=true`: each channel's words carry `speaker`, numbered from 0 in each.
    data = {"results": {"channels": [
        {"alternatives": [{"words": [dg_word("Hello.", 0.5, 0.9, 0), dg_word("Hi.", 2.0, 2.2, 1)]}]},
        {"alternatives": [{"words": [dg_word("Yes?", 1.0, 1.4, 0)]}]}]}}
    assert turns_of("call.json", data) == [
        ("Channel 1 Speaker 0", 0.5, 0.9, "Hello."), ("Channel 2 Speaker 0", 1.0, 1.4, "Yes?"),
        ("Channel 1 Speaker 1", 2.0, 2.2, "Hi.")]


def test_one_deepgram_channel_is_no_speaker() -> None:
    data = {"results": {"channels": [DEEPGRAM_STEREO["results"]["channels"][1]]}}
    assert turns_of("call.json", data) == [(None, 3.0, 4.3, "My order never arrived.")]


# Amazon Transcribe with channel identification (docs.aws.amazon.com/transcribe/latest/dg/channel-id.html:
# `ch_0`, `ch_1`), its `audio_segments` each with its `channel_label`, listed channel by channel.
AWS_CHANNEL_SEGMENTS = {"jobName": "j", "status": "COMPLETED", "results": {
    "transcripts": [{"transcript": "I've been on hold. Sorry about that. Is it sorted?"}],
    "channel_labels": {"number_of_channels": 2, "channels": []},
    "items": [],
    "audio_segments": [
        {"id": 0, "transcript": "I've been on hold.", "start_time": "4.86", "end_time": "5.62",
         "channel_label": "ch_0", "items": [0, 1, 2, 3, 4]},
        {"id": 1, "transcript": "Is it sorted?", "start_time": "10.1", "end_time": "11.0",
         "channel_label": "ch_0", "items": [5, 6, 7, 8]},
        {"id": 2, "transcript": "Sorry about that.", "start_time": "8.5", "end_time": "9.4",
         "channel_label": "ch_1", "items": [9, 10, 11, 12]}]}}


def test_amazon_audio_segments_of_two_channels_give_each_channel_its_turns_in_time_order() -> None:
    assert turns_of("aws.json", AWS_CHANNEL_SEGMENTS) == [
        ("ch_0", 4.86, 5.62, "I've been on hold."), ("ch_1", 8.5, 9.4, "Sorry about that."),
        ("ch_0", 10.1, 11.0, "Is it sorted?")]


def azure_phrase(channel: int, offset: float, duration: float, display: str) -> dict:
    return {"recognitionStatus": "Success", "channel": channel, "offsetInTicks": offset * 1e7,
            "durationInTicks": duration * 1e7, "nBest": [{"confidence": 0.9, "lexical": display.lower(),
                                                         "display": display}]}


def test_azure_batch_channels_are_speakers_in_time_order() -> None:
    # Azure batch transcription (`recognizedPhrases[].channel`, from 0) of a stereo call, no diarization.
    data = {"source": "https://example.org/call.wav", "recognizedPhrases": [
        azure_phrase(0, 0.1, 0.9, "Thanks for calling."), azure_phrase(0, 6.0, 1.0, "Let me check that."),
        azure_phrase(1, 3.0, 1.3, "My order never arrived.")]}
    assert turns_of("azure.json", data) == [
        ("Channel 1", 0.1, 1.0, "Thanks for calling."), ("Channel 2", 3.0, 4.3, "My order never arrived."),
        ("Channel 1", 6.0, 7.0, "Let me check that.")]


def test_google_channel_tags_are_speakers_in_time_order() -> None:
    # Google Speech-to-Text with `audioChannelCount: 2` and `enableSeparateRecognitionPerChannel`:
    # each result's `channelTag` (1 to N), v1's `resultEndTime`.
    data = {"results": [
        {"alternatives": [{"transcript": "thanks for calling"}], "channelTag": 1, "resultEndTime": "1s"},
        {"alternatives": [{"transcript": " let me check that"}], "channelTag": 1, "resultEndTime": "7s"},
        {"alternatives": [{"transcript": "my order never arrived"}], "channelTag": 2, "resultEndTime": "4.300s"}]}
    assert turns_of("google.json", data) == [
        # A result without words runs from where its channel's result before it ended.
        ("Channel 1", 0.0, 1.0, "thanks for calling"), ("Channel 2", 0.0, 4.3, "my order never arrived"),
        ("Channel 1", 1.0, 7.0, "let me check that")]


def sm_item(content: str, start: float, end: float, channel: str, kind: str = "word") -> dict:
    item = {"type": kind, "start_time": start, "end_time": end, "channel": channel,
            "alternatives": [{"content": content, "confidence": 1.0}]}
    return {**item, "attaches_to": "previous", "is_eos": True} if kind == "punctuation" else item


def test_speechmatics_channel_diarization_names_each_channel() -> None:
    # Speechmatics with `"diarization": "channel"` and `channel_diarization_labels` (docs.speechmatics.com,
    # channel diarization: a `channel` property on each word and mark).
    data = {"format": "2.9", "results": [
        sm_item("Thanks", 0.1, 0.5, "Agent"), sm_item(".", 0.5, 0.5, "Agent", "punctuation"),
        sm_item("Hello", 0.3, 0.6, "Caller"), sm_item("?", 0.6, 0.6, "Caller", "punctuation"),
        sm_item("Bye", 2.0, 2.3, "Agent")]}
    assert turns_of("sm.json", data) == [("Agent", 0.1, 0.5, "Thanks."), ("Caller", 0.3, 0.6, "Hello?"),
                                         ("Agent", 2.0, 2.3, "Bye")]


def wcpp_segment(start_ms: int, end_ms: int, text: str, **extra: object) -> dict:
    return {"timestamps": {"from": "00:00:00,000", "to": "00:00:00,000"}, "offsets": {"from": start_ms, "to": end_ms},
            "text": text, **extra}


def test_whisper_cpp_stereo_diarization_gives_each_segment_its_speaker() -> None:
    # whisper.cpp's `-oj -di` on a stereo file (examples/cli/cli.cpp, output_json):
    # `value_s("speaker", estimate_diarization_speaker(pcmf32s, t0, t1, true))`: "0", "1" or "?".
    data = {"systeminfo": "AVX = 1", "result": {"language": "en"}, "transcription": [
        wcpp_segment(0, 3000, " Thanks for calling.", speaker="0"),
        wcpp_segment(3000, 6000, " My order never arrived.", speaker="1"),
        wcpp_segment(6000, 7000, " Hmm.", speaker="?"),
        wcpp_segment(7000, 8000, " Let me check.", speaker="0")]}
    assert turns_of("wcpp.json", data) == [
        ("Speaker 0", 0.0, 3.0, "Thanks for calling."), ("Speaker 1", 3.0, 6.0, "My order never arrived."),
        (None, 6.0, 7.0, "Hmm."), ("Speaker 0", 7.0, 8.0, "Let me check.")]


def test_whisper_cpp_tinydiarize_turns_begin_after_a_speaker_turn() -> None:
    # whisper.cpp's `-tdrz`: `value_b("speaker_turn_next", ...)` on each segment.
    data = {"transcription": [
        wcpp_segment(0, 3000, " Thanks for calling.", speaker_turn_next=True),
        wcpp_segment(3000, 6000, " My order never arrived.", speaker_turn_next=False),
        wcpp_segment(6000, 8000, " It is late.", speaker_turn_next=False)]}
    assert turns_of("tdrz.json", data) == [(None, 0.0, 3.0, "Thanks for calling."),
                                          (None, 3.0, 8.0, "My order never arrived. It is late.")]


@pytest.mark.parametrize(
    ("data", "turns"),
    [
        # A diarization script's list in whole seconds: 30 s of music was read as 30 milliseconds.
        ([{"speaker": "A", "start": 0, "end": 30, "text": "[music]"}, {"speaker": "B", "start": 30, "end": 32,
                                                                        "text": "Hi."}],
         [("A", 0.0, 30.0, "[music]"), ("B", 30.0, 32.0, "Hi.")]),
        # The same in milliseconds stays milliseconds.
        ([{"speaker": "A", "start": 0, "end": 30000, "text": "[music]"},
          {"speaker": "B", "start": 30000, "end": 32000, "text": "Hi."}],
         [("A", 0.0, 30.0, "[music]"), ("B", 30.0, 32.0, "Hi.")]),
        # `sentences` in seconds (as tools other than AssemblyAI write them) were divided by 1000.
        ({"sentences": [{"text": "Darkness falls.", "start": 0.5, "end": 2.1},
                        {"text": "Across the land.", "start": 2.5, "end": 4.1}]},
         [(None, 0.5, 4.1, "Darkness falls. Across the land.")]),
        # Key names that say milliseconds are milliseconds, whatever the numbers.
        ({"segments": [{"start_ms": 0, "end_ms": 40, "text": "Hi."}, {"start_ms": 40, "end_ms": 90, "text": "Yo."}]},
         [(None, 0.0, 0.09, "Hi. Yo.")]),
        # NeMo's diarized ASR output: words with `start_time`/`end_time` in seconds.
        ({"session_id": "an4", "transcription": "hello world", "words": [
            {"word": "hello", "start_time": 0.5, "end_time": 0.9, "speaker": "speaker_0"},
            {"word": "world", "start_time": 0.9, "end_time": 1.3, "speaker": "speaker_0"}]},
         [("speaker_0", 0.5, 1.3, "hello world")]),
        # An end before its start lasts no time; a negative time is 0 (as in captions).
        ({"segments": [{"start": 10.0, "end": 3.0, "text": "Backwards."}, {"start": -2.0, "end": 11.0, "text": "So."}]},
         [(None, 0.0, 11.0, "Backwards. So.")]),
    ],
    ids=["whole-seconds", "whole-milliseconds", "sentences-in-seconds", "ms-keys", "nemo-words", "inverted"],
)
def test_times_in_the_unit_the_file_uses(data: object, turns: Turns) -> None:
    assert turns_of("times.json", data) == turns


def test_an_inverted_segment_ends_where_it_starts() -> None:
    transcript = parse_document("x.json", json.dumps({"segments": [{"start": 10.0, "end": 3.0, "text": "Backwards."}]}))
    assert [(s.start_time, s.end_time) for s in transcript.segments] == [(10.0, 10.0)]


def test_google_v2_results_end_at_their_result_end_offset() -> None:
    # Speech-to-Text v2 (google.cloud.speech_v2 SpeechRecognitionResult.result_end_offset, "12.340s").
    data = {"results": [
        {"alternatives": [{"transcript": "how old is the Brooklyn Bridge", "confidence": 0.98}],
         "resultEndOffset": "2.500s", "languageCode": "en-US"},
        {"alternatives": [{"transcript": " it opened in 1883"}], "resultEndOffset": "5.100s", "languageCode": "en-US"}],
        "metadata": {"totalBilledDuration": "6s"}}
    transcript = parse_document("v2.json", json.dumps(data))
    assert [s.end_time for s in transcript.segments] == [2.5, 5.1]


def test_openai_json_with_no_segments_is_its_text() -> None:
    # OpenAI's `verbose_json` of a clip too short for a segment: `segments: []` beside the `text`.
    assert turns_of("openai.json", {"task": "transcribe", "language": "english", "duration": 0.8,
                                    "text": "Hello there.", "segments": []}) == [(None, None, None, "Hello there.")]


# Amazon Transcribe Call Analytics, post-call output (docs.aws.amazon.com/transcribe/latest/dg/
# tca-output-batch.html: `Transcript[]` turns with `Content`, `BeginOffsetMillis`, `EndOffsetMillis`,
# `ParticipantRole`, `LoudnessScores`, `Sentiment`).
CALL_ANALYTICS = {"JobStatus": "COMPLETED", "LanguageCode": "en-US", "Transcript": [
    {"LoudnessScores": [78.6, 80.2], "Content": "Thanks for calling. How can I help?", "Id": "a1",
     "BeginOffsetMillis": 100, "EndOffsetMillis": 2400, "Sentiment": "NEUTRAL", "ParticipantRole": "AGENT"},
    {"LoudnessScores": [80.1], "Content": "My order never arrived.", "Id": "a2", "BeginOffsetMillis": 3000,
     "EndOffsetMillis": 4300, "Sentiment": "NEGATIVE", "ParticipantRole": "CUSTOMER"}],
    "ConversationCharacteristics": {"TotalConversationDurationMillis": 5000}}
# Contact Lens' file names participants by id, and gives their roles in `Participants`.
CONTACT_LENS = {"Version": "1.1.0", "Participants": [{"ParticipantId": "A1", "ParticipantRole": "AGENT"},
                                                     {"ParticipantId": "C1", "ParticipantRole": "CUSTOMER"}],
                "Transcript": [{"ParticipantId": "A1", "Id": "t1", "Content": "Thanks for calling. How can I help?",
                                "BeginOffsetMillis": 100, "EndOffsetMillis": 2400},
                               {"ParticipantId": "C1", "Id": "t2", "Content": "My order never arrived.",
                                "BeginOffsetMillis": 3000, "EndOffsetMillis": 4300}]}


@pytest.mark.parametrize("data", [CALL_ANALYTICS, CONTACT_LENS], ids=["call-analytics", "contact-lens"])
def test_amazon_call_analytics_turns_are_each_participants(data: object) -> None:
    assert turns_of("tca.json", data) == [("AGENT", 0.1, 2.4, "Thanks for calling. How can I help?"),
                                          ("CUSTOMER", 3.0, 4.3, "My order never arrived.")]


def test_a_google_long_running_operation_is_read_through_its_response() -> None:
    # `operations.get` of a finished LongRunningRecognize, saved as returned.
    data = {"name": "123", "metadata": {"@type": "type.googleapis.com/google.cloud.speech.v1.LongRunningRecognizeMetadata",
                                        "progressPercent": 100},
            "done": True, "response": {"@type": "type.googleapis.com/google.cloud.speech.v1.LongRunningRecognizeResponse",
                                       "results": [{"alternatives": [{"transcript": "how old is the Brooklyn Bridge",
                                                                      "confidence": 0.98}], "resultEndTime": "2.5s"}]}}
    text = json.dumps(data)
    transcript = parse_document("op.json", text)
    assert_segments_check_out(transcript, text)
    assert [s.source for s in transcript.segments] == ["/response/results/0/alternatives/0/transcript"]
    assert transcript.text == "how old is the Brooklyn Bridge\n"


def el_word(text: str, start: float, end: float, speaker: str, kind: str = "word") -> dict:
    return {"text": text, "start": start, "end": end, "type": kind, "speaker_id": speaker, "logprob": -0.1}


def test_elevenlabs_multichannel_transcripts_merge_in_time_order() -> None:
    # ElevenLabs Scribe with `use_multi_channel=true` (MultichannelSpeechToTextResponseModel: `transcripts[]`,
    # one per channel, `channel_index`; channel 0's words are `speaker_0`'s, channel 1's `speaker_1`'s).
    data = {"transcription_id": "t", "transcripts": [
        {"language_code": "en", "language_probability": 0.99, "text": "Thanks for calling. Bye.", "channel_index": 0,
         "words": [el_word("Thanks", 0.1, 0.4, "speaker_0"), el_word(" ", 0.4, 0.4, "speaker_0", "spacing"),
                   el_word("for", 0.4, 0.6, "speaker_0"), el_word(" ", 0.6, 0.6, "speaker_0", "spacing"),
                   el_word("calling.", 0.6, 1.0, "speaker_0"), el_word(" ", 1.0, 5.0, "speaker_0", "spacing"),
                   el_word("Bye.", 5.0, 5.3, "speaker_0")]},
        {"language_code": "en", "language_probability": 0.99, "text": "My order never arrived.", "channel_index": 1,
         "words": [el_word("My", 3.0, 3.2, "speaker_1"), el_word(" ", 3.2, 3.2, "speaker_1", "spacing"),
                   el_word("order", 3.2, 3.5, "speaker_1"), el_word(" ", 3.5, 3.5, "speaker_1", "spacing"),
                   el_word("arrived.", 3.5, 4.3, "speaker_1")]}]}
    assert turns_of("el.json", data) == [("speaker_0", 0.1, 1.0, "Thanks for calling."),
                                         ("speaker_1", 3.0, 4.3, "My order arrived."),
                                         ("speaker_0", 5.0, 5.3, "Bye.")]


# A NeMo manifest (NeMo ASR docs: one JSON object a line, `audio_filepath`, `duration`, `text`; after
# transcribe_speech.py, `pred_text` too), as NeMo names it: `manifest.json`.
NEMO_MANIFEST = ('{"audio_filepath": "/data/a.wav", "duration": 3.2, "text": "hello world", "pred_text": "hello word"}\n'
                 '{"audio_filepath": "/data/b.wav", "duration": 2.1, "text": "", "pred_text": "good morning"}\n')


@pytest.mark.parametrize("name", ["manifest.json", "manifest.jsonl"])
def test_a_nemo_manifest_is_read_as_json_lines_by_either_name(name: str) -> None:
    assert read(name, NEMO_MANIFEST) == [(None, None, None, "hello world good morning")]


def test_a_nemo_manifest_of_predictions_alone_gives_them() -> None:
    text = '{"audio_filepath": "a.wav", "duration": 3.2, "pred_text": "hello world"}\n'
    assert read("preds.jsonl", text) == [(None, None, None, "hello world")]


def dg_message(start: float, words: list[dict], is_final: bool = True, channel: list[int] | None = None) -> dict:
    return {"type": "Results", "channel_index": channel or [0, 1], "duration": 1.0, "start": start,
            "is_final": is_final, "speech_final": is_final,
            "channel": {"alternatives": [{"transcript": " ".join(w["word"] for w in words), "confidence": 0.9,
                                          "words": words}]}, "metadata": {"request_id": "r"}}


# Deepgram's live stream (developers.deepgram.com, streaming `Results` messages: `channel_index`
# `[channel, channels]`, `is_final`; a `Metadata` message too), saved as a JSON list or one a line.
DEEPGRAM_LIVE = [
    {"type": "Metadata", "request_id": "r", "channels": 1},
    dg_message(0.0, [dg_word("Hello", 0.1, 0.5)], is_final=False),
    dg_message(0.0, [dg_word("Hello", 0.1, 0.5), dg_word("world.", 0.5, 0.9)]),
    dg_message(1.0, [dg_word("Bye", 1.1, 1.5), dg_word("now.", 1.5, 1.9)])]


def test_deepgram_live_messages_saved_as_a_list_give_each_final_message_once() -> None:
    assert turns_of("live.json", DEEPGRAM_LIVE) == [(None, 0.1, 1.9, "Hello world. Bye now.")]


def test_deepgram_live_messages_saved_as_json_lines() -> None:
    text = "".join(json.dumps(message) + "\n" for message in DEEPGRAM_LIVE)
    assert read("live.jsonl", text) == [(None, 0.1, 1.9, "Hello world. Bye now.")]


def test_deepgram_live_messages_of_two_channels_name_them() -> None:
    messages = [dg_message(0.0, [dg_word("Hello.", 0.1, 0.5)], channel=[0, 2]),
                dg_message(2.0, [dg_word("Bye.", 2.1, 2.5)], channel=[0, 2]),
                dg_message(0.0, [dg_word("Hi.", 1.0, 1.4)], channel=[1, 2])]
    assert turns_of("live.json", messages) == [("Channel 1", 0.1, 0.5, "Hello."), ("Channel 2", 1.0, 1.4, "Hi."),
                                               ("Channel 1", 2.1, 2.5, "Bye.")]


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("dg.json", '{"metadata": {}, "results": {"channels": null}}',
         r"^dg\.json: JSON of no known shape: /results/channels: expected a list of channels, found null$"),
        ("watson.json", '{"results": 3, "result_index": 0}',
         r"^watson\.json: JSON of no known shape: /results: expected a list of results .*, found the number 3$"),
        ("aws.json", '{"jobName": "j", "results": {"items": null}}',
         r"^aws\.json: JSON of no known shape: /results/items: expected a list of items, found null$"),
        ("rev.json", '{"monologues": null}',
         r"^rev\.json: JSON of no known shape: /monologues: expected a list of monologues, found null$"),
        ("dgw.json", '{"results": {"channels": [{"alternatives": [{"words": 5}]}]}}',
         r"^dgw\.json: /results/channels/0/alternatives/0/words: expected a list of words, found the number 5$"),
        ("rev2.json", '{"monologues": [{"speaker": 0, "elements": 7}]}',
         r"^rev2\.json: /monologues/0/elements: expected a list of elements, found the number 7$"),
        ("big.json", '{"segments": [{"start": ' + "9" * 400 + ', "end": 1, "text": "hi"}]}',
         r"^big\.json: /segments/0/start: expected a time, found a number of 400 digits$"),
        ("big.jsonl", '{"start": 0, "end": 1, "text": "a"}\n{"start": ' + "9" * 400 + ', "end": 1, "text": "hi"}\n',
         r"^big\.jsonl: line 2: /start: expected a time, found a number of 400 digits$"),
        ("watson2.json", json.dumps({"results": [{"alternatives": [{"timestamps": [["hi", 0.1, 0.4]]}]}],
                                     "speaker_labels": [{"from": 10**400, "to": 1, "speaker": 0}]}),
         r"^watson2\.json: /speaker_labels/0/from: expected a time, found a number of 401 digits$"),
        ("digits.json", '{"segments": [{"start": ' + "1" * 5000 + ', "text": "hi"}]}',
         r"^digits\.json: line 1, column 25: a number of 5000 digits, too long to read"),
        ("digits.jsonl", '{"text": "a"}\n{"start": ' + "1" * 5000 + ', "text": "hi"}\n',
         r"^digits\.jsonl: line 2, column 11: a number of 5000 digits, too long to read"),
    ],
)
def test_malformed_values_are_refused_naming_where_and_what_was_expected(name: str, text: str, message: str) -> None:
    with pytest.raises(CorpusError, match=message):
        parse_document(name, text)


# Transcripts no recogniser writes, kept as JSON by those who publish them: Oyez's oral arguments,
# earnings calls' prepared remarks and Q&A, chat conversations. The samples' SOURCE.md files name the
# real files whose shapes they have.
SAMPLES = Path(__file__).parent / "samples"


def sample(folder: str, name: str) -> str:
    return (SAMPLES / folder / name).read_text(encoding="utf-8")


def test_an_oyez_oral_argument_gives_each_text_block_its_times_and_its_speaker() -> None:
    text = sample("oyez-json", "oral_argument.handmade.json")
    transcript = parse_document("oyez/98-417-t01.json", text)
    assert_segments_check_out(transcript, text)
    turns = [(t.speaker, t.start_time, t.end_time) for t in transcript.turns]
    assert turns == [("William H. Rehnquist", 0.0, 8.9), ("Maren T. Lindqvist", 8.9, 18.064),
                     ("Sandra Day O'Connor", 18.064, 21.2), ("Maren T. Lindqvist", 21.2, 26.75),
                     ("William H. Rehnquist", 1810.4, 1813.0), ("Daniel E. Okafor", 1813.0, 1820.55),
                     (None, 1820.55, 1821.3), ("William H. Rehnquist", 1821.3, 1824.9)]
    first = transcript.segments[0]
    assert first.source == "/transcript/sections/0/turns/0/text_blocks/0/text"
    assert (first.start_time, first.end_time) == (0.0, 7.52)
    assert transcript.text[first.start:first.end].startswith("We'll hear argument now in number 98-417")
    assert transcript.text.startswith("William H. Rehnquist: We'll hear argument")
    assert "\n\n[Inaudible]\n\n" in transcript.text  # a null speaker: nobody named


def test_an_oyez_justice_has_the_role_held_on_the_day_argued_and_an_advocate_none() -> None:
    transcript = parse_document("arg.json", sample("oyez-json", "oral_argument.handmade.json"))
    roles = {s.name: s.role for s in transcript.speakers}
    # Rehnquist's roles list Associate Justice (1972-1986), then Chief Justice: argued in 1999.
    assert roles == {"William H. Rehnquist": "Chief Justice of the United States",
                     "Maren T. Lindqvist": None,
                     "Sandra Day O'Connor": "Associate Justice of the Supreme Court of the United States",
                     "Daniel E. Okafor": None}
    assert transcript.turns[0].role == "Chief Justice of the United States"


def test_an_oyez_oral_argument_is_titled_by_its_case_and_hearing_dated_and_linked_to_its_mp3() -> None:
    transcript = parse_document("arg.json", sample("oyez-json", "oral_argument.handmade.json"))
    assert transcript.title == "Harbor Freight Cooperative v. Lindale County (Oral Argument - March 02, 1999)"
    assert transcript.date == "1999-03-02"
    assert transcript.media_url.endswith("/19990302a_98-417.delivery.mp3")


def test_an_oyez_justice_argued_before_becoming_chief_justice_is_an_associate_justice() -> None:
    data = json.loads(sample("oyez-json", "oral_argument.handmade.json"))
    data["title"] = "Oral Argument - January 14, 1980"
    transcript = parse_document("arg.json", json.dumps(data))
    assert transcript.turns[0].role == "Associate Justice of the Supreme Court of the United States"


def test_an_oyez_transcript_saved_without_its_envelope_is_read_too() -> None:
    data = json.loads(sample("oyez-json", "oral_argument.handmade.json"))["transcript"]
    text = json.dumps(data, indent=1)
    transcript = parse_document("arg.json", text)
    assert_segments_check_out(transcript, text)
    assert transcript.segments[0].source == "/sections/0/turns/0/text_blocks/0/text"
    assert transcript.title == "Harbor Freight Cooperative v. Lindale County"
    assert len(transcript.turns) == 8


@pytest.mark.parametrize(
    "data",
    [
        # Oyez's case overview (`oyez/cases/2000.00-949.json`): facts and links, no transcript.
        {"ID": 55005, "name": "Bush v. Gore", "docket_number": "00-949",
         "oral_argument_audio": [{"id": 20770, "title": "Oral Argument - December 11, 2000",
                                  "href": "https://api.oyez.org/case_media/oral_argument_audio/20770"}]},
        # A hearing Oyez has no transcript of.
        {"title": "Oral Argument - October 05, 1955", "transcript": None, "media_file": None, "unavailable": True},
        # Sections whose turns carry no text blocks.
        {"title": "Oral Argument", "transcript": {"sections": [{"turns": [{"speaker": None, "text": "hi"}]}]}},
    ],
)
def test_json_near_an_oyez_transcript_is_still_refused(data: object) -> None:
    with pytest.raises(CorpusError, match="JSON of no known shape"):
        parse_document("case.json", json.dumps(data))


def test_an_oyez_time_of_hundreds_of_digits_is_refused_naming_where() -> None:
    data = json.loads(sample("oyez-json", "oral_argument.handmade.json"))
    text = json.dumps(data).replace('"stop": 7.52', '"stop": ' + "9" * 400, 1)
    with pytest.raises(CorpusError, match=r"/transcript/sections/0/turns/0/text_blocks/0/stop: expected a time"):
        parse_document("arg.json", text)


def test_an_earnings_call_gives_each_remark_and_answer_its_speaker_and_role() -> None:
    text = sample("earnings-call-json", "q1_call.handmade.json")
    transcript = parse_document("NWM_q1_2024.json", text)
    assert_segments_check_out(transcript, text)
    assert [(t.speaker, t.role, t.start_time) for t in transcript.turns] == [
        ("Operator", None, None), ("Priya Raman", "Head of Investor Relations", None),
        ("Tomas Berg", "Chief Executive Officer", None), ("Alice Nwosu", "Chief Financial Officer", None),
        ("Operator", None, None), ("Sam Ortiz", "Harbor Securities -- Analyst", None),
        ("Alice Nwosu", "Chief Financial Officer", None), ("Operator", None, None)]
    assert transcript.segments[1].source == "/prepared_remarks/1/speech"
    assert transcript.segments[4].source == "/q_and_a/0/speech"
    # The page's closing `Duration: 41 minutes` "speaker" has no words, and is no one.
    assert "Duration" not in {s.name for s in transcript.speakers}


def test_an_earnings_calls_q_and_a_opens_a_turn_though_the_same_speaker_spoke_last() -> None:
    data = {"prepared_remarks": [{"speaker": "Operator", "speech": "Welcome to the call."}],
            "q_and_a": [{"speaker": "Operator", "speech": "Our first question comes from Sam Ortiz."},
                        {"speaker": "Sam Ortiz", "title": "Analyst", "speech": "Thanks."}]}
    turns = turns_of("call.json", data)
    assert turns == [("Operator", None, None, "Welcome to the call."),
                     ("Operator", None, None, "Our first question comes from Sam Ortiz."),
                     ("Sam Ortiz", None, None, "Thanks.")]
    assert parse_document("call.json", json.dumps(data)).turns[2].role == "Analyst"


def test_a_q_and_a_list_of_questions_and_answers_is_still_refused() -> None:
    # An FAQ or a quiz (`q_and_a: [{question, answer}]`) names no speaker: no earnings call.
    data = {"title": "Fencing FAQ", "q_and_a": [{"question": "What is a parry?", "answer": "A block."}]}
    with pytest.raises(CorpusError, match="JSON of no known shape"):
        parse_document("faq.json", json.dumps(data))


# A support chat export in the shape of BoombamPok/transcripts `transcript.json` (a list of
# conversations, each with `id`, `title`, `preview` and `conversation[]` of `{role, message}`).
SUPPORT_CHATS = [
    {"id": "1", "title": "Payment extension", "preview": "Customer asks for more time to pay...",
     "conversation": [{"role": "agent", "message": "Hi! Thanks for contacting us. How may I help?"},
                      {"role": "customer", "message": "I can't pay on time this month.\n\nCan I get an extension?"},
                      {"role": "agent", "message": "Yes, I can move the date to the 20th."}]},
    {"id": "2", "title": "Outage credit", "preview": "Customer reports an outage...",
     "conversation": [{"role": "agent", "message": "Hi! Thanks for contacting us. How may I help?"},
                      {"role": "agent", "message": "Are you still there?"},
                      {"role": "customer", "message": "My internet was down all night."}]}]


def test_support_chats_give_each_message_its_role_and_each_conversation_its_own_turns() -> None:
    assert turns_of("chats.json", SUPPORT_CHATS) == [
        ("agent", None, None, "Hi! Thanks for contacting us. How may I help?"),
        ("customer", None, None, "I can't pay on time this month. Can I get an extension?"),
        ("agent", None, None, "Yes, I can move the date to the 20th."),
        ("agent", None, None, "Hi! Thanks for contacting us. How may I help? Are you still there?"),
        ("customer", None, None, "My internet was down all night.")]
    transcript = parse_document("chats.json", json.dumps(SUPPORT_CHATS))
    assert transcript.segments[1].source == "/0/conversation/1/message"
    assert transcript.title is None  # two conversations, two titles: neither is the file's


def test_one_support_chat_is_titled_by_its_title() -> None:
    single = SUPPORT_CHATS[:1]
    assert parse_document("chat.json", json.dumps(single)).title == "Payment extension"
    assert parse_document("chat.json", json.dumps(single[0])).title == "Payment extension"


def test_sharegpt_conversations_keep_human_and_gpt_as_written() -> None:
    data = {"id": "x1", "conversations": [{"from": "system", "value": "Be brief."},
                                          {"from": "human", "value": "What is a barge?"},
                                          {"from": "gpt", "value": "A flat-bottomed boat."}]}
    assert turns_of("sharegpt.json", data) == [("system", None, None, "Be brief."),
                                               ("human", None, None, "What is a barge?"),
                                               ("gpt", None, None, "A flat-bottomed boat.")]


def test_chat_format_messages_read_text_parts_and_a_named_participant() -> None:
    data = {"messages": [
        {"role": "user", "name": "ana", "content": [{"type": "text", "text": "Look at this photo."},
                                                    {"type": "image_url", "image_url": {"url": "https://x/y.png"}},
                                                    {"type": "text", "text": "What is it?"}]},
        {"role": "assistant", "content": None, "tool_calls": [{"id": "c1", "type": "function"}]},
        {"role": "assistant", "content": "A lighthouse."}]}
    text = json.dumps(data, indent=1)
    transcript = parse_document("chat.json", text)
    assert_segments_check_out(transcript, text)
    assert [(t.speaker, t.role, transcript.text[t.start:t.end]) for t in transcript.turns] == [
        ("ana", "user", "Look at this photo. What is it?"), ("assistant", None, "A lighthouse.")]
    assert [s.source for s in transcript.segments] == ["/messages/0/content/0/text", "/messages/0/content/2/text",
                                                       "/messages/2/content"]


def test_a_dialogue_of_speakers_and_a_bare_list_of_messages_are_read() -> None:
    dialogue = {"dialogue": [{"speaker": "USER", "text": "Book a table for two."},
                             {"speaker": "SYSTEM", "text": "For what time?"}]}
    assert turns_of("d.json", dialogue) == [("USER", None, None, "Book a table for two."),
                                            ("SYSTEM", None, None, "For what time?")]
    bare = [{"role": "user", "content": "Hello"}, {"role": "assistant", "content": "Hi there."}]
    assert turns_of("bare.json", bare) == [("user", None, None, "Hello"), ("assistant", None, None, "Hi there.")]


def test_a_real_chat_dataset_gives_each_record_its_turns() -> None:
    text = sample("chat-messages-json", "mllm_demo.json")
    transcript = parse_document("mllm_demo.json", text)
    assert_segments_check_out(transcript, text)
    assert {s.name for s in transcript.speakers} == {"user", "assistant"}
    assert len(transcript.turns) == 24  # six conversations of four messages
    assert transcript.text.startswith("user: <image>Who are they?\n\nassistant: They're Kane and Gretzka")
    assert transcript.segments[4].source == "/1/messages/0/content"


def test_conversations_as_json_lines_cite_the_characters_of_each_message() -> None:
    text = "".join(json.dumps(chat) + "\n" for chat in SUPPORT_CHATS)
    assert read("chats.jsonl", text)[:2] == [
        ("agent", None, None, "Hi! Thanks for contacting us. How may I help?"),
        ("customer", None, None, "I can't pay on time this month. Can I get an extension?")]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        # Whisper's `segments` beside a `messages` list stay Whisper's.
        ({"segments": [{"start": 0.0, "end": 1.5, "text": "Hello."}],
          "messages": [{"role": "user", "content": "not speech"}]}, [(None, 0.0, 1.5, "Hello.")]),
        # A top-level `text` beside a conversation is that text, as before.
        ({"text": "The whole call.", "conversation": [{"role": "agent", "message": "Hi"}]},
         [(None, None, None, "The whole call.")]),
        # A list of {speaker, start, end, text} keeps its times and speakers.
        ([{"speaker": "A", "start": 0, "end": 2, "text": "One."},
          {"speaker": "B", "start": 2, "end": 3, "text": "Two."}],
         [("A", 0.0, 2.0, "One."), ("B", 2.0, 3.0, "Two.")]),
        # `utterances` of speaker and text (Taskmaster's shape) are read as AssemblyAI's, as before.
        ({"utterances": [{"speaker": "USER", "text": "Hi."}]}, [("USER", None, None, "Hi.")]),
    ],
)
def test_shapes_beside_or_near_a_conversation_are_read_as_before(data: object, expected: Turns) -> None:
    assert turns_of("f.json", data) == expected


@pytest.mark.parametrize(
    "data",
    [
        # Messenger's export names its writer `sender_name` (and lists messages newest first).
        {"participants": [{"name": "A"}], "messages": [{"sender_name": "A", "timestamp_ms": 1, "content": "hi"}]},
        # A dialogue of bare strings names no one.
        {"dialogue": ["Hi", "Hello"]},
        # Messages of which one names no writer: no conversation.
        {"messages": [{"role": "user", "content": "hi"}, {"content": "who said this?"}]},
        # HTTP headers as name/value pairs, a bare list: `name` is no writer where no role is beside it.
        [{"name": "Content-Type", "value": "text/html"}, {"name": "Accept", "value": "*/*"}],
    ],
)
def test_json_near_a_conversation_is_still_refused(data: object) -> None:
    with pytest.raises(CorpusError, match="JSON of no known shape|no spoken text found"):
        parse_document("near.json", json.dumps(data))
