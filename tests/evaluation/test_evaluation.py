"""The eval harness: exact metric arithmetic on hand-made data, parity with the peers' scorer,
the seed gold file itself, and one real run through the service."""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec
import numpy as np
import pytest

from rag import evaluation as ev
from rag.cli import main
from rag.settings import Settings
from rag.errors import InputError
from rag.evaluation import EvidenceSpan, GoldQuestion, RunExtract, RunHit, RunRow
from rag.evaluation.metrics import reliability

if TYPE_CHECKING:
    from rag.service import QAService

REPO = Path(__file__).resolve().parents[2]
SEEDS = REPO / "seeds"
GOLD = REPO / "eval" / "gold.jsonl"
THRESHOLDS = REPO / "eval" / "thresholds.json"
PEER_SCORER = REPO.parent / "shared" / "peers" / "score.py"

# A document of 20 four-letter words: word i is [5i, 5i + 4), a space follows each.
WORDS_DOC = "".join(f"w{i:03d} " for i in range(20))
SOURCES = {"a.txt": WORDS_DOC, "b.txt": WORDS_DOC}


def hit(start: int, end: int, doc: str = "a.txt", score: float = 0.5) -> RunHit:
    return RunHit(doc=doc, start=start, end=end, score=score)


def span(start: int, end: int, doc: str = "a.txt") -> EvidenceSpan:
    return EvidenceSpan(doc=doc, start=start, end=end)


def row(qid: str, hits: list[RunHit] = (), abstained: bool = False, extracts: list[RunExtract] = (),
        latency: float = 1.0) -> RunRow:
    return RunRow(id=qid, hits=list(hits), abstained=abstained, extracts=list(extracts), latency_ms=latency)


def question(qid: str, answerable: bool = True, evidence: list[EvidenceSpan] = (), answers: list[str] = (),
             kind: str | None = None) -> GoldQuestion:
    return GoldQuestion(id=qid, question=f"question {qid}?", answerable=answerable, answers=list(answers),
                        evidence=list(evidence), kind=kind)


# --------------------------------------------------------------------------- relevance

EVIDENCE_100_200 = [span(100, 200)]


@pytest.mark.parametrize(
    ("start", "end", "doc", "relevant"),
    [
        (150, 250, "a.txt", True),    # overlap 50 = half of both (100 and 100)
        (151, 251, "a.txt", False),   # overlap 49 < 50
        (50, 150, "a.txt", True),     # overlap 50 >= min(50, 50)
        (51, 150, "a.txt", True),     # hit of 99: overlap 50 >= min(49.5, 50)
        (50, 149, "a.txt", False),    # hit of 99: overlap 49 < min(49.5, 50)
        (0, 1000, "a.txt", True),     # a huge hit containing the evidence: min() makes it relevant
        (195, 200, "a.txt", True),    # a tiny hit inside the evidence
        (199, 200, "a.txt", True),    # one character inside
        (200, 300, "a.txt", False),   # adjacent, no overlap
        (120, 120, "a.txt", False),   # empty hit
        (100, 200, "b.txt", False),   # same span, other document
    ],
)
def test_relevance_half_of_the_shorter_rule(start: int, end: int, doc: str, relevant: bool) -> None:
    assert ev.is_relevant(hit(start, end, doc), EVIDENCE_100_200) is relevant


def test_relevance_is_checked_per_evidence_span() -> None:
    # An 80-char hit overlapping two spans by 30 each: 60 in total would pass, 30 per span does not.
    evidence = [span(0, 100), span(120, 220)]
    assert not ev.is_relevant(hit(70, 150), evidence)
    assert ev.relevant_spans(hit(70, 190), evidence) == [1]
    assert ev.is_relevant(hit(100, 101), [span(0, 1000), span(100, 101)])


# --------------------------------------------------------------------------- ranks

