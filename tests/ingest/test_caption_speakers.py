"""Who speaks in captions: marks found in real subtitle files (sound cues, Zoom roles, labels that
run on from a sentence, off-screen voices in subtitles) name the right speaker or none."""

from __future__ import annotations

from rag.ingest.readers import parse_document
from rag.types import Transcript
from tests.ingest.test_formats import assert_segments_check_out


def speakers(doc_id: str, text: str) -> list[tuple[str | None, str]]:
    transcript: Transcript = parse_document(doc_id, text)
    assert_segments_check_out(transcript, text)
    return [(t.speaker, transcript.text[t.start : t.end]) for t in transcript.turns]


def cues(*texts: str) -> str:
    """A SubRip file of one cue per text, two seconds each."""
    return "".join(f"{i + 1}\n00:00:{2 * i:02d},000 --> 00:00:{2 * i + 1:02d},500\n{text}\n\n"
                   for i, text in enumerate(texts))


def test_sound_cues_are_no_speakers() -> None:
    # As YouTube, Netflix and French broadcast captions write them.
    turns = speakers("talk.srt", cues("[Music]", "Welcome back to the show.", "[Laughter]", "So where were we?",
                                      "(GAGGING) Call me.", "(Rires)", "Et voilà."))
    assert {speaker for speaker, _ in turns} == {None}
    assert "Welcome back to the show." in turns[0][1] and "So where were we?" in turns[0][1]


def test_a_bracketed_name_or_diarization_label_before_words_is_a_speaker() -> None:
    turns = speakers("diarized.srt", cues("[SPEAKER_01] Hello there.", "[Ana Diaz] The ferry reopens.",
                                          "(Ben Ode): In June?"))
    assert turns == [("SPEAKER_01", "Hello there."), ("Ana Diaz", "The ferry reopens."), ("Ben Ode", "In June?")]


def test_zoom_labels_with_a_role_in_parentheses_and_teams_names_with_entities() -> None:
    zoom = ("WEBVTT\n\n1\n00:00:01.000 --> 00:00:03.000\nDora Demszky: Shall we start?\n\n"
            "2\n00:00:03.500 --> 00:00:05.000\nAshlee Kupor (SL): Let's do that.\n")
    assert speakers("zoom.vtt", zoom) == [("Dora Demszky", "Shall we start?"), ("Ashlee Kupor", "Let's do that.")]
    teams = "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Carlos Far&#237;as>No.</v>\n"
    assert speakers("teams.vtt", teams) == [("Carlos Farías", "No.")]


def test_a_label_on_a_line_that_runs_on_from_a_sentence_is_text() -> None:
    turns = speakers("talk.srt", cues("But where I am talking now it is about the\n"
                                      "Atma: the Spirit, which is the reflection"))
    assert turns == [(None, "But where I am talking now it is about the Atma: the Spirit, which is the reflection")]


def test_a_sentence_that_opens_with_a_word_and_a_comma_before_a_colon_is_text() -> None:
    # Its words would be lost from the index as a speaker's name and role.
    turns = speakers("talk.srt", cues("Ви, мабуть, помічали: щоразу, коли ви кличете Мене,",
                                      "Eine Frage, die gerade kam, ist: Wie kommt man an die Videos?",
                                      "Ah, but is it: atmospheric air?"))
    assert {speaker for speaker, _ in turns} == {None}
    assert turns[0][1].startswith("Ви, мабуть, помічали: щоразу")
    # A name and a role after its comma is a label.
    assert speakers("panel.srt", cues("Jane Doe, host: Welcome.", "MR. ED VALENTE, GENERAL CHAIRMAN: Hello.")) == [
        ("Jane Doe", "Welcome."), ("MR. ED VALENTE", "Hello."),
    ]


def test_a_label_in_a_script_without_capitals_used_once_is_words() -> None:
    # A translator's credit at the end of Arabic subtitles.
    turns = speakers("film.srt", cues("مرحبا بكم.", "ترجم من قبل: طرفة القداح"))
    assert turns == [(None, "مرحبا بكم. ترجم من قبل: طرفة القداح")]
    interview = speakers("interview.srt", cues("记者: 您怎么看?", "任正非: 我们在修飞机。", "记者: 还有吗?", "任正非: 没有。"))
    assert [speaker for speaker, _ in interview] == ["记者", "任正非", "记者", "任正非"]


