"""TTML's timing (TTML2 §12, after SMIL: `par` and `seq` time containers, `begin`/`end`/`dur`
counted from the elements around, implicit ends) and ruby (`tts:ruby`, IMSC's Japanese
captions): real files of the W3C's IMSC test suite (tests/ingest/samples/w3c-imsc-ttml/SOURCE.md),
whose words say when a player shows them, and small files written here."""

from __future__ import annotations

from rag.ingest.readers import parse_document
from rag.types import Transcript
from tests.ingest.test_formats import assert_segments_check_out, parsed, resolve

FOLDER = "w3c-imsc-ttml"
TT = ('<tt xmlns="http://www.w3.org/ns/ttml" xmlns:ttm="http://www.w3.org/ns/ttml#metadata" '
      'xmlns:tts="http://www.w3.org/ns/ttml#styling">')


def timed(transcript: Transcript) -> list[tuple[str, float | None, float | None]]:
    return [(transcript.text[s.start : s.end], s.start_time, s.end_time) for s in transcript.segments]


def test_a_seq_container_starts_each_child_where_the_one_before_it_ended() -> None:
    # W3C's own test: each paragraph says when it must show. Nested `seq` divs (the second begins
    # when the first's 20 s are over), `begin` counted from the end of the sibling before, frames
    # at 24 per second; a `seq` paragraph of plain words shows them for no time.
    transcript, text = parsed(f"{FOLDER}/MediaSeqTiming002.ttml")
    assert transcript.title == "Timing Test - Seq - 002"
    assert [(words, start, end) for words, start, end in timed(transcript) if "seconds," in words
            or "seconds." in words or "must not" in words] == [
        ("and be remain visible to 10 seconds,", 5.0, 10.0),
        ("This text must not appear.", 15.0, 15.0),
        ("and be remain visible to 20 seconds,", 15.0, 20.0),
        ("and be remain visible to 30 seconds.", 25.0, 30.0),
        ("This text must not appear.", 30.0, 30.0),
        ("and be remain visible to 40 seconds.", 35.0, 40.0),
    ]
    assert_segments_check_out(transcript, text)


def test_an_end_on_a_seq_container_cuts_off_what_would_show_after_it() -> None:
    # `<div timeContainer="seq" end="30s">`: its second child begins at 20 s, and that child's second
    # paragraph would begin at 35 s, after the div has ended: it lasts no time, at its begin.
    transcript, text = parsed(f"{FOLDER}/MediaSeqTiming005.ttml")
    assert [(start, end) for _, start, end in timed(transcript)] == [
        (5.0, 10.0), (5.0, 10.0), (15.0, 20.0), (15.0, 20.0), (25.0, 30.0), (25.0, 30.0), (35.0, 35.0)]
    assert timed(transcript)[-1][0] == "This text must not appear."
    assert_segments_check_out(transcript, text)


def test_a_paragraph_in_a_seq_container_begins_when_the_one_before_it_has_lasted_its_dur() -> None:
    transcript, text = parsed(f"{FOLDER}/BasicTimeContainment002.ttml")
    assert timed(transcript) == [
        ("This first sentence persists for 5 seconds. This second sentence persists for 10 seconds", 0.0, 10.0),
        ("This sentence appears at 10 seconds and persists for 10 seconds", 10.0, 20.0),
    ]
    assert_segments_check_out(transcript, text)


def test_seq_offsets_ends_gaps_and_agents_written_as_captioning_tools_write_them() -> None:
    content = (
        f'{TT}<head><metadata><ttm:agent xml:id="a"><ttm:name>Ana Diaz</ttm:name></ttm:agent>'
        '<ttm:agent xml:id="b"><ttm:name>Ben Okafor</ttm:name></ttm:agent></metadata></head>'
        '<body><div begin="10s" timeContainer="seq">\n'
        '<p dur="2s" ttm:agent="a">The harbour opens at six.</p>\n'
        '<p begin="1s" dur="3s" ttm:agent="b">Which berth?</p>\n'
        '<div dur="2s"/>\n'  # an empty element: two seconds of nothing
        '<p end="1.5s" ttm:agent="a">Berth four.</p>\n'  # an end counts from the sibling before, too
        '<p begin="0.5s" dur="4s" end="3s" ttm:agent="b">Thanks, see you there.</p>\n'  # the earlier end
        '</div></body></tt>')
    transcript = parse_document("harbour.ttml", content)
    assert [(t.speaker, t.start_time, t.end_time, transcript.text[t.start : t.end]) for t in transcript.turns] == [
        ("Ana Diaz", 10.0, 12.0, "The harbour opens at six."), ("Ben Okafor", 13.0, 16.0, "Which berth?"),
        ("Ana Diaz", 18.0, 19.5, "Berth four."), ("Ben Okafor", 20.0, 22.5, "Thanks, see you there.")]
    assert_segments_check_out(transcript, content)