def test_hit_at_k_and_mrr_use_the_first_relevant_hit_within_ten() -> None:
    evidence = [span(100, 200)]
    miss = hit(500, 600)
    hits = [miss, miss, hit(100, 200), hit(100, 200)]
    assert [ev.hit_at(hits, evidence, k) for k in (1, 3, 5, 10)] == [0.0, 1.0, 1.0, 1.0]
    assert ev.reciprocal_rank(hits, evidence) == pytest.approx(1 / 3)
    late = [miss] * 10 + [hit(100, 200)]
    assert ev.hit_at(late, evidence, 10) == 0.0
    assert ev.reciprocal_rank(late, evidence) == 0.0


def test_ndcg_credits_each_evidence_span_once() -> None:
    one = [span(100, 200)]
    assert ev.ndcg([hit(100, 200)], one) == 1.0
    assert ev.ndcg([hit(500, 600), hit(100, 200)], one) == pytest.approx(1 / math.log2(3))
    # A second passage inside the same span gains nothing, so nDCG stays <= 1.
    assert ev.ndcg([hit(100, 150), hit(150, 200)], one) == 1.0
    two = [span(100, 200), span(300, 400)]
    ideal = 1 + 1 / math.log2(3)
    hits = [hit(100, 200), hit(120, 180), hit(300, 400)]
    assert ev.ndcg(hits, two) == pytest.approx((1 + 1 / math.log2(4)) / ideal)
    # One hit relevant to both spans: one gain at rank 1, against an ideal of two.
    assert ev.ndcg([hit(100, 400)], two) == pytest.approx(1 / ideal)
    assert ev.ndcg([], two) == 0.0
    # More than ten spans: the ideal is capped at ten gains.
    many = [span(10 * i, 10 * i + 5) for i in range(12)]
    assert ev.ndcg([hit(10 * i, 10 * i + 5) for i in range(10)], many) == pytest.approx(1.0)


# --------------------------------------------------------------------------- coverage

def test_coverage_truncates_the_last_hit_after_the_budget_word() -> None:
    evidence = [span(0, 50)]  # words 0-9 and the space after word 9
    # Budget 3 in a five-word hit: taken text ends after word 2, at char 14.
    assert ev.coverage([hit(0, 25)], evidence, 3, SOURCES) == pytest.approx(14 / 50)
    assert ev.coverage([hit(0, 25)], evidence, 100, SOURCES) == pytest.approx(25 / 50)


def test_coverage_overlapping_hits_spend_the_budget_again() -> None:
    evidence = [span(0, 50)]
    hits = [hit(0, 25), hit(0, 25), hit(25, 50)]
    assert ev.coverage(hits, evidence, 10, SOURCES) == pytest.approx(0.5)   # the third hit gets nothing
    assert ev.coverage(hits, evidence, 15, SOURCES) == pytest.approx(1.0)
    # A hit in another document also spends budget.
    assert ev.coverage([hit(0, 50, "b.txt"), hit(0, 50)], evidence, 10, SOURCES) == 0.0
    # Whitespace-only text takes no budget.
    assert ev.coverage([hit(4, 5), hit(0, 25)], evidence, 5, SOURCES) == pytest.approx(25 / 50)


def test_coverage_uses_the_union_of_evidence_spans() -> None:
    evidence = [span(0, 30), span(20, 50), span(0, 25, "b.txt")]  # 50 + 25 distinct chars
    assert ev.coverage([hit(0, 50)], evidence, 100, SOURCES) == pytest.approx(50 / 75)
    assert ev.coverage([hit(10, 20)], [span(0, 30), span(20, 50)], 100, SOURCES) == pytest.approx(10 / 50)


def test_coverage_is_none_when_a_used_hit_has_no_text() -> None:
    assert ev.coverage([hit(0, 10, "missing.txt")], [span(0, 10)], 100, SOURCES) is None
    # A hit past the budget is never read.
    assert ev.coverage([hit(0, 50), hit(0, 10, "missing.txt")], [span(0, 10)], 10, SOURCES) == 1.0


# --------------------------------------------------------------------------- answers, citations, latency