def test_each_line_of_a_ttml_paragraph_has_its_own_mark_and_a_label_may_stand_above_its_words() -> None:
    ttml = (
        '<tt xmlns="http://www.w3.org/ns/ttml"><body><div>'
        '<p begin="00:00:01.000" end="00:00:02.000">MAN:<br/>When we think<br/>of E = m c&#178;,</p>'
        '<p begin="00:00:02.000" end="00:00:03.000">we see Einstein.</p>'
        '<p begin="00:00:03.000" end="00:00:04.000">[Adam 1] Doğrudur.<br/>[Adam 2] Uygundur &amp; münasip.</p>'
        "</div></body></tt>"
    )
    assert speakers("film.ttml", ttml) == [
        ("MAN", "When we think of E = m c², we see Einstein."), ("Adam 1", "Doğrudur."),
        ("Adam 2", "Uygundur & münasip."),
    ]
    srt = cues("WOMAN:\nWhere were you?", "At the harbour.", "WOMAN: Why?")
    assert speakers("film.srt", srt) == [("WOMAN", "Where were you? At the harbour. Why?")]


def test_in_subtitles_a_label_names_its_own_cue_only() -> None:
    # An off-screen voice in a film: under a quarter of the lines carry a label, so NADAL's
    # line does not make him the speaker of everything after it.
    film = cues("Where were you?", "At the harbour.", "NADAL: Found a way.", "What way?", "A boat.", "Whose boat?",
                "Mine.", "Since when?", "Since May.", "Good.")
    turns = speakers("film.srt", film)
    assert ("NADAL", "Found a way.") in turns
    assert all(speaker is None for speaker, words in turns if words != "Found a way.")
    # A label in a cue of its own names the cue after it.
    alone = film.replace("NADAL: Found a way.", "NADAL:").replace("What way?", "Found a way.", 1)
    assert [turn for turn in speakers("film.srt", alone) if turn[0]] == [("NADAL", "Found a way.")]


def abutting(*texts: str) -> str:
    """A SubRip file of one cue per text, each starting where the one before it ends, as stable-ts
    writes word-highlight captions (it gives the silences between words cues of their own)."""
    return "".join(f"{i + 1}\n00:00:{i:02d},000 --> 00:00:{i + 1:02d},000\n{text}\n\n" for i, text in enumerate(texts))


def test_word_highlight_repeats_are_said_once_and_tight_dashes_change_speaker() -> None:
    highlighted = abutting('<font color="#00ff00">It</font> is with the greatest of risks.',
                           'It <font color="#00ff00">is</font> with the greatest of risks.',
                           'It is with the greatest of risks.',
                           'It is <font color="#00ff00">with</font> the greatest of risks.', "No.", "No.")
    assert [words for _, words in speakers("demo.srt", highlighted)] == ["It is with the greatest of risks. No. No."]
    dashed = cues("-Ever-living God!\n-Righteous God!")
    assert [words for _, words in speakers("chant.srt", dashed)] == ["Ever-living God!", "Righteous God!"]


def test_a_label_after_a_line_break_in_a_cue_opens_a_turn() -> None:
    turns = speakers("talk.sbv", "0:00:01.000,0:00:04.000\nWe are at the start.<br/>Herald: Also a new project.\n")
    assert turns == [(None, "We are at the start."), ("Herald", "Also a new project.")]


def test_a_markdown_link_is_no_bracketed_speaker() -> None:
    from rag.ingest.captions import speaker_mark

    assert speaker_mark("[Gusto](https://gusto.com/)").speaker is None
    assert speaker_mark("[Ana Diaz] The ferry reopens.").speaker == "Ana Diaz"


def test_the_same_words_said_again_after_a_pause_are_kept() -> None:
    # Only word-highlight captions, whose cues follow each other without a gap, repeat a cue's words.
    content = ("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nNo, no, no.\n\n00:00:05.000 --> 00:00:06.000\nNo, no, no.\n\n"
               "00:00:08.000 --> 00:00:09.000\nI don't know.\n\n00:00:12.000 --> 00:00:13.000\nI don't know.\n")
    assert speakers("repeats.vtt", content) == [(None, "No, no, no. No, no, no. I don't know. I don't know.")]
    # The same in a SubRip file with a gap of half a second.
    assert [words for _, words in speakers("repeats.srt", cues("For agent Dunham.", "For agent Dunham."))] == [
        "For agent Dunham. For agent Dunham."]


def test_each_voice_of_a_webvtt_dialogue_cue_is_its_own_speaker() -> None:
    # The WebVTT specification's dialogue: two voices in one cue, each on its line.
    content = ("WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n"
               "- <v Roger>Hi, how are you?</v>\n- <v Bob>Fine, thanks.</v>\n\n"
               "00:00:04.000 --> 00:00:06.000\n<v Bob>Shall we start?</v> <v.loud Roger>Yes!</v>\n")
    assert speakers("dialogue.vtt", content) == [
        ("Roger", "Hi, how are you?"), ("Bob", "Fine, thanks. Shall we start?"), ("Roger", "Yes!")]
    transcript = parse_document("dialogue.vtt", content)
    sources = [content[int(a) : int(b)] for a, b in (s.source[5:].split(",") for s in transcript.segments)]
    assert sources == ["- <v Roger>Hi, how are you?</v>", "- <v Bob>Fine, thanks.</v>", "<v Bob>Shall we start?</v>",
                   "<v.loud Roger>Yes!</v>"]


