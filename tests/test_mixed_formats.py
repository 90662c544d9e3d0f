"""A corpus mixing plain text, WebVTT, SRT and speech-to-text JSON, served for real: answers cite
speaker and time, every extract checks out against the canonical text and against the file, and
a malformed file is set aside with its reason while the rest is indexed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from litestar.testing import TestClient

from rag.evaluation import DocsFolder
from rag.http.app import create_app
from rag.service import QAService, open_service
from rag.settings import Settings
from tests.conftest import SEEDS
from tests.ingest.test_exports import AWS, OTTER, TTML
from tests.ingest.test_formats import DEPOSITION, PAGE, SAMPLES, ZOOM, resolve
from tests.ingest.test_ass import AEGISUB
from tests.ingest.test_inline_times import PODCAST
from tests.ingest.test_pdf import PDFS, page_texts
from tests.ingest.test_research_formats import CHAT, EAF, PARLAMINT, TEXTGRID

LIBRARY_CSV = ('"Speaker Name","Start Time","End Time","Text"\n"Mayor Lind","00;00;01;00","00;00;04;15",'
               '"The library reopens on the ninth of May."\n"Councillor Ames","00;00;04;20","00;00;07;02",'
               '"Will the reading room keep its evening hours?"\n"Mayor Lind","00;00;07;10","00;00;12;00",'
               '"Yes, the reading room stays open until ten at night."\n')
SIDECAR = {"title": "Port operations call", "date": "2024-03-05", "media_url": "https://media.example.org/call.mp4"}


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> tuple[QAService, Path]:
    root = tmp_path_factory.mktemp("mixed")
    docs = root / "docs"
    docs.mkdir()
    shutil.copy(SEEDS / "001_0c22fd98c8d2c594.txt", docs / "briefing.txt")
    (docs / "call.vtt").write_text(ZOOM, encoding="utf-8")
    (docs / "call.speakers.json").write_text(json.dumps(SIDECAR), encoding="utf-8")
    shutil.copy(SAMPLES / "whisper-json" / "jfk.json", docs / "jfk.json")
    shutil.copy(SAMPLES / "srt-speakers" / "dosparlants.srt", docs / "interview.srt")
    (docs / "interview.speakers.json").write_text(json.dumps({"speakers": {"SPEAKER_00": "Carme"}}), encoding="utf-8")
    (docs / "briefing.html").write_text(PAGE, encoding="utf-8")
    (docs / "deposition.txt").write_text(DEPOSITION, encoding="utf-8")
    (docs / "sync.txt").write_text(OTTER, encoding="utf-8")
    (docs / "dam.json").write_text(json.dumps(AWS, indent=1), encoding="utf-8")
    (docs / "harbour.ttml").write_text(TTML, encoding="utf-8")
    (docs / "library.csv").write_text(LIBRARY_CSV, encoding="utf-8")
    shutil.copy(PDFS / "deposition.pdf", docs / "van.pdf")
    (docs / "episode.md").write_text(PODCAST, encoding="utf-8")
    (docs / "subtitles.ass").write_text(AEGISUB, encoding="utf-8")
    (docs / "oral-history.eaf").write_text(EAF, encoding="utf-8")
    (docs / "sitting.xml").write_text(PARLAMINT, encoding="utf-8")
    (docs / "ross12.cha").write_text(CHAT, encoding="utf-8")
    (docs / "ferry.TextGrid").write_text(TEXTGRID, encoding="utf-8")
    (docs / "broken.vtt").write_text("WEBVTT\n\n00:00:01.000 => 00:00:02.000\nhello\n", encoding="utf-8")
    (docs / "broken.json").write_text('{"segments": [', encoding="utf-8")
    settings = Settings.from_env(docs_dir=docs, index_dir=root / "index")
    return open_service(settings, build_if_needed=True), docs


def test_malformed_files_are_set_aside_with_their_reason_and_the_rest_is_indexed(mixed) -> None:
    service, _ = mixed
    manifest = service.index.manifest
    assert sorted(d.doc_id for d in manifest.documents) == [
        "briefing.html", "briefing.txt", "call.vtt", "dam.json", "deposition.txt", "episode.md", "ferry.TextGrid",
        "harbour.ttml", "interview.srt", "jfk.json", "library.csv", "oral-history.eaf", "ross12.cha", "sitting.xml",
        "subtitles.ass", "sync.txt", "van.pdf"]
    reasons = {u.doc_id: u.reason for u in manifest.unreadable}
    assert set(reasons) == {"broken.json", "broken.vtt"}
    assert "broken.vtt: line 3: expected a cue timing" in reasons["broken.vtt"]
    assert "broken.json: line 1, column 15: not valid JSON" in reasons["broken.json"]


def test_answers_cite_speaker_time_and_a_link_to_the_moment(mixed) -> None:
    service, docs = mixed
    answer = service.ask("By how much did throughput rise on the port operations call?")
    extract = next(e for e in answer.extracts if e.citation.doc_id == "call.vtt" and "Throughput" in e.text)
    citation = extract.citation
    assert extract.text == "Throughput rose by 12 percent."
    assert (citation.speaker, citation.start_time, citation.end_time) == ("John Roe", 6.2, 62.25)
    assert citation.media_link == "https://media.example.org/call.mp4#t=6.2"
    assert (citation.title, citation.date) == ("Port operations call", "2024-03-05")
    assert_checks_out(service, docs, answer)


@pytest.mark.parametrize(
    "question",
    ["What did the speaker ask fellow Americans to do for their country?", "Where is Carme from?",
     "How much foreign capital did the pilot free trade zones use?",
     "How many routes did the port add, according to the press briefing on ports?",
     "How long did the neighbour stay, according to the witness?",
     "What does the dam hold?", "When does construction of the warehouse start?"],
)
def test_every_extract_is_exact_in_the_canonical_text_and_found_in_the_file(mixed, question: str) -> None:
    service, docs = mixed
    answer = service.ask(question)
    assert answer.extracts
    assert_checks_out(service, docs, answer)


def assert_checks_out(service: QAService, docs: Path, answer) -> None:
    """The contract of docs/formats.md, for every extract."""
    for extract in answer.extracts:
        citation = extract.citation
        canonical = service.document(citation.doc_id).text
        assert canonical[citation.start : citation.end] == extract.text
        if citation.doc_id.endswith(".pdf"):
            pages = page_texts(docs / citation.doc_id)
            held = [pages[int(source.removeprefix("page=").partition("-")[0]) - 1] for source in citation.source]
        else:
            file_text = (docs / citation.doc_id).read_text(encoding="utf-8")
            held = [resolve(source, file_text) for source in citation.source]
        located = "".join("".join(text.split()) for text in held)
        # Whitespace aside (a recogniser's punctuation item joins its word), the extract is
        # where the citation's sources point in the file; over several cues, each cue's part of it
        # is in that cue (whose line may open with a speaker's mark).
        if "".join(extract.text.split()) not in located:
            transcript = service.index.transcripts[citation.doc_id]
            parts = [(segment, transcript.text[max(segment.start, citation.start) : min(segment.end, citation.end)])
                     for segment in transcript.segments if segment.start < citation.end and citation.start < segment.end]
            assert [segment.source for segment, _ in parts] == citation.source
            assert " ".join(part for _, part in parts).split() == extract.text.split()
            for (segment, part), text in zip(parts, held, strict=True):
                assert "".join(part.split()) in "".join(text.split())


def test_a_pdf_court_transcript_is_quoted_by_page(mixed) -> None:
    service, _ = mixed
    answer = service.ask("What time did the car leave?")
    extract = next(e for e in answer.extracts if e.citation.doc_id == "van.pdf" and e.citation.speaker == "A")
    assert extract.text == "Around eleven."
    assert service.document("van.pdf").text[extract.citation.start : extract.citation.end] == extract.text
    (page,) = extract.citation.source
    assert " ".join(extract.text.split()) in page_texts(PDFS / "deposition.pdf")[int(page.removeprefix("page=")) - 1]


def test_the_api_serves_the_canonical_text_and_times(mixed) -> None:
    service, _ = mixed
    with TestClient(app=create_app(service.settings, service)) as client:
        document = client.get("/documents/call.vtt").json()
        assert document["format"] == "webvtt" and document["media_url"] == SIDECAR["media_url"]
        assert [(t["speaker"], t["start_time"], t["end_time"]) for t in document["turns"]] == [
            ("Jane Doe", 1.0, 6.0), ("John Roe", 6.2, 62.25)]
        for turn in document["turns"]:
            assert document["text"][turn["start"] : turn["end"]] == turn["text"]
        answer = client.post("/ask", json={"question": "What rose by 12 percent on the call?"}).json()
        citation = answer["extracts"][0]["citation"]
        line = "John Roe: Throughput rose by 12 percent."
        assert citation["start_time"] == 6.2
        assert citation["source"] == [f"char={ZOOM.index(line)},{ZOOM.index(line) + len(line)}"]


def test_the_eval_harness_reads_every_format_in_citation_coordinates(mixed) -> None:
    service, docs = mixed
    folder = DocsFolder(docs)
    for entry in service.index.transcripts.entries:
        assert folder.get(entry.doc_id) == service.document(entry.doc_id).text


def test_a_question_put_to_the_witness_is_quoted_with_its_reply(mixed) -> None:
    """Counsel's `Q.` repeats the words asked about and ranks high; the reply after it is the answer."""
    service, docs = mixed
    answer = service.ask("What time did the neighbour leave?")
    texts = [e.text for e in answer.extracts if e.citation.doc_id == "deposition.txt"]
    assert "What time did he leave?" in texts and "Around eight." in texts
    assert texts.index("Around eight.") == texts.index("What time did he leave?") + 1
    reply = next(e for e in answer.extracts if e.text == "Around eight.")
    assert reply.citation.speaker == "THE WITNESS"  # the colloquy names the witness; `A.` marks their answers
    assert_checks_out(service, docs, answer)