@pytest.mark.parametrize(
    ("answers", "texts", "expected"),
    [
        (["more than 300"], ["The port has More than\n 300 routes."], True),   # case and whitespace
        (["  more than 300 "], ["more than 300"], True),
        (["more than 300"], ["more than", "300"], True),                      # extracts joined by a space
        (["more than 300"], ["more than 30"], False),
        (["x", "Wang Hong"], ["said WANG HONG."], True),                      # any of the answers
        ([""], ["anything"], False),                                          # an empty answer never matches
        (["Wang Hong"], [], False),
    ],
)
def test_answer_containment_is_case_and_whitespace_insensitive(answers, texts, expected) -> None:
    assert ev.answer_contained(answers, texts) is expected


def test_citation_exactness_slices_the_source() -> None:
    assert ev.citation_exact(RunExtract("a.txt", 5, 9, "w001"), SOURCES)
    assert not ev.citation_exact(RunExtract("a.txt", 5, 9, "w001 "), SOURCES)
    assert not ev.citation_exact(RunExtract("a.txt", 6, 10, "w001"), SOURCES)
    assert not ev.citation_exact(RunExtract("missing.txt", 5, 9, "w001"), SOURCES)


def test_percentile_interpolates_linearly_like_numpy() -> None:
    assert ev.percentile([4.0, 1.0, 3.0, 2.0], 50) == 2.5
    assert ev.percentile([1.0, 2.0, 3.0, 4.0], 95) == pytest.approx(3.85)
    assert ev.percentile([7.0], 95) == 7.0
    assert ev.percentile([], 50) is None
    with pytest.raises(ValueError, match=r"in \[0, 100\]"):
        ev.percentile([1.0], 101)
    values = [float(v) for v in np.random.default_rng(0).exponential(5, 37)]
    for p in (50, 90, 95, 99):
        assert ev.percentile(values, p) == pytest.approx(float(np.percentile(values, p)))


# --------------------------------------------------------------------------- metrics over a gold set

def small_gold() -> list[GoldQuestion]:
    return [
        question("q1", evidence=[span(0, 20)], answers=["w001 w002"], kind="fact"),
        question("q2", evidence=[span(50, 70)], answers=["w012"], kind="fact"),
        question("q3", evidence=[span(0, 10, "b.txt")], answers=["W001"], kind="who"),
        question("q4", evidence=[span(80, 90)], answers=[], kind="who"),    # missing from the run
        question("u1", answerable=False, kind="unanswerable"),
        question("u2", answerable=False, kind="unanswerable"),
    ]


def small_rows() -> list[RunRow]:
    return [
        row("q1", [hit(0, 20)], extracts=[RunExtract("a.txt", 5, 14, "w001 w002")], latency=1.0),
        row("q2", [hit(0, 10), hit(20, 30), hit(50, 70)], extracts=[RunExtract("a.txt", 60, 64, "w012")], latency=2.0),
        row("q3", [hit(0, 10, "b.txt")], abstained=True, latency=3.0),
        row("u1", [hit(0, 10)], abstained=True, latency=4.0),
        row("u2", [hit(0, 10)], extracts=[RunExtract("a.txt", 0, 4, "W000")], latency=5.0),
    ]


def test_metrics_on_a_small_gold_set_are_exact() -> None:
    report = ev.evaluate(small_gold(), small_rows(), SOURCES)
    m = report.overall
    assert (m.n_questions, m.n_scored, m.n_unanswerable, m.n_with_answers, m.n_unquoted_answers) == (6, 4, 2, 3, 0)
    # Ranks of the first relevant hit: q1 1, q2 3, q3 1, q4 missing.
    assert (m.hit_1, m.hit_3, m.hit_5, m.hit_10) == (0.5, 0.75, 0.75, 0.75)
    assert m.mrr_10 == pytest.approx((1 + 1 / 3 + 1 + 0) / 4)
    assert m.ndcg_10 == pytest.approx((1 + 0.5 + 1 + 0) / 4)
    assert m.answer_containment == pytest.approx(2 / 3)        # q3 abstained; q4 has no answers
    assert (m.citation_exactness, m.n_extracts) == (pytest.approx(2 / 3), 3)   # "W000" is not the source
    assert (m.n_abstained, m.wrongly_refused) == (2, 1)
    assert (m.abstention_precision, m.abstention_recall) == (0.5, 0.5)
    assert (m.latency_p50_ms, m.latency_p95_ms) == (3.0, pytest.approx(4.8))
    # Coverage at 100 words: q1 20/20, q2 20/20 (all three hits fit), q3 10/10, q4 nothing.
    assert m.cov_100 == m.cov_300 == pytest.approx(0.75)

    assert sorted(report.by_kind) == ["fact", "unanswerable", "who"]
    who = report.by_kind["who"]
    assert (who.n_questions, who.hit_1, who.wrongly_refused, who.abstention_precision, who.abstention_recall) == (
        2, 0.5, 1, 0.0, None)
    unanswerable = report.by_kind["unanswerable"]
    assert (unanswerable.hit_1, unanswerable.abstention_precision, unanswerable.abstention_recall) == (None, 1.0, 0.5)

    assert {f.id: f.reasons for f in report.failures} == {
        "q3": ["abstained", "answer not contained"],
        "q4": ["missing from the run", "no relevant hit in top 5"],
        "u2": ["answered an unanswerable question"],
    }
    # The report is plain JSON with the metric names of the thresholds file.
    data = json.loads(ev.report_to_json(report))
    assert data["overall"]["hit@5"] == 0.75 and data["by_kind"]["fact"]["mrr@10"] == pytest.approx(2 / 3)