def test_a_zero_width_character_before_a_label_does_not_hide_it() -> None:
    # Copied from web tools: a zero-width space, non-joiner, word joiner or soft hyphen at a line's start.
    for invisible in ("\u200b", "\u200c", "\u2060", "\u00ad"):
        content = (f"WEBVTT\n\n00:00:01.000 --> 00:00:03.000\nJane Doe: Good morning,{invisible} everyone.\n\n"
                   f"00:00:03.000 --> 00:00:05.000\n{invisible}John Roe: Thanks, Jane.\n")
        assert speakers("call.vtt", content) == [("Jane Doe", "Good morning, everyone."), ("John Roe", "Thanks, Jane.")]
    # Inside a word it stays: Persian writes a zero-width non-joiner between a word's parts.
    persian = "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\nمی\u200cخواهم بروم.\n"
    assert speakers("fa.vtt", persian) == [(None, "می\u200cخواهم بروم.")]


def test_labels_that_mark_only_the_changes_of_speaker_carry_over_to_the_cues_after_them() -> None:
    # As the Podcasting 2.0 example transcript (`example.srt`) is written: a name on the cue where a
    # person starts, then their cues unlabelled, two lines each and running on mid-sentence. Labels
    # are on under a quarter of the lines, but they alternate, recur and leave no line to nobody.
    podcast = cues("Travis: When you first get\nstarted in podcasting, it's",
                   "almost guaranteed that you're\ngoing to make a handful of rookie",
                   "mistakes, but that doesn't mean\nyou have to make them all.",
                   "So we went back through\nthe archives of the show.",
                   "Sarah: Creating good audio is\nthe first thing to get right,",
                   "and a decent microphone is\nworth more than any plugin.",
                   "It does not have to be\nexpensive to sound good.",
                   "Travis: Now, when you're creating\nyour first episodes, keep them",
                   "short and to the point, so that\nlisteners come back next week.",
                   "Gilon: So is there an ideal\nlength for an episode?",
                   "It depends on the show,\nbut shorter is usually better.",
                   "Travis: Be a guest on other\nshows to grow your audience.",
                   "It is the fastest way\nto reach new listeners.",
                   "Sarah: And batch your production:\nrecord several episodes at once.",
                   "It saves a lot of time\nand keeps the sound the same.")
    turns = speakers("example.srt", podcast)
    assert [speaker for speaker, _ in turns] == ["Travis", "Sarah", "Travis", "Gilon", "Travis", "Sarah"]
    assert turns[0][1] == ("When you first get started in podcasting, it's almost guaranteed that you're going to "
                           "make a handful of rookie mistakes, but that doesn't mean you have to make them all. "
                           "So we went back through the archives of the show.")
    assert turns[3][1] == ("So is there an ideal length for an episode? "
                           "It depends on the show, but shorter is usually better.")


def test_voices_scattered_among_the_dialogue_of_subtitles_still_name_their_own_cue_only() -> None:
    # Subtitles' dialogue between the labelled cues belongs to others, so none of these carries over.
    lines = ["Where were you?", "At the harbour.", "What way?", "A boat.", "Whose boat?", "Mine.", "Since when?",
             "Since May.", "Good.", "Are you sure?", "I am.", "Then go."]

    def film(*labelled: str, between: int = 4) -> str:
        texts: list[str] = []
        for number, label in enumerate(labelled):
            texts += [label, *lines[number * between % len(lines) :][:between]]
        return cues(*texts)

    def carried(content: str) -> set[str]:
        return {words for speaker, words in speakers("film.srt", content) if speaker is not None}

    # One voice, again and again: a narrator over the film.
    narrated = film("NARRATOR: In a land far away,", "NARRATOR: the war had come.", "NARRATOR: And no one knew.")
    assert carried(narrated) == {"In a land far away,", "the war had come.", "And no one knew."}
    # Voices that are no one's name, though they alternate.
    voices = film("MAN: Hello?", "WOMAN: Open the door.", "MAN: Please.", "WOMAN: Now!")
    assert carried(voices) == {"Hello?", "Open the door.", "Please.", "Now!"}
    # Names, but the same name twice running: an off-screen voice on the phone, not a change of speaker.
    phone = film("NADAL: Found a way.", "NADAL: Listen to me.", "INES: Where are you?", "NADAL: Outside.")
    assert carried(phone) == {"Found a way.", "Listen to me.", "Where are you?", "Outside."}
    # Names that alternate, among dialogue in dashes: two others speak between the labels.
    dialogue = cues("JOHN: Where are you?", "Who is that?", "- Nobody.\n- Quiet.", "Go on.",
                    "MARY: Outside.", "Did you hear?", "- Yes.\n- No.", "Then answer.",
                    "JOHN: Come in.", "Is he mad?", "- Maybe.\n- Surely.", "Let's go.",
                    "MARY: I can't.", "Why not?", "- Too late.\n- Never.", "Fine.")
    assert carried(dialogue) == {"Where are you?", "Outside.", "Come in.", "I can't."}