def test_implicit_ends_in_seq_and_par_containers() -> None:
    content = (
        f'{TT}<body><div timeContainer="seq" end="12s">\n'
        # Karaoke: a `seq` paragraph lasts as long as its words' spans, one after another.
        '<p begin="1s" timeContainer="seq"><span dur="0.5s">One,</span> <span dur="1s">two,</span> '
        '<span dur="0.5s">three.</span></p>\n'
        # No end of its own: it lasts until the next one begins (counted from its begin).
        '<p begin="1s">No end of its own.</p>\n'
        '<p begin="2s" dur="1s">Next.</p>\n'
        # The last one with no end: until its container ends.
        '<p begin="1s">Last words.</p>\n'
        '</div><div begin="20s">\n'
        # A `par` paragraph of timed spans ends with the last of them.
        '<p begin="1s"><span begin="0s" end="1s">Word</span> <span begin="1s" end="2.5s">by word.</span></p>\n'
        '</div></body></tt>')
    transcript = parse_document("song.ttml", content)
    assert timed(transcript) == [
        ("One, two, three.", 1.0, 3.0), ("No end of its own.", 4.0, 6.0), ("Next.", 6.0, 7.0),
        ("Last words.", 8.0, 12.0), ("Word by word.", 21.0, 23.5)]
    assert_segments_check_out(transcript, content)


def test_times_count_from_the_body_and_divs_around_and_stop_where_they_end() -> None:
    content = (
        f'{TT}<body begin="5s"><div begin="10s" end="20s">\n'
        '<p>Shown as long as its div.</p>\n'
        '<p begin="2s" end="30s">Cut where the div ends.</p>\n'
        '<p begin="1s" end="4s" dur="2s">The earlier of its end and its dur.</p>\n'
        '<p begin="25s" dur="1s">Begins after the div has ended.</p>\n'
        '</div></body></tt>')
    transcript = parse_document("briefing.ttml", content)
    assert timed(transcript) == [
        ("Shown as long as its div.", 15.0, 25.0), ("Cut where the div ends.", 17.0, 25.0),
        ("The earlier of its end and its dur.", 16.0, 18.0), ("Begins after the div has ended.", 40.0, 40.0)]
    assert_segments_check_out(transcript, content)
    # A paragraph with no time on it nor on anything around it has none.
    content = f'{TT}<body><div begin="1s" end="2s"><p>Timed.</p></div><div><p>Untimed.</p></div></body></tt>'
    assert timed(parse_document("notes.ttml", content)) == [("Timed.", 1.0, 2.0), ("Untimed.", None, None)]


def test_apple_music_lyrics_write_times_of_the_song_on_nested_elements() -> None:
    # Apple Music (and the lyric tools that follow it) repeat the div's begin on its first line:
    # read as TTML offsets, every line would begin twice as late, after its div has ended.
    content = (
        '<tt xmlns="http://www.w3.org/ns/ttml" xmlns:itunes="http://music.apple.com/lyric-ttml-internal" '
        'itunes:timing="Line"><body dur="1:00.000"><div begin="12.500" end="20.000">'
        '<p begin="12.500" end="15.000">First line of the song</p>'
        '<p begin="16.000" end="20.000">Second line of the song</p></div></body></tt>')
    transcript = parse_document("lyrics.ttml", content)
    assert timed(transcript) == [("First line of the song", 12.5, 15.0), ("Second line of the song", 16.0, 20.0)]
    assert_segments_check_out(transcript, content)


def assert_readings_left_out(transcript: Transcript, text: str, readings: list[str]) -> None:
    """The segments check out, and none of them points at characters holding a reading."""
    assert_segments_check_out(transcript, text)
    for segment in transcript.segments:
        assert not any(reading in resolve(segment.source, text) for reading in readings), segment
    assert not any(reading in transcript.text for reading in readings)