def test_answers_that_are_not_quotes_are_left_out_of_containment() -> None:
    # qmsum-style: the answer is a summary, no verbatim extract can contain it.
    gold = [question("q1", evidence=[span(0, 20)], answers=["They discussed words."]),
            question("q2", evidence=[span(0, 20)], answers=["summary", "w003"])]   # one quoted answer suffices
    rows = [row("q1", [hit(0, 20)], extracts=[RunExtract("a.txt", 0, 4, "w000")]),
            row("q2", [hit(0, 20)], extracts=[RunExtract("a.txt", 15, 19, "w003")])]
    report = ev.evaluate(gold, rows, SOURCES)
    assert (report.overall.answer_containment, report.overall.n_with_answers, report.overall.n_unquoted_answers) == (
        1.0, 1, 1)
    assert report.failures == []
    assert ev.answer_is_quoted(gold[1], SOURCES) and not ev.answer_is_quoted(gold[0], SOURCES)


def test_failure_shows_what_came_back() -> None:
    gold = [question("q1", evidence=[span(50, 70)], answers=["w012"])]
    long_text = "word " * 100
    rows = [row("q1", [hit(0, 10, score=0.81)] * 6 + [hit(50, 70)], extracts=[RunExtract("a.txt", 0, 500, long_text)])]
    (failure,) = ev.find_failures(gold, {r.id: r for r in rows}, SOURCES)
    assert failure.reasons == ["no relevant hit in top 5", "answer not contained"]
    assert failure.first_relevant_rank == 7
    assert failure.top_hit == hit(0, 10, score=0.81)
    assert len(failure.first_extract) == ev.EXTRACT_PREVIEW and failure.first_extract.endswith("…")
    text = ev.format_failure(failure)
    assert "a.txt[0:10] 0.810" in text and "want a.txt[50:70]" in text and "first relevant @7" in text


# --------------------------------------------------------------------------- compare and thresholds

def test_compare_reports_deltas_for_every_metric() -> None:
    old = ev.evaluate(small_gold(), small_rows(), SOURCES)
    better_rows = [row("q4", [hit(80, 90)])] + small_rows()
    new = ev.evaluate(small_gold(), better_rows, SOURCES)
    deltas = {d.metric: d for d in ev.compare(msgspec.to_builtins(old), new)}
    assert deltas["overall.hit@1"].delta == pytest.approx(0.25)
    assert deltas["overall.n_questions"].delta == 0
    assert deltas["by_kind.unanswerable.hit@1"] == ev.Delta("by_kind.unanswerable.hit@1", None, None, None)
    text = ev.format_deltas(list(deltas.values()))
    assert "overall.hit@1" in text and "overall.n_questions" not in text and "unanswerable.hit@1" not in text


