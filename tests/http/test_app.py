"""The HTTP service, through the real Litestar app, the real model and the real index."""

from __future__ import annotations

import json

import pytest
from litestar.testing import TestClient

from tests.conftest import SEEDS, read_source

# question -> (document that answers it, text the answer must contain)
ANSWERABLE = {
    "How much foreign capital did the 22 pilot free trade zones actually use in the first half of 2024?": (
        "001_0c22fd98c8d2c594.txt", "103.96 billion yuan"),
    "How many foreign-invested enterprises operate in China's telecommunications sector?": (
        "002_7ca9be58c1b9d84c.txt", "2,037"),
    "What is the total contract value of overseas projects in raw materials, petrol refinery and agricultural chemicals?": (
        "003_94303b5083c37beb.txt", "US$60 billion"),
    "Which catalogue guides foreign investment in advanced manufacturing?": (
        "000_6386a5308b8f6e3e.txt", "Catalogue of Industries to Encourage Foreign Investment"),
    "How many countries and regions does Xi'an trade with?": ("004_53ec2901118c88b5.txt", "202 countries and regions"),
}


def assert_citations_exact(answer: dict) -> None:
    """Every extract and every passage equals the source file sliced at its citation."""
    assert answer["extracts"] or answer["abstained"], "an answer either quotes or abstains"
    for extract in answer["extracts"]:
        citation = extract["citation"]
        assert read_source(citation["doc_id"])[citation["start"] : citation["end"]] == extract["text"]
    for passage in answer["passages"]:
        assert read_source(passage["doc_id"])[passage["start"] : passage["end"]] == passage["text"]


@pytest.mark.parametrize("question", sorted(ANSWERABLE))
def test_ask_returns_a_cited_extract_containing_the_answer(client: TestClient, question: str) -> None:
    doc_id, expected = ANSWERABLE[question]
    response = client.post("/ask", json={"question": question})
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["abstained"] is False
    assert_citations_exact(answer)
    answering = [e for e in answer["extracts"] if expected in e["text"]]
    assert answering, answer["extracts"]
    assert answering[0]["citation"]["doc_id"] == doc_id


def test_citation_carries_title_date_speaker_and_passage(client: TestClient) -> None:
    question = next(iter(ANSWERABLE))
    answer = client.post("/ask", json={"question": question, "k": 3}).json()
    citation = answer["extracts"][0]["citation"]
    assert citation["speaker"] == "Zhu Bing"
    assert citation["date"] == "2024-09-10"
    assert citation["title"].startswith("SCIO briefing on promoting high-quality development")
    assert len(answer["passages"]) == 3
    passage = client.get(f"/passages/{citation['passage_id']}").json()
    assert passage["start"] <= citation["start"] and citation["end"] <= passage["end"]
    assert passage["context"].startswith("The third plenary session")


@pytest.mark.parametrize(
    "question",
    ["What is a good recipe for apple pie?", "Who won the football world cup final?"],
)
def test_unrelated_questions_abstain(client: TestClient, question: str) -> None:
    answer = client.post("/ask", json={"question": question}).json()
    assert answer["abstained"] is True
    assert answer["extracts"] == []
    assert answer["passages"], "retrieved passages are still shown"
    assert_citations_exact(answer)


def test_documents_and_their_turns(client: TestClient) -> None:
    documents = client.get("/documents").json()
    assert [d["doc_id"] for d in documents] == sorted(p.name for p in SEEDS.glob("*.txt"))
    by_id = {d["doc_id"]: d for d in documents}
    assert by_id["003_94303b5083c37beb.txt"]["date"] == "2017-05-12"
    document = client.get("/documents/003_94303b5083c37beb.txt").json()
    source = read_source("003_94303b5083c37beb.txt")
    assert [t["speaker"] for t in document["turns"]] == [None, None, "Xi Yanchun", "Xin Guobin", "Xi Yanchun"]
    assert all(source[t["start"] : t["end"]] == t["text"] for t in document["turns"])
    assert {s["name"]: s["role"] for s in document["speakers"]}["Xin Guobin"].startswith("vice minister")


def test_health_and_openapi(client: TestClient) -> None:
    health = client.get("/health").json()
    assert health["status"] == "ok" and health["documents"] == 5 and health["passages"] > 0
    schema = client.get("/schema/openapi.json")
    assert schema.status_code == 200
    assert {"/ask", "/documents", "/health"} <= set(schema.json()["paths"])
    # Uptime checkers and load balancers probe with HEAD: the headers of a GET, no body.
    for path in ("/health", "/"):
        head = client.head(path)
        assert head.status_code == 200 and head.content == b""
        assert head.headers["content-type"] == client.get(path).headers["content-type"]