def test_ruby_readings_are_no_words_and_each_piece_points_at_the_characters_between_them() -> None:
    # 歌 with its reading うた mid-sentence, two lines to a paragraph; then the same without ruby.
    transcript, text = parsed(f"{FOLDER}/rubyReserve001.ttml")
    sentences = "スペイン外人部隊の歌です 遠征でよく歌いました"
    assert transcript.text == " ".join([sentences] * 4) + "\n"
    first = transcript.segments[:4]
    assert [(transcript.text[s.start : s.end], s.start_time, s.end_time) for s in first] == [
        ("スペイン外人部隊の歌", 0.0, 1.0), ("です", 0.0, 1.0), ("遠征でよく歌", 0.0, 1.0), ("いました", 0.0, 1.0)]
    # The base and the words after it join with no space, as the file writes them.
    assert first[1].start == first[0].end and first[3].start == first[2].end
    assert resolve(first[0].source, text) == "スペイン外人部隊の歌" and resolve(first[3].source, text) == "いました"
    assert_readings_left_out(transcript, text, ["うた"])


def test_double_sided_ruby_and_its_fallback_parentheses_are_no_words() -> None:
    transcript, text = parsed(f"{FOLDER}/ruby002.ttml")  # 東南 read とうなん above and たつみ below
    assert transcript.text == "東南の方角\n"
    assert_readings_left_out(transcript, text, ["とうなん", "たつみ"])
    transcript, text = parsed(f"{FOLDER}/ruby004.ttml")  # 利用許諾(ライセンス)
    assert transcript.text == "利用許諾\n"
    assert [resolve(s.source, text) for s in transcript.segments] == ["利用許諾"]
    assert_readings_left_out(transcript, text, ["ライセンス", "(", ")"])


def test_ruby_set_by_a_style_the_span_names() -> None:
    # `<span style="s_rb_t">0.25em</span>`, the style being `<style xml:id="s_rb_t" tts:ruby="text"/>`.
    transcript, text = parsed(f"{FOLDER}/linepadding002.ttml")
    assert transcript.text == "ruby container boxed with padding a span on a 2nd line\n"
    assert resolve(transcript.segments[0].source, text) == "ruby container boxed with padding"
    assert_segments_check_out(transcript, text)


def test_ruby_in_captions_with_speakers_and_a_style_naming_a_style() -> None:
    content = (
        f'{TT}<head><styling><style xml:id="reading" tts:ruby="text" tts:fontSize="50%"/>'
        '<style xml:id="small-reading" style="reading" tts:color="yellow"/></styling>'
        '<metadata><ttm:agent xml:id="k"><ttm:name>Kenji Sato</ttm:name></ttm:agent></metadata></head>'
        '<body><div>\n'
        '<p begin="1s" end="3s" ttm:agent="k">明日は<span tts:ruby="container"><span tts:ruby="base">晴天</span>'
        '<span style="small-reading">せいてん</span></span>です。</p>\n'
        '<p begin="3s" end="5s">[Mika] <span tts:ruby="container">\n  <span tts:ruby="base">傘</span>\n'
        '  <span tts:ruby="text">かさ</span>\n</span>は要りません。</p>\n'
        '</div></body></tt>')
    transcript = parse_document("weather.ttml", content)
    assert [(t.speaker, t.start_time, t.end_time, transcript.text[t.start : t.end]) for t in transcript.turns] == [
        ("Kenji Sato", 1.0, 3.0, "明日は晴天です。"), ("Mika", 3.0, 5.0, "傘は要りません。")]
    assert_readings_left_out(transcript, content, ["せいてん", "かさ"])


def test_metadata_in_a_paragraph_is_no_words() -> None:
    # IRT's IMSC test (tests/ingest/samples/irt-imsc-ttml/SOURCE.md): `<metadata>` holding foreign
    # vocabulary ("Metadata Value") before the paragraph's words; a player shows the words alone.
    transcript, text = parsed("irt-imsc-ttml/foreign-namespace-in-p-001.ttml")
    assert transcript.text == "Foreign namespace test.\n"
    assert timed(transcript) == [("Foreign namespace test.", 0.0, 10.0)]
    assert_readings_left_out(transcript, text, ["Metadata Value"])


