"""Writes while serving: add, replace, delete through the real service, then compaction, faults, the watcher.

Every test runs on its own copy of the seeds with its own index folder; the session's vector
cache is copied in, so building the copy embeds nothing and a write embeds only its document.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from rag.embedding import SentenceTransformerEmbedder
from rag.errors import InputError, NotFoundError, TooLargeError, UnprocessableError
from rag.evaluation import load_gold
from rag.evaluation.runner import run_eval
from rag.index import load_index
from rag.index.changes import WriteOutcome
from rag.index.watch import FolderWatcher
from rag.service import QAService, open_service
from rag.settings import Settings
from rag.types import Filters
from tests.conftest import REPO, SEEDS, live_copy

HARBOUR = b"""Press briefing on the harbour bridge

MODERATOR: Welcome. Today we discuss the harbour bridge.

MINISTER ALVAREZ: The harbour bridge will open on 14 March 2027. It has six lanes and a cycle path.

REPORTER: Who designed the harbour bridge?

MINISTER ALVAREZ: The harbour bridge was designed by the engineering firm Nordvik and Partners of Bergen.
"""
DESIGNER_QUESTION = "Which engineering firm designed the harbour bridge?"
# A sentence of 001_0c22fd98c8d2c594.txt, the answer to a gold question about it.
FOREIGN_CAPITAL = "the actual use of foreign capital in the 22 pilot FTZs reached 103.96 billion yuan"


@pytest.fixture
def live(settings: Settings, service: QAService, embedder: SentenceTransformerEmbedder, tmp_path: Path) -> QAService:
    return live_copy(settings, service, embedder, tmp_path)


def _cited_text(service: QAService, doc_id: str, start: int, end: int) -> str:
    return service.document(doc_id).text[start:end]


def test_an_added_document_is_answered_with_exact_citations(live: QAService) -> None:
    before = live.health()
    result = live.put_document("2027/harbour.txt", HARBOUR)
    assert result.outcome is WriteOutcome.CREATED and result.passages_added > 0 and result.passages_removed == 0
    assert (live.settings.docs_dir / "2027/harbour.txt").read_bytes() == HARBOUR
    after = live.health()
    assert after.documents == before.documents + 1 and after.passages == before.passages + result.passages_added
    assert after.version == result.version != before.version
    answer = live.ask(DESIGNER_QUESTION)
    top = answer.extracts[0]
    assert top.citation.doc_id == "2027/harbour.txt"
    assert any("Nordvik and Partners" in e.text for e in answer.extracts)
    for extract in answer.extracts:
        c = extract.citation
        assert _cited_text(live, c.doc_id, c.start, c.end) == extract.text
    assert live.passage(answer.passages[0].passage_id).doc_id == "2027/harbour.txt"


def test_the_same_bytes_again_change_nothing(live: QAService) -> None:
    first = live.put_document("harbour.txt", HARBOUR)
    stamp = (live.settings.docs_dir / "harbour.txt").stat().st_mtime_ns
    again = live.put_document("harbour.txt", HARBOUR)
    assert again.outcome is WriteOutcome.UNCHANGED and again.version == first.version
    assert (again.passages_added, again.passages_removed) == (0, 0)
    assert (live.settings.docs_dir / "harbour.txt").stat().st_mtime_ns == stamp


def test_a_replaced_document_answers_from_its_new_text_only(live: QAService) -> None:
    first = live.put_document("harbour.txt", HARBOUR)
    changed = HARBOUR.replace(b"Nordvik and Partners of Bergen", b"Halvorsen Studio of Trondheim")
    second = live.put_document("harbour.txt", changed)
    assert second.outcome is WriteOutcome.REPLACED and second.passages_removed == first.passages_added
    answer = live.ask(DESIGNER_QUESTION)
    assert any("Halvorsen Studio" in e.text for e in answer.extracts)
    assert not any("Nordvik" in e.text for e in answer.extracts)
    assert live.document("harbour.txt").text == changed.decode()


def test_a_deleted_seed_is_never_cited_again_and_leaves_the_index_files(live: QAService) -> None:
    doc_id = "001_0c22fd98c8d2c594.txt"
    question = "How much foreign capital did the 22 pilot free trade zones actually use in the first half of 2024?"
    assert live.ask(question).extracts[0].citation.doc_id == doc_id
    result = live.delete_document(doc_id)
    assert result.outcome is WriteOutcome.DELETED and result.passages_removed > 0
    assert not (live.settings.docs_dir / doc_id).exists()
    for answer in (live.ask(question), live.ask(question, k=50)):
        assert all(e.citation.doc_id != doc_id for e in answer.extracts)
        assert all(p.doc_id != doc_id for p in answer.passages)
    with pytest.raises(NotFoundError):
        live.document(doc_id)
    assert doc_id not in {d.doc_id for d in live.documents()}
    with pytest.raises(InputError):
        live.ask(question, filters=Filters(documents=[doc_id]))
    with pytest.raises(NotFoundError):
        live.delete_document(doc_id)
    assert live.compact() is True
    assert live.health().pending_documents == 0
    # After compaction the text is in no file of the index folder (vector cache included).
    needle = FOREIGN_CAPITAL.encode()
    for path in live.settings.index_dir.rglob("*"):
        if path.is_file() and not path.is_symlink():
            assert needle not in path.read_bytes(), path
    assert all(e.citation.doc_id != doc_id for e in live.ask(question).extracts)


def test_bad_writes_are_refused_and_change_nothing(live: QAService) -> None:
    before = live.health()
    files = sorted(p.name for p in live.settings.docs_dir.iterdir())
    refused = [
        ("notes.pages", HARBOUR, InputError), ("/etc/passwd.txt", HARBOUR, InputError),
        ("../outside.txt", HARBOUR, InputError), ("a/./b.txt", HARBOUR, InputError),
        (".hidden.txt", HARBOUR, InputError), ("x.speakers.json", b"{}", InputError),
        ("latin.txt", "Caf\u00e9 au lait".encode("latin-1"), UnprocessableError),
        ("blank.txt", b"  \n\n ", UnprocessableError), ("bad.vtt", b"not a caption file", UnprocessableError),
        ("broken.json", b"{\"segments\": [", UnprocessableError), ("notes.pdf", HARBOUR, UnprocessableError),
        ("scores.csv", b"id,score\n1,0.5\n", UnprocessableError),
    ]
    for doc_id, data, error in refused:
        with pytest.raises(error):
            live.put_document(doc_id, data)
    big = live.settings.with_overrides(max_upload_bytes=64)
    small = QAService(big, live.embedder, load_index(big.index_dir, live.embedder.model, big.chunk, precision=big.embed.backend.precision),
                      document_embedder=live._document_embedder)
    with pytest.raises(TooLargeError):
        small.put_document("harbour.txt", HARBOUR)
    with pytest.raises(NotFoundError):
        live.delete_document("never-there.txt")
    assert live.health() == before
    assert sorted(p.name for p in live.settings.docs_dir.iterdir()) == files


def test_a_failed_commit_leaves_corpus_and_index_as_before(live: QAService, monkeypatch: pytest.MonkeyPatch) -> None:
    """A crash (here: the disk refusing the file) at the commit point: nothing changed, nothing half-written."""
    before = live.health()

    def disk_full(*_: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("rag.index.changes.write_file", disk_full)
    with pytest.raises(OSError):
        live.put_document("harbour.txt", HARBOUR)
    assert live.health() == before
    assert not (live.settings.docs_dir / "harbour.txt").exists()
    assert all(e.citation.doc_id != "harbour.txt" for e in live.ask(DESIGNER_QUESTION).extracts)
    monkeypatch.undo()
    assert live.put_document("harbour.txt", HARBOUR).outcome is WriteOutcome.CREATED


def test_concurrent_writers_are_serialised_and_none_is_lost(live: QAService) -> None:
    names = [f"town{i}.txt" for i in range(6)]
    results, errors = [], []

    def write(name: str) -> None:
        try:
            text = HARBOUR.replace(b"harbour bridge", f"bridge of {name[:-4]}".encode())
            results.append(live.put_document(name, text))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(name,)) for name in names]
    for thread in threads:
        thread.start()
    asking = [live.ask(DESIGNER_QUESTION) for _ in range(5)]  # readers go on meanwhile
    for thread in threads:
        thread.join()
    assert not errors and asking
    assert len({r.version for r in results}) == len(names)
    served = {d.doc_id for d in live.documents()}
    assert set(names) <= served
    assert live.compact() is True
    assert set(names) <= {d.doc_id for d in live.documents()}


def test_writes_during_compaction_are_kept(live: QAService) -> None:
    live.put_document("first.txt", HARBOUR)
    compaction = threading.Thread(target=live.compact)
    compaction.start()
    live.put_document("second.txt", HARBOUR.replace(b"harbour", b"river"))
    compaction.join()
    assert {"first.txt", "second.txt"} <= {d.doc_id for d in live.documents()}
    live.compact()
    assert live.health().pending_documents == 0
    assert {"first.txt", "second.txt"} <= {d.doc_id for d in live.documents()}


def test_adding_documents_one_at_a_time_answers_as_a_full_build(
    settings: Settings, service: QAService, embedder: SentenceTransformerEmbedder, tmp_path: Path
) -> None:
    gold = load_gold(REPO / "eval" / "gold.jsonl")
    full = run_eval(service, gold).report.overall
    names = sorted(p.name for p in SEEDS.iterdir())
    live = live_copy(settings, service, embedder, tmp_path, documents=names[:1])
    for name in names[1:]:
        live.put_document(name, (SEEDS / name).read_bytes())
    incremental = run_eval(live, gold).report.overall
    live.compact()
    compacted = run_eval(live, gold).report.overall
    for metric in ("hit_5", "mrr_10", "cov_300", "answer_containment"):
        assert getattr(compacted, metric) == pytest.approx(getattr(full, metric), abs=1e-9), metric
        assert getattr(incremental, metric) == pytest.approx(getattr(full, metric), abs=0.05), metric
    assert incremental.citation_exactness == compacted.citation_exactness == 1.0


def test_the_watcher_applies_a_file_only_once_it_has_settled(live: QAService) -> None:
    watcher = FolderWatcher(live.settings.docs_dir)
    live.maintain(watcher)  # first look: what is there is what was built
    target = live.settings.docs_dir / "harbour.txt"
    target.write_bytes(HARBOUR[:60])  # a copy in progress
    live.maintain(watcher)
    target.write_bytes(HARBOUR)
    live.maintain(watcher)
    assert "harbour.txt" not in {d.doc_id for d in live.documents()}
    live.maintain(watcher)  # unchanged since the last look: settled
    assert live.document("harbour.txt").text == HARBOUR.decode()
    target.unlink()
    live.maintain(watcher)
    live.maintain(watcher)
    assert "harbour.txt" not in {d.doc_id for d in live.documents()}


def test_the_watcher_rereads_a_transcript_when_its_sidecar_alone_changes(live: QAService) -> None:
    watcher = FolderWatcher(live.settings.docs_dir)
    live.maintain(watcher)
    (live.settings.docs_dir / "harbour.txt").write_bytes(HARBOUR)
    live.maintain(watcher)
    live.maintain(watcher)
    assert live.document("harbour.txt").title == "Press briefing on the harbour bridge"
    sidecar = live.settings.docs_dir / "harbour.speakers.json"
    sidecar.write_text('{"title": "Harbour bridge briefing, 3 May", "date": "2024-05-03"}', encoding="utf-8")
    live.maintain(watcher)
    live.maintain(watcher)
    document = live.document("harbour.txt")
    assert (document.title, document.date) == ("Harbour bridge briefing, 3 May", "2024-05-03")
    sidecar.unlink()
    live.maintain(watcher)
    live.maintain(watcher)
    assert live.document("harbour.txt").title == "Press briefing on the harbour bridge"


def test_deleting_every_document_compacts_to_an_empty_index_that_restarts_and_takes_writes(live: QAService) -> None:
    for document in live.documents():
        live.delete_document(document.doc_id)
    assert live.compact() is True
    builds = list((live.settings.index_dir / "builds").iterdir())
    assert len(builds) == 1  # the deleted documents' text is in no index file any more
    assert live.documents() == [] and live.health().passages == 0
    assert live.ask(DESIGNER_QUESTION).abstained
    restarted = open_service(live.settings, build_if_needed=True)
    assert restarted.health().build_id == builds[0].name
    restarted.put_document("harbour.txt", HARBOUR)
    assert any("Nordvik" in e.text for e in restarted.ask(DESIGNER_QUESTION).extracts)
    assert restarted.compact() is True
    assert [d.doc_id for d in restarted.documents()] == ["harbour.txt"]
    assert any("Nordvik" in e.text for e in restarted.ask(DESIGNER_QUESTION).extracts)


def test_a_reload_keeps_the_writes_its_build_does_not_hold(live: QAService) -> None:
    live.put_document("harbour.txt", HARBOUR)
    live.delete_document("001_0c22fd98c8d2c594.txt")
    live.reload()  # the build on disk has neither write
    served = {d.doc_id for d in live.documents()}
    assert "harbour.txt" in served and "001_0c22fd98c8d2c594.txt" not in served
    assert any("Nordvik" in e.text for e in live.ask(DESIGNER_QUESTION).extracts)


def test_writes_and_reloads_at_the_same_time_lose_no_write(live: QAService) -> None:
    failures: list[BaseException] = []

    def run(work) -> None:  # type: ignore[no-untyped-def]
        try:
            work()
        except BaseException as exc:  # noqa: BLE001 - the test reports it
            failures.append(exc)

    def write() -> None:
        for i in range(5):
            live.put_document(f"stream/harbour-{i}.txt", HARBOUR.replace(b"harbour bridge", f"pier {i} bridge".encode()))

    def reload() -> None:
        for _ in range(5):
            live.reload()  # each reload rebases the writes made so far onto the build on disk

    threads = [threading.Thread(target=run, args=(work,)) for work in (write, reload)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures
    written = {f"stream/harbour-{i}.txt" for i in range(5)}
    assert written <= {d.doc_id for d in live.documents()}
    live.reload()
    assert written <= {d.doc_id for d in live.documents()}
    cited = {e.citation.doc_id for e in live.ask("Which engineering firm designed the pier 3 bridge?").extracts}
    assert "stream/harbour-3.txt" in cited


def test_compaction_waits_for_quiet_unless_the_written_documents_grow_large(
    settings: Settings, service: QAService, embedder: SentenceTransformerEmbedder, tmp_path: Path
) -> None:
    patient = live_copy(settings, service, embedder, tmp_path / "patient", compact_after_seconds=3600)
    patient.put_document("harbour.txt", HARBOUR)
    assert patient.compact_if_due() is False and patient.health().pending_documents == 1
    eager = live_copy(settings, service, embedder, tmp_path / "eager", compact_after_seconds=3600,
                      compact_segment_passages=1)
    eager.put_document("harbour.txt", HARBOUR)
    assert eager.compact_if_due() is True and eager.health().pending_documents == 0
    assert "harbour.txt" in {d.doc_id for d in eager.documents()}
