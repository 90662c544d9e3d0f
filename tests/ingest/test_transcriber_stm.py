"""Transcriber `.trs` files (speech corpora, oral history, LDC releases) and NIST `.stm` references
(ASR evaluation: TED-LIUM, Hub4, Switchboard): real files (tests/ingest/samples/transcriber-trs and
nist-stm, each with its SOURCE.md) and small files written here in their tools' shape. Every
segment points at its words in the file."""

from __future__ import annotations

import pytest

from rag.errors import CorpusError
from rag.ingest.corpus import source_document
from rag.ingest.readers import parse_document, reader_for
from rag.ingest.timed import Metadata
from rag.types import Speaker, Transcript
from tests.ingest.test_formats import SAMPLES, assert_segments_check_out, parsed

# As Transcriber 1.5 writes an interview: UTF-8, a speaker without a name, an overlapping turn
# whose Who parts span two Syncs, a Comment, Background noise and events, an ISO air date.
INTERVIEW = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE Trans SYSTEM "trans-14.dtd">
<Trans scribe="ml" audio_filename="oh_0412" version="3" version_date="210305">
<Speakers>
<Speaker id="spk1" name="Hélène Martin" check="no" dialect="native" accent="" scope="local"/>
<Speaker id="spk2" name="Interviewer" check="no" dialect="native" accent="" scope="local"/>
<Speaker id="spk3" check="no" dialect="native" accent="" scope="local"/>
</Speakers>
<Episode program="Mill Street oral history" air_date="2021-03-02">
<Section type="report" startTime="0" endTime="21.5">
<Turn speaker="spk2" startTime="0" endTime="4.25">
<Sync time="0"/>
When did you start at the mill?
</Turn>
<Turn speaker="spk1" startTime="4.25" endTime="12.8">
<Sync time="4.25"/>
In nineteen sixty-one, <Event desc="laugh" type="noise" extent="instantaneous"/> I was sixteen.
<Sync time="8.1"/>
<Comment desc="points at the photograph"/>
That is me on the left.
</Turn>
<Turn speaker="spk1 spk2" startTime="12.8" endTime="16.4">
<Sync time="12.8"/>
<Who nb="1"/>
and the foreman
<Who nb="2"/>
the one with the hat?
<Sync time="14.9"/>
<Who nb="1"/>
yes him
</Turn>
<Turn startTime="16.4" endTime="18">
<Sync time="16.4"/>
<Background time="16.4" type="music" level="low"/>
</Turn>
<Turn speaker="spk3" startTime="18" endTime="21.5">
<Sync time="18"/>
Tea is ready.
</Turn>
</Section>
</Episode>
</Trans>
"""


def read(name: str, text: str, metadata: Metadata | None = None) -> Transcript:
    transcript = parse_document(name, text, metadata)
    assert_segments_check_out(transcript, text)
    return transcript


def turns(transcript: Transcript) -> list[tuple[str | None, str, float | None, float | None]]:
    return [(turn.speaker, transcript.text[turn.start : turn.end], turn.start_time, turn.end_time)
            for turn in transcript.turns]


def test_a_broadcast_in_the_demo_files_shape_gives_its_speakers_overlapping_speech_and_title() -> None:
    transcript, text = parsed("transcriber-trs/radio_port_0504.trs")
    assert_segments_check_out(transcript, text)
    assert transcript.format == "transcriber"
    assert [s.name for s in transcript.speakers] == ["Marc Lenoir", "Claire Vidal"]
    assert turns(transcript)[:3] == [
        ("Marc Lenoir", "prêt ?", 0.0, 0.4),
        ("Claire Vidal", "oui .", 0.0, 0.4),
        ("Marc Lenoir", "alors on y va ? non , une seconde , le micro de Claire . Radio Port , il est 7 heures .",
         0.4, 4.5),
    ]
    last = turns(transcript)[-1]
    assert last[0] == "Marc Lenoir" and last[2:] == (10.5, 20.0)
    # The comment is left out, the words split around it.
    assert last[1].endswith("après six mois de travaux . les ferries reprennent lundi .")
    assert "vérifier" not in transcript.text
    assert transcript.title == "Radio Port"
    # `040504:0700` names no century: no date is guessed; `audio_filename` is no URL.
    assert transcript.date is None and transcript.media_url is None


def test_each_sync_times_the_words_after_it_until_the_next_and_the_last_until_the_turns_end() -> None:
    transcript = read("oh_0412.trs", INTERVIEW)
    times = [(transcript.text[s.start : s.end], s.start_time, s.end_time) for s in transcript.segments]
    assert times[:4] == [
        ("When did you start at the mill?", 0.0, 4.25),
        ("In nineteen sixty-one,", 4.25, 8.1),
        ("I was sixteen.", 4.25, 8.1),
        ("That is me on the left.", 8.1, 12.8),
    ]
    assert transcript.title == "Mill Street oral history" and transcript.date == "2021-03-02"


def test_a_turn_of_two_speakers_gives_each_who_part_to_its_speaker() -> None:
    transcript = read("oh_0412.trs", INTERVIEW)
    assert turns(transcript)[2:5] == [
        ("Hélène Martin", "and the foreman", 12.8, 14.9),
        ("Interviewer", "the one with the hat?", 12.8, 14.9),
        ("Hélène Martin", "yes him", 14.9, 16.4),
    ]
    # A speaker listed without a name is known by its id; the music turn holds no words.
    assert turns(transcript)[-1] == ("spk3", "Tea is ready.", 18.0, 21.5)
    assert [s.name for s in transcript.speakers] == ["Interviewer", "Hélène Martin", "spk3"]


def test_events_comments_and_background_are_left_out_and_split_the_words() -> None:
    transcript = read("oh_0412.trs", INTERVIEW)
    assert "laugh" not in transcript.text and "photograph" not in transcript.text and "music" not in transcript.text
    first, second = transcript.segments[1:3]
    between = INTERVIEW[int(first.source.split(",")[1]) : int(second.source[5:].split(",")[0])]
    assert between.strip() == '<Event desc="laugh" type="noise" extent="instantaneous"/>'


def test_a_sidecar_names_a_transcriber_speaker_and_overrides_the_title() -> None:
    metadata = Metadata(title="Interview 12", speakers={"Interviewer": Speaker("Ruth Ode", "interviewer")})
    transcript = read("oh_0412.trs", INTERVIEW, metadata)
    assert transcript.title == "Interview 12"
    assert transcript.turns[0].speaker == "Ruth Ode" and transcript.turns[0].role == "interviewer"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (INTERVIEW.replace("sixty-one,", "sixty-one & then"),
         r"^oh_0412\.trs: line 17: not well-formed XML \(not well-formed \(invalid token\), column \d+\)$"),
        (INTERVIEW.replace('<Sync time="8.1"/>', '<Sync time="8,1"/>'),
         r"^oh_0412\.trs: line 18: a Sync's time is '8,1', not a time in seconds$"),
        (INTERVIEW.replace('startTime="18" endTime="21.5"', 'startTime="18"'),
         r"^oh_0412\.trs: line 36: the turn's endTime is missing$"),
        (INTERVIEW.replace('<Sync time="14.9"/>', '<Sync time="11.9"/>'),
         r"^oh_0412\.trs: line 28: the time goes back \(11\.9 after 12\.8\)$"),
        ('<?xml version="1.0"?>\n<Transcript><Turn>hello</Turn></Transcript>\n',
         r"^oh_0412\.trs: not a Transcriber file: no <Trans> element$"),
    ],
)
def test_a_transcriber_file_that_cannot_be_read_is_refused_naming_the_line(text: str, message: str) -> None:
    with pytest.raises(CorpusError, match=message):
        parse_document("oh_0412.trs", text)


def test_a_nist_reference_keeps_its_marks_and_leaves_out_segments_ignored_in_scoring() -> None:
    transcript, text = parsed("nist-stm/isgbug.stm")
    assert_segments_check_out(transcript, text)
    assert transcript.format == "stm"
    assert [s.name for s in transcript.speakers] == ["sp002"]
    assert len(transcript.segments) == 10
    assert "IGNORE_TIME_SEGMENT_IN_SCORING" not in transcript.text
    assert "HE MIGHT { HE HAD / HE WOULD } WOULD HAVE SOME (%PARTIAL) GOOD IDEAS TOO" in transcript.text
    first, last = transcript.segments[0], transcript.segments[-1]
    assert (transcript.text[first.start : first.end], first.start_time, first.end_time) == (
        "GOT YOUR MEETING REQUEST", 600.49, 602.15)
    assert (last.start_time, last.end_time) == (1922.34, 1931.72)
    # CRLF line ends: the source ends at the last word, not at the carriage return.
    assert text[int(first.source[5:].split(",")[1])] == "\r"


def test_the_two_channels_of_a_call_are_put_in_the_order_they_were_said() -> None:
    transcript, text = parsed("nist-stm/testmss.stm")
    assert_segments_check_out(transcript, text)
    assert [(speaker, start, end) for speaker, _, start, end in turns(transcript)] == [
        ("testmss_B", 4.283, 10.18), ("testmss_A", 15.047, 21.69), ("testmss_B", 75.772, 87.65)]


def test_a_tedlium_reference_drops_unk_and_the_gaps_between_segments() -> None:
    transcript, text = parsed("nist-stm/tedlium-shape.stm")
    assert_segments_check_out(transcript, text)
    assert [s.name for s in transcript.speakers] == ["JaneRoe_2012X"]
    assert "<unk>" not in transcript.text and "inter_segment_gap" not in transcript.text
    assert "a shoebox and a coil and the first voice" in transcript.text
    assert "{BREATH} that is what this talk is about" in transcript.text
    assert [(s.start_time, s.end_time) for s in transcript.segments] == [
        (14.2, 21.65), (21.65, 29.03), (31.4, 38.92), (44.1, 50.57)]
    # `<unk> thank you`: the source starts at the first word kept.
    last = transcript.segments[-1]
    assert text[slice(*(int(x) for x in last.source[5:].split(",")))] == "thank you"


def test_several_recordings_in_one_stm_make_one_transcript_a_new_turn_for_each() -> None:
    text = (";; two talks scored together\n"
            "talk_a 1 spk1 0.0 2.5 <o,f0,male> first talk opens\n"
            "talk_a 1 spk1 2.5 4.0 <o,f0,male> and goes on\n"
            "talk_b 1 spk1 0.0 1.5 <o,f0,male> second talk\n"
            "talk_b\t1\tUnknown\t1.5\t3\tsomeone in the audience\n")
    transcript = read("scored.stm", text)
    assert turns(transcript) == [("spk1", "first talk opens and goes on", 0.0, 4.0),
                                 ("spk1", "second talk", 0.0, 1.5),
                                 (None, "someone in the audience", 1.5, 3.0)]
    assert "talk_a" not in transcript.text and "talk_b" not in transcript.text


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("talk_a 1 spk1 0.0", r"^x\.stm: line 3: not an STM line \(file channel speaker start end"),
        ("talk_a 1 spk1 zero 2.0 <o,f0,male> words", r"^x\.stm: line 3: 'zero' is not a time in seconds$"),
        ("talk_a 1 spk1 5.0 2.0 <o,f0,male> words", r"^x\.stm: line 3: ends \(2\.0\) before it starts \(5\.0\)$"),
        ("talk_a 1 spk1 1:05 2.0 words", r"^x\.stm: line 3: '1:05' is not a time in seconds$"),
    ],
)
def test_an_stm_line_that_cannot_be_read_is_refused_naming_the_line(line: str, message: str) -> None:
    text = f";; CATEGORY \"0\" \"\" \"\"\ntalk_a 1 spk1 0.0 1.0 <o,f0,male> fine\n{line}\n"
    with pytest.raises(CorpusError, match=message):
        parse_document("x.stm", text)


def test_an_stm_with_nothing_said_is_refused_as_holding_no_words() -> None:
    text = "a 1 inter_segment_gap 0 1 <o,f0,>\na 1 excluded_region 1 2 <o,,unknown> ignore_time_segment_in_scoring\n"
    with pytest.raises(CorpusError, match=r"^x\.stm: no spoken text found in this stm file$"):
        parse_document("x.stm", text)


def test_trs_and_stm_files_are_taken_by_their_readers() -> None:
    assert reader_for("corpus/FRINT980428.TRS").name == "transcriber"
    assert reader_for("refs/test.stm").name == "stm"
    assert (SAMPLES / "transcriber-trs" / "SOURCE.md").is_file() and (SAMPLES / "nist-stm" / "SOURCE.md").is_file()


def test_a_transcriber_file_in_the_encoding_its_xml_declaration_names_is_read_in_it() -> None:
    # Transcriber writes ISO-8859-1 and says so in its declaration; read as UTF-8, such a file was refused.
    latin1 = ('<?xml version="1.0" encoding="ISO-8859-1"?>\n<Trans><Speakers><Speaker id="spk1" name="Hélène"/>'
              '</Speakers><Episode><Section type="report" startTime="0" endTime="4">'
              '<Turn speaker="spk1" startTime="0" endTime="4"><Sync time="0"/>Bonjour à tous, ça va ?\n'
              '</Turn></Section></Episode></Trans>\n').encode("latin-1")
    document = source_document("emission.trs", latin1, None)
    transcript = parse_document(document.doc_id, document.text)
    assert [(t.speaker, transcript.text[t.start : t.end]) for t in transcript.turns] == [
        ("Hélène", "Bonjour à tous, ça va ?")]
    assert_segments_check_out(transcript, document.text)
    with pytest.raises(CorpusError, match=r"emission\.trs: not valid UTF-8, and its XML declaration declares charset"):
        source_document("emission.trs", latin1.replace(b"ISO-8859-1", b"klingon"), None)
