"""The transcripts of research and archives: Praat TextGrids (phonetics, forced aligners), ELAN
documents (oral history, language documentation), TEI (parliamentary corpora such as ParlaMint)
and CHAT (TalkBank), each written here in the shape its tool writes, cut down. Every segment
points at its words in the file."""

from __future__ import annotations

import pytest

from rag.errors import CorpusError
from rag.ingest.readers import parse_document
from tests.ingest.test_formats import assert_segments_check_out

# As Montreal Forced Aligner writes a two-speaker alignment: a words and a phones tier each.
TEXTGRID = """File type = "ooTextFile"
Object class = "TextGrid"

xmin = 0
xmax = 9.5
tiers? <exists>
size = 4
item []:
    item [1]:
        class = "IntervalTier"
        name = "Ines Duarte - words"
        xmin = 0
        xmax = 9.5
        intervals: size = 4
        intervals [1]:
            xmin = 0
            xmax = 0.4
            text = ""
        intervals [2]:
            xmin = 0.4
            xmax = 0.9
            text = "where"
        intervals [3]:
            xmin = 0.9
            xmax = 1.3
            text = "were"
        intervals [4]:
            xmin = 1.3
            xmax = 2.0
            text = "you"
    item [2]:
        class = "IntervalTier"
        name = "Ines Duarte - phones"
        xmin = 0
        xmax = 9.5
        intervals: size = 1
        intervals [1]:
            xmin = 0.4
            xmax = 0.9
            text = "W"
    item [3]:
        class = "IntervalTier"
        name = "Tomas Berg - words"
        xmin = 0
        xmax = 9.5
        intervals: size = 3
        intervals [1]:
            xmin = 2.5
            xmax = 3.1
            text = "aboard"
        intervals [2]:
            xmin = 3.1
            xmax = 3.4
            text = "the"
        intervals [3]:
            xmin = 3.4
            xmax = 4.0
            text = "ferry"
    item [4]:
        class = "TextTier"
        name = "events"
        xmin = 0
        xmax = 9.5
        points: size = 1
        points [1]:
            number = 2.2
            mark = "cough"
"""

SHORT_TEXTGRID = 'File type = "ooTextFile"\nObject class = "TextGrid"\n\n0\n6\n<exists>\n2\n' \
    '"IntervalTier"\n"Interviewer"\n0\n6\n2\n0\n1.5\n"Where did you grow up?"\n1.5\n3\n""\n' \
    '"IntervalTier"\n"Maria"\n0\n6\n1\n3\n5.8\n"In a fishing village near Porto."\n'

# ELAN: one tier per participant, a translation tier referring to one of them, a slot left unaligned.
EAF = """<?xml version="1.0" encoding="UTF-8"?>
<ANNOTATION_DOCUMENT AUTHOR="" DATE="2021-05-04T10:00:00+01:00" FORMAT="3.0" VERSION="3.0">
    <HEADER MEDIA_FILE="" TIME_UNITS="milliseconds">
        <MEDIA_DESCRIPTOR MEDIA_URL="https://archive.example.org/oh-112.mp3" MIME_TYPE="audio/mpeg"/>
    </HEADER>
    <TIME_ORDER>
        <TIME_SLOT TIME_SLOT_ID="ts1" TIME_VALUE="1200"/>
        <TIME_SLOT TIME_SLOT_ID="ts2" TIME_VALUE="4300"/>
        <TIME_SLOT TIME_SLOT_ID="ts3" TIME_VALUE="4500"/>
        <TIME_SLOT TIME_SLOT_ID="ts4" TIME_VALUE="9100"/>
        <TIME_SLOT TIME_SLOT_ID="ts5" TIME_VALUE="9600"/>
        <TIME_SLOT TIME_SLOT_ID="ts6" TIME_VALUE="12000"/>
        <TIME_SLOT TIME_SLOT_ID="ts7"/>
    </TIME_ORDER>
    <TIER LINGUISTIC_TYPE_REF="utterance" PARTICIPANT="Maria Sousa" TIER_ID="MS">
        <ANNOTATION>
            <ALIGNABLE_ANNOTATION ANNOTATION_ID="a2" TIME_SLOT_REF1="ts3" TIME_SLOT_REF2="ts4">
                <ANNOTATION_VALUE>In a fishing village near Porto &amp; my father built boats.</ANNOTATION_VALUE>
            </ALIGNABLE_ANNOTATION>
        </ANNOTATION>
    </TIER>
    <TIER LINGUISTIC_TYPE_REF="translation" PARENT_REF="MS" TIER_ID="MS-en">
        <ANNOTATION>
            <REF_ANNOTATION ANNOTATION_ID="a9" ANNOTATION_REF="a2">
                <ANNOTATION_VALUE>Numa aldeia de pescadores.</ANNOTATION_VALUE>
            </REF_ANNOTATION>
        </ANNOTATION>
    </TIER>
    <TIER LINGUISTIC_TYPE_REF="utterance" PARTICIPANT="" TIER_ID="Interviewer">
        <ANNOTATION>
            <ALIGNABLE_ANNOTATION ANNOTATION_ID="a1" TIME_SLOT_REF1="ts1" TIME_SLOT_REF2="ts2">
                <ANNOTATION_VALUE>Where did you grow up?</ANNOTATION_VALUE>
            </ALIGNABLE_ANNOTATION>
        </ANNOTATION>
        <ANNOTATION>
            <ALIGNABLE_ANNOTATION ANNOTATION_ID="a3" TIME_SLOT_REF1="ts5" TIME_SLOT_REF2="ts6">
                <ANNOTATION_VALUE>What kind of boats?</ANNOTATION_VALUE>
            </ALIGNABLE_ANNOTATION>
        </ANNOTATION>
        <ANNOTATION>
            <ALIGNABLE_ANNOTATION ANNOTATION_ID="a4" TIME_SLOT_REF1="ts7" TIME_SLOT_REF2="ts7">
                <ANNOTATION_VALUE></ANNOTATION_VALUE>
            </ALIGNABLE_ANNOTATION>
        </ANNOTATION>
    </TIER>
    <LINGUISTIC_TYPE GRAPHIC_REFERENCES="false" LINGUISTIC_TYPE_ID="utterance" TIME_ALIGNABLE="true"/>
</ANNOTATION_DOCUMENT>
"""

