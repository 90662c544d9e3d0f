"""The write routes over HTTP: keys, uploads raw and multipart, what each answer says, bad input,
metrics, and a write surviving `kill -9` of a real server process."""

from __future__ import annotations

import os
import signal
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from litestar.testing import TestClient

from rag.embedding import SentenceTransformerEmbedder
from rag.http.app import create_app
from rag.service import QAService
from rag.settings import Settings
from tests.conftest import live_copy
from tests.index.test_live import DESIGNER_QUESTION, HARBOUR
from tests.ingest.test_docx import word_file
from tests.ingest.test_odt import odt_file
from tests.ingest.test_rtf import DEPOSITION
from tests.ingest.test_spreadsheet import LIBRARY
from tests.ingest.test_exports import OTTER
from tests.ingest.test_pdf import PDFS
from tests.serving import serve_process

WRITE_KEY = "write-key-0123456789abcdef"
READ_KEY = "read-key-0123456789abcdef"
WRITE = {"X-API-Key": WRITE_KEY}
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
CAPTIONS = b"""WEBVTT

00:00:01.000 --> 00:00:04.000
<v Minister Alvarez>The ferry terminal reopens on 2 June with four new berths.

00:00:05.000 --> 00:00:08.000
<v Reporter>How many berths?
"""


@pytest.fixture
def client(settings: Settings, service: QAService, embedder: SentenceTransformerEmbedder,
           tmp_path: Path) -> Iterator[TestClient]:
    live = live_copy(settings, service, embedder, tmp_path, max_upload_bytes=32_768)  # over every seed: a build reads none bigger
    keyed = live.settings.with_overrides(api_keys=(READ_KEY,), write_api_keys=(WRITE_KEY,))
    with TestClient(app=create_app(keyed, live)) as test_client:
        yield test_client


def test_put_creates_then_replaces_then_reports_unchanged(client: TestClient) -> None:
    created = client.put("/documents/news/harbour.txt", content=HARBOUR,
                         headers={**WRITE, "Content-Type": "text/plain; charset=utf-8"})
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["outcome"] == "created" and body["passages_added"] > 0
    assert created.headers["location"] == "/documents/news/harbour.txt"
    again = client.put("/documents/news/harbour.txt", content=HARBOUR, headers={**WRITE, "Content-Type": "text/plain"})
    assert again.status_code == 200 and again.json()["outcome"] == "unchanged"
    assert again.json()["version"] == body["version"]
    answer = client.post("/ask", json={"question": DESIGNER_QUESTION}, headers=WRITE).json()
    assert answer["extracts"][0]["citation"]["doc_id"] == "news/harbour.txt"
    document = client.get("/documents/news/harbour.txt", headers=WRITE).json()
    for extract in answer["extracts"]:
        citation = extract["citation"]
        if citation["doc_id"] == "news/harbour.txt":
            assert document["text"][citation["start"] : citation["end"]] == extract["text"]
    assert client.get("/health").json()["version"] == body["version"]


def test_multipart_upload_takes_its_id_from_the_file_name(client: TestClient) -> None:
    response = client.post("/documents", files={"file": ("ferry.vtt", CAPTIONS, "text/vtt")}, headers=WRITE)
    assert response.status_code == 201, response.text
    answer = client.post("/ask", json={"question": "How many new berths will the ferry terminal have?"},
                         headers=WRITE).json()
    top = answer["extracts"][0]["citation"]
    assert top["doc_id"] == "ferry.vtt" and top["start_time"] == 1.0
    raw = client.post("/documents?doc_id=ferry2.vtt", content=CAPTIONS,
                      headers={**WRITE, "Content-Type": "application/octet-stream"})
    assert raw.status_code == 201, raw.text


def test_a_timestamped_text_export_is_cited_with_speaker_and_time(client: TestClient) -> None:
    export = OTTER.encode()
    assert client.put("/documents/sync.txt", content=export, headers={**WRITE, "Content-Type": "text/plain"}
                      ).status_code == 201
    answer = client.post("/ask", json={"question": "When does construction of the warehouse start?",
                                       "filters": {"documents": ["sync.txt"]}}, headers=WRITE).json()
    extract = answer["extracts"][0]
    citation = extract["citation"]
    assert extract["text"] == "Construction starts in May and should finish by November."
    assert (citation["speaker"], citation["start_time"]) == ("Jane Doe", 69)
    document = client.get("/documents/sync.txt", headers=WRITE).json()
    assert document["text"][citation["start"] : citation["end"]] == extract["text"]
    start, end = (int(x) for x in citation["source"][0].removeprefix("char=").split(","))
    assert export.decode()[start:end] == extract["text"]