def test_threshold_check_lists_every_metric_below_its_minimum(tmp_path: Path) -> None:
    report = ev.evaluate(small_gold(), small_rows(), SOURCES)
    path = tmp_path / "thresholds.json"
    path.write_text(json.dumps({
        "overall.hit@1": 0.5, "overall.hit@5": 0.8, "overall.citation_exactness": 1.0,
        "by_kind.who.abstention_recall": 0.1,
    }))
    violations = ev.check_thresholds(report, ev.load_thresholds(path))
    assert [(v.metric, v.threshold, v.value) for v in violations] == [
        ("overall.hit@5", 0.8, 0.75),
        ("overall.citation_exactness", 1.0, pytest.approx(2 / 3)),
        ("by_kind.who.abstention_recall", 0.1, None),                 # no value counts as a violation
    ]
    assert str(violations[0]) == "overall.hit@5 = 0.7500, below the threshold 0.8000"
    assert ev.check_thresholds(report, {"overall.hit@1": 0.5}) == []


@pytest.mark.parametrize(
    ("content", "match"),
    [
        ('{"overall.hit@55": 0.5}', r"unknown metric\(s\) in thresholds: overall.hit@55"),
        ('{"overall.hit@5": "high"}', r"threshold of 'overall.hit@5' must be a number"),
        ("[0.5]", "expected a JSON object"),
        ("{", "cannot read thresholds"),
    ],
)
def test_bad_thresholds_are_refused(tmp_path: Path, content: str, match: str) -> None:
    path = tmp_path / "t.json"
    path.write_text(content)
    report = ev.evaluate(small_gold(), small_rows(), SOURCES)
    with pytest.raises(InputError, match=match):
        ev.check_thresholds(report, ev.load_thresholds(path))


# --------------------------------------------------------------------------- gold files

GOOD_LINE = (
    '{"id": "q1", "question": "Q?", "answerable": true, "answers": ["a"], '
    '"evidence": [{"doc": "a.txt", "start": 0, "end": 5}]}'
)


@pytest.mark.parametrize(
    ("lines", "match"),
    [
        ([GOOD_LINE, '{"id": "q2", "question": '], r"gold.jsonl:2: bad JSON"),
        (['{"id": "q1", "answerable": true}'], r"gold.jsonl:1: .*question"),
        (['{"id": "q1", "question": "Q?", "answerable": "yes"}'], r"gold.jsonl:1: .*answerable"),
        (['{"id": "q1", "question": "Q?", "answerable": true, "evidence": [{"doc": "a.txt", "start": 5}]}'],
         r"gold.jsonl:1: .*end"),
        (['{"id": "q1", "question": "Q?", "answerable": true, "evidence": [{"doc": "a.txt", "start": 5, "end": 5}]}'],
         r"gold.jsonl:1: evidence span a.txt\[5:5\] is empty"),
        (['{"id": "q1", "question": "Q?", "answerable": false, "answers": ["a"]}'],
         r"gold.jsonl:1: answerable is false but answers or evidence are not empty"),
        ([GOOD_LINE, "", GOOD_LINE], r"gold.jsonl:3: duplicate id 'q1' \(first on line 1\)"),
        ([""], r"has no questions"),
    ],
)
def test_bad_gold_lines_name_file_and_line(tmp_path: Path, lines: list[str], match: str) -> None:
    path = tmp_path / "gold.jsonl"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError, match=match):
        ev.load_gold(path)


def test_seed_gold_file_matches_the_seeds() -> None:
    gold = ev.load_gold(GOLD)
    assert len(gold) == 136
    assert ev.validate_gold(gold, ev.DocsFolder(SEEDS), check_answers=True) == []
    for q in gold:
        if q.answerable:
            assert q.evidence and q.answers, q.id
        else:
            assert not q.evidence and not q.answers, q.id


def test_validate_gold_reports_spans_outside_files_and_answers_outside_evidence() -> None:
    gold = [
        question("q1", evidence=[span(0, 10)], answers=["W000  w001"]),      # normalised match: fine
        question("q2", evidence=[span(90, 200)], answers=["w018"]),
        question("q3", evidence=[span(0, 10, "nope.txt")]),
        question("q4", evidence=[span(0, 10)], answers=["w005"]),
    ]
    assert ev.validate_gold(gold, SOURCES) == [
        "q2: evidence a.txt[90:200] ends past the file (100)",
        "q2: answer 'w018' is not inside its evidence",
        "q3: evidence document 'nope.txt' not found",
        "q4: answer 'w005' is not inside its evidence",
    ]
    assert len(ev.validate_gold(gold, SOURCES, check_answers=False)) == 2