# ParlaMint's shape: speakers by id (the people live in another file), notes inside and between
# utterances, the section's head.
PARLAMINT = """<?xml version="1.0" encoding="UTF-8"?>
<TEI xmlns="http://www.tei-c.org/ns/1.0" xml:id="ParlaMint-GB_2020-01-06-commons" xml:lang="en">
   <teiHeader>
      <fileDesc>
         <titleStmt>
            <title type="sub" xml:lang="en">Commons sitting</title>
            <title type="main" xml:lang="en">UK parliamentary corpus ParlaMint-GB, Commons, 2020-01-06</title>
         </titleStmt>
         <publicationStmt><date when="2023-02-01">2023-02-01</date></publicationStmt>
      </fileDesc>
      <profileDesc>
         <settingDesc><setting><date when="2020-01-06">2020-01-06</date></setting></settingDesc>
      </profileDesc>
   </teiHeader>
   <text ana="#parla.sitting">
      <body>
         <div type="debateSection">
            <head>Harbour Tunnel Funding</head>
            <note type="time">3.35 pm</note>
            <u xml:id="u1" who="#AnnaPike" ana="#regular">
               <seg xml:id="seg1">The tunnel will cost four hundred million pounds.</seg>
               <seg xml:id="seg2">Work starts in <date when="2021-03">March next year</date>.</seg>
            </u>
            <note type="comment">[Interruption.]</note>
            <u xml:id="u2" who="#OwenGrant" ana="#chair">
               <seg xml:id="seg3">Order. <vocal type="laughter"><desc>laughter</desc></vocal> The Minister will continue.</seg>
            </u>
         </div>
      </body>
   </text>
</TEI>
"""

# The TEI encoding of transcribed speech (ISO 24624): people named in the header, a timeline.
SPOKEN_TEI = """<TEI xmlns="http://www.tei-c.org/ns/1.0">
 <teiHeader>
  <fileDesc><titleStmt><title>Interview 7</title></titleStmt></fileDesc>
  <profileDesc>
   <particDesc><listPerson>
     <person xml:id="SPK0"><persName><forename>Lena</forename> <surname>Ortiz</surname></persName></person>
     <person xml:id="SPK1"><persName>Karl Weber</persName></person>
   </listPerson></particDesc>
  </profileDesc>
 </teiHeader>
 <text>
  <timeline unit="s" origin="#T0">
   <when xml:id="T0"/>
   <when xml:id="T1" interval="2.5" since="#T0"/>
   <when xml:id="T2" interval="6.0" since="#T0"/>
   <when xml:id="T3" interval="9.25" since="#T0"/>
  </timeline>
  <body>
   <u who="#SPK0" start="#T0" end="#T1">How long did the crossing take?</u>
   <u who="#SPK1" start="#T2" end="#T3">Eleven days <pause/> in winter storms.</u>
  </body>
 </text>
</TEI>
"""