# Written for this test: a port authority's briefing in Chinese, one topic a turn.
BRIEFING_ZH = (
    "港務局記者會\n\n"
    "局長：首先談新碼頭。新碼頭的第一期工程已經在上個月完成，包括兩個深水泊位和一座自動化的貨櫃堆場，"
    "我們預計明年三月正式啟用。啟用以後，新碼頭每年可以處理二百萬個貨櫃，比現有的碼頭多出一倍，"
    "而且貨車輪候的時間可以由平均四十分鐘縮短到十五分鐘以內。\n\n"
    "局長：第二是渡輪。很多市民關心渡輪票價，我可以在這裏說清楚，渡輪票價今年不會上調。"
    "我們會在秋天和三家營辦商再作商討，檢討燃油和人手的成本，任何調整最早要到後年才生效，"
    "而長者和學生的優惠亦會維持不變。\n\n"
    "局長：第三是海港的環境。過去五年海港的水質持續改善，含氧量上升了百分之十二，"
    "漁民亦表示漁獲比以前多，海豚也重新出現在港口附近。我們會繼續監測水質，"
    "並且在明年增設三個自動監測站，每小時公布一次數據。\n"
)


@pytest.mark.parametrize(("question", "answer"), [
    ("渡輪票價會加嗎？", "渡輪票價今年不會上調"),
    ("海豚有沒有回來？", "海豚也重新出現在港口附近"),
    ("新碼頭每年可以處理多少貨櫃？", "二百萬個貨櫃"),
])
def test_a_transcript_in_chinese_is_found_by_its_words(client: TestClient, question: str, answer: str) -> None:
    # Chinese sets no spaces: BM25 reads it in pairs of characters, so the question's words match.
    assert client.put("/documents/briefing-zh.md", content=BRIEFING_ZH.encode(),
                      headers={**WRITE, "Content-Type": "text/markdown"}).status_code == 201
    found = client.post("/ask", json={"question": question, "filters": {"documents": ["briefing-zh.md"]}},
                        headers=WRITE).json()
    # The model reads no Chinese (a short title passage may come first by it): the words decide.
    best = next(passage for passage in found["passages"][:2] if answer in passage["text"])
    document = client.get("/documents/briefing-zh.md", headers=WRITE).json()
    assert document["text"][best["start"] : best["end"]] == best["text"]


def test_a_word_document_is_uploaded_and_cited_by_paragraph(client: TestClient) -> None:
    data = word_file("Ferry briefing", "", "MINISTER ALVAREZ: The ferry terminal reopens on 2 June with four new berths.",
                     "REPORTER: How many berths?", "MINISTER ALVAREZ: Four.")
    response = client.put("/documents/ferry.docx", content=data, headers={**WRITE, "Content-Type": DOCX})
    assert response.status_code == 201, response.text
    answer = client.post("/ask", json={"question": "When does the ferry terminal reopen?",
                                       "filters": {"documents": ["ferry.docx"]}}, headers=WRITE).json()
    citation = answer["extracts"][0]["citation"]
    assert answer["extracts"][0]["text"].startswith("The ferry terminal reopens on 2 June")
    assert (citation["speaker"], citation["source"]) == ("MINISTER ALVAREZ", ["paragraph=3"])
    document = client.get("/documents/ferry.docx", headers=WRITE).json()
    assert document["format"] == "docx"
    assert document["text"][citation["start"] : citation["end"]] == answer["extracts"][0]["text"]
    broken = client.put("/documents/broken.docx", content=b"not a zip", headers={**WRITE, "Content-Type": DOCX})
    assert broken.status_code == 422 and "not a Word document" in broken.json()["detail"]