def test_the_metrics_content_type_names_its_charset_once(client: TestClient) -> None:
    content_type = client.get("/metrics").headers["content-type"]
    assert content_type.startswith("text/plain; version=") and content_type.count("charset") == 1


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"question": ""}, 400, "question"),
        ({"question": "   \n "}, 400, "question: must contain a non-space character"),
        ({}, 400, "question"),
        ({"question": 42}, 400, "question"),
        ({"question": "ports?", "k": 0}, 400, "k"),
        ({"question": "ports?", "k": 1000}, 400, "k: must be at most 50"),
        ({"question": "ports?", "k": "five"}, 400, "k"),
        # Mistyped, though a lenient reading would guess the number: refused, as the API says.
        ({"question": "ports?", "k": "5"}, 400, "k: Expected `int | null`, got `str`"),
        ({"question": "ports?", "k": 5.5}, 400, "k: Expected `int | null`, got `float`"),
        ({"question": "ports?", "filters": {"speakers": "Zhu Bing"}}, 400, "filters.speakers"),
        ({"question": "ports?", "top": 3}, 400, "top"),
        ({"question": "x" * 2001}, 400, "question: must be at most 2000 characters"),
    ],
)
def test_bad_questions_get_400_with_a_message(client: TestClient, body: dict, status: int, message: str) -> None:
    response = client.post("/ask", json=body)
    assert response.status_code == status, response.text
    assert message in response.text


@pytest.mark.parametrize(
    ("content", "headers"),
    [
        (b"{not json", {"content-type": "application/json"}),
        (b'{"question": "caf\xe9"}', {"content-type": "application/json"}),
        (b"[1, 2]", {"content-type": "application/json"}),
    ],
)
def test_malformed_bodies_get_400(client: TestClient, content: bytes, headers: dict) -> None:
    response = client.post("/ask", content=content, headers=headers)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"


def test_huge_body_is_refused(client: TestClient) -> None:
    response = client.post("/ask", content=b'{"question": "' + b"a" * 200_000 + b'"}',
                           headers={"content-type": "application/json"})
    assert response.status_code == 413


@pytest.mark.parametrize(
    "path",
    ["/passages/0000000000000000", "/documents/nope.txt", "/documents/../../etc/passwd"],
)
def test_unknown_ids_get_404(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404, response.text
    assert "detail" in response.json()


def test_wrong_method_gets_405(client: TestClient) -> None:
    assert client.get("/ask").status_code == 405


def test_filters_restrict_documents_speakers_and_dates(client: TestClient) -> None:
    question = "What did the ministry do to open up the telecommunications sector?"
    only_003 = client.post("/ask", json={"question": question, "k": 10,
                                         "filters": {"documents": ["003_94303b5083c37beb.txt"]}}).json()
    assert only_003["passages"] and {p["doc_id"] for p in only_003["passages"]} == {"003_94303b5083c37beb.txt"}
    xin = client.post("/ask", json={"question": question, "k": 10, "filters": {"speakers": ["xin guobin"]}}).json()
    assert xin["passages"] and {p["speaker"] for p in xin["passages"]} == {"Xin Guobin"}
    assert_citations_exact(xin)
    in_2024 = client.post("/ask", json={"question": question, "k": 10,
                                        "filters": {"date_from": "2024-01-01", "date_to": "2024-12-31"}}).json()
    assert {p["doc_id"] for p in in_2024["passages"]} <= {"001_0c22fd98c8d2c594.txt", "002_7ca9be58c1b9d84c.txt"}
    nothing = client.post("/ask", json={"question": question, "filters": {"date_to": "2000-01-01"}}).json()
    assert nothing["abstained"] is True and nothing["passages"] == []


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        ({"documents": ["nope.txt"]}, "unknown document ids: 'nope.txt'"),
        ({"speakers": ["Nobody Here"]}, "unknown speakers: 'Nobody Here'"),
        ({"date_from": "yesterday"}, "date_from must be an ISO date"),
        ({"date_from": "2024-05-01", "date_to": "2024-01-01"}, "is after date_to"),
        ({"color": "red"}, "color"),
        ({"documents": "001_0c22fd98c8d2c594.txt"}, "documents"),
    ],
)
def test_bad_filters_get_400(client: TestClient, filters: dict, message: str) -> None:
    response = client.post("/ask", json={"question": "ports?", "filters": filters})
    assert response.status_code == 400, response.text
    assert message in response.text


def test_a_client_gone_before_its_body_arrived_is_no_server_error(client: TestClient, caplog) -> None:
    # Litestar raises its 500 when the connection drops while a body is read: alerts on 5xx fired
    # for clients that hung up. Driven as an ASGI server would, on the app's own event loop.
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": "/ask", "raw_path": b"/ask", "query_string": b"", "root_path": "", "state": {},
             "headers": [(b"content-type", b"application/json"), (b"content-length", b"40")],
             "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 80)}
    with caplog.at_level("INFO"):
        client.blocking_portal.call(client.app, scope, receive, send)
    start = next(message for message in sent if message["type"] == "http.response.start")
    assert start["status"] == 400
    assert not [record for record in caplog.records if record.levelname == "ERROR"]


def test_a_byte_order_mark_before_the_json_body_is_ignored(client: TestClient) -> None:
    # RFC 8259 (8.1): a parser may ignore it; some Windows clients send one.
    body = b"\xef\xbb\xbf" + json.dumps({"question": "How many new routes did the port add?"}).encode()
    answered = client.post("/ask", content=body, headers={"Content-Type": "application/json"})
    assert answered.status_code == 200, answered.text
    assert answered.json() == client.post("/ask", content=body[3:], headers={"Content-Type": "application/json"}).json()