# CLAN's layout: headers, main tiers with media bullets, a continuation line, dependent tiers.
CHAT = ("@UTF8\n@Begin\n@Languages:\teng\n@Participants:\tCHI Ross Target_Child, MOT Mother, FAT Father\n"
        "@ID:\teng|macwhinney|CHI|2;10.10||||Target_Child|||\n@Date:\t04-MAR-1980\n@Media:\tross12, audio\n"
        "*MOT:\twhat did you paint at school today ? \x151200_2500\x15\n"
        "*CHI:\twe painted a big red boat . \x152600_4100\x15\n"
        "%mor:\tpro|we v|paint-PAST det|a adj|big adj|red n|boat .\n"
        "*FAT:\ta boat with sails ?\n\tor a boat with a motor ? \x154200_6000\x15\n"
        "%com:\tlaughs\n@End\n")


def turns_of(name: str, text: str) -> list[tuple[str | None, float | None, float | None, str]]:
    """Each turn's speaker, times and words, the file's citations checked on the way."""
    transcript = parse_document(name, text)
    assert_segments_check_out(transcript, text)
    return [(t.speaker, t.start_time, t.end_time, transcript.text[t.start : t.end]) for t in transcript.turns]


def test_an_aligners_textgrid_gives_each_speakers_words_and_leaves_phones_and_points_out() -> None:
    assert turns_of("interview.TextGrid", TEXTGRID) == [
        ("Ines Duarte", 0.4, 2.0, "where were you"), ("Tomas Berg", 2.5, 4.0, "aboard the ferry")]
    assert parse_document("interview.TextGrid", TEXTGRID).format == "textgrid"


def test_a_short_textgrid_is_read_like_a_long_one_and_tiers_interleave_by_time() -> None:
    assert turns_of("short.textgrid", SHORT_TEXTGRID) == [
        ("Interviewer", 0.0, 1.5, "Where did you grow up?"), ("Maria", 3.0, 5.8, "In a fishing village near Porto.")]


@pytest.mark.parametrize(
    ("text", "message"),
    [("ooBinaryFile\bTextGrid", "a binary TextGrid; save it from Praat as a text file"),
     ('File type = "ooTextFile"\nObject class = "Pitch 1"\n', "not a TextGrid"),
     (SHORT_TEXTGRID[: SHORT_TEXTGRID.index('"Maria"')], "the TextGrid ends where a tier's name was expected"),
     (SHORT_TEXTGRID.replace("\n1.5\n3\n", "\n1.5\n\"x\"\n"), "an interval's xmax expected, found 'x'"),
     (SHORT_TEXTGRID.replace("<exists>\n2\n", "<exists>\n1e999\n"), "the number of tiers expected, found inf"),
     (SHORT_TEXTGRID.replace("\n0\n6\n2\n", "\n0\n6\n2.5\n"), "the number of intervals expected, found 2.5")],
)
def test_a_textgrid_that_cannot_be_read_says_why(text: str, message: str) -> None:
    with pytest.raises(CorpusError, match=message):
        parse_document("bad.TextGrid", text)


def test_an_elan_document_reads_its_participants_tiers_in_time_order_without_translations() -> None:
    assert turns_of("oh-112.eaf", EAF) == [
        ("Interviewer", 1.2, 4.3, "Where did you grow up?"),
        ("Maria Sousa", 4.5, 9.1, "In a fishing village near Porto & my father built boats."),
        ("Interviewer", 9.6, 12.0, "What kind of boats?"),
    ]
    transcript = parse_document("oh-112.eaf", EAF)
    assert transcript.format == "elan" and transcript.media_url == "https://archive.example.org/oh-112.mp3"


def test_xml_is_read_by_its_root_element() -> None:
    assert parse_document("oh-112.xml", EAF).format == "elan"
    assert parse_document("sitting.xml", PARLAMINT).format == "tei"
    with pytest.raises(CorpusError, match=r"not a transcript in XML: its root element is <rss>; known: TTML"):
        parse_document("feed.xml", '<?xml version="1.0"?>\n<!-- a feed -->\n<rss version="2.0"><channel/></rss>')


