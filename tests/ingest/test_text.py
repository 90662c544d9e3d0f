"""The transcript parser on the seeds (exact expectations) and on formats the seeds do not show."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings as hypothesis_settings, strategies as st

from rag.types import Transcript, TurnKind
from rag.ingest.readers import parse_document
from rag.ingest.names import speaker_key
from rag.ingest.text import parse_transcript
from tests.conftest import QMSUM_DOCS, SEEDS, read_source

# doc id -> (speakers in order of first mention, number of turns, turns by kind)
SEED_EXPECTATIONS = {
    "000_6386a5308b8f6e3e.txt": (["Some media", "Wang Hong"], 4, {"narration": 1, "question": 1, "speech": 2}),
    "001_0c22fd98c8d2c594.txt": (
        ["Tianjin Haihe Media Group", "Li Yongjie", "Zhu Bing"], 4, {"header": 1, "question": 1, "speech": 2}
    ),
    "002_7ca9be58c1b9d84c.txt": (
        ["Xinhua News Agency", "Xin Guobin", "Shou Xiaoli"], 5, {"header": 1, "narration": 1, "question": 1, "speech": 2}
    ),
    "003_94303b5083c37beb.txt": (["Ning Jizhe", "Xin Guobin", "Xi Yanchun"], 5, {"header": 2, "speech": 3}),
    "004_53ec2901118c88b5.txt": (
        ["Peng Jiaxue", "Fang Hongwei", "Cui Yonghui", "Lin Keqing", "Meng Fanli"],
        28,
        {"header": 1, "narration": 14, "speech": 13},
    ),
}
SEED_TITLES = {
    "000_6386a5308b8f6e3e.txt": (None, None, "September 8"),
    "001_0c22fd98c8d2c594.txt": (
        "SCIO briefing on promoting high-quality development: Ministry of Commerce", "2024-09-10", "September 10, 2024"
    ),
    "002_7ca9be58c1b9d84c.txt": (
        "SCIO briefing on promoting high-quality development: Ministry of Industry and Information Technology",
        "2024-07-24", "July 24, 2024",
    ),
    "003_94303b5083c37beb.txt": (
        "SCIO briefing on production capacity cooperation under B&R Initiative", "2017-05-12", "May 12, 2017"
    ),
    "004_53ec2901118c88b5.txt": (
        "Focus Interview: Strong Confidence in Seeking Development and Promoting High-level Opening-up",
        None, "January 12",
    ),
}
CLUTTER = [
    "Related Articles", "Popular Articles", "Please enter your comment", "Captcha", "CAPTCHA", "Print E-mail",
    "Bookmark and Share", "Previous", "Adjust font size", "undefined", "Press Room", "Comment(s)",
    "Follow China.org.cn", "Go to Forum", "Racist, abusive", "Send your stories", "HomeNews", "<\u00a0",
    "Enter the words you see", "No comments.",
]
HEADER_LABELS = {"Speakers", "Chairperson", "Date", "Adjust font size", "Focus Interview", "CCTV news"}


def parse_seed(doc_id: str) -> Transcript:
    return parse_transcript(doc_id, read_source(doc_id))


@pytest.mark.parametrize("doc_id", sorted(SEED_EXPECTATIONS))
def test_seed_speakers_and_turn_counts(doc_id: str) -> None:
    speakers, n_turns, kinds = SEED_EXPECTATIONS[doc_id]
    transcript = parse_seed(doc_id)
    assert [s.name for s in transcript.speakers] == speakers
    assert len(transcript.turns) == n_turns
    counted: dict[str, int] = {}
    for turn in transcript.turns:
        counted[turn.kind.value] = counted.get(turn.kind.value, 0) + 1
    assert counted == kinds


@pytest.mark.parametrize("doc_id", sorted(SEED_TITLES))
def test_seed_title_and_date(doc_id: str) -> None:
    transcript = parse_seed(doc_id)
    assert (transcript.title, transcript.date, transcript.date_text) == SEED_TITLES[doc_id]


@pytest.mark.parametrize("doc_id", sorted(SEED_EXPECTATIONS))
def test_turn_spans_are_exact_trimmed_and_ordered(doc_id: str) -> None:
    source = read_source(doc_id)
    transcript = parse_seed(doc_id)
    assert transcript.text == source
    previous_end = 0
    for turn in transcript.turns:
        body = source[turn.start : turn.end]
        assert body and body == body.strip(), turn
        assert turn.start >= previous_end
        previous_end = turn.end


@pytest.mark.parametrize("doc_id", sorted(SEED_EXPECTATIONS))
def test_header_labels_are_not_speakers_and_clutter_is_not_in_any_turn(doc_id: str) -> None:
    transcript = parse_seed(doc_id)
    assert not HEADER_LABELS & {s.name for s in transcript.speakers}
    for turn in transcript.turns:
        body = transcript.text[turn.start : turn.end]
        for clutter in CLUTTER:
            assert clutter not in body, (clutter, turn)


def test_media_outlets_ask_questions() -> None:
    kinds = {
        (t.speaker, t.kind)
        for doc in ("001_0c22fd98c8d2c594.txt", "002_7ca9be58c1b9d84c.txt")
        for t in parse_seed(doc).turns
    }
    assert ("Tianjin Haihe Media Group", TurnKind.QUESTION) in kinds
    assert ("Xinhua News Agency", TurnKind.QUESTION) in kinds
    assert ("Zhu Bing", TurnKind.SPEECH) in kinds


def test_speakers_list_gives_roles_to_later_turns() -> None:
    transcript = parse_seed("003_94303b5083c37beb.txt")
    roles = {s.name: s.role for s in transcript.speakers}
    assert roles["Ning Jizhe"] == "vice chairman of National Development and Reform Commission"
    assert roles["Xi Yanchun"] == "vice director-general of the Press Bureau, State Council Information Office"
    xin = [t for t in transcript.turns if t.speaker == "Xin Guobin"]
    assert xin and all(t.role == "vice minister of Industry and Information Technology" for t in xin)


def test_inline_roles_carry_to_later_turns_and_quotes_are_not_cited() -> None:
    transcript = parse_seed("004_53ec2901118c88b5.txt")
    peng = [t for t in transcript.turns if t.speaker == "Peng Jiaxue"]
    assert len(peng) == 3
    assert {t.role for t in peng} == {
        "Member of the Standing Committee of the CPC Zhejiang Provincial Committee and Secretary of the Ningbo "
        "Municipal Party Committee"
    }
    for turn in peng:
        body = transcript.text[turn.start : turn.end]
        assert body[0] not in "“\"" and body[-1] not in "”\""
    assert transcript.text[peng[0].start : peng[0].end].startswith("To enhance the linking power of the port")


def test_reported_speech_is_attributed_and_narration_is_marked() -> None:
    transcript = parse_seed("000_6386a5308b8f6e3e.txt")
    narration, question, first, second = transcript.turns
    assert narration.kind is TurnKind.NARRATION and narration.speaker is None
    assert question.kind is TurnKind.QUESTION
    assert transcript.text[question.start : question.end].startswith("What work has been done")
    assert first.speaker == second.speaker == "Wang Hong"
    assert first.role and first.role.startswith("deputy director of the first Department of Equipment Industry")
    # The list introduced by "three aspects of work:" stays with the speaker.
    assert "Third, deepen international cooperation" in transcript.text[first.start : first.end]
    assert transcript.text[second.start : second.end].startswith("Wang Hong revealed that")


def test_inline_labels_q_and_a_and_caps_names() -> None:
    text = (
        "Press briefing, March 3, 2021\n\n"
        "MR. PRICE: Good afternoon, everyone. I have two items at the top.\n"
        "Q: Can you comment on the talks?\n"
        "MR. PRICE: We are not going to characterise them.\n"
        "They continue this week.\n"
        "Q: Thank you.\n"
    )
    transcript = parse_transcript("press.txt", text)
    assert [(t.speaker, t.kind.value) for t in transcript.turns] == [
        (None, "header"), ("MR. PRICE", "speech"), ("Q", "question"), ("MR. PRICE", "speech"), ("Q", "question"),
    ]
    third = transcript.turns[3]
    assert text[third.start : third.end] == "We are not going to characterise them.\nThey continue this week."
    assert transcript.title == "Press briefing, March 3, 2021" and transcript.date == "2021-03-03"


def test_recurring_inline_names_form_a_chat_transcript_but_sentences_with_colons_do_not() -> None:
    text = (
        "Alice: Shall we start with the budget?\r\n"
        "Bob: Yes. The total is 40,000 euros.\r\n"
        "Alice: And the timeline?\r\n"
        "Bob: Here is the plan: we finish in May.\r\n"
        "The reason is simple: nobody objected.\r\n"
    )
    transcript = parse_transcript("chat.txt", text)
    assert [t.speaker for t in transcript.turns] == ["Alice", "Bob", "Alice", "Bob"]
    last = transcript.turns[-1]
    assert text[last.start : last.end] == "Here is the plan: we finish in May.\r\nThe reason is simple: nobody objected."


def test_a_word_and_a_comma_before_a_colon_open_a_sentence_not_a_turn() -> None:
    text = (
        "PRESIDENTE ANDRÉS MANUEL LÓPEZ OBRADOR: Vamos a empezar.\n\n"
        "Imagínense, un presidente que llega y que dice: ‘Ya no hay corrupción’.\n\n"
        "PREGUNTA: Buenos días.\n\n"
        "Presidente, yo le quiero pedir dos cosas con este tema:\n\n"
        "La primera es sencilla.\n\n"
        "That, notwithstanding any Standing Order or usual practice of the House:\n\n"
        "the motion be adopted.\n"
    )
    transcript = parse_transcript("mañanera.md", text)
    assert [t.speaker for t in transcript.turns] == ["PRESIDENTE ANDRÉS MANUEL LÓPEZ OBRADOR", "PREGUNTA"]
    assert "Imagínense, un presidente" in text[transcript.turns[0].start : transcript.turns[0].end]
    assert text[transcript.turns[1].start : transcript.turns[1].end].endswith("the motion be adopted.")


def test_labels_in_scripts_without_capitals_are_speakers_where_the_file_repeats_them() -> None:
    # Chinese sets no space after its colon; nothing but use tells a label from a sentence's start.
    text = (
        "華為創辦人接受訪問\n\n"
        "記者：您怎麼看這張照片？\n\n"
        "任正非：我們現在是一邊飛一邊修飛機。\n\n"
        "記者：90天可以做什麼？\n\n"
        "任正非：原因很簡單：我們有準備。\n\n"
        "余承東：一句話。\n\n"
        "她補充說：「會繼續努力。」\n"
    )
    transcript = parse_transcript("interview.md", text)
    said = [(t.speaker, t.kind, text[t.start : t.end]) for t in transcript.turns]
    assert said[1:] == [
        ("記者", TurnKind.QUESTION, "您怎麼看這張照片？"),
        ("任正非", TurnKind.SPEECH, "我們現在是一邊飛一邊修飛機。"),
        ("記者", TurnKind.QUESTION, "90天可以做什麼？"),
        # A label used once is words: "余承東：" and "她補充說：" stay in the text they open.
        ("任正非", TurnKind.SPEECH, "原因很簡單：我們有準備。\n\n余承東：一句話。\n\n她補充說：「會繼續努力。」"),
    ]
    qa = parse_transcript("qa.md", "問：你覺得如何？\n\n答：我的意見不重要。\n\n問：為什麼？\n\n 答：因為我沒有票。\n")
    assert [(t.speaker, t.kind) for t in qa.turns] == [("問", TurnKind.QUESTION), ("答", TurnKind.SPEECH)] * 2


def test_short_labels_before_a_dash_are_speakers_where_two_of_them_recur() -> None:
    text = (
        "Interview with the Client\n"
        "I – Hi! Thank you for meeting us.\nC – You’re welcome.\n"
        "I - What do you sell?\nC – Shoes - mostly.\n"
        "Yes - that is right.\nNo - never.\nYes - again.\n"
    )
    transcript = parse_transcript("interview.txt", text)
    said = [(t.speaker, text[t.start : t.end]) for t in transcript.turns]
    assert said[1:] == [
        ("I", "Hi! Thank you for meeting us."), ("C", "You’re welcome."), ("I", "What do you sell?"),
        ("C", "Shoes - mostly.\nYes - that is right.\nNo - never.\nYes - again."),
    ]
    assert not any(t.speaker for t in parse_transcript("notes.txt", "Yes - fine.\nNo - never.\n" * 2).turns)


def test_an_interview_forms_fields_and_a_pages_buttons_are_no_speakers_and_no_words() -> None:
    text = (
        "Interview 3\n\nName: Anna K.\nAge: 34\nOccupation: nurse\n\n"
        "Interviewer: How did it start?\n\nAnna: In May.\n\nCopy to clipboard\n\n"
        "Interviewer: Thanks.\n\nAnna: Sure.\n\nBack to top\n"
    )
    transcript = parse_transcript("interview.md", text)
    assert [(t.speaker, t.kind.value, text[t.start : t.end]) for t in transcript.turns] == [
        (None, "header", "Interview 3\n\nName: Anna K.\nAge: 34\nOccupation: nurse"),
        ("Interviewer", "speech", "How did it start?"), ("Anna", "speech", "In May."),
        ("Interviewer", "speech", "Thanks."), ("Anna", "speech", "Sure."),
    ]


@pytest.mark.parametrize(
    ("head", "date"),
    [
        ("Versión estenográfica de la conferencia, 06 de julio de 2022", "2022-07-06"),
        ("Conférence de presse du 1er juillet 2022", "2022-07-01"),
        ("Pressekonferenz, Berlin, 6. Juli 2022", "2022-07-06"),
        ("華為創辦人接受訪問 2019年5月21日", "2019-05-21"),
        ("Mars 3 2022 rover briefing", None),
    ],
)
def test_a_date_written_in_another_language_dates_the_transcript(head: str, date: str | None) -> None:
    transcript = parse_transcript("briefing.md", f"{head}\n\nMODERATOR: Welcome.\n")
    assert transcript.date == date


def test_a_label_with_no_space_after_its_colon_is_one_in_capitals_or_one_that_recurs() -> None:
    text = (
        "PRESIDENTE ANDRÉS MANUEL LÓPEZ OBRADOR:Estamos aquí.\n\n"
        "I:Q2\n\nB:Das sind die Richtlinien.\n\n"
        "Interviewer:Und dann?\n\nInterviewer:Gut.\n\n"
        "Siehe auch:Anhang drei.\n"
    )
    transcript = parse_transcript("tight.txt", text)
    assert [(t.speaker, text[t.start : t.end]) for t in transcript.turns] == [
        ("PRESIDENTE ANDRÉS MANUEL LÓPEZ OBRADOR", "Estamos aquí."), ("I", "Q2"), ("B", "Das sind die Richtlinien."),
        ("Interviewer", "Und dann?"), ("Interviewer", "Gut.\n\nSiehe auch:Anhang drei."),
    ]


def test_recurring_sentence_case_roles_are_speakers_and_a_lone_one_is_not() -> None:
    text = (
        "Moderator: Welcome. Today, the ferry.\n\n"
        "Reporter: What about the new route?\n\n"
        "Harbour master: It opens in March.\n\n"
        "Reporter: How many passengers?\n\n"
        "Harbour master: About 400 a day.\n\n"
        "Audience member:\nWill it run in winter?\n\n"
        "Audience member:\nAnd on Sundays?\n\n"
        "Key point: fares stay low.\n\n"
        "Moderator: Thank you both.\n"
    )
    transcript = parse_transcript("ferry.txt", text)
    # Before, "Harbour master" was no name, so its answers were glued to the reporter's questions.
    assert [(t.speaker, t.kind.value, text[t.start : t.end]) for t in transcript.turns] == [
        ("Moderator", "speech", "Welcome. Today, the ferry."),
        ("Reporter", "question", "What about the new route?"),
        ("Harbour master", "speech", "It opens in March."),
        ("Reporter", "question", "How many passengers?"),
        ("Harbour master", "speech", "About 400 a day."),
        ("Audience member", "question", "Will it run in winter?"),
        # Used once, "Key point:" is read as the audience member's words, not as a speaker.
        ("Audience member", "question", "And on Sundays?\n\nKey point: fares stay low."),
        ("Moderator", "speech", "Thank you both."),
    ]


def test_a_short_exchange_whose_every_line_is_labelled_has_speakers_though_no_label_recurs() -> None:
    text = "Ferry update\n\nModerator: Welcome to the briefing.\n\nSpokesperson: Fares stay low this year.\n"
    transcript = parse_transcript("short.txt", text)
    assert [(t.speaker, text[t.start : t.end]) for t in transcript.turns[1:]] == [
        ("Moderator", "Welcome to the briefing."), ("Spokesperson", "Fares stay low this year."),
    ]
    # One unlabelled line, or metadata fields, and one-off labels stay text, as before.
    for other in ("Moderator: Welcome.\n\nWe begin now.\n\nSpokesperson: Fares stay low.\n",
                  "Date: 2024-05-03\n\nLocation: Oslo\n"):
        assert all(t.speaker is None for t in parse_transcript("other.txt", other).turns)


def test_a_guest_who_speaks_once_is_a_speaker_where_labels_open_most_paragraphs() -> None:
    text = (
        "Harbour podcast, episode 42. Recorded in Vigo. This transcript was lightly edited.\n\n"
        "Host: Welcome back to the show. Today we talk about the harbour.\n\n"
        "Alice Wong: Thanks for having me. The ferry terminal reopens in June.\n\n"
        "Bob Lee: And it gets four new berths.\n\n"
        "Host: What will it cost?\n\n"
        "Alice Wong: About 48 million euros.\n\n"
        "[Music plays]\n"
    )
    transcript = parse_transcript("episode.txt", text)
    # Before, the introduction kept "every line labelled" from holding, and Bob's one line was Alice's.
    assert [(t.speaker, text[t.start : t.end]) for t in transcript.turns][1:4] == [
        ("Host", "Welcome back to the show. Today we talk about the harbour."),
        ("Alice Wong", "Thanks for having me. The ferry terminal reopens in June."),
        ("Bob Lee", "And it gets four new berths.")]
    # Where labels are a minority of the paragraphs, a one-off `Name:` is still text.
    prose = ("The port reopened in June.\n\nAlice Wong: quoted once in a news story.\n\nAlice Wong: twice.\n\n"
             "Ferries: more of them.\n\nThe rest is prose.\n\nMore prose here.\n\nAnd an ending.\n")
    assert "Ferries" not in {t.speaker for t in parse_transcript("story.txt", prose).turns}


@pytest.mark.parametrize(
    "front",
    ['---\nlayout: post\ntitle: "Episode 42: Rebuilding the harbour"\ndate: 2023-06-14 09:00:00 +0100\n'
     "tags: [ports, ferries]\n---\n",
     '+++\ntitle = "Episode 42: Rebuilding the harbour"\ndate = 2023-06-14T09:00:00+01:00\n+++\n'],
)
def test_front_matter_gives_title_and_date_and_is_not_read_as_words(front: str) -> None:
    text = front + "\nHost: Welcome back. Today, the harbour.\n\nAlice Wong: The ferry terminal reopens in June.\n"
    transcript = parse_transcript("episode.md", text)
    assert (transcript.title, transcript.date) == ("Episode 42: Rebuilding the harbour", "2023-06-14")
    assert [(t.speaker, text[t.start : t.end]) for t in transcript.turns] == [
        ("Host", "Welcome back. Today, the harbour."), ("Alice Wong", "The ferry terminal reopens in June.")]
    # Two horizontal rules around prose are no front matter.
    rules = parse_transcript("notes.md", "---\n\nSome text between rules.\n\n---\n\nMore text.\n")
    assert rules.title is None and "Some text between rules." in rules.text[rules.turns[0].start : rules.turns[0].end]


@pytest.mark.parametrize(("field", "date"), [("date: 2024-02-30", None), ("recorded: 2024-01-01 25:00:00", "2024-01-01"),
                                             ("date: !!timestamp 2024-02-30", None)])
def test_an_impossible_date_in_front_matter_is_no_date_and_the_file_is_read(field: str, date: str | None) -> None:
    # PyYAML raises ValueError building such a date: the file must still be read, not fail the build.
    text = f"---\ntitle: Ep\n{field}\n---\n\nAlice: Hello there.\n\nBob: Hi, Alice.\n"
    transcript = parse_document("ep.md", text)
    assert transcript.date == date
    assert [(t.speaker, text[t.start : t.end]) for t in transcript.turns] == [("Alice", "Hello there."),
                                                                             ("Bob", "Hi, Alice.")]


def test_front_matter_above_a_timestamped_export_gives_title_date_and_media() -> None:
    text = ("---\ntitle: 'Making ferries private '\ntranscript_by: someone via a tool\n"
            "media: https://www.youtube.com/watch?v=abc123\ntags: ['ports']\nspeakers: ['Ana Diaz', 'Ben Ode']\n"
            "date: 2024-08-29\nsummary: \"A panel on ferries.\"\n---\nSpeaker 0: 00:00:01\n\n"
            "So there is one person here.\n\nSpeaker 1: 00:00:07\n\nHi, everyone. The ferry terminal reopens in June.\n\n"
            "Speaker 0: 00:00:55\n\nThanks.\n")
    transcript = parse_document("panel.md", text)
    assert (transcript.title, transcript.date, transcript.media_url) == (
        "Making ferries private", "2024-08-29", "https://www.youtube.com/watch?v=abc123")
    assert [(t.speaker, t.start_time) for t in transcript.turns] == [("Speaker 0", 1.0), ("Speaker 1", 7.0),
                                                                       ("Speaker 0", 55.0)]
    labelled = parse_document("talk.md", "---\ntitle: Talk\nvideo: https://media.example.org/t.mp4\n---\n\nAna: Hi.\n")
    assert (labelled.title, labelled.media_url) == ("Talk", "https://media.example.org/t.mp4")


def test_a_talk_whose_front_matter_names_one_speaker_is_theirs_questions_from_the_floor_aside() -> None:
    text = ("---\ntitle: Coin selection\nspeakers:\n  - Mark Erhardt\ndate: 2016-10-09\n---\n"
            "Simulation-based evaluation of coin selection strategies\n\n# Introduction\n\n"
            "I looked at how wallets pick their inputs. Like I've said, fees matter most.\n\n"
            "Q - What about grouping by correlation?\n\nA - That has been a frequent request.\n\n"
            "Q - Why not pull data from the blockchain?\n\nA - We did, for a month of payments.\n")
    transcript = parse_document("talk.md", text)
    assert [s.name for s in transcript.speakers] == ["Mark Erhardt"]
    said = [(t.kind.value, t.speaker, text[t.start : t.end]) for t in transcript.turns if t.kind.value != "header"]
    # "Like I've said" is no one reporting speech; the talk's words are the speaker's.
    assert any(speaker == "Mark Erhardt" and "Like I've said, fees matter most." in words for _, speaker, words in said)
    assert ("question", None, "What about grouping by correlation?") in said
    assert ("speech", "Mark Erhardt", "That has been a frequent request.") in said
    # Two speakers listed: who said what is not known, and nothing is attributed.
    two = parse_document("panel.md", text.replace("  - Mark Erhardt\n", "  - Mark Erhardt\n  - Ana Diaz\n"))
    assert "Mark Erhardt" not in {t.speaker for t in two.turns}


def test_a_folded_front_matter_title_and_the_same_speakers_next_stamp() -> None:
    text = ("---\nguest: Ana Diaz\ntitle: How ferries are run | Ana Diaz (harbour master,\n  former pilot)\n"
            "youtube_url: https://www.youtube.com/watch?v=xyz\nkeywords:\n- ports\n- ferries\n---\n\n"
            "# How ferries are run\n\n## Transcript\n\nAna Diaz (00:00:00):\nThe terminal reopens in June.\n\n"
            "Lenny Rachitsky (00:00:12):\nWith how many berths?\n\n(00:01:51):\nAnd who pays for them?\n\n"
            "Ana Diaz (00:02:05):\nFour berths, paid by the port.\n")
    transcript = parse_document("episode.md", text)
    assert transcript.title == "How ferries are run | Ana Diaz (harbour master, former pilot)"
    assert transcript.media_url == "https://www.youtube.com/watch?v=xyz"
    # `(00:01:51):` carries on the speaker before it, as such exports write a long turn's next stamp.
    canonical = transcript.text
    assert [(t.speaker, t.start_time, canonical[t.start : t.end]) for t in transcript.turns if t.speaker] == [
        ("Ana Diaz", 0.0, "The terminal reopens in June."),
        ("Lenny Rachitsky", 12.0, "With how many berths? And who pays for them?"),
        ("Ana Diaz", 125.0, "Four berths, paid by the port.")]


def test_front_matter_is_read_as_yaml_quoting_escapes_and_folding_included() -> None:
    text = ("---\ndescription: For most people, productivity starts with their system. Jay and Kathy\n"
            "  talk about their own systems.\npub_date: '\n\n\n  July 15th, 2021'\n"
            "title: \"87: \\U0001F525 Burned All The Way Out\"\nurl: https://www.relay.fm/conduit/87\n---\n\n"
            "From Relay, you're listening to Conduit. Welcome, I'm Jay.\n")
    transcript = parse_document("conduit.md", text)
    assert (transcript.title, transcript.date) == ("87: \U0001F525 Burned All The Way Out", "2021-07-15")
    # A block that is not YAML is still no part of the transcript.
    broken = parse_document("b.md", "---\ntitle: [unclosed\nkey: value\n---\nAna: Hello there.\n\nBen: Hi.\n")
    assert broken.title is None and "unclosed" not in broken.text[broken.turns[0].start :]


def test_bracketed_speaker_then_bracketed_time_on_each_line() -> None:
    text = ("[Speaker 1] [00:00] Alright. Let's go ahead and get going here.\n"
            "[Speaker 1] [00:17] I'll tell you that for me personally, my eyes were opened.\n"
            "[Speaker 2] [02:21] Oh, man.\n[Speaker 1] [02:22] So, anyway.\n")
    transcript = parse_document("oxide.txt", text)
    assert [(t.speaker, t.start_time, t.end_time) for t in transcript.turns] == [
        ("Speaker 1", 0.0, 141.0), ("Speaker 2", 141.0, 142.0), ("Speaker 1", 142.0, 142.0)]


def test_hansard_labels_give_constituency_and_party_as_the_role_and_an_office_its_holder() -> None:
    text = ("House of Commons, Wednesday 14 June 2023\n\nMr Speaker: Order. Questions to the Prime Minister.\n\n"
            "Jane Smith (Dover) (Con): If he will list his official engagements.\n\n"
            "The Prime Minister (Rishi Sunak): This morning I had meetings with colleagues.\n\n"
            "Jane Smith: Will the Government fund new berths at Dover?\n")
    transcript = parse_transcript("hansard.txt", text)
    assert [(s.name, s.role) for s in transcript.speakers] == [
        ("Mr Speaker", None), ("Jane Smith", "Dover, Con"), ("Rishi Sunak", "The Prime Minister")]
    # A group inside a group stays one role.
    nested = parse_transcript("n.txt", "Ana Diaz (Reuters (UK)): A question.\n\nAna Diaz: Another.\n")
    assert [(s.name, s.role) for s in nested.speakers] == [("Ana Diaz", "Reuters (UK)")]


def test_a_markdown_heading_with_a_colon_is_the_title_not_a_speaker() -> None:
    text = ("# Interview: the harbour master\n\n**Q:** When does the terminal reopen?\n\n**A:** On 2 June.\n\n"
            "**Q:** How many berths?\n\n**A:** Four new ones.\n")
    transcript = parse_transcript("interview.md", text)
    assert transcript.title == "Interview: the harbour master"
    assert [(t.kind.value, t.speaker) for t in transcript.turns] == [
        ("header", None), ("question", "Q"), ("speech", "A"), ("question", "Q"), ("speech", "A")]


def test_labels_in_brackets_as_diarization_scripts_print_them() -> None:
    text = ("[SPEAKER_00]: Thanks for coming in today.\n[SPEAKER_01]: The new plant opens in March.\n"
            "[SPEAKER_00]: How many jobs will it create?\n[crosstalk]: no, no\n[SPEAKER_01]: About four hundred.\n")
    transcript = parse_transcript("diarized.txt", text)
    # The brackets are no one's words; a bracketed stage direction is not a speaker.
    assert [(t.speaker, text[t.start : t.end]) for t in transcript.turns] == [
        ("SPEAKER_00", "Thanks for coming in today."), ("SPEAKER_01", "The new plant opens in March."),
        ("SPEAKER_00", "How many jobs will it create?\n[crosstalk]: no, no"), ("SPEAKER_01", "About four hundred.")]


def test_labels_with_roles_in_parentheses_and_honorifics() -> None:
    text = (
        "The Chair (Hon. Anthony Rota (Nipissing, Lib.)):\n\nOrder. We resume.\n\n"
        "Mrs. Cathy McLeod (KamloopsThompsonCariboo, CPC):\n\nThank you, Mr. Chair. First, a question:\n\n"
        "First, we will:\n\nlist the items.\n"
    )
    transcript = parse_transcript("house.txt", text)
    assert [(s.name, s.role) for s in transcript.speakers] == [
        ("The Chair", "Hon. Anthony Rota (Nipissing, Lib.)"),
        ("Mrs. Cathy McLeod", "KamloopsThompsonCariboo, CPC"),
    ]
    assert len(transcript.turns) == 2
    assert text[transcript.turns[1].start : transcript.turns[1].end].endswith("list the items.")


def test_byte_order_mark_stays_in_the_text_and_out_of_spans() -> None:
    text = "\ufeffZhu Bing:\n\nWe opened 22 zones.\n"
    transcript = parse_transcript("bom.txt", text)
    (turn,) = transcript.turns
    assert text[turn.start : turn.end] == "We opened 22 zones."


def test_a_file_with_only_clutter_has_no_turns() -> None:
    transcript = parse_transcript("empty.txt", "Related Articles\n\nPlease enter your comment!\n")
    assert transcript.turns == []


@pytest.mark.skipif(not QMSUM_DOCS.is_dir(), reason="public benchmark corpus not present")
def test_every_label_line_of_the_meeting_corpus_opens_a_turn() -> None:
    import re

    for path in sorted(QMSUM_DOCS.glob("*.txt")):
        text = path.read_bytes().decode("utf-8")
        transcript = parse_transcript(path.name, text)
        starts = {t.start for t in transcript.turns}
        labels = [m.end() for m in re.finditer(r"(?m)^[^\n]{1,200}:\n\n", text)]
        assert [pos for pos in labels if pos not in starts] == [], path.name
        assert all(t.kind is not TurnKind.NARRATION for t in transcript.turns), path.name


@hypothesis_settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text(max_size=80),
            st.sampled_from(["Zhu Bing:", "Speakers:", "Date:", "Q: why?", "“quoted”", "Related Articles", "", "  "]),
            st.from_regex(r"[A-Z][a-z]+ [A-Z][a-z]+(, [a-z ]+)?: [“\"]?[A-Za-z .]+[”\"]?", fullmatch=True),
        ),
        max_size=30,
    )
)
def test_any_text_parses_into_valid_trimmed_spans(lines: list[str]) -> None:
    text = "\n".join(lines)
    transcript = parse_transcript("fuzz.txt", text)
    previous_end = 0
    for turn in transcript.turns:
        assert previous_end <= turn.start < turn.end <= len(text)
        body = text[turn.start : turn.end]
        assert body.strip() == body
        previous_end = turn.end


def test_seeds_folder_matches_the_shared_corpus() -> None:
    from tests.conftest import SHARED

    shared = SHARED / "seeds"
    if not shared.is_dir():
        pytest.skip("../shared/seeds not present")
    for path in shared.glob("*.txt"):
        assert (SEEDS / path.name).read_bytes() == path.read_bytes()


def test_headline_speakers_list_and_date_block_are_header_turns() -> None:
    transcript = parse_seed("003_94303b5083c37beb.txt")
    headers = [t for t in transcript.turns if t.kind is TurnKind.HEADER]
    assert [transcript.text[t.start : t.end].split("\n")[0] for t in headers] == [
        "SCIO briefing on production capacity cooperation under B&R Initiative",
        "Speakers:",
    ]
    block = transcript.text[headers[1].start : headers[1].end]
    assert block.endswith("Date:\nMay 12, 2017") and "Chairperson:\nXi Yanchun" in block
    assert all(t.speaker is None for t in headers)


def test_an_editors_note_among_labelled_turns_is_narration_not_a_speaker() -> None:
    text = ("Alice Wong: We will vote on the budget at nine.\nBob Reyes: Fine by me.\n"
            "Note: the meeting ended at ten.\nAlice Wong: Thanks, everyone.\nBob Reyes: Bye.\n"
            "Warning: this transcript was machine generated.\n")
    transcript = parse_transcript("minutes.txt", text)
    assert [(t.speaker, text[t.start : t.end]) for t in transcript.turns] == [
        ("Alice Wong", "We will vote on the budget at nine."), ("Bob Reyes", "Fine by me."),
        (None, "Note: the meeting ended at ten."), ("Alice Wong", "Thanks, everyone."), ("Bob Reyes", "Bye."),
        (None, "Warning: this transcript was machine generated.")]


def test_a_direction_mark_or_zero_width_space_before_a_label_does_not_hide_it() -> None:
    # Text copied from right-to-left apps opens each line with U+200F.
    text = ("\u200fالمذيع: مرحبا بكم في البرنامج.\n\u200fالضيف: شكرا على الاستضافة.\n"
            "\u200fالمذيع: ما رأيك في القرار؟\n\u200b\u200fالضيف: قرار جيد.\n")
    transcript = parse_transcript("interview.txt", text)
    assert [(t.speaker, text[t.start : t.end]) for t in transcript.turns] == [
        ("المذيع", "مرحبا بكم في البرنامج."), ("الضيف", "شكرا على الاستضافة."), ("المذيع", "ما رأيك في القرار؟"),
        ("الضيف", "قرار جيد.")]


def test_a_member_heard_once_in_a_hearing_is_a_speaker_where_such_labels_are_the_files_format() -> None:
    # The Government Publishing Office's layout: indented `Ms. Waters.` labels, hard-wrapped lines.
    text = ("    Chairman McHenry. The committee will come to order. Without \nobjection, the Chair may declare a "
            "recess.\n    Ms. Waters. Thank you, Mr. Chairman. I want to welcome the \nChair.\n"
            "    Chairman McHenry. The gentlelady yields back. Mr. Powell, you \nare recognized.\n"
            "    Mr. Powell. Thank you. Inflation has eased \nsubstantially.\n"
            "    Mr. Lucas. Chair Powell, when will \nrates fall?\n    Mr. Powell. When we are confident.\n")
    transcript = parse_transcript("hearing.txt", text)
    assert [t.speaker for t in transcript.turns] == [
        "Chairman McHenry", "Ms. Waters", "Chairman McHenry", "Mr. Powell", "Mr. Lucas", "Mr. Powell"]
    assert text[transcript.turns[4].start : transcript.turns[4].end] == "Chair Powell, when will \nrates fall?"


def test_a_bare_chevron_in_a_broadcast_transcript_is_another_unnamed_speaker() -> None:
    text = ">> ALICE: Good evening.\n>> BOB: Good evening to you.\n>> We have breaking news tonight.\n>> ALICE: Thanks.\n"
    transcript = parse_transcript("news.txt", text)
    assert [(t.speaker, text[t.start : t.end]) for t in transcript.turns] == [
        ("ALICE", "Good evening."), ("BOB", "Good evening to you."), (None, "We have breaking news tonight."),
        ("ALICE", "Thanks.")]


def test_a_speaker_named_in_full_once_then_by_surname_is_one_speaker() -> None:
    # NPR's convention: `STEVE INSKEEP, HOST:` the first time, `INSKEEP:` after.
    text = ("STEVE INSKEEP, HOST:\n\nGood morning. Rates are up.\n\nJANE DOE:\n\nYes they are.\n\n"
            "INSKEEP:\n\nWhy?\n\nDOE:\n\nInflation.\n")
    transcript = parse_transcript("npr.txt", text)
    assert [(t.speaker, t.role) for t in transcript.turns] == [
        ("STEVE INSKEEP", "HOST"), ("JANE DOE", None), ("STEVE INSKEEP", "HOST"), ("JANE DOE", None)]
    assert [s.name for s in transcript.speakers] == ["STEVE INSKEEP", "JANE DOE"]


def test_a_date_inside_a_link_does_not_date_the_transcript() -> None:
    # Part two of a podcast links to part one by its dated address: that is part one's date.
    text = ("# Part two\n\nPart one is at [this link](https://example.org/2025/09/08/podcast-part1/).\n\n"
            "Host: Welcome back.\n\nGuest: Thanks.\n")
    assert parse_transcript("part2.md", text).date is None
    dated = parse_transcript("part2.md", text.replace("# Part two\n", "# Part two, September 9, 2025\n"))
    assert dated.date == "2025-09-09"


def test_a_depositions_answers_are_the_witnesses_where_the_colloquy_names_the_witness() -> None:
    text = ("Q. Please state your name.\nA. John Q. Public.\nMR. SMITH: Objection, form.\n"
            "THE WITNESS: I will answer.\nQ. Where do you live?\nA. In Springfield.\n")
    transcript = parse_transcript("deposition.txt", text)
    assert [(t.kind.value, t.speaker, text[t.start : t.end]) for t in transcript.turns] == [
        ("question", None, "Please state your name."), ("speech", "THE WITNESS", "John Q. Public."),
        ("speech", "MR. SMITH", "Objection, form."), ("speech", "THE WITNESS", "I will answer."),
        ("question", None, "Where do you live?"), ("speech", "THE WITNESS", "In Springfield.")]
    assert "A" not in {s.name for s in transcript.speakers}


def test_an_earnings_call_heads_each_turn_with_name_and_role_and_its_sections_are_no_speakers() -> None:
    # The layout of widely copied earnings call transcripts (The Motley Fool's among them).
    text = ("Harbour Corp (HBR) Q4 2024 Earnings Call Transcript\n\nPrepared Remarks:\n\nOperator\n\n"
            "Good day, everyone, and welcome to the call.\n\nAna Diaz -- Director, Investor Relations\n\n"
            "Thank you. Good afternoon.\n\nBen Ode -- Chief Executive Officer\n\nRevenue rose to $94.9 billion.\n\n"
            "Questions & Answers:\n\nOperator\n\nOur first question comes from Erik Woodring.\n\n"
            "Erik Woodring -- Analyst\n\nWhat drove the margin?\n\nBen Ode -- Chief Executive Officer\n\n"
            "Services did.\n\nCall participants:\n\nAna Diaz -- Director, Investor Relations\n\n"
            "Ben Ode -- Chief Executive Officer\n")
    transcript = parse_transcript("hbr.txt", text)
    said = [(t.speaker, t.role, text[t.start : t.end]) for t in transcript.turns if t.kind.value == "speech"]
    assert said == [
        ("Operator", None, "Good day, everyone, and welcome to the call."),
        ("Ana Diaz", "Director, Investor Relations", "Thank you. Good afternoon."),
        ("Ben Ode", "Chief Executive Officer", "Revenue rose to $94.9 billion."),
        ("Operator", None, "Our first question comes from Erik Woodring."),
        ("Erik Woodring", "Analyst", "What drove the margin?"),
        ("Ben Ode", "Chief Executive Officer", "Services did.")]


def test_names_whose_accents_are_characters_of_their_own_are_labels_and_match_their_composed_form() -> None:
    # macOS and some copy-paste write "Bárbara" as "Ba" + U+0301 + "rbara" (NFD).
    nfd = unicodedata.normalize("NFD", "Zoë Bárbara: I love it.\nJosé Núñez: Gracias.\nZoë Bárbara: De nada.\n")
    transcript = parse_transcript("chat.txt", nfd)
    assert [unicodedata.normalize("NFC", t.speaker or "") for t in transcript.turns] == [
        "Zoë Bárbara", "José Núñez", "Zoë Bárbara"]
    assert speaker_key(transcript.turns[0].speaker or "") == speaker_key("Zoë Bárbara")


def test_lines_ended_by_a_carriage_return_alone_are_lines_and_spans_index_the_file() -> None:
    # Classic Mac OS and some exporters end lines with CR alone: the file was one narration turn.
    text = "Alice: Hello there.\rBob: Hi, Alice.\r\rAlice: Bye.\r"
    transcript = parse_transcript("mac.txt", text)
    assert transcript.text == text
    assert [(t.speaker, text[t.start : t.end]) for t in transcript.turns] == [
        ("Alice", "Hello there."), ("Bob", "Hi, Alice."), ("Alice", "Bye.")]


def test_a_minister_addressing_the_chair_is_no_report_of_the_chairs_words() -> None:
    # "Mr. Chair, ..." addresses the chair; "The Chair" is nobody's surname "Chair" (a committee's minutes).
    text = ("The Chair (Hon. Anthony Rota (Nipissing, Lib.)):\n\nOrder. We resume.\n\n"
            "Hon. Harjit S. Sajjan (Minister of National Defence):\n\n"
            "Mr. Chair, I want to thank our forces for the tremendous work they are doing. They did their duty, "
            "noted down their observations and reported them.\n\n"
            "The Chair (Hon. Anthony Rota (Nipissing, Lib.)):\n\nThank you.\n")
    turns = parse_transcript("committee.txt", text).turns
    assert [t.speaker for t in turns if "forces" in text[t.start : t.end]] == ["Hon. Harjit S. Sajjan"]
