"""The harness's terminal output: metric tables, failures, deltas."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from rag.evaluation.types import Delta, Failure, Report

# --------------------------------------------------------------------------- text output

TABLE_METRICS = (
    "hit@1", "hit@3", "hit@5", "hit@10", "mrr@10", "ndcg@10", "cov@100", "cov@300", "answer_containment",
    "citation_exactness", "abstention_precision", "abstention_recall", "wrongly_refused",
    "latency_p50_ms", "latency_p95_ms",
)
_SHORT = {"answer_containment": "answer", "citation_exactness": "cite", "abstention_precision": "abst_P",
          "abstention_recall": "abst_R", "wrongly_refused": "refused", "latency_p50_ms": "p50ms",
          "latency_p95_ms": "p95ms"}


def _fmt(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, int):
        return str(value)
    return f"{value:.1f}" if abs(value) >= 10 else f"{value:.3f}"  # type: ignore[arg-type]


def format_metrics_table(report: Report) -> str:
    """Metrics as a text table: one row for all questions, one per kind."""
    rows = [("overall", report.overall)] + list(report.by_kind.items())
    header = ["group", "n"] + [_SHORT.get(m, m) for m in TABLE_METRICS]
    body = []
    for name, metrics in rows:
        values = msgspec.to_builtins(metrics)
        body.append([name, str(metrics.n_questions)] + [_fmt(values[m]) for m in TABLE_METRICS])
    widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True)))
             for r in [header, *body]]
    return "\n".join(lines)


def format_failure(failure: Failure) -> str:
    """One failed question on two lines: what was wrong, and what came back."""
    kind = f" [{failure.kind}]" if failure.kind else ""
    head = f"{failure.id}{kind}: {'; '.join(failure.reasons)} — {failure.question}"
    got = []
    if failure.top_hit:
        h = failure.top_hit
        got.append(f"top {h.doc}[{h.start}:{h.end}] {h.score:.3f}")
    if failure.evidence:
        e = failure.evidence[0]
        more = f" +{len(failure.evidence) - 1}" if len(failure.evidence) > 1 else ""
        got.append(f"want {e.doc}[{e.start}:{e.end}]{more}")
    if failure.first_relevant_rank:
        got.append(f"first relevant @{failure.first_relevant_rank}")
    if failure.answers:
        got.append(f"answer {failure.answers[0][:60]!r}")
    if failure.first_extract:
        got.append(f"got {failure.first_extract!r}")
    return head + ("\n    " + " | ".join(got) if got else "")


def format_deltas(deltas: Sequence[Delta], *, only_changed: bool = True) -> str:
    """Changed metrics (or all) as `name old -> new (delta)` lines."""
    lines = []
    for d in deltas:
        if only_changed and (d.old == d.new or (d.delta is not None and abs(d.delta) < 1e-12)):
            continue
        change = "" if d.delta is None else f" ({d.delta:+.4f})"
        lines.append(f"  {d.metric:<40} {_fmt(d.old):>8} -> {_fmt(d.new):>8}{change}")
    return "\n".join(lines) if lines else "  (no metric changed)"


def format_reliability(report: Report) -> str:
    """The reliability table: per confidence bin, how many questions and the share answered right."""
    if not report.reliability:
        return ""
    lines = ["confidence     n  unanswerable  right"]
    for b in report.reliability:
        right = "-" if b.correct is None else f"{b.correct:.3f}"
        lines.append(f"{b.low:.1f}-{b.high:.1f}  {b.n:>6}  {b.n_unanswerable:>12}  {right:>5}")
    return "\n".join(lines)