def test_metadata_vocabulary_in_the_body_is_left_out_and_the_head_still_names_title_and_speakers() -> None:
    content = (
        f'{TT}<head><metadata><ttm:title>Harbour Board, 3 May</ttm:title>'
        '<ttm:agent xml:id="a"><ttm:name>Ana Diaz</ttm:name></ttm:agent>'
        '<ttm:agent xml:id="b"><ttm:name>Ben Okafor</ttm:name></ttm:agent></metadata></head>'
        '<body><div begin="10s" timeContainer="seq">\n'
        # Metadata of the div: a paragraph in it is no content, and takes no time in the `seq` div.
        '<metadata><ttm:desc>Recorded at the quay</ttm:desc><ttm:copyright>Harbour Board</ttm:copyright>'
        '<p dur="5s">A paragraph inside metadata</p></metadata>\n'
        '<p dur="2s" ttm:agent="a"><metadata>A note for editors</metadata>The harbour opens at six.</p>\n'
        # Mid-sentence, in a span, foreign vocabulary with a line break of its own.
        '<p dur="3s" ttm:agent="b">Which <ttm:desc>stressed</ttm:desc>berth<span> for <metadata>'
        '<x:cue xmlns:x="urn:example:cues">cue 42<br/>take two</x:cue></metadata>the ferry</span>?</p>\n'
        '<p dur="2s" ttm:agent="a"><ttm:actor agent="a"/>Berth four.<ttm:item name="check">checked</ttm:item></p>\n'
        '</div></body></tt>')
    transcript = parse_document("harbour.ttml", content)
    assert transcript.title == "Harbour Board, 3 May"
    assert [(t.speaker, t.start_time, t.end_time, transcript.text[t.start : t.end]) for t in transcript.turns] == [
        ("Ana Diaz", 10.0, 12.0, "The harbour opens at six."), ("Ben Okafor", 12.0, 15.0, "Which berth for the ferry?"),
        ("Ana Diaz", 15.0, 17.0, "Berth four.")]
    assert_readings_left_out(transcript, content, [
        "quay", "Harbour Board", "inside metadata", "editors", "stressed", "cue 42", "take two", "checked"])


AMLL = ('<tt xmlns="http://www.w3.org/ns/ttml" xmlns:ttm="http://www.w3.org/ns/ttml#metadata" '
        'xmlns:itunes="http://music.apple.com/lyric-ttml-internal" xmlns:amll="http://www.example.com/ns/amll" '
        'itunes:timing="Word">')


def test_a_lyric_tools_translation_and_romanisation_are_no_words_background_vocals_are() -> None:
    # As the AMLL tools write them (after Apple Music): a romanisation of each word inside its span,
    # the line's translation and romanisation after its words, background vocals (`x-bg`) sung.
    content = (
        f'{AMLL}<head><metadata><amll:meta key="musicName" value="Two songs"/></metadata></head>'
        '<body dur="00:10.000"><div begin="00:01.000" end="00:09.000">'
        '<p begin="00:01.000" end="00:04.000" itunes:key="L1">'
        '<span begin="00:01.000" end="00:01.500">君<span ttm:role="x-roman">kimi</span></span>'
        '<span begin="00:01.500" end="00:02.000">の<span ttm:role="x-roman">no</span></span>'
        '<span begin="00:02.000" end="00:03.000">歌<span ttm:role="x-roman">uta</span></span>'
        '<span ttm:role="x-translation" xml:lang="en">your song</span>'
        '<span ttm:role="x-bg" begin="00:03.000" end="00:04.000"><span begin="00:03.000" end="00:03.500">(oh</span> '
        '<span begin="00:03.500" end="00:04.000">yeah)</span></span></p>'
        '<p begin="00:05.000" end="00:09.000" itunes:key="L2">'
        '<span begin="00:05.000" end="00:05.400">Hel</span><span begin="00:05.400" end="00:06.000">lo</span> '
        '<span begin="00:06.000" end="00:07.000">world</span>'
        '<span ttm:role="x-translation" xml:lang="zh-CN">你好，世界</span>'
        '<span ttm:role="x-roman" xml:lang="ja-Latn">ha-ro wa-ru-do</span></p>'
        # A whole line so marked.
        '<p begin="00:09.000" end="00:09.000" ttm:role="x-translation">A translated line</p>'
        '</div></body></tt>')
    transcript = parse_document("song.ttml", content)
    assert transcript.text.startswith("君の歌") and "(oh yeah)" in transcript.text
    assert transcript.text.endswith("Hello world\n")
    assert [(s.start_time, s.end_time) for s in transcript.segments][-1] == (5.0, 9.0)
    assert_readings_left_out(transcript, content, [
        "kimi", "uta", "your song", "你好", "ha-ro", "A translated line"])