def test_a_question_that_ends_a_speakers_turn_is_quoted_with_the_reply(mixed) -> None:
    """In a conversation (here TalkBank's CHAT), a question repeats the words asked about and ranks
    above its answer, which is the next speaker's reply."""
    service, docs = mixed
    answer = service.ask("What did Ross paint at school?")
    quoted = [(e.text, e.citation.speaker, e.citation.start_time) for e in answer.extracts
              if e.citation.doc_id == "ross12.cha"]
    assert quoted[:2] == [("what did you paint at school today ?", "Mother", 1.2),
                          ("we painted a big red boat .", "Ross", 2.6)]
    assert_checks_out(service, docs, answer)


def test_word_level_json_timestamped_text_ttml_and_tables_are_cited_with_speaker_and_time(mixed) -> None:
    service, docs = mixed
    for question, doc_id, text, speaker, start_time in [
        ("What does the dam hold?", "dam.json", "The dam holds water.", "spk_0", 0.04),
        ("When does construction of the warehouse start?", "sync.txt",
         "Construction starts in May and should finish by November.", "Jane Doe", 69),
        ("When does the ferry terminal reopen?", "harbour.ttml",
         "The ferry terminal reopens on 2 June & gets four berths.", "Alice Wong", 11.0),
        # Premiere's timecode 00;00;07;10: frame 10 of 24 (the highest frame in the file is 20).
        ("Until what time does the reading room stay open?", "library.csv",
         "Yes, the reading room stays open until ten at night.", "Mayor Lind", 7.417),
        # A podcast's Markdown transcript stamped every few minutes: the stamp before the words.
        ("What comes into impostor syndrome a lot?", "episode.md",
         "That idea of impostor syndrome comes into it a lot.", "Jeremy Fuksa", 469.0),
        # SubStation Alpha: the Name field is the speaker; the italic override is no part of the words.
        ("What does the new pier double?", "subtitles.ass", "That doubles the crossings, surely.", "Bob Lee", 4.8),
        # The transcripts of research and archives: ELAN, TEI (ParlaMint), CHAT (TalkBank), a TextGrid.
        ("What did Maria Sousa's father build?", "oral-history.eaf",
         "In a fishing village near Porto & my father built boats.", "Maria Sousa", 4.5),
        ("How much will the harbour tunnel cost?", "sitting.xml", "The tunnel will cost four hundred million pounds.",
         "Anna Pike", None),
        ("Who was aboard the ferry?", "ferry.TextGrid", "aboard the ferry", "Tomas Berg", 2.5),
    ]:
        answer = service.ask(question)
        # The sentence that answers is among the document's extracts (a neighbouring one may be
        # quoted too, first), cited with its speaker and the time it was said.
        quoted = {e.text: e for e in answer.extracts if e.citation.doc_id == doc_id}
        assert text in quoted, (question, list(quoted))
        assert (quoted[text].citation.speaker, quoted[text].citation.start_time) == (speaker, start_time)
        assert_checks_out(service, docs, answer)