def test_an_opendocument_text_is_uploaded_and_cited_by_paragraph(client: TestClient) -> None:
    response = client.post("/documents", files={"file": ("board.odt", odt_file(),
                                                         "application/vnd.oasis.opendocument.text")}, headers=WRITE)
    assert response.status_code == 201, response.text
    answer = client.post("/ask", json={"question": "When does the dredging start?",
                                       "filters": {"documents": ["board.odt"]}}, headers=WRITE).json()
    extract = answer["extracts"][0]
    assert (extract["text"], extract["citation"]["speaker"], extract["citation"]["source"]) == (
        "The dredging starts in August.", "CHAIR", ["paragraph=3"])
    document = client.get("/documents/board.odt", headers=WRITE).json()
    assert document["format"] == "odt"
    assert document["text"][extract["citation"]["start"] : extract["citation"]["end"]] == extract["text"]
    broken = client.put("/documents/broken.odt", content=b"not a zip", headers={**WRITE, "Content-Type": "text/plain"})
    assert broken.status_code == 415


def test_an_rtf_deposition_is_uploaded_and_the_answer_cited_by_line(client: TestClient) -> None:
    response = client.put("/documents/reyes.rtf", content=DEPOSITION.encode(),
                          headers={**WRITE, "Content-Type": "application/rtf"})
    assert response.status_code == 201, response.text
    answer = client.post("/ask", json={"question": "Where was the witness on the night of June 4th?",
                                       "filters": {"documents": ["reyes.rtf"]}}, headers=WRITE).json()
    quoted = [(e["text"], e["citation"]["speaker"], e["citation"]["source"]) for e in answer["extracts"]]
    assert ("At the marina, checking the moorings.", "A", ["line=2"]) in quoted
    document = client.get("/documents/reyes.rtf", headers=WRITE).json()
    assert document["format"] == "rtf"
    for extract in answer["extracts"]:
        assert document["text"][extract["citation"]["start"] : extract["citation"]["end"]] == extract["text"]
    broken = client.put("/documents/broken.rtf", content=b"plain text", headers={**WRITE, "Content-Type": "text/rtf"})
    assert broken.status_code == 422 and "not an RTF document" in broken.json()["detail"]


def test_an_excel_workbook_is_uploaded_and_cited_by_the_sheets_cell(client: TestClient) -> None:
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = client.post("/documents", files={"file": ("library.xlsx", LIBRARY, xlsx)}, headers=WRITE)
    assert response.status_code == 201, response.text
    answer = client.post("/ask", json={"question": "Until what time does the reading room stay open?",
                                       "filters": {"documents": ["library.xlsx"]}}, headers=WRITE).json()
    quoted = [(e["text"], e["citation"]["speaker"], e["citation"]["start_time"], e["citation"]["source"])
              for e in answer["extracts"]]
    assert ("Yes, until ten at night.", "Mayor Lind", 9.0, ["cell=5,4"]) in quoted
    document = client.get("/documents/library.xlsx", headers=WRITE).json()
    assert document["format"] == "xlsx"
    for extract in answer["extracts"]:
        assert document["text"][extract["citation"]["start"] : extract["citation"]["end"]] == extract["text"]
    broken = client.put("/documents/broken.xlsx", content=b"Speaker,Text", headers={**WRITE, "Content-Type": xlsx})
    assert broken.status_code == 422 and "not an Excel workbook" in broken.json()["detail"]


def test_a_spreadsheet_uploaded_from_a_windows_browser_is_cited_by_cell(client: TestClient) -> None:
    table = ("Speaker;Start;End;Text\nMinister Alvarez;00:00:01.000;00:00:04.000;"
             "The ferry terminal reopens on 2 June with four new berths.\nReporter;00:00:05.000;00:00:08.000;"
             "How many berths?\n").encode()
    # Browsers on Windows send a .csv as Excel's media type, whatever it holds.
    response = client.post("/documents", files={"file": ("ferry.csv", table, "application/vnd.ms-excel")},
                           headers=WRITE)
    assert response.status_code == 201, response.text
    answer = client.post("/ask", json={"question": "When does the ferry terminal reopen?",
                                       "filters": {"documents": ["ferry.csv"]}}, headers=WRITE).json()
    extract = answer["extracts"][0]
    citation = extract["citation"]
    assert extract["text"].startswith("The ferry terminal reopens on 2 June")
    assert (citation["speaker"], citation["start_time"], citation["source"]) == ("Minister Alvarez", 1.0, ["cell=2,4"])
    document = client.get("/documents/ferry.csv", headers=WRITE).json()
    assert document["format"] == "csv"
    assert document["text"][citation["start"] : citation["end"]] == extract["text"]
    wrong = client.put("/documents/scores.csv", content=b"id,score\n1,0.5\n",
                       headers={**WRITE, "Content-Type": "text/csv"})
    assert wrong.status_code == 422 and "no column of spoken words" in wrong.json()["detail"]


