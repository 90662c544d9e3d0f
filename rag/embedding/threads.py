"""How many threads a question's model call gets on this machine: measured once, then remembered.

Whether a second thread speeds up one question depends on the CPU more than on its core count.
On a 2-core Xeon without AMX, two threads answered a lone question 1.3x faster than one. On a
2-core Xeon with AMX and VNNI, int8 products are so quick that waking a second thread costs more
than it saves (0.85x), while a second lane answers twice the questions at once. So `rag setup`,
or else the first start, times both on a few questions, alternating, and keeps the choice in the
model cache, for this CPU, core count, model and precision. `RAG_QUERY_THREADS` skips all this.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from rag.embedding.models import ResolvedModel
from rag.embedding.onnx_encoder import OnnxQuestionEncoder
from rag.embedding.onnx_export import export_onnx
from rag.settings import MAX_QUESTION_THREADS, EmbedBackend, Settings, cpu_signature, thread_plan, usable_cores

log = logging.getLogger(__name__)

TWO_THREADS_GAIN = 1.25
"""How much faster a lone question must be with a second thread for it to be worth its CPU
(20-60% more per question, measured): otherwise the core serves a second lane."""
CACHE_FILE = "query-threads.json"
# Questions of the lengths people ask, about nothing in particular: the time depends on length only.
_PROBE_QUESTIONS = (
    "Who chairs it?",
    "When will the new rules take effect?",
    "How many people signed up for the programme last year?",
    "What did the speaker say about the cost of the project?",
    "Why was the decision postponed until after the summer?",
    "Which two options did the group compare before choosing one?",
    "What reasons were given for changing the schedule, and who objected to the change?",
    "Where will the next meeting be held?",
    "How does the proposal differ from the plan that was agreed at the start of the year?",
    "What was said about the delays?",
    "Did anyone raise concerns about safety, and how were they answered by the people in charge?",
    "What happens next?",
)
_WARMUP = 3
_ROUNDS = 2


@dataclass(frozen=True)
class QueryThreads:
    """The question encoder's threads per call, how many calls run at once, and whether idle
    threads spin; `basis` says where the thread count came from (for the start-up log)."""

    threads: int
    lanes: int
    spinning: bool
    basis: str


def query_threads(settings: Settings, model: ResolvedModel) -> QueryThreads:
    """The configured values, with what is unset chosen for this machine (measured once per
    machine and model, see the module's docstring)."""
    embed = settings.embed
    if embed.query_threads is not None:
        threads, basis = embed.query_threads, "set by RAG_QUERY_THREADS"
    elif embed.backend is EmbedBackend.TORCH or usable_cores() == 1:
        # torch's thread count is one per process: two sessions side by side cannot be timed.
        threads, basis = thread_plan().query_threads, "fixed: one CPU or the torch backend"
    else:
        threads, basis = _measured_threads(settings, model)
    plan = thread_plan(query_threads=threads, query_lanes=embed.query_lanes)
    spinning = embed.query_spinning if embed.query_spinning is not None else plan.query_spinning
    return QueryThreads(plan.query_threads, plan.query_lanes, spinning, basis)


def with_query_threads(settings: Settings, model: ResolvedModel) -> tuple[Settings, QueryThreads]:
    """`settings` with the question encoder's threads, lanes and spinning all set, and the choice."""
    chosen = query_threads(settings, model)
    resolved = settings.with_overrides(
        query_threads=chosen.threads, query_lanes=chosen.lanes, query_spinning=chosen.spinning)
    return resolved, chosen


def _measured_threads(settings: Settings, model: ResolvedModel) -> tuple[int, str]:
    """1 or 2 threads per question: remembered for this machine and model, or timed now and remembered."""
    embed = settings.embed
    key = f"{cpu_signature()}; {usable_cores()} CPUs; {model.weights_sha256[:16]} {embed.backend.precision}"
    cache = embed.model_cache_dir / CACHE_FILE
    remembered = _read_cache(cache).get(key)
    if isinstance(remembered, dict) and remembered.get("threads") in (1, MAX_QUESTION_THREADS):
        return int(remembered["threads"]), (
            f"measured on {remembered.get('measured', '?')}: one thread {remembered.get('one_thread_ms')} ms, "
            f"two {remembered.get('two_threads_ms')} ms per question (remembered in {cache})")
    one, two = lone_question_ms(model, export_onnx(model, embed.model_cache_dir), embed.backend)
    threads = MAX_QUESTION_THREADS if one >= TWO_THREADS_GAIN * two else 1
    _remember(cache, key, {"threads": threads, "one_thread_ms": round(one, 3), "two_threads_ms": round(two, 3),
                           "measured": dt.date.today().isoformat()})
    return threads, f"measured now: one thread {one:.2f} ms, two {two:.2f} ms per question"


def lone_question_ms(model: ResolvedModel, export: Path, backend: EmbedBackend) -> tuple[float, float]:
    """Median ms of one question with one thread and with two (not spinning), timed alternately
    on the same questions so that a busy moment of the machine slows both alike."""
    encoders = [OnnxQuestionEncoder(model, export, backend, n, spinning=False) for n in (1, MAX_QUESTION_THREADS)]
    for encoder in encoders:
        for question in _PROBE_QUESTIONS[:_WARMUP]:
            encoder.embed([question])
    seconds: list[list[float]] = [[], []]
    for _ in range(_ROUNDS):
        for question in _PROBE_QUESTIONS:
            for encoder, times in zip(encoders, seconds, strict=True):
                started = time.perf_counter()
                encoder.embed([question])
                times.append(time.perf_counter() - started)
    one, two = (1000 * statistics.median(times) for times in seconds)
    return one, two


def _read_cache(path: Path) -> dict[str, object]:
    try:
        remembered = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return remembered if isinstance(remembered, dict) else {}


def _remember(path: Path, key: str, choice: dict[str, object]) -> None:
    """Add `choice` under `key`, replacing the file whole (a reader never sees half of it); a
    cache that cannot be written only means measuring again next time."""
    entries = _read_cache(path)
    entries[key] = choice
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, suffix=".tmp", delete=False) as out:
            json.dump(entries, out, indent=1)
        os.replace(out.name, path)
    except OSError as exc:
        log.warning("could not remember the question threads in %s: %s", path, exc)
