"""Labelling conventions of real plain-text and Markdown transcripts (Changelog, bitcointranscripts,
NPR, TED, YouTube descriptions, Jekyll pages), each cut down to the lines that lost or invented a
speaker; and short excerpts of MIT-licensed real files (`samples/real-text/SOURCE.md`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.ingest.readers import parse_document
from rag.ingest.text import parse_transcript
from rag.types import Transcript, TurnKind
from tests.ingest.test_formats import assert_segments_check_out

SAMPLES = Path(__file__).parent / "samples" / "real-text"


def _said(transcript: Transcript, text: str) -> list[tuple[str | None, str]]:
    return [(t.speaker, text[t.start : t.end]) for t in transcript.turns if t.kind is not TurnKind.HEADER]


def _sample(name: str) -> tuple[str, Transcript]:
    text = (SAMPLES / name).read_text(encoding="utf-8")
    transcript = parse_document(name, text)
    if transcript.segments:
        assert_segments_check_out(transcript, text)
    else:
        # Plain text: the canonical text is the file, every span trimmed.
        assert transcript.text == text
        assert all(text[t.start : t.end] == text[t.start : t.end].strip() for t in transcript.turns)
    return text, transcript


# -- 1. `Name, Role:` inline --------------------------------------------------------------------


def test_a_bold_name_with_a_credential_inline_is_a_label() -> None:
    # thechangelog/transcripts brainscience/brain-science-9.md: `**Name, Psy.D:** words` alternating
    # with `**Adam Stacoviak:** words`; the credential's label was read into the host's turns.
    text = ("**Mireille B. Reece, Psy.D:** It's interesting, because the more we talk, the more I reflect.\n\n"
            "**Adam Stacoviak:** I have to agree.\n\n**Mireille B. Reece, Psy.D:** That's a lot, right? \\[laughs\\]\n\n"
            "**Adam Stacoviak:** That is a lot.\n")
    transcript = parse_transcript("brain-science-9.md", text)
    assert _said(transcript, text) == [
        ("Mireille B. Reece", "It's interesting, because the more we talk, the more I reflect."),
        ("Adam Stacoviak", "I have to agree."), ("Mireille B. Reece", "That's a lot, right? \\[laughs\\]"),
        ("Adam Stacoviak", "That is a lot.")]
    assert [(s.name, s.role) for s in transcript.speakers] == [("Mireille B. Reece", "Psy.D"), ("Adam Stacoviak", None)]


def test_a_recurring_name_and_role_inline_is_a_label_and_npr_byline_then_surname_is_one_speaker() -> None:
    # The probe's reduction of the Changelog layout, without bold: the same `Name, Role:` recurs.
    text = "Jane Roe, Director: It's interesting.\n\nAdam Stacoviak: I agree.\n\nJane Roe, Director: Yeah.\n"
    assert [t.speaker for t in parse_transcript("a.txt", text).turns] == ["Jane Roe", "Adam Stacoviak", "Jane Roe"]
    # NPR: `JANE ROE, BYLINE: words` inline, once; then `ROE:`.
    npr = ("STEVE INSKEEP, HOST:\n\nGood morning.\n\nJANE ROE, BYLINE: Hello there.\n\nINSKEEP: So what happened?\n\n"
           "ROE: A lot happened.\n")
    transcript = parse_transcript("npr.txt", npr)
    assert _said(transcript, npr) == [("STEVE INSKEEP", "Good morning."), ("JANE ROE", "Hello there."),
                                      ("STEVE INSKEEP", "So what happened?"), ("JANE ROE", "A lot happened.")]
    assert [s.name for s in transcript.speakers] == ["STEVE INSKEEP", "JANE ROE"]


def test_a_vocative_and_a_clause_before_a_colon_stay_sentences_among_labels() -> None:
    # A chat's own words may open with a name and a comma: no label, even where labels are the convention.
    text = ("Alice: Hi.\n\nBob: Hello.\n\nAlice: Bob, one more thing: the budget.\n\n"
            "Bob: Mr. Chair, I want to be clear: no.\n\nMr. Chair, I want to be clear: this is a sentence.\n")
    transcript = parse_transcript("chat.txt", text)
    assert [s.name for s in transcript.speakers] == ["Alice", "Bob"]
    assert _said(transcript, text)[-1] == ("Bob", "Mr. Chair, I want to be clear: no.\n\n"
                                                  "Mr. Chair, I want to be clear: this is a sentence.")


# -- 2., 6. `Q`/`A` marks under a front matter naming one speaker --------------------------------


def test_one_q_dash_a_dash_exchange_under_one_listed_speaker_gives_the_answer_to_the_speaker() -> None:
    # bitcointranscripts andreas-antonopoulos/2019-02-01-...-hardware-wallet-security.md (sample).
    text, transcript = _sample("andreas-hardware-wallets.head.md")
    (question, answer) = [t for t in transcript.turns if t.kind is not TurnKind.HEADER]
    assert (question.kind, question.speaker) == (TurnKind.QUESTION, None)
    assert text[question.start : question.end].startswith("Hi Andreas. I store my crypto on a Ledger.")
    assert (answer.kind, answer.speaker) == (TurnKind.SPEECH, "Andreas Antonopoulos")
    assert text[answer.start : answer.end].startswith("Here’s the thing.")
    # The probe's reduction, a paragraph of the answer after its mark.
    small = "---\nspeakers: ['Ana Diaz']\n---\nQ - Hi Ana. Is it safe?\n\nA - Here is the thing.\n\nMore about it.\n"
    assert _said(parse_document("a.md", small), small) == [
        (None, "Hi Ana. Is it safe?"), ("Ana Diaz", "Here is the thing.\n\nMore about it.")]


@pytest.mark.parametrize(
    ("sample", "speaker", "asker", "first_answer"),
    [
        # bitcointranscripts adopting-bitcoin/2021/2021-11-16-gloria-zhao-transaction-relay-policy.zh.md
        ("gloria-zhao-relay-policy.zh.excerpt.md", "Gloria Zhao", "问", "如果你在自己的节点上调用"),
        # bitcointranscripts austin-bitcoin-developers/2019-06-29-hardware-wallets.es.md
        ("austin-hardware-wallets.es.excerpt.md", "Stepan Snigirev", "P", "Funciona en ambos casos."),
    ],
)
def test_translated_question_and_answer_marks_under_one_listed_speaker(
        sample: str, speaker: str, asker: str, first_answer: str) -> None:
    text, transcript = _sample(sample)
    turns = [t for t in transcript.turns if t.kind is not TurnKind.HEADER]
    assert {t.speaker for t in turns} == {speaker, asker}
    assert all(t.kind is TurnKind.QUESTION for t in turns if t.speaker == asker)
    answers = [text[t.start : t.end] for t in turns if t.speaker == speaker]
    assert any(words.startswith(first_answer) for words in answers)
    assert speaker in {s.name for s in transcript.speakers} and "答" not in {s.name for s in transcript.speakers}


def test_translated_marks_with_no_listed_speaker_are_read_as_before() -> None:
    # `P:`/`R:` may be anyone's initials: without a front matter naming the speaker, nothing is guessed.
    text = "P: ¿Por qué?\n\nR: Porque sí.\n\nP: ¿Y?\n\nR: Nada.\n"
    assert [t.speaker for t in parse_transcript("a.md", text).turns] == ["P", "R", "P", "R"]


# -- 3. `Full Name (AB):` then `AB:` -----------------------------------------------------------


def test_an_initialism_given_in_parentheses_or_the_initials_of_one_speaker_is_that_speaker() -> None:
    # bitcointranscripts what-bitcoin-did-podcast/2019-05-14-adam-back-bryan-bishop-block-reorgs.md (sample).
    text, transcript = _sample("wbd-block-reorgs.head.md")
    assert [(s.name, s.role) for s in transcript.speakers] == [
        ("Peter McCormack", None), ("Adam Back", None), ("Bryan Bishop", None)]
    assert [t.speaker for t in transcript.turns if t.speaker][:6] == [
        "Peter McCormack", "Adam Back", "Peter McCormack", "Bryan Bishop", "Peter McCormack", "Bryan Bishop"]
    # chaincode-podcast: `Murch (M):` names the one-letter label used after it; a role stays a role.
    small = "Murch (M): Hi.\n\nJane Smith (CEO): Hello.\n\nM: Welcome.\n\nCEO: Thanks.\n\nJS: And more.\n"
    said = parse_transcript("a.md", small)
    assert [t.speaker for t in said.turns] == ["Murch", "Jane Smith", "Murch", "Jane Smith", "Jane Smith"]
    assert [(s.name, s.role) for s in said.speakers] == [("Murch", None), ("Jane Smith", "CEO")]


# -- 4. a monologue's date ---------------------------------------------------------------------


def test_a_date_told_inside_a_talk_does_not_date_it_and_a_dateline_does() -> None:
    # go-sat testdata/ted/jill_taylor.txt: the talk (one long line) tells of the day of her stroke.
    talk = ("I grew up to study the brain because I have a brother who has a brain disorder. " * 8
            + "But on the morning of December 10, 1996, I woke up to discover that I had a brain disorder of my own.\n")
    assert parse_transcript("jill_taylor.txt", talk).date is None
    dateline = "WASHINGTON, March 3, 2021 — " + talk
    assert parse_transcript("news.txt", dateline).date == "2021-03-03"
    stamped = "The Information Office held a press conference to brief the media on the work. " * 3 + " July 24, 2024\n\n"
    assert parse_transcript("briefing.txt", stamped + talk).date == "2024-07-24"


# -- 5. `Name 00:00:00:` stamp lines -----------------------------------------------------------


def test_a_name_a_clock_time_and_a_colon_above_the_words_is_a_stamp() -> None:
    # bitcointranscripts stephan-livera-podcast/slp455-...md (sample), review.btctranscripts.com's export.
    text, transcript = _sample("slp455.head.md")
    canonical = transcript.text
    assert [(t.speaker, t.start_time, canonical[t.start : t.end]) for t in transcript.turns][:2] == [
        ("Stephan", 0.0, "Anant, welcome back to the show."),
        ("Anant", 158.0, "Hey Stephan, thanks for having me again.")]
    assert "00:02:38" not in canonical and "Stephan 00" not in canonical


# -- 7. "X asked, ..." -------------------------------------------------------------------------


def test_a_sentences_subject_before_asked_is_no_speaker() -> None:
    # rcchan/irancontra transcripts/os-2.php: Chairman Hamilton's opening statement.
    text = ("Thank you very much, Mr. Chairman.\n\nA Hoosier constituent of mine recently asked, why is the Congress "
            "spending so much time on this?\n\nThe short answer is that we hold these hearings because we must.\n")
    transcript = parse_transcript("os-2.txt", text)
    assert transcript.speakers == [] and {t.kind for t in transcript.turns} == {TurnKind.NARRATION}
    asked = "Reuters asked, when will the talks resume?\n\nThe Spokesperson: Soon.\n"
    assert [(t.kind, t.speaker) for t in parse_transcript("b.txt", asked).turns][0] == (TurnKind.QUESTION, "Reuters")


# -- 8. Changelog's fragments and show parts ---------------------------------------------------


def test_a_shows_parts_and_quote_introductions_are_no_speakers() -> None:
    # thechangelog/transcripts news/changelog-news-177.md and practical-ai-99.md.
    text = ("**Jerod Santo:**\n\nWhat up, nerds? This is Changelog News.\n\n**Break:**\n\n**Jerod Santo:**\n\n"
            "Here's Armin Ronacher:\n\n> Many of us got hit by the agent coding addiction.\n\n"
            "We're all trying to grapple with it.\n\nLea Verou says:\n\n> Dear JS ecosystem, I love you.\n\n"
            "The topic of that intervention? We all know what it is.\n\n**Jingle**:\n\n**Outro:** \\[08:14\\]\n\n"
            "**Old Changelog Intro:** \\[09:38\\]\n")
    transcript = parse_transcript("changelog-news-177.md", text)
    assert [s.name for s in transcript.speakers] == ["Jerod Santo"]
    said = _said(transcript, text)
    assert said[0] == ("Jerod Santo", "What up, nerds? This is Changelog News.")
    assert said[2][0] == "Jerod Santo" and said[2][1].startswith("Here's Armin Ronacher:")
    assert said[2][1].endswith("The topic of that intervention? We all know what it is.")
    assert [words for speaker, words in said if speaker is None] == [
        "Break", "Jingle", "Outro", "\\[08:14\\]", "Old Changelog Intro", "\\[09:38\\]"]


# -- 9. `# Speaker:` / `# Title:` header lines --------------------------------------------------


def test_speaker_and_title_header_lines_give_the_title_and_the_talks_one_speaker() -> None:
    # go-sat testdata/ted/ken_robinson.txt.
    text = ("# Source: https://www.ted.com/talks/sir_ken_robinson_do_schools_kill_creativity/transcript\n"
            "# Speaker: Sir Ken Robinson\n# Title: Do Schools Kill Creativity?\n\n"
            "Good morning. How are you? It's been great, hasn't it?\n")
    transcript = parse_transcript("ken_robinson.txt", text)
    assert transcript.title == "Do Schools Kill Creativity?"
    assert _said(transcript, text) == [("Sir Ken Robinson", "Good morning. How are you? It's been great, hasn't it?")]
    plain = "Speaker: Ana Diaz\nTitle: Ferries\nDate: May 2, 2024\n\nThe terminal reopens in June.\n"
    read = parse_transcript("talk.txt", plain)
    assert (read.title, read.date, _said(read, plain)) == (
        "Ferries", "2024-05-02", [("Ana Diaz", "The terminal reopens in June.")])
    # The Speaker of a House is a label where no such header opens the file.
    house = "Speaker: Order, order.\n\nMr. Smith: Thank you.\n\nSpeaker: The Member has the floor.\n"
    assert [t.speaker for t in parse_transcript("house.txt", house).turns] == ["Speaker", "Mr. Smith", "Speaker"]


# -- 10. a video's chapter list ----------------------------------------------------------------


def test_a_chapter_list_with_times_is_no_speaker() -> None:
    # mcclonkster/psy-132 crash_course/transcripts/cc_01_history_01_intro_to_psychology.md (description).
    text = ("## Description\n\nIntroduction: What is Psychology?  00:00\nEarly Thinkers in Psychology 0:46\n"
            "Big Questions in Psychology 1:31\n\nFacebook - http://www.facebook.com/YouTubeCrashCourse\n\n"
            "## Transcript\n\n### Introduction: What is Psychology? (00:00)\n\nWhat does Psychology mean?\n")
    transcript = parse_transcript("cc01.md", text)
    assert transcript.speakers == []
    # A chat's lines may end in times too; a chapter list starts at 0:00.
    chat = "Alice: Shall we meet at 10:30\nBob: Fine, at 10:45\nAlice: Good.\nBob: See you.\n"
    assert [t.speaker for t in parse_transcript("chat.txt", chat).turns] == ["Alice", "Bob", "Alice", "Bob"]


# -- 11. HTML paragraphs in Markdown -----------------------------------------------------------


def test_bold_labels_in_html_paragraphs_are_labels_and_the_tags_stay_out_of_the_spans() -> None:
    # jeffpar/lonedissent _pages/transcripts/featured/ex-parte-quirin.md (a Jekyll page).
    text = ('<div style="text-align:justify;">\n  <p><b>MR. CHIEF JUSTICE STONE</b>: Are there any applications?</p>\n'
            "  <p><b>THE CLERK</b>: Cassius M. Dowell.</p>\n  <p><strong>COLONEL ROYALL:</strong> May it please the Court.</p>\n"
            "  <p>I have examined his credentials.</p>\n</div>\n")
    transcript = parse_transcript("ex-parte-quirin.md", text)
    assert [(t.speaker, text[t.start : t.end]) for t in transcript.turns if t.speaker] == [
        ("MR. CHIEF JUSTICE STONE", "Are there any applications?"), ("THE CLERK", "Cassius M. Dowell."),
        ("COLONEL ROYALL", "May it please the Court.</p>\n  <p>I have examined his credentials.")]


def test_front_matter_upload_date_dates_the_file() -> None:
    # yt-dlp's `upload_date: 20140204`, as the psy-132 transcripts keep it.
    text = "---\ntitle: Intro\nupload_date: 20140204\n---\n\nHi, I'm Hank.\n"
    assert parse_document("cc01.md", text).date == "2014-02-04"
