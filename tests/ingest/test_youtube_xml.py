"""YouTube's timedtext XML captions (srv1 `<transcript>`, srv2 and srv3 `<timedtext>`), read from
`.xml` by their root: a real srv1 file and files written in the shape of real ones
(tests/ingest/samples/youtube-timedtext/SOURCE.md), and small files written here."""

from __future__ import annotations

import pytest

from rag.errors import CorpusError
from rag.ingest.captions import plain
from rag.ingest.readers import parse_document
from tests.ingest.test_formats import assert_segments_check_out, parsed

FOLDER = "youtube-timedtext"


def shown(source: str, file_text: str) -> str:
    """What srv1 text at `source` shows: its characters read as XML, then the HTML inside read as
    HTML (tags out, entities decoded), for as many layers as it was escaped."""
    start, end = (int(x) for x in source.removeprefix("char=").split(","))
    text, previous = file_text[start:end], None
    while text != previous:
        previous, text = text, plain(text)
    return " ".join(text.split())


def test_srv3_automatic_captions_join_their_word_segments_and_leave_line_break_paragraphs_out() -> None:
    transcript, text = parsed(f"{FOLDER}/srv3_auto.xml")
    assert transcript.format == "timedtext" and transcript.title is None and transcript.speakers == []
    assert transcript.text == (
        "[Music] welcome back to the harbour council meeting today we're looking at the ferry timetable "
        "no no changes until May\n"
    )
    # One segment per paragraph with words; the `a="1"` paragraphs hold only a newline.
    assert [(s.start_time, s.end_time) for s in transcript.segments] == [
        (0.64, 6.76), (6.76, 11.319), (9.28, 13.6), (11.319, 15.72),
    ]
    first_words = transcript.segments[1]
    start, end = (int(x) for x in first_words.source.removeprefix("char=").split(","))
    assert text[start:end].startswith('<s ac="255">welcome</s>') and text[end:].startswith("</p>")
    assert_segments_check_out(transcript, text)


def test_srv1_text_escaped_twice_is_decoded_through_both_layers_and_its_tags_left_out() -> None:
    transcript, text = parsed(f"{FOLDER}/srv1_escaped.xml")
    assert transcript.text == (
        "MAYOR LIND: Good evening. Let's begin.\n\n"
        'CLERK: The first item is the "harbour" levy.\n\n'
        "Ana Diaz: We object & we'll say why.\n\n"
        "R&D costs rose, AT&T's too.\n"
    )
    assert [s.name for s in transcript.speakers] == ["MAYOR LIND", "CLERK", "Ana Diaz"]
    assert [(t.start_time, t.end_time) for t in transcript.turns] == [(0.5, 3.7), (3.7, 6.5), (6.5, 8.9), (9.3, 11.4)]
    assert_segments_check_out(transcript, text, shown)


def test_srv1_text_escaped_more_than_twice_is_decoded_to_the_end_and_a_bare_ampersand_stays() -> None:
    content = ('<transcript><text start="0" dur="2">Tom &amp;amp;amp; Jerry &amp;amp;#39;n&amp;amp;#39; '
               'R&amp;D&amp;nbsp;lab</text></transcript>')
    transcript = parse_document("cartoon.xml", content)
    assert transcript.text == "Tom & Jerry 'n' R&D lab\n"
    assert_segments_check_out(transcript, content, shown)


def test_the_real_youtube_transcript_api_file_reads_as_that_library_reads_it() -> None:
    transcript, text = parsed(f"{FOLDER}/youtube_transcript_api.transcript.xml")
    # youtube-transcript-api gives these three snippets (the empty `<text>` has none), italics removed.
    assert transcript.text == (
        "Hey, this is just a test this is not the original transcript just something shorter, I made up for testing\n"
    )
    assert [(s.start_time, s.end_time) for s in transcript.segments] == [(0.0, 1.54), (1.54, 5.7), (5.7, 8.939)]
    assert_segments_check_out(transcript, text, shown)


def test_srv2_counts_milliseconds_and_a_newline_in_the_text_breaks_the_line() -> None:
    transcript, text = parsed(f"{FOLDER}/srv2.xml")
    assert transcript.text == "Good morning. Thank you all for coming.\n"
    assert [(s.start_time, s.end_time) for s in transcript.segments] == [(1.2, 3.5), (3.5, 6.1), (3.5, 6.1)]
    assert_segments_check_out(transcript, text)


BROADCAST = """<?xml version="1.0" encoding="utf-8" ?><timedtext format="3"><body>
<p t="0" d="2000">&gt;&gt; ANA: Are we ready?<br/>&gt;&gt; BOB: We are.</p>
<p t="2000" d="2000">Let us begin.</p>
<p t="4000" d="1500">&gt;&gt; Who is next?</p>
<p t="5500" d="1500">[Carla Ruiz] Me.</p>
<p t="7000" d="1500">[Music]</p>
<p t="8500" d="1500">Carla Ruiz: Thank you.
It was a long week.</p>
</body></timedtext>"""