def test_a_whisper_cue_said_twice_at_once_is_kept_and_a_word_highlight_repeat_is_not() -> None:
    # Whisper writes what is said twice as two cues, the second where the first ends, written alike.
    whisper = abutting("It is like blockchain though.", "I don't know.", "I don't know.",
                       "His whole position is weird.")
    assert speakers("meeting.srt", whisper) == [
        (None, "It is like blockchain though. I don't know. I don't know. His whole position is weird.")]
    # stable-ts with a tag given (`<u>`): a cue per word, that word marked up, and an unmarked one
    # over the silence between two words; the same words written otherwise are said once.
    highlighted = ("WEBVTT\n\n00:00:00.000 --> 00:00:00.400\n<u>We</u> will see.\n\n"
                   "00:00:00.400 --> 00:00:00.600\nWe <u>will</u> see.\n\n"
                   "00:00:00.600 --> 00:00:00.900\nWe will see.\n\n"
                   "00:00:00.900 --> 00:00:01.200\nWe will <u>see.</u>\n\n"
                   "00:00:01.200 --> 00:00:01.500\n<u>Fine.</u>\n")
    assert speakers("highlight.vtt", highlighted) == [(None, "We will see. Fine.")]
    # The same cue twice at the same time (captions that animate a line) is shown once, said once.
    shown_twice = ("1\n00:00:01,000 --> 00:00:03,000\nWe are trapped inside this house\n\n"
                   "2\n00:00:01,000 --> 00:00:03,000\nWe are trapped inside this house\n")
    assert speakers("animated.srt", shown_twice) == [(None, "We are trapped inside this house")]


def test_a_webvtt_header_holds_no_labels_that_would_hide_the_labelling_of_changes() -> None:
    # YouTube's `Kind: captions` and `Language: en` above cues that label each change of speaker
    # (a guest who speaks once among them): the header's lines are no speakers' labels.
    said = ["Today we talk about ferries,", "and why they are late.", "It has been a long summer.", "Every day.",
            "Again."]
    texts = ["Ana Diaz: Welcome to the show.", *said, "Ben Ode: Thanks for having me.", *said,
             "Carla Ruiz: May I add something?", *said, "Ana Diaz: Of course.", *said, "Ben Ode: Good.", *said]
    content = "WEBVTT\nKind: captions\nLanguage: en\n\n" + "".join(
        f"00:00:{2 * i:02d}.000 --> 00:00:{2 * i + 1:02d}.500\n{text}\n\n" for i, text in enumerate(texts))
    turns = speakers("show.vtt", content)
    assert [speaker for speaker, _ in turns] == ["Ana Diaz", "Ben Ode", "Carla Ruiz", "Ana Diaz", "Ben Ode"]
    assert turns[2][1] == "May I add something? " + " ".join(said)


def test_webvtt_note_fields_and_cue_identifiers_are_no_speakers_labels() -> None:
    # NOTE blocks hold the file's metadata as `Title: ...` lines, and cue identifiers may be words:
    # neither is a cue's text, so neither counts when telling how the file labels its speakers.
    said = ["Today we talk about ferries,", "and why they are late.", "It has been a long summer.", "Every day.",
            "Again."]
    texts = ["Ana Diaz: Welcome to the show.", *said, "Ben Ode: Thanks for having me.", *said,
             "Carla Ruiz: May I add something?", *said, "Ana Diaz: Of course.", *said, "Ben Ode: Good.", *said]
    content = ("WEBVTT\n\nNOTE\nTitle: Ferries\nDate: 2024-05-02\nHost: Ana Diaz\n\n" + "".join(
        f"intro-{i}\n00:00:{2 * i:02d}.000 --> 00:00:{2 * i + 1:02d}.500\n{text}\n\n" for i, text in enumerate(texts)))
    transcript = parse_document("show.vtt", content)
    assert (transcript.title, transcript.date) == ("Ferries", "2024-05-02")
    turns = speakers("show.vtt", content)
    assert [speaker for speaker, _ in turns] == ["Ana Diaz", "Ben Ode", "Carla Ruiz", "Ana Diaz", "Ben Ode"]
    assert turns[2][1] == "May I add something? " + " ".join(said)