def test_a_parlamint_sitting_gives_its_speakers_title_and_date_and_leaves_heads_and_notes_out() -> None:
    assert turns_of("sitting.xml", PARLAMINT) == [
        ("Anna Pike", None, None, "The tunnel will cost four hundred million pounds. Work starts in March next year."),
        ("Owen Grant", None, None, "Order. The Minister will continue."),
    ]
    transcript = parse_document("sitting.xml", PARLAMINT)
    assert (transcript.title, transcript.date) == ("UK parliamentary corpus ParlaMint-GB, Commons, 2020-01-06",
                                                   "2020-01-06")
    assert not {"laughter", "Interruption", "Funding"} & set(transcript.text.replace(".", " ").split())


# ParlaMint's linguistically annotated edition: a token per element, `join="right"` where no space follows.
PARLAMINT_ANA = """<TEI xmlns="http://www.tei-c.org/ns/1.0"><teiHeader/><text><body><div type="debateSection">
<note type="speaker">Milojević, Goran</note>
<u who="#MilojevićGoran" ana="#chair"><seg><s>
	<w lemma="otvarati">Otvaram</w>
	<w lemma="sjednica" join="right">sjednicu</w>
	<pc>.</pc>
	<linkGrp type="UD-SYN"><link ana="ud-syn:obj" target="#w1 #w2"/></linkGrp>
</s></seg></u>
</div></body></text></TEI>
"""


def test_an_annotated_parlamint_sitting_reads_its_tokens_as_words() -> None:
    transcript = parse_document("sitting.ana.xml", PARLAMINT_ANA)
    assert [(t.speaker, transcript.text[t.start : t.end]) for t in transcript.turns] == [
        ("Milojević Goran", "Otvaram sjednicu.")]


def test_spoken_tei_names_people_from_the_header_and_times_utterances_by_the_timeline() -> None:
    assert turns_of("interview.xml", SPOKEN_TEI) == [
        ("Lena Ortiz", 0.0, 2.5, "How long did the crossing take?"),
        ("Karl Weber", 6.0, 9.25, "Eleven days in winter storms."),
    ]
    assert parse_document("interview.xml", SPOKEN_TEI).title == "Interview 7"


def test_a_chat_file_names_participants_times_utterances_by_their_bullets_and_skips_dependent_tiers() -> None:
    assert turns_of("ross12.cha", CHAT) == [
        ("Mother", 1.2, 2.5, "what did you paint at school today ?"),
        ("Ross", 2.6, 4.1, "we painted a big red boat ."),
        ("Father", 4.2, 6.0, "a boat with sails ? or a boat with a motor ?"),
    ]
    transcript = parse_document("ross12.cha", CHAT)
    assert transcript.date == "1980-03-04"
    assert [(s.name, s.role) for s in transcript.speakers] == [("Mother", None), ("Ross", "Target Child"),
                                                               ("Father", None)]
    assert "laughs" not in transcript.text and "pro|we" not in transcript.text


def test_a_file_named_cha_that_is_no_chat_says_so() -> None:
    with pytest.raises(CorpusError, match="not a CHAT file: it should open with @UTF8 or @Begin"):
        parse_document("notes.cha", "*MOT:\thello .\n")


def test_an_elan_tier_named_for_its_level_names_no_speaker() -> None:
    # ELAN's templates name a tier for what it holds (`utterance`, `Transcription`), not for who speaks.
    single = EAF.replace('PARTICIPANT="Maria Sousa" TIER_ID="MS"', 'TIER_ID="utterance"').replace(
        'PARTICIPANT="" TIER_ID="Interviewer"', 'TIER_ID="Transcription"')
    assert [t.speaker for t in parse_document("oh-113.eaf", single).turns] == [None]


def test_a_tei_file_whose_tags_do_not_nest_is_still_read() -> None:
    # An end tag closing the root mid-utterance once emptied the reader's stack of open elements.
    broken = '<TEI><text><body><u who="#A"><seg><w join="right">Yes</w></TEI> <pc>.</pc></seg></u></body></text>'
    assert parse_document("broken.xml", broken).text == "A: Yes.\n"


def test_intervals_starting_at_the_same_time_keep_their_order() -> None:
    # A zero-length interval beside the next one: once a TypeError, comparing the two to sort them.
    tied = SHORT_TEXTGRID.replace('0\n6\n2\n0\n1.5\n"Where did you grow up?"\n1.5\n3\n""\n',
                                  '0\n6\n2\n0\n0\n"So,"\n0\n1.5\n"where did you grow up?"\n')
    assert turns_of("tied.TextGrid", tied)[0] == ("Interviewer", 0.0, 1.5, "So, where did you grow up?")
