"""The HTTP edge through the real app: problem details for every bad input, limits from settings,
API and admin keys, rate limits, CORS, request ids, structured logs and Prometheus metrics."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator

import pytest
from litestar.testing import TestClient
from prometheus_client.parser import text_string_to_metric_families

from rag.http.app import create_app
from rag.settings import Settings
from rag.service import QAService
from rag.http.webpage import WEB_DIR

KEY = "test-api-key-0123456789"
OTHER_KEY = "another-api-key-9876543210"
ADMIN_KEY = "test-admin-key-0123456789"
QUESTION = "How much foreign capital did the 22 pilot free trade zones actually use in the first half of 2024?"
JSON = {"content-type": "application/json"}


@contextlib.contextmanager
def app_client(settings: Settings, service: QAService, **overrides: object) -> Iterator[TestClient]:
    """A fresh app (own metrics, own rate-limit store) over the session's service."""
    with TestClient(app=create_app(settings.with_overrides(**overrides), service)) as client:
        yield client


def assert_problem(response, status: int, *fragments: str) -> dict:
    """An RFC 9457 body whose detail says what was wrong, tied to the response's request id."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == status
    assert problem["type"].startswith("urn:rag:problem:") and problem["title"] and problem["detail"]
    assert problem["request_id"] == response.headers["x-request-id"]
    for fragment in fragments:
        assert fragment in problem["detail"], problem["detail"]
    return problem


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status", "fragments"),
    [
        ("POST", "/ask", {"json": {"question": "x" * 2001}}, 400, ["question: must be at most 2000 characters"]),
        ("POST", "/ask", {"json": {"question": " \t "}}, 400, ["question: must contain a non-space character"]),
        ("POST", "/ask", {"json": {"question": "ports?", "k": 0}}, 400, ["k: must be at least 1"]),
        ("POST", "/ask", {"json": {"question": "ports?", "k": 51}}, 400, ["k: must be at most 50"]),
        ("POST", "/ask", {"json": {"question": "ports?", "top": 3}}, 400, ["invalid request body", "top"]),
        ("POST", "/ask", {"json": {"question": "ports?", "filters": {"documents": ["../../etc/passwd"]}}}, 400,
         ["unknown document ids: '../../etc/passwd'"]),
        ("POST", "/ask", {"content": b'{"question": "caf\xe9?"}', "headers": JSON}, 400,
         ["the request body is not valid UTF-8", "0xe9"]),
        ("POST", "/ask", {"content": b'{"question": ', "headers": JSON}, 400,
         ["the request body is not valid JSON"]),
        ("POST", "/ask", {"content": b'{"question" "x"}', "headers": JSON}, 400, ["the request body is not valid JSON"]),
        ("POST", "/ask", {"content": b'{"question": "x", "filters": ' + b"[" * 30_000 + b"]" * 30_000 + b"}",
                          "headers": JSON}, 400, ["not valid JSON: it nests too deeply"]),
        ("POST", "/ask", {"content": b"", "headers": JSON}, 400, ["invalid request body: a JSON object is required"]),
        ("POST", "/ask", {"content": b"[1, 2]", "headers": JSON}, 400, ["invalid request body"]),
        ("POST", "/ask", {"content": b'{"question": "' + b"a" * 70_000 + b'"}', "headers": JSON}, 413,
         ["over the limit of 65536 bytes"]),
        ("POST", "/ask", {"content": b'{"question": "ports?"}', "headers": {"content-type": "text/plain"}}, 415,
         ["Content-Type: application/json", "'text/plain'"]),
        ("POST", "/ask", {"content": b'{"question": "ports?"}', "headers": {}}, 415, ["got none"]),
        ("POST", "/ask", {"content": b'{"question": "ports?"}',
                          "headers": {"content-type": "application/json; charset=latin-1"}}, 415, ["UTF-8"]),
        ("GET", "/passages/0000000000000000", {}, 404, ["no passage with id '0000000000000000'"]),
        ("GET", "/passages/..%2F..%2Fetc%2Fpasswd", {}, 404, ["no route '/passages/../../etc/passwd'"]),
        ("GET", "/passages/..%5C..%5Cetc", {}, 400, ["passage_id: must match the pattern"]),
        ("GET", "/passages/" + "a" * 65, {}, 400, ["passage_id"]),
        ("GET", "/documents/nope.txt", {}, 404, ["no document with id 'nope.txt'"]),
        ("GET", "/documents/%2e%2e/seeds", {}, 400, ["'../seeds' is not a plain relative path"]),
        ("GET", "/documents/..%2F..%2Fetc%2Fpasswd", {}, 400, ["'../../etc/passwd' is not a plain relative path"]),
        ("GET", "/documents/%2Fetc%2Fpasswd", {}, 404, ["no document with id 'etc/passwd'"]),
        ("GET", "/documents/a%5C..%5Cb.txt", {}, 400, ["contains a backslash"]),
        ("GET", "/documents/a%00.txt", {}, 400, ["control characters"]),
        ("GET", "/documents/" + "a" * 600, {}, 400, ["the limit is 512"]),
        ("DELETE", "/ask", {}, 405, ["DELETE is not allowed on /ask", "POST"]),
        ("GET", "/no/such/route", {}, 404, ["no route '/no/such/route'"]),
    ],
)
def test_bad_requests_get_a_problem_saying_what_was_wrong(
    client: TestClient, method: str, path: str, kwargs: dict, status: int, fragments: list[str]
) -> None:
    response = client.request(method, path, **kwargs)
    assert_problem(response, status, *fragments)
    if status == 405:
        assert "POST" in response.headers["allow"]


def test_an_invalid_field_is_named_with_its_source(client: TestClient) -> None:
    problem = assert_problem(client.post("/ask", json={"question": "ports?", "k": 99}), 400, "invalid request body")
    assert problem["errors"] == [{"field": "k", "message": "must be at most 50", "source": "body"}]
    problem = assert_problem(client.get("/passages/not..an..id"), 400, "invalid request")
    assert [(e["field"], e["source"]) for e in problem["errors"]] == [("passage_id", "path")]


def test_limits_come_from_settings_and_the_schema_states_them(settings: Settings, service: QAService) -> None:
    with app_client(settings, service, max_question_chars=20, max_k=3, default_k=2, max_body_bytes=300) as client:
        assert client.post("/ask", json={"question": "q" * 20, "k": 3}).status_code == 200
        assert_problem(client.post("/ask", json={"question": "q" * 21}), 400, "at most 20 characters")
        assert_problem(client.post("/ask", json={"question": "ports?", "k": 4}), 400, "k: must be at most 3")
        assert_problem(client.post("/ask", content=b'{"question": "' + b"a" * 400 + b'"}', headers=JSON), 413,
                       "over the limit of 300 bytes")
        body = client.get("/schema/openapi.json").json()["components"]["schemas"]["AskRequest"]
    assert body["properties"]["question"]["maxLength"] == 20
    assert body["properties"]["k"]["maximum"] == 3
    assert body["additionalProperties"] is False


# ---------------------------------------------------------------- API keys and admin keys


@pytest.fixture(scope="module")
def keyed(settings: Settings, service: QAService) -> Iterator[TestClient]:
    """The app with API keys and an admin key configured."""
    with app_client(settings, service, api_keys=(KEY, OTHER_KEY), admin_api_keys=(ADMIN_KEY,)) as client:
        yield client


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/ask", {"question": QUESTION}),
        ("GET", "/documents", None),
        ("GET", "/documents/001_0c22fd98c8d2c594.txt", None),
        ("GET", "/passages/0000000000000000", None),
        ("GET", "/metrics", None),
        ("GET", "/schema/openapi.json", None),
    ],
)
def test_every_route_but_health_needs_a_key(keyed: TestClient, method: str, path: str, body: dict | None) -> None:
    missing = keyed.request(method, path, json=body)
    assert_problem(missing, 401, "needs an API key in the X-API-Key header")
    assert missing.headers["www-authenticate"].startswith("Bearer")
    assert_problem(keyed.request(method, path, json=body, headers={"X-API-Key": "wrong-key-0123456789"}), 401,
                   "not valid")
    for headers in ({"X-API-Key": KEY}, {"Authorization": f"Bearer {OTHER_KEY}"}, {"authorization": f"bearer {KEY}"}):
        response = keyed.request(method, path, json=body, headers=headers)
        assert response.status_code < 400 or response.status_code == 404, response.text


def test_health_and_the_web_page_need_no_key(keyed: TestClient) -> None:
    assert keyed.get("/health").json()["status"] == "ok"
    page = keyed.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    asset = next(p.name for p in sorted(WEB_DIR.iterdir()) if p.suffix in {".js", ".css"})
    assert keyed.get(f"/static/{asset}").status_code == 200


def test_admin_reload_needs_an_admin_key(keyed: TestClient, service: QAService) -> None:
    assert_problem(keyed.post("/admin/reload"), 401, "admin key")
    assert_problem(keyed.post("/admin/reload", headers={"X-API-Key": KEY}), 403, "not an admin key")
    assert_problem(keyed.post("/admin/reload", headers={"X-API-Key": "nope-nope-nope-nope"}), 401, "not valid")
    reloaded = keyed.post("/admin/reload", headers={"Authorization": f"Bearer {ADMIN_KEY}"})
    assert reloaded.status_code == 200, reloaded.text
    assert reloaded.json() == {"previous_build_id": service.index.manifest.build_id,
                               "build_id": service.index.manifest.build_id, "changed": False}
    # An admin key also opens the ordinary routes.
    assert keyed.get("/documents", headers={"X-API-Key": ADMIN_KEY}).status_code == 200


def test_admin_routes_are_off_without_admin_keys(client: TestClient) -> None:
    assert_problem(client.post("/admin/reload"), 403, "admin routes are disabled; set RAG_ADMIN_API_KEYS")


def test_schema_declares_the_key_schemes(keyed: TestClient, client: TestClient) -> None:
    schema = keyed.get("/schema/openapi.json", headers={"X-API-Key": KEY}).json()
    assert schema["components"]["securitySchemes"]["apiKey"] == {"type": "apiKey", "name": "X-API-Key", "in": "header"}
    assert schema["paths"]["/ask"]["post"]["security"] == [{"apiKey": []}, {"bearer": []}]
    assert "security" not in schema["paths"]["/health"]["get"]
    open_schema = client.get("/schema/openapi.json").json()
    assert "security" not in open_schema["paths"]["/ask"]["post"]
    assert open_schema["paths"]["/admin/reload"]["post"]["security"]


# ---------------------------------------------------------------- rate limits and CORS


def test_rate_limit_per_client_answers_429_with_retry_after(settings: Settings, service: QAService) -> None:
    with app_client(settings, service, api_keys=(KEY, OTHER_KEY), rate_limit_per_minute=3) as client:
        first = client.get("/documents", headers={"X-API-Key": KEY})
        assert first.headers["ratelimit-limit"] == "3"
        assert [client.get("/documents", headers={"X-API-Key": KEY}).status_code for _ in range(2)] == [200, 200]
        limited = client.get("/documents", headers={"X-API-Key": KEY})
        assert_problem(limited, 429, "too many requests")
        assert 0 < int(limited.headers["retry-after"]) <= 60
        # Another client (its own key) has its own budget; probes are never limited.
        assert client.get("/documents", headers={"X-API-Key": OTHER_KEY}).status_code == 200
        assert [client.get("/health").status_code for _ in range(5)] == [200] * 5


def test_cors_is_closed_by_default(client: TestClient) -> None:
    response = client.get("/documents", headers={"Origin": "https://elsewhere.example"})
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers
    preflight = client.options("/ask", headers={"Origin": "https://elsewhere.example",
                                                "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in preflight.headers


def test_cors_allows_only_the_configured_origins(settings: Settings, service: QAService) -> None:
    allowed = "https://app.example.org"
    with app_client(settings, service, cors_origins=(allowed,), api_keys=(KEY,)) as client:
        # A preflight carries no key; it must still be answered.
        preflight = client.options("/ask", headers={"Origin": allowed, "Access-Control-Request-Method": "POST",
                                                    "Access-Control-Request-Headers": "content-type, x-api-key"})
        assert preflight.status_code == 204
        assert preflight.headers["access-control-allow-origin"] == allowed
        assert "x-api-key" in preflight.headers["access-control-allow-headers"].lower()
        response = client.get("/documents", headers={"Origin": allowed, "X-API-Key": KEY})
        assert response.headers["access-control-allow-origin"] == allowed
        assert "x-request-id" in response.headers["access-control-expose-headers"].lower()
        other = client.get("/documents", headers={"Origin": "https://evil.example", "X-API-Key": KEY})
        assert "access-control-allow-origin" not in other.headers


# ---------------------------------------------------------------- request ids, logs, metrics


def test_every_response_has_a_request_id_and_a_sane_one_is_kept(keyed: TestClient) -> None:
    responses = [
        keyed.get("/health"), keyed.get("/documents"), keyed.get("/no/such/route"), keyed.delete("/ask"),
        keyed.post("/ask", json={"question": ""}, headers={"X-API-Key": KEY}),
    ]
    ids = [r.headers["x-request-id"] for r in responses]
    assert all(ids) and len(set(ids)) == len(ids)
    assert keyed.get("/health", headers={"X-Request-ID": "trace-42.a:b"}).headers["x-request-id"] == "trace-42.a:b"
    replaced = keyed.get("/health", headers={"X-Request-ID": "x" * 65}).headers["x-request-id"]
    assert replaced != "x" * 65 and len(replaced) == 32


def _log_lines(err: str) -> list[dict]:
    return [json.loads(line) for line in err.splitlines() if line.startswith("{")]


def test_logs_are_json_lines_carrying_the_request_id(settings: Settings, service: QAService, capsys) -> None:
    with app_client(settings, service, admin_api_keys=(ADMIN_KEY,)) as client:
        capsys.readouterr()
        response = client.post("/admin/reload", headers={"X-API-Key": ADMIN_KEY, "X-Request-ID": "reload-7"})
        assert response.status_code == 200
        lines = [line for line in _log_lines(capsys.readouterr().err) if line["request_id"] == "reload-7"]
    # The service's own line and the access line of the same request.
    assert any(line["logger"] == "rag.http.app" and "index reloaded" in line["message"] for line in lines), lines
    access = next(line for line in lines if line["logger"] == "rag.access")
    assert (access["method"], access["route"], access["status"]) == ("POST", "/admin/reload", 200)
    assert access["duration_ms"] > 0 and access["level"] == "INFO" and access["time"]


def test_text_logs_carry_the_request_id_and_cannot_be_forged(
    settings: Settings, service: QAService, capsys
) -> None:
    with app_client(settings, service, log_format="text") as client:
        capsys.readouterr()
        client.get("/documents/nope.txt", headers={"X-Request-ID": "text-9"})
        # A line break smuggled into the path must not start a line of its own in the log.
        client.get("/documents/a%0AINFO%20forged", headers={"X-Request-ID": "text-10"})
        lines = capsys.readouterr().err.splitlines()
    assert any("[text-9]" in line and "GET /documents/nope.txt 404" in line for line in lines), lines
    assert any("[text-10]" in line and "GET /documents/a%0AINFO%20forged 400" in line for line in lines), lines
    assert not any(line.startswith("INFO forged") for line in lines)


def _samples(client: TestClient) -> dict[tuple[str, tuple], float]:
    text = client.get("/metrics").text
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_metrics_count_requests_by_route_and_status_and_describe_the_index(
    settings: Settings, service: QAService
) -> None:
    with app_client(settings, service) as client:
        for _ in range(3):
            client.get("/passages/0000000000000000")
        client.post("/ask", json={"question": QUESTION, "k": 2})
        client.get("/no/such/route")
        response = client.get("/metrics")
        assert response.headers["content-type"].startswith("text/plain")
        samples = _samples(client)
    route = "/passages/{passage_id}"
    assert samples[("rag_http_requests_total", (("method", "GET"), ("route", route), ("status", "404")))] == 3
    assert samples[("rag_http_requests_total", (("method", "POST"), ("route", "/ask"), ("status", "200")))] == 1
    assert samples[("rag_http_requests_total", (("method", "GET"), ("route", "<unmatched>"), ("status", "404")))] == 1
    assert samples[("rag_http_request_duration_seconds_count",
                    (("method", "POST"), ("route", "/ask"), ("status", "200")))] == 1
    assert samples[("rag_index_passages", ())] == len(service.index.passages)
    assert samples[("rag_index_documents", ())] == len(service.index.transcripts)
    assert samples[("rag_index_loaded", ())] == 1
    info = next(labels for (name, labels) in samples if name == "rag_index_info")
    assert dict(info)["model"] == service.embedder.model.name
    assert dict(info)["build_id"] == service.index.manifest.build_id