# --------------------------------------------------------------------------- parity with the peers' scorer

@pytest.fixture(scope="module")
def peer_scorer():
    if not PEER_SCORER.is_file():
        pytest.skip(f"the peers' scorer is not at {PEER_SCORER} (shared folder not mounted)")
    spec = importlib.util.spec_from_file_location("peer_score", PEER_SCORER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_hit_mrr_and_coverage_match_the_peers_scorer(tmp_path: Path, peer_scorer) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    rng = np.random.default_rng(7)
    texts = {}
    for name in ("a.txt", "b.txt", "c.txt"):
        words = ["".join(rng.choice(list("abcdefgh\u00e9"), size=rng.integers(1, 9))) for _ in range(400)]
        seps = rng.choice([" ", "  ", "\n", "\n\n"], size=400)
        texts[name] = "".join(w + s for w, s in zip(words, seps))
        (docs / name).write_bytes(texts[name].encode("utf-8"))
    gold, rows = [], []
    for i in range(40):
        doc = str(rng.choice(list(texts)))
        n = len(texts[doc])
        spans = []
        for _ in range(int(rng.integers(1, 3))):
            start = int(rng.integers(0, n - 400))
            spans.append(span(start, start + int(rng.integers(20, 400)), doc))
        answerable = i % 8 != 7
        gold.append(question(f"q{i}", answerable=answerable, evidence=spans if answerable else []))
        hits = []
        for _ in range(int(rng.integers(0, 14))):
            hdoc = doc if rng.random() < 0.7 else str(rng.choice(list(texts)))
            anchor = spans[0].start if rng.random() < 0.5 else int(rng.integers(0, n - 600))
            start = min(max(0, anchor + int(rng.integers(-300, 300))), len(texts[hdoc]) - 1)
            hits.append(hit(start, min(len(texts[hdoc]), start + int(rng.integers(1, 600))), hdoc))
        if i != 5:  # one question missing from the run
            rows.append(row(f"q{i}", hits))
    gold_path, run_path = tmp_path / "gold.jsonl", tmp_path / "run.jsonl"
    gold_path.write_bytes(b"".join(msgspec.json.encode(q) + b"\n" for q in gold))
    ev.write_run(run_path, rows)

    theirs = peer_scorer.score_run(peer_scorer.load_jsonl(str(gold_path)), str(run_path), [100, 300], str(docs))
    ours = ev.evaluate(ev.load_gold(gold_path), ev.read_run(run_path), ev.DocsFolder(docs)).overall
    assert theirs["counts"]["scored"] == ours.n_scored == 35
    pairs = {"Hit@1": ours.hit_1, "Hit@3": ours.hit_3, "Hit@5": ours.hit_5, "Hit@10": ours.hit_10,
             "MRR@10": ours.mrr_10, "Cov@100w": ours.cov_100, "Cov@300w": ours.cov_300}
    for name, value in pairs.items():
        assert value == pytest.approx(theirs["metrics"][name], abs=1e-12), name
    assert 0 < ours.hit_10 < 1 and 0 < ours.cov_300 < 1   # the example exercises both outcomes


# --------------------------------------------------------------------------- the real service

def test_real_run_on_ten_seed_questions(service: QAService, tmp_path: Path) -> None:
    gold = ev.load_gold(GOLD)[:10]
    outcome = ev.run_eval(service, gold, k=10)
    assert [r.id for r in outcome.rows] == [q.id for q in gold]
    assert outcome.report.overall.citation_exactness == 1.0
    assert outcome.report.overall.n_extracts > 0
    run_path = tmp_path / "run.jsonl"
    ev.write_run(run_path, outcome.rows)
    for line in run_path.read_text().splitlines():
        data = json.loads(line)
        # docs/contracts.md fields, plus the confidence (and reason) that abstention calibration reads.
        assert {"id", "hits", "abstained", "extracts", "latency_ms"} <= set(data)
        assert set(data) - {"id", "hits", "abstained", "extracts", "latency_ms"} <= {"confidence", "abstain_reason"}
        assert 1 <= len(data["hits"]) <= 10
        assert all(set(h) == {"doc", "start", "end", "score"} for h in data["hits"])
        assert all({"doc", "start", "end", "text"} <= set(x) <= {"doc", "start", "end", "text", "speaker"}
                   for x in data["extracts"])
        assert isinstance(data["abstained"], bool) and data["latency_ms"] > 0
        source = {x["doc"]: (SEEDS / x["doc"]).read_bytes().decode("utf-8") for x in data["extracts"]}
        assert all(source[x["doc"]][x["start"]:x["end"]] == x["text"] for x in data["extracts"])


def test_cli_gate_exits_1_and_names_the_metric(settings: Settings, service: QAService, tmp_path: Path, capsys) -> None:
    thresholds = tmp_path / "thresholds.json"
    thresholds.write_text('{"overall.citation_exactness": 1.0, "overall.hit@10": 1.01}')
    report = tmp_path / "report.json"
    argv = ["eval", "--gold", str(GOLD), "--docs", str(SEEDS), "--index-dir", str(settings.index_dir),
            "--limit", "5",
            "--thresholds", str(thresholds), "--report", str(report)]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "FAILED: 1 metric(s) below the thresholds" in err and "overall.hit@10 = " in err
    assert json.loads(report.read_text())["overall"]["n_questions"] == 5
    thresholds.write_text('{"overall.citation_exactness": 1.0}')
    assert main(argv[:-2] + ["--compare", str(report)]) == 0
    out = capsys.readouterr().out
    assert "thresholds: all 1 metrics meet" in out and "changes against" in out


def test_checked_in_thresholds_name_known_metrics() -> None:
    thresholds = ev.load_thresholds(THRESHOLDS)
    assert thresholds["overall.citation_exactness"] == 1.0
    assert all(0 < value <= 1 for value in thresholds.values())
    known = {f"overall.{name}" for name in ev.Metrics.__struct_encode_fields__}
    assert set(thresholds) <= known


def test_reliability_is_the_share_answered_right_per_confidence_bin() -> None:
    quoted = [span(0, 20)]  # "w000 w001 w002 w003 "
    gold = [
        question("a", evidence=quoted, answers=["w001"]), question("b", evidence=quoted, answers=["w002"]),
        question("c", evidence=quoted, answers=["w003"]), question("u", answerable=False),
        question("v", answerable=False), question("s", evidence=quoted, answers=["not in the text"]),
    ]
    right = RunExtract(doc="a.txt", start=5, end=9, text="w001")
    rows = {
        "a": RunRow(id="a", hits=[], abstained=False, extracts=[right], latency_ms=1, confidence=0.95),
        "b": RunRow(id="b", hits=[], abstained=False, extracts=[right], latency_ms=1, confidence=0.91),  # wrong
        "c": RunRow(id="c", hits=[], abstained=True, extracts=[], latency_ms=1, confidence=0.3),  # refused
        "u": RunRow(id="u", hits=[], abstained=True, extracts=[], latency_ms=1, confidence=0.35),  # right
        "v": RunRow(id="v", hits=[], abstained=False, extracts=[right], latency_ms=1, confidence=1.0),  # wrong
        "s": RunRow(id="s", hits=[], abstained=False, extracts=[right], latency_ms=1, confidence=0.5),  # not judged
    }
    bins = {(b.low, b.high): b for b in reliability(gold, rows, SOURCES)}
    assert set(bins) == {(0.2, 0.4), (0.9, 1.0)}
    assert (bins[(0.2, 0.4)].n, bins[(0.2, 0.4)].n_unanswerable, bins[(0.2, 0.4)].correct) == (2, 1, 0.5)
    assert (bins[(0.9, 1.0)].n, bins[(0.9, 1.0)].n_unanswerable) == (3, 1)
    assert bins[(0.9, 1.0)].correct == pytest.approx(1 / 3)