def test_apple_lyrics_laid_out_a_span_a_line_join_the_syllables_of_a_word() -> None:
    # Apple's asset guide lays its lyrics out so: a space after `</span>` where words part, a line
    # break alone between two syllables of one word (`is</span>` newline `<span>land`).
    content = (
        f'{AMLL}\n  <body dur="00:30.000">\n    <div begin="00:12.000" end="00:16.500">\n'
        '      <p begin="00:12.000" end="00:16.500">\n'
        '        <span ttm:role="x-bg">\n'
        '        <span begin="12.000" end="12.400">(Row</span> <span begin="12.400" end="12.900">row,</span> \n'
        '        <span begin="12.900" end="13.300">row</span> <span begin="13.300" end="13.800">row)</span>\n'
        '        </span> \n'
        '        <span begin="13.500" end="14.000">Sailing</span> <span begin="14.000" end="14.400">to</span> \n'
        '        <span begin="14.400" end="14.700">the</span> <span begin="14.700" end="15.300">is</span>\n'
        '        <span begin="15.300" end="16.500">land</span>\n'
        '      </p>\n    </div>\n  </body>\n</tt>\n')
    transcript = parse_document("island.ttml", content)
    assert transcript.text == "(Row row, row row) Sailing to the island\n"
    assert_segments_check_out(transcript, content)
    first, second = transcript.segments
    assert transcript.text[first.start : first.end].endswith("the is") and first.end == second.start
    assert (second.start_time, second.end_time) == (12.0, 16.5)
    # A downloader's layout (Tidal-UI, from Apple Music): each word's space inside its span.
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<tt xmlns="http://www.w3.org/ns/ttml" xmlns:itunes="http://music.apple.com/lyrics">\n  <body>\n'
        '    <div itunes:song-part="Verse">\n'
        '      <p begin="00:00:20.333" end="00:00:21.719">\n'
        '        <span begin="00:00:20.333" end="00:00:21.719">Midnight</span>\n      </p>\n'
        '      <p begin="00:00:23.363" end="00:00:26.885">\n'
        '        <span begin="00:00:23.363" end="00:00:23.607">The </span>\n'
        '        <span begin="00:00:23.607" end="00:00:24.089">engine </span>\n'
        '        <span begin="00:00:24.089" end="00:00:24.673">keeps </span>\n'
        '        <span begin="00:00:24.673" end="00:00:25.301">hum</span>\n'
        '        <span begin="00:00:25.301" end="00:00:26.885">ming</span>\n      </p>\n'
        '    </div>\n  </body>\n</tt>\n')
    transcript = parse_document("engine.ttml", content)
    assert transcript.text == "Midnight The engine keeps humming\n"
    assert_segments_check_out(transcript, content)


def test_line_breaks_between_spans_stay_spaces_where_a_file_does_not_spell_its_spaces() -> None:
    # Captions laid out a span a line: TTML's whitespace (`xml:space="default"`), a line break a space.
    content = (f'{TT}<body><div>\n  <p begin="1s" end="3s">\n    <span tts:color="yellow">Mind</span>\n'
               '    <span>the</span>\n    <span>gap</span>\n  </p>\n</div></body></tt>')
    transcript = parse_document("gap.ttml", content)
    assert transcript.text == "Mind the gap\n"
    assert_segments_check_out(transcript, content)
    # Apple lyrics laid out by a formatter that took every space out: which line breaks were
    # spaces is lost, and the file is read as TTML reads it (syllables apart).
    content = (f'{AMLL}\n<body>\n<div>\n<p begin="1.0" end="3.0">\n<span begin="1.0" end="1.5">Mind</span>\n'
               '<span begin="1.5" end="2.0">the</span>\n<span begin="2.0" end="2.5">be</span>\n'
               '<span begin="2.5" end="3.0">fore</span>\n</p>\n</div>\n</body>\n</tt>')
    assert parse_document("formatted.ttml", content).text == "Mind the be fore\n"