def test_speaker_marks_in_the_text_are_read_as_other_captions_read_them() -> None:
    transcript = parse_document("hearing.xml", BROADCAST)
    assert transcript.text == (
        "ANA: Are we ready?\n\nBOB: We are. Let us begin.\n\nWho is next?\n\n"
        "Carla Ruiz: Me. [Music] Thank you. It was a long week.\n"
    )
    assert [(t.speaker, t.start_time, t.end_time) for t in transcript.turns] == [
        ("ANA", 0.0, 2.0), ("BOB", 0.0, 4.0), (None, 4.0, 5.5), ("Carla Ruiz", 5.5, 10.0),
    ]
    assert_segments_check_out(transcript, BROADCAST)


def test_a_paragraph_repeated_word_for_word_is_said_once_but_a_repeated_word_or_short_reply_is_kept() -> None:
    # Captions that animate a line give it twice, at the same time (youtube-transcript-api #608).
    content = ('<timedtext format="3"><body><p t="0" d="1817">We are trapped inside\nthis house</p>'
               '<p t="0" d="1817">We are trapped inside\nthis house</p>'
               '<p t="1851" d="1083"><s>ridiculous</s><s t="960"> ridiculous</s><s t="1520"> transitions</s></p>'
               '<p t="3000" d="500">No.</p><p t="3500" d="500">No.</p></body></timedtext>')
    transcript = parse_document("animated.xml", content)
    assert transcript.text == "We are trapped inside this house ridiculous ridiculous transitions No. No.\n"
    assert_segments_check_out(transcript, content)


def test_a_byte_order_mark_and_crlf_lines_count_in_the_sources_and_missing_times_stay_missing() -> None:
    content = ('\ufeff<?xml version="1.0" encoding="utf-8" ?>\r\n<timedtext format="3"><body>\r\n'
               '<p t="1000" d="2000">caf&#233; &amp;#39;au lait&amp;#39;</p>\r\n'
               '<p d="2000">untimed</p>\r\n<p t="4000">no duration</p>\r\n</body></timedtext>\r\n')
    transcript = parse_document("cafe.xml", content)
    assert transcript.text == "café 'au lait' untimed no duration\n"
    assert [(s.start_time, s.end_time) for s in transcript.segments] == [(1.0, 3.0), (None, None), (4.0, 4.0)]
    assert [content[int(a) : int(b)] for a, b in (s.source[5:].split(",") for s in transcript.segments[1:])] == [
        "untimed", "no duration",
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('<timedtext format="3"><body>\n<p t="0" d="1">Hi.</p>\n<p t="1" d="1">There.</s>\n</body></timedtext>',
         r"talk\.xml: line 3: not well-formed XML \(mismatched tag"),
        ('<transcript>\n<text start="0" dur="1">Hi.</text>\n<text start="1"',
         r"talk\.xml: line 3: not well-formed XML"),
        ('<transcript>\n<text start="0" dur="1">Hi &amp; bye.</text>\n'
         '<text start="1" dur="1">A & B</text></transcript>',
         r"talk\.xml: line 3: not well-formed XML \(not well-formed"),
        ('<transcript>\n<text start="0" dur="1">Hi.</text>\n<text start="0:01" dur="1">There.</text></transcript>',
         r"talk\.xml: line 3: '0:01' is not a time in seconds"),
        ('<timedtext format="3"><body>\n\n<p t="1.5s" d="100">Hi.</p></body></timedtext>',
         r"talk\.xml: line 3: '1\.5s' is not a time in milliseconds"),
        ('<!DOCTYPE transcript [<!ENTITY x "boom">]>\n<transcript><text start="0">&x;</text></transcript>',
         r"talk\.xml: line 1: declares an XML entity"),
        ('<timedtext format="3"><head/><body><w t="0" id="1"/><p t="0" d="10">\n</p></body></timedtext>',
         r"talk\.xml: no spoken text found in this timedtext file"),
    ],
)
def test_a_malformed_file_or_a_bad_time_is_refused_naming_the_line(content: str, message: str) -> None:
    with pytest.raises(CorpusError, match=message):
        parse_document("talk.xml", content)


def test_an_unknown_xml_root_is_refused_naming_the_youtube_roots_among_the_known() -> None:
    with pytest.raises(CorpusError, match=r"its root element is <rss>; known: .*YouTube timedtext <timedtext>, "
                                          r"<transcript>"):
        parse_document("feed.xml", "<rss><channel/></rss>")


@pytest.mark.parametrize("suffix", [".srv1", ".srv2", ".srv3"])
def test_captions_saved_by_yt_dlp_under_its_own_suffixes_are_read_by_their_root(suffix: str) -> None:
    # yt-dlp names the file by the format asked for (`talk.en.srv3`), whatever the root inside.
    as_xml, text = parsed(f"{FOLDER}/srv3_auto.xml")
    saved = parse_document(f"talk.en{suffix}", text)
    assert (saved.format, saved.text, saved.turns, saved.segments) == (
        as_xml.format, as_xml.text, as_xml.turns, as_xml.segments)