def test_a_pdf_is_uploaded_and_cited_by_page(settings: Settings, service: QAService,
                                             embedder: SentenceTransformerEmbedder, tmp_path: Path) -> None:
    live = live_copy(settings, service, embedder, tmp_path, documents=["001_0c22fd98c8d2c594.txt"])
    keyed = live.settings.with_overrides(write_api_keys=(WRITE_KEY,))
    with TestClient(app=create_app(keyed, live)) as client:
        created = client.put("/documents/briefing.pdf", content=(PDFS / "briefing.pdf").read_bytes(),
                             headers={**WRITE, "Content-Type": "application/pdf"})
        assert created.status_code == 201, created.text
        answer = client.post("/ask", json={"question": "How much did the ferry terminal works cost?",
                                           "filters": {"documents": ["briefing.pdf"]}}).json()
        extract = next(e for e in answer["extracts"] if e["text"] == "The works cost 48 million euros.")
        assert (extract["citation"]["speaker"], extract["citation"]["source"]) == ("MINISTER ALVAREZ", ["page=1"])
        document = client.get("/documents/briefing.pdf").json()
        assert document["format"] == "pdf"
        assert document["text"][extract["citation"]["start"] : extract["citation"]["end"]] == extract["text"]
        locked = client.put("/documents/locked.pdf", content=(PDFS / "locked.pdf").read_bytes(),
                            headers={**WRITE, "Content-Type": "application/pdf"})
        assert locked.status_code == 422 and "locked with a password" in locked.json()["detail"]


def test_the_schema_shows_the_upload_body_every_reader_takes(client: TestClient) -> None:
    paths = client.get("/schema/openapi.json", headers=WRITE).json()["paths"]
    for operation in (paths["/documents"]["post"], paths["/documents/{doc_id}"]["put"]):
        content = operation["requestBody"]["content"]
        assert {"text/vtt", "application/x-subrip", "application/json", "text/html", "text/plain", "text/csv",
                "text/tab-separated-values", "application/pdf", "application/octet-stream"} <= set(content)
        assert content["text/vtt"]["schema"] == {"type": "string", "format": "binary"}
        assert content["multipart/form-data"]["schema"]["required"] == ["file"]


@pytest.mark.parametrize(("encoding", "content_type"), [
    ("latin-1", "text/plain; charset=iso-8859-1"),  # declared
    ("cp1252", "text/plain; charset=iso-8859-1"),  # as browsers read the label: Windows' quotes and dashes
    ("utf-16", "text/plain"),  # a byte-order mark says so, as Windows tools write it
])
def test_a_transcript_in_another_encoding_is_decoded_and_stored_as_utf8(
    client: TestClient, encoding: str, content_type: str
) -> None:
    text = "Caf\u00e9 briefing\n\nMAYOR LIND: The caf\u00e9 on the square reopens in May \u2013 \u201cat last\u201d.\n"
    if encoding == "latin-1":
        text = text.replace("\u2013", "-").replace("\u201c", '"').replace("\u201d", '"')
    response = client.put("/documents/cafe.txt", content=text.encode(encoding),
                          headers={**WRITE, "Content-Type": content_type})
    assert response.status_code == 201, response.text
    assert client.get("/documents/cafe.txt", headers=WRITE).json()["text"] == text


