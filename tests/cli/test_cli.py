"""The `rag` command line and a live `rag serve` process on 127.0.0.1."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from rag.cli import main
from rag.settings import Settings
from rag.service import QAService
from tests.conftest import read_source
from tests.serving import live_server

QUESTION = "How much foreign capital did the 22 pilot free trade zones actually use in the first half of 2024?"


def test_ask_prints_extracts_with_citations(service: QAService, settings: Settings, capsys) -> None:
    code = main(["ask", QUESTION, "--index-dir", str(settings.index_dir), "--docs", str(settings.docs_dir)])
    out = capsys.readouterr().out
    assert code == 0
    assert "103.96 billion yuan" in out and "Zhu Bing" in out and "001_0c22fd98c8d2c594.txt [" in out


@pytest.mark.parametrize("k_flag", ["-k", "--k"])  # `--k` as `rag eval` spells it
def test_ask_json_output_is_the_api_answer(service: QAService, settings: Settings, capsys, k_flag: str) -> None:
    code = main(["ask", QUESTION, "--json", k_flag, "2", "--index-dir", str(settings.index_dir)])
    answer = json.loads(capsys.readouterr().out)
    assert code == 0 and len(answer["passages"]) == 2 and answer["extracts"]
    for extract in answer["extracts"]:
        citation = extract["citation"]
        assert read_source(citation["doc_id"])[citation["start"] : citation["end"]] == extract["text"]


def test_ask_filters_restrict_the_answer(service: QAService, settings: Settings, capsys) -> None:
    argv = ["ask", "What did the ministry say about telecommunications?", "--json", "-k", "5",
            "--speaker", "Xin Guobin", "--doc", "002_7ca9be58c1b9d84c.txt", "--index-dir", str(settings.index_dir)]
    assert main(argv) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["passages"] and {p["doc_id"] for p in answer["passages"]} == {"002_7ca9be58c1b9d84c.txt"}
    assert {p["speaker"] for p in answer["passages"]} == {"Xin Guobin"}


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["ask", "   "], "error: question must not be empty"),
        (["index", "--docs", "/nonexistent/folder"], "error: corpus folder /nonexistent/folder does not exist"),
        (["ask", "ports?", "--speaker", "Nobody Here"], "error: unknown speakers: 'Nobody Here'"),
        (["ask", "ports?", "--date-from", "last week"], "error: date_from must be an ISO date"),
    ],
)
def test_errors_are_one_line_messages(service: QAService, settings: Settings, capsys, argv, message) -> None:
    code = main([*argv, "--index-dir", str(settings.index_dir)])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err and "Traceback" not in err


def test_bad_setting_is_reported_with_its_variable(monkeypatch, capsys) -> None:
    monkeypatch.setenv("RAG_MAX_K", "many")
    assert main(["index"]) == 2
    assert "RAG_MAX_K='many' is not a valid int" in capsys.readouterr().err


def _post(url: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"content-type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_serve_answers_over_a_real_socket(service: QAService, settings: Settings, tmp_path: Path) -> None:
    """The README's curl check, against a real `rag serve` process reusing the built index."""
    with live_server(settings.index_dir, settings.docs_dir, tmp_path / "serve.log") as base:
        status, answer = _post(base + "/ask", {"question": QUESTION})
        assert status == 200
        extract = next(e for e in answer["extracts"] if "103.96 billion yuan" in e["text"])
        citation = extract["citation"]
        assert citation["doc_id"] == "001_0c22fd98c8d2c594.txt"
        assert read_source(citation["doc_id"])[citation["start"] : citation["end"]] == extract["text"]
        status, problem = _post(base + "/ask", {"question": ""})
        assert status == 400 and "detail" in problem


def test_answers_in_the_terminal_say_when_it_was_said_and_link_the_moment() -> None:
    from rag.cli.output import clock, format_answer
    from rag.types import Answer, Citation, Extract

    citation = Citation(doc_id="call.vtt", title="Call", date=None, speaker="John Roe", role=None, start=3, end=33,
                        passage_id="0" * 16, score=0.8, start_time=751.2, end_time=760.0,
                        media_link="https://media.example.org/call.mp4#t=751.2", source=["char=10,40"])
    text = format_answer(Answer("q", False, [Extract("Throughput rose by 12 percent.", citation)], []))
    assert text.splitlines()[0] == "[1] John Roe at 12:31"
    assert text.splitlines()[-1].strip() == "https://media.example.org/call.mp4#t=751.2"
    assert (clock(59.9), clock(751.2), clock(3725.0)) == ("0:59", "12:31", "1:02:05")
