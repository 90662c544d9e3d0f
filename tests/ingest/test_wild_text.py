"""Shapes met in real transcript archives (White House briefings, the Congressional Record, New York
Senate hearings, podcast sites), each cut down to the lines that showed a wrong speaker or time."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.ingest.readers import parse_document
from rag.ingest.text import parse_transcript
from rag.types import Transcript, TurnKind
from tests.ingest.test_formats import assert_segments_check_out

HEADS = Path(__file__).parent / "samples" / "real-text-heads"
REAL_TEXT = Path(__file__).parent / "samples" / "real-text"


def _read_text(path: Path) -> tuple[str, Transcript]:
    """A plain-text or Markdown file read as the service reads it; its citations checked: the canonical
    text is the file, and every turn an exact, trimmed span of it."""
    text = path.read_text(encoding="utf-8")
    transcript = parse_document(path.name, text)
    assert transcript.text == text and not transcript.segments
    assert all(text[t.start : t.end] == text[t.start : t.end].strip() and t.start < t.end for t in transcript.turns)
    return text, transcript


def test_a_clause_ending_in_a_colon_is_no_label() -> None:
    text = ("MS. JEAN-PIERRE: So, on the elections from yesterday in\nBrazil, I will say the following here:\n\n"
            "We congratulate the people of Brazil.\n\nQ Thank you.\n\nMS. JEAN-PIERRE: Look, we have been very clear. "
            "And to be clear:\n\nWe will keep at it.\n")
    transcript = parse_transcript("gaggle.txt", text)
    assert {s.name for s in transcript.speakers} == {"MS. JEAN-PIERRE"}
    said = [(t.speaker, text[t.start : t.end]) for t in transcript.turns]
    assert said[0] == ("MS. JEAN-PIERRE", "So, on the elections from yesterday in\nBrazil, I will say the following here:\n\n"
                                          "We congratulate the people of Brazil.")


def test_a_name_with_an_abbreviation_at_a_paragraphs_start_is_no_hearing_label() -> None:
    text = ("  Mr. HELMS. Mr. President, I attended the memorial service of Jeffrey St. John.\n"
            "  Mrs. St. John, Kathryn is her name, was there, of course.\n"
            "  Mr. St. John would have enormously enjoyed it.\n  The PRESIDING OFFICER. The Senator's time has expired.\n")
    transcript = parse_transcript("record.txt", text)
    assert [t.speaker for t in transcript.turns] == ["Mr. HELMS", "The PRESIDING OFFICER"]


def test_the_headings_of_a_hearings_list_of_those_present_are_no_speakers() -> None:
    text = ("PUBLIC HEARING:\nHurricane Sandy\n\nPRESIDING: Senator Malcolm A. Smith\n\nSENATE MEMBERS PRESENT:\n"
            "Senator Charles J. Fuschillo\n\nSENATOR SMITH: Good morning, everyone.\n\n"
            "SENATOR FUSCHILLO: Thank you, Senator.\n\nSENATOR SMITH: Let us begin.\n")
    transcript = parse_transcript("hearing.txt", text)
    assert {t.speaker for t in transcript.turns if t.speaker} == {"SENATOR SMITH", "SENATOR FUSCHILLO"}


def test_a_short_line_of_speech_after_a_time_is_no_speaker() -> None:
    # Talk Python's transcripts: a time, then what was said; "Covered." and "Yeah." recur.
    lines = ["00:00:00 Want to write some async web apps?", "00:01:35 Covered.", "00:01:37 Yeah.",
             "00:01:40 Python 3.8 is out.", "00:01:45 Yeah.", "00:01:50 Covered."]
    text = "\n".join(lines) + "\n"
    transcript = parse_document("episode.txt", text)
    assert_segments_check_out(transcript, text)
    assert {t.speaker for t in transcript.turns} == {None}
    assert "Covered." in transcript.text and transcript.turns[0].start_time == 0.0


def test_a_bold_name_then_a_bracketed_time_on_each_paragraph_and_times_out_of_order() -> None:
    long_opening = "Today we are going to talk about new careers. " + "More words. " * 40
    seconds = [0, 30, 33, 34, 40, 52, 61, 75, 90, 2002, 1945, 2020]  # one stamp out of order, as a pasted repeat
    names = ["Ali", "Kelly", "Ali", "Emma", "Lindsey"]
    paragraphs = [f"**{names[i % 5]}** [00:{s // 60:02d}:{s % 60:02d}] {long_opening if i == 0 else f'Words {i}.'}"
                  for i, s in enumerate(seconds)]
    text = "\n\n".join(paragraphs) + "\n"
    transcript = parse_document("episode.md", text)
    assert_segments_check_out(transcript, text)
    assert [t.start_time for t in transcript.turns] == [float(s) for s in seconds]
    assert [t.speaker for t in transcript.turns[:3]] == ["Ali", "Kelly", "Ali"]
    # A stamp out of order does not end its words before they start.
    assert all(s.end_time >= s.start_time for s in transcript.segments)


def test_a_link_inside_a_sentence_keeps_its_words_whatever_its_class() -> None:
    # openparliament.ca marks politicians' names with class="related_link politician".
    page = ('<html><body><div class="content"><p>The Speaker: I am now ready to rule on the question raised by the '
            '<a class="related_link politician" href="/p/1">Leader of the Opposition</a> concerning remarks made '
            'in committee.</p></div><div class="related">Related: other debates</div></body></html>')
    transcript = parse_document("debate.html", page)
    assert_segments_check_out(transcript, page)
    assert "raised by the Leader of the Opposition concerning remarks" in transcript.text
    assert "other debates" not in transcript.text


def test_named_stamps_open_turns_of_several_paragraphs() -> None:
    # A podcast site's Markdown: `**Name** [time]` opens a turn, and a long answer runs on over
    # paragraphs with no stamp of their own.
    turns = [("Ali", "00:00:00"), ("Kelly", "00:01:05"), ("Ali", "00:02:30"), ("Emma", "00:04:10"), ("Kelly", "00:06:00")]
    text = "\n\n".join(f"**{name}** [{time}] {name} opens a turn.\n\nIt goes on.\n\nAnd on, to its end."
                       for name, time in turns) + "\n"
    transcript = parse_document("episode.md", text)
    assert_segments_check_out(transcript, text)
    assert [(t.speaker, t.start_time) for t in transcript.turns] == [("Ali", 0.0), ("Kelly", 65.0), ("Ali", 150.0),
                                                                      ("Emma", 250.0), ("Kelly", 360.0)]
    assert transcript.text[transcript.turns[1].start : transcript.turns[1].end] == (
        "Kelly opens a turn. It goes on. And on, to its end.")


def test_more_shapes_from_real_archives() -> None:
    # An earnings call: "Yes. As said, ..." is no reported speech by a speaker "Yes. As".
    call = ("Moderator:\n\nThank you. Over to you.\n\nR Srikrishna:\n\nThanks. We grew well.\n\nAnkur Rudra:\n\n"
            "How is the pipeline?\n\nR Srikrishna:\n\nYes. As said, our outlook remains solid.\n")
    assert [t.speaker for t in parse_document("call.md", call).turns] == [
        "Moderator", "R Srikrishna", "Ankur Rudra", "R Srikrishna"]
    # A Markdown section heading names no speaker; names alone above what they said do.
    interview = ("## Details\n\nInterview took place on March 26, 2021.\n\n## Transcript\n\nJonas Rosland\nHi everyone.\n\n"
                 "Vicky Wei\nHey, I am Vicky.\n\nJonas Rosland\nAwesome.\n")
    assert [t.speaker for t in parse_document("interview.md", interview).turns if t.speaker] == [
        "Jonas Rosland", "Vicky Wei", "Jonas Rosland"]
    # Names in italics above what they said; an interview's DATE: field is a date, not a speaker.
    italic = "DATE: 16 September 2014\n\n*Adam*\nHello there everyone.\n\n*Moderator*\nWelcome, Adam.\n\n*Adam*\nThanks.\n"
    transcript = parse_document("town-hall.md", italic)
    assert transcript.date == "2014-09-16"
    assert [t.speaker for t in transcript.turns if t.speaker] == ["Adam", "Moderator", "Adam"]
    # A lower-case first line is the start of what was said, not a title.
    assert parse_document("talk.txt", "hello everyone and welcome to the\nshow about ports.\n").title is None


def test_chat_handles_whisper_ranges_and_titles_of_timestamped_exports() -> None:
    chat = ("[00:00] qx: Connecting, streaming now.\n[00:43] kushti: Doing well, thanks.\n"
            "[01:10] qx: Great to hear.\n[01:20] kushti: Let us start.\n")
    transcript = parse_document("call.txt", chat)
    assert [(t.speaker, t.start_time) for t in transcript.turns] == [("qx", 0.0), ("kushti", 43.0), ("qx", 70.0),
                                                                       ("kushti", 80.0)]
    whisper = ("## Timestamped Transcript\n\n[00:00.000 --> 00:04.500]  Hello everyone.\n\n"
               "[00:04.500 --> 00:09.000]  Today we talk ports.\n\n[00:09.000 --> 00:12.000]  First, ferries.\n")
    transcript = parse_document("episode.md", whisper)
    assert_segments_check_out(transcript, whisper)
    assert transcript.title == "Timestamped Transcript"
    timed = [(s.start_time, s.end_time, transcript.text[s.start : s.end]) for s in transcript.segments if s.start_time is not None]
    assert timed == [(0.0, 4.5, "Hello everyone."), (4.5, 9.0, "Today we talk ports."), (9.0, 12.0, "First, ferries.")]
    front = parse_document("ep.md", "---\ntitle: Ep 1\npublish_date: 2024-07-16\nurl: https://www.youtube.com/watch?v=abc\n"
                                    "---\n\nAna: Hello.\n\nBen: Hi.\n")
    assert (front.date, front.media_url) == ("2024-07-16", "https://www.youtube.com/watch?v=abc")


def test_a_fathom_meeting_export() -> None:
    text = ("Weekly sync - May 29\n VIEW RECORDING - 118 mins\n@0:00 - Tom Gituma\nWe focus on manufacturing.\n\n"
            "@0:25 - Lloyd Ian (lloyd@example.com)\nFind out in shipping.\n\n@0:31 - Tom Gituma\n"
            "This is the plant we deal with.\n\n@1:04 - Lloyd Ian (lloyd@example.com)\nGreat, thanks.\n")
    transcript = parse_document("sync.txt", text)
    assert_segments_check_out(transcript, text)
    assert [(t.speaker, t.start_time) for t in transcript.turns if t.speaker] == [
        ("Tom Gituma", 0.0), ("Lloyd Ian", 25.0), ("Tom Gituma", 31.0), ("Lloyd Ian", 64.0)]


def test_a_capitals_label_wrapped_over_lines_names_its_speaker_and_role() -> None:
    text = ("                   ASSEMBLY MEMBER AMY PAULIN, CHAIR,\n       ASSEMBLY STANDING COMMITTEE ON CORPORATIONS,\n"
            "       AUTHORITIES AND COMMISSIONS:                    Welcome everyone.\n       We are having a joint hearing.\n"
            "                 SENATOR TIM KENNEDY, CHAIR, SENATE\n      STANDING COMMITTEE ON TRANSPORTATION:       Well,\n"
            "      thank you so much.\n                 ASSEMBLY MEMBER PAULIN:  Thank you.\n")
    transcript = parse_transcript("hearing.txt", text)
    assert [(t.speaker, t.role, text[t.start : t.end]) for t in transcript.turns] == [
        ("ASSEMBLY MEMBER AMY PAULIN", "CHAIR, ASSEMBLY STANDING COMMITTEE ON CORPORATIONS, AUTHORITIES AND COMMISSIONS",
         "Welcome everyone.\n       We are having a joint hearing."),
        ("SENATOR TIM KENNEDY", "CHAIR, SENATE STANDING COMMITTEE ON TRANSPORTATION", "Well,\n      thank you so much."),
        ("ASSEMBLY MEMBER PAULIN", None, "Thank you.")]


def test_a_list_of_bills_and_their_sponsors_has_no_speakers() -> None:
    text = ("ADDITIONAL SPONSORS\n\nUnder clause 7 of rule XII, sponsors were added to public bills as follows:\n\n"
            "H.R. 17: Mr. Smith of Texas.\n\nH.R. 95: Mr. Davis and Mr. Jones.\n\nH.R. 97: Ms. Lee.\n\nS. 208: Mr. Kyl.\n")
    assert {t.speaker for t in parse_transcript("record.txt", text).turns} == {None}


def test_a_web_pages_speaker_class_opens_turns_of_several_paragraphs() -> None:
    page = ('<html><body><h1>Logbuch 232</h1><div class="turn"><p class="speaker">Tim Pritlove</p><p>Guten Morgen Thomas.</p>'
            '<p>Wie geht es?</p><p>Gut.</p><p>Und dir?</p><p>Noch eins.</p></div><div class="turn"><p class="speaker">'
            'Thomas Lohninger</p><p>Guten Morgen Tim.</p><p>Mir geht es gut.</p><p>Danke.</p><p>Ja.</p></div>'
            '<div class="turn"><p class="speaker">Tim Pritlove</p><p>Prima.</p><p>Los geht es.</p></div></body></html>')
    transcript = parse_document("episode.html", page)
    assert_segments_check_out(transcript, page)
    said = [(t.speaker, transcript.text[t.start : t.end]) for t in transcript.turns if t.speaker]
    assert said == [("Tim Pritlove", "Guten Morgen Thomas.\n\nWie geht es?\n\nGut.\n\nUnd dir?\n\nNoch eins."),
                    ("Thomas Lohninger", "Guten Morgen Tim.\n\nMir geht es gut.\n\nDanke.\n\nJa."),
                    ("Tim Pritlove", "Prima.\n\nLos geht es.")]


def test_a_depositions_appearances_heading_is_no_speaker() -> None:
    text = ("Hearing on ports\n\nAPPEARANCES:\nFor the port authority\n\nMR. SMITH: Good morning.\n\n"
            "MR. JONES: Morning.\n\nMR. SMITH: Let us begin.\n")
    assert [t.speaker for t in parse_transcript("deposition.txt", text).turns if t.speaker] == [
        "MR. SMITH", "MR. JONES", "MR. SMITH"]


@pytest.mark.parametrize(
    ("sample", "introducer", "speaker", "introduced", "talk"),
    [
        # bitcointranscripts magicalcryptoconference/2019/lightning-payments.md
        ("lightning-payments.head.md", "CL", "Will O'Beirne",
         "Thank you Elizabeth and Stacy for that great talk. Who runs a lightning node here? So a lot of you. Are you "
         "guys excited about lightning? Great, we have like four more talks on lightning. Next we have Will O'Beirne "
         "who will be talking about lightning payments on the web. Big round of applause.", "Hey y'all. "),
        # bitcointranscripts breaking-bitcoin/2017/socialized-costs-of-hard-forks.md: a link line above the introducer
        ("socialized-costs-of-hard-forks.head.md", "KL", "Jimmy Song", "Can you hear me?", "It is great to be here."),
    ],
)
def test_an_introducers_initials_used_once_above_a_one_speaker_talk_say_their_paragraph_and_no_more(
        sample: str, introducer: str, speaker: str, introduced: str, talk: str) -> None:
    # The front matter lists one speaker; initials used once open the body, introducing the talk, which
    # runs on unlabelled under Markdown headings. The introducer said that paragraph; the talk is the speaker's.
    text, transcript = _read_text(HEADS / sample)
    said = [(t.speaker, text[t.start : t.end]) for t in transcript.turns if t.kind is not TurnKind.HEADER]
    assert {s.name for s in transcript.speakers} == {introducer, speaker}
    introductions = [words for who, words in said if who == introducer]
    paragraph = next(line for line in text.splitlines() if line.startswith(f"{introducer}: "))
    assert introductions == [paragraph.removeprefix(f"{introducer}: ")] and introductions[0].startswith(introduced)
    assert {who for who, _ in said} == {introducer, speaker}
    assert any(who == speaker and talk in words for who, words in said)


def test_the_topic_and_place_lines_opening_a_chinese_translation_are_its_header_not_the_talk() -> None:
    # bitcointranscripts adopting-bitcoin/2021/2021-11-16-gloria-zhao-transaction-relay-policy.zh.md: `主题：`
    # (topic) and `位置：` (place) under a front matter naming the one speaker were read as her words.
    text, transcript = _read_text(REAL_TEXT / "gloria-zhao-relay-policy.zh.excerpt.md")
    header = [text[t.start : t.end] for t in transcript.turns if t.kind is TurnKind.HEADER]
    assert header == ["主题：L2 开发者须知的交易转发规则\n\n位置：Adopting Bitcoin"]
    spoken = [text[t.start : t.end] for t in transcript.turns if t.kind is not TurnKind.HEADER]
    assert not any("主题" in words or "位置" in words for words in spoken)
    assert {s.name for s in transcript.speakers} == {"Gloria Zhao", "问"}
    assert transcript.title == "Transaction Relay Policy"  # the front matter's title is kept
    # bitcointranscripts advancing-bitcoin/2022/2022-03-03-sanket-kanjalkar-miniscript.zh.md, its body's
    # first lines: the `题目：` (title) line titles the file.
    text, transcript = _read_text(HEADS / "sanket-miniscript.zh.body-head.md")
    assert transcript.title == "Miniscript：可组合、可分析、更智能的比特币脚本"
    assert [(t.kind, text[t.start : t.end]) for t in transcript.turns][0] == (
        TurnKind.HEADER, "题目：Miniscript：可组合、可分析、更智能的比特币脚本")


def test_the_header_fields_of_an_interview_or_minutes_are_no_ones_words_and_date_it() -> None:
    # The layout of a Chinese web interview's transcript (访谈文字实录) and of Japanese minutes (議事録):
    # a title, time, place and who is there, one to a line; then the labelled turns.
    interview = ("# 访谈：港口的变迁\n\n时间：2018年5月14日\n地点：演播室\n嘉宾：王海\n主持人：李明\n\n"
                 "主持人：各位网友大家好，欢迎收看今天的访谈。\n\n王海：大家好。\n\n主持人：请您谈谈港口这些年的变化。\n\n"
                 "王海：变化很大，我慢慢说。\n")
    transcript = parse_document("interview.md", interview)
    assert (transcript.title, transcript.date) == ("访谈：港口的变迁", "2018-05-14")
    assert [text for kind, text in _kinds(transcript, interview) if kind is TurnKind.HEADER] == [
        "访谈：港口的变迁\n\n时间：2018年5月14日\n地点：演播室\n嘉宾：王海\n主持人：李明"]
    assert [(t.speaker, interview[t.start : t.end]) for t in transcript.turns if t.speaker] == [
        ("主持人", "各位网友大家好，欢迎收看今天的访谈。"), ("王海", "大家好。"), ("主持人", "请您谈谈港口这些年的变化。"),
        ("王海", "变化很大，我慢慢说。")]
    # A host's label with what the host says (a sentence) is no field, though a date stands above it.
    minutes = ("日時：2023年5月1日 10:00\n場所：本社会議室\n司会：それでは始めます。\n\n鈴木：よろしくお願いします。\n\n"
               "司会：議題一に移ります。\n\n鈴木：はい。\n")
    transcript = parse_document("minutes.txt", minutes)
    assert transcript.date == "2023-05-01"
    assert [text for kind, text in _kinds(transcript, minutes) if kind is TurnKind.HEADER] == [
        "日時：2023年5月1日 10:00\n場所：本社会議室"]
    assert [(t.speaker, minutes[t.start : t.end]) for t in transcript.turns if t.speaker][:2] == [
        ("司会", "それでは始めます。"), ("鈴木", "よろしくお願いします。")]
    # Labels alone, a host's first words at the top: no header.
    chat = "主持人：各位好。\n\n嘉宾：你好。\n\n主持人：开始吧。\n\n嘉宾：好。\n"
    transcript = parse_document("chat.txt", chat)
    assert [(t.kind, t.speaker) for t in transcript.turns][0] == (TurnKind.SPEECH, "主持人")
    assert transcript.title is None


def _kinds(transcript: Transcript, text: str) -> list[tuple[TurnKind, str]]:
    return [(t.kind, text[t.start : t.end]) for t in transcript.turns]


def test_a_shows_parts_set_in_bold_are_narration_without_their_bold_or_colon() -> None:
    # thechangelog/transcripts (gotime/go-time-190.md `**Jingle**: \\[51:13\\] to \\[51:30\\]`, jsparty/js-party-226.md
    # `**Outro:** \\[58:22\\]`, `**Break:**` alone): the part's name was read with the bold after it, `Jingle**:`.
    text = ("**Mat Ryer:** Let's take a break.\n\n**Jingle**: \\[51:13\\] to \\[51:30\\]\n\n**Mat Ryer:** We're back.\n\n"
            "**Break:**\n\n**Jerod Santo:** Bye for now.\n\n**Outro:** \\[58:22\\]\n")
    transcript = parse_document("go-time-190.md", text)
    assert transcript.text == text and not transcript.segments
    said = [(t.speaker, text[t.start : t.end]) for t in transcript.turns]
    assert said == [("Mat Ryer", "Let's take a break."), (None, "Jingle"), (None, "\\[51:13\\] to \\[51:30\\]"),
                    ("Mat Ryer", "We're back."), (None, "Break"), ("Jerod Santo", "Bye for now."), (None, "Outro"),
                    (None, "\\[58:22\\]")]
    assert {s.name for s in transcript.speakers} == {"Mat Ryer", "Jerod Santo"}