@pytest.mark.parametrize(("method", "url", "content", "content_type", "status"), [
    ("PUT", "/documents/empty.txt", b"", "text/plain", 400),
    ("PUT", "/documents/notes.pages", HARBOUR, "application/vnd.apple.pages", 400),
    ("PUT", "/documents/notes.pdf", HARBOUR, "application/pdf", 422),
    ("PUT", "/documents/harbour.txt", HARBOUR, "text/vtt", 415),
    ("PUT", "/documents/harbour.txt", HARBOUR, "", 415),
    ("PUT", "/documents/harbour.txt", HARBOUR, "text/plain; charset=klingon", 415),
    ("PUT", "/documents/harbour.txt", "Caf\u00e9".encode("latin-1"), "text/plain", 422),
    ("PUT", "/documents/harbour.txt", "\u00e9".encode("utf-16"), "text/plain; charset=ascii", 400),
    ("PUT", "/documents/captions.vtt", b"not captions", "text/vtt", 422),
    ("PUT", "/documents/notes.docx", b"PK\x03\x04 not a zip archive", DOCX, 422),
    ("PUT", "/documents/big.txt", b"x" * 40_000, "text/plain", 413),
    ("PUT", "/documents/..%2Fescape.txt", HARBOUR, "text/plain", 400),
    # The server merges `//` and decodes `%2F` before routing: the id as sent is what is judged.
    ("PUT", "/documents//abs.txt", HARBOUR, "text/plain", 400),
    ("PUT", "/documents/%2Fetc%2Fx.txt", HARBOUR, "text/plain", 400),
    ("PUT", "/documents/a//b.txt", HARBOUR, "text/plain", 400),
    ("PUT", "/documents/a%FF.txt", HARBOUR, "text/plain", 400),
    ("PUT", f"/documents/{'n' * 245}.txt", HARBOUR, "text/plain", 400),  # its sidecar's name would be too long
    ("DELETE", "/documents//harbour.txt", b"", "", 400),
    ("PUT", "/documents/.hidden.txt", HARBOUR, "text/plain", 400),
    ("POST", "/documents", HARBOUR, "text/plain", 400),
    ("POST", "/documents?doc_id=/etc/x.txt", HARBOUR, "text/plain", 400),
    ("DELETE", "/documents/never-there.txt", b"", "", 404),
])
def test_bad_writes_get_a_problem_and_change_nothing(
    client: TestClient, method: str, url: str, content: bytes, content_type: str, status: int
) -> None:
    before = client.get("/health").json()
    headers = {**WRITE, **({"Content-Type": content_type} if content_type else {})}
    response = client.request(method, url, content=content or None, headers=headers)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["detail"]
    assert client.get("/health").json() == before


def test_an_upload_past_the_routes_own_body_limit_is_told_the_upload_limit(client: TestClient) -> None:
    # Over the upload limit and the room left for a multipart envelope: refused before the body
    # is read whole, by the route's limit, and told the setting, not the app's 64 KiB for JSON.
    response = client.put("/documents/big.txt", content=b"x" * (32_768 + 64 * 1024 + 1),
                          headers={**WRITE, "Content-Type": "text/plain"})
    assert response.status_code == 413
    assert response.json()["detail"] == "an upload is over the limit of 32768 bytes (RAG_MAX_UPLOAD_BYTES)"
    small = client.post("/ask", content=b'{"question": "' + b"x" * 70_000 + b'"}',
                        headers={"X-API-Key": READ_KEY, "Content-Type": "application/json"})
    assert (small.status_code, small.json()["detail"]) == (413, "the request body is over the limit of 65536 bytes")


def test_writes_need_a_write_key(client: TestClient) -> None:
    assert client.put("/documents/harbour.txt", content=HARBOUR, headers={"Content-Type": "text/plain"}).status_code == 401
    read_only = client.put("/documents/harbour.txt", content=HARBOUR,
                           headers={"X-API-Key": READ_KEY, "Content-Type": "text/plain"})
    assert read_only.status_code == 403
    assert client.delete("/documents/001_0c22fd98c8d2c594.txt", headers={"X-API-Key": READ_KEY}).status_code == 403
    # The write key reads too.
    assert client.get("/documents", headers=WRITE).status_code == 200


def test_delete_answers_what_it_removed_and_metrics_follow(client: TestClient) -> None:
    documents = client.get("/metrics", headers=WRITE).text
    assert "rag_index_documents 5.0" in documents
    response = client.delete("/documents/001_0c22fd98c8d2c594.txt", headers=WRITE)
    assert response.status_code == 200 and response.json()["outcome"] == "deleted"
    assert response.json()["passages_removed"] > 0
    assert client.get("/documents/001_0c22fd98c8d2c594.txt", headers=WRITE).status_code == 404
    metrics = client.get("/metrics", headers=WRITE).text
    assert "rag_index_documents 4.0" in metrics
    assert 'rag_document_writes_total{kind="delete",outcome="deleted"} 1.0' in metrics


def _writable_server_env(
    settings: Settings, service: QAService, embedder: SentenceTransformerEmbedder, tmp_path: Path
) -> dict[str, str]:
    """The environment of a `rag serve` over a copy of the seeds that takes writes with `WRITE_KEY`."""
    live = live_copy(settings, service, embedder, tmp_path)
    return {"RAG_INDEX_DIR": str(live.settings.index_dir), "RAG_DOCS_DIR": str(live.settings.docs_dir),
            "RAG_WRITE_API_KEYS": WRITE_KEY}


def test_an_acknowledged_write_survives_kill_9(
    settings: Settings, service: QAService, embedder: SentenceTransformerEmbedder, tmp_path: Path
) -> None:
    env = _writable_server_env(settings, service, embedder, tmp_path)
    with serve_process(env, tmp_path / "first.log") as (base, pid):
        response = httpx.put(f"{base}/documents/harbour.txt", content=HARBOUR,
                             headers={**WRITE, "Content-Type": "text/plain"}, timeout=120)
        assert response.status_code == 201, response.text
        os.kill(pid, signal.SIGKILL)
    with serve_process(env, tmp_path / "second.log") as (base, _):
        answer = httpx.post(f"{base}/ask", json={"question": DESIGNER_QUESTION}, timeout=30).json()
        assert answer["extracts"][0]["citation"]["doc_id"] == "harbour.txt"


def test_an_acknowledged_replace_and_delete_survive_kill_9(
    settings: Settings, service: QAService, embedder: SentenceTransformerEmbedder, tmp_path: Path
) -> None:
    env = _writable_server_env(settings, service, embedder, tmp_path)
    replaced, deleted = "002_7ca9be58c1b9d84c.txt", "001_0c22fd98c8d2c594.txt"
    with serve_process(env, tmp_path / "first.log") as (base, pid):
        response = httpx.put(f"{base}/documents/{replaced}", content=HARBOUR,
                             headers={**WRITE, "Content-Type": "text/plain"}, timeout=120)
        assert response.status_code == 200 and response.json()["outcome"] == "replaced", response.text
        response = httpx.delete(f"{base}/documents/{deleted}", headers=WRITE, timeout=120)
        assert response.status_code == 200 and response.json()["outcome"] == "deleted", response.text
        os.kill(pid, signal.SIGKILL)
    with serve_process(env, tmp_path / "second.log") as (base, _):
        listed = {d["doc_id"] for d in httpx.get(f"{base}/documents", timeout=30).json()}
        assert deleted not in listed and replaced in listed
        text = httpx.get(f"{base}/documents/{replaced}", timeout=30).json()["text"]
        assert text == HARBOUR.decode()
        answer = httpx.post(f"{base}/ask", json={"question": DESIGNER_QUESTION}, timeout=30).json()
        assert answer["extracts"][0]["citation"]["doc_id"] == replaced
        foreign = httpx.post(f"{base}/ask", json={"question": "How much foreign capital did the pilot FTZs use?",
                                                  "k": 50}, timeout=30).json()
        assert all(e["citation"]["doc_id"] != deleted for e in foreign["extracts"])
        assert all(p["doc_id"] != deleted for p in foreign["passages"])


@pytest.mark.parametrize(("doc_id", "location"), [
    ("简报/港口.txt", "/documents/%E7%AE%80%E6%8A%A5/%E6%B8%AF%E5%8F%A3.txt"),
    ("q&a #2?.txt", "/documents/q%26a%20%232%3F.txt"),
])
def test_a_write_of_any_id_is_acknowledged_with_a_location_that_leads_back_to_it(
    client: TestClient, doc_id: str, location: str
) -> None:
    # A header holds Latin-1 only: a Chinese id was written, then answered 500 as it was put in `Location`.
    response = client.put(f"/documents/{urllib.parse.quote(doc_id)}", content=HARBOUR,
                          headers={**WRITE, "Content-Type": "text/plain"})
    assert response.status_code == 201, response.text
    assert response.headers["location"] == location and response.json()["doc_id"] == doc_id
    assert client.get(location, headers=WRITE).json()["doc_id"] == doc_id


def test_a_charset_on_a_multipart_part_is_read_and_on_a_binary_file_ignored(client: TestClient) -> None:
    text = "MAYOR LIND: The caf\u00e9 on the square reopens in May.\n"
    part = ("cafe.txt", text.encode("latin-1"), "text/plain; charset=iso-8859-1")
    response = client.post("/documents", files={"file": part}, headers=WRITE)
    assert response.status_code == 201, response.text
    assert client.get("/documents/cafe.txt", headers=WRITE).json()["text"] == text
    word = word_file("MAYOR LIND: The caf\u00e9 reopens in May.", "REPORTER: When?")
    response = client.put("/documents/minutes.docx", content=word,
                          headers={**WRITE, "Content-Type": f"{DOCX}; charset=iso-8859-1"})
    assert response.status_code == 201, response.text
