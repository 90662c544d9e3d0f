"""Running gold questions through the service (the code path of POST /ask)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from rag.errors import InputError
from rag.evaluation.files import DocsFolder
from rag.evaluation.metrics import evaluate, validate_gold
from rag.evaluation.types import (
    RANK_CUTOFF,
    EvalOutcome,
    GoldQuestion,
    RunExtract,
    RunHit,
    RunRow,
)

if TYPE_CHECKING:
    from rag.service import QAService


def run_questions(
    service: QAService, gold: Sequence[GoldQuestion], k: int, *, progress: bool = False, warmup: int = 1,
    clock: Callable[[], float] = time.perf_counter,
) -> list[RunRow]:
    """Ask every question through `service.ask` (the code path of POST /ask) and time each call.

    The first `warmup` questions are asked once untimed before the timed pass (as the peers do).
    """
    from tqdm import tqdm

    for q in gold[:warmup]:
        service.ask(q.question, k)
    rows = []
    for q in tqdm(gold, desc="eval", unit="q", disable=not progress):
        started = clock()
        answer = service.ask(q.question, k)
        elapsed_ms = (clock() - started) * 1000.0
        rows.append(RunRow(
            id=q.id,
            hits=[RunHit(doc=h.doc_id, start=h.start, end=h.end, score=h.score) for h in answer.passages],
            abstained=answer.abstained,
            extracts=[
                RunExtract(doc=x.citation.doc_id, start=x.citation.start, end=x.citation.end, text=x.text,
                           speaker=x.citation.speaker)
                for x in answer.extracts
            ],
            latency_ms=round(elapsed_ms, 3),
            confidence=answer.confidence,
            abstain_reason=answer.abstain_reason,
        ))
    return rows


def run_eval(
    service: QAService, gold: Sequence[GoldQuestion], *, k: int = RANK_CUTOFF, progress: bool = False,
    gold_name: str = "",
) -> EvalOutcome:
    """Run every gold question through the service and score the answers against the files on disk."""
    docs_dir = service.settings.docs_dir
    sources = DocsFolder(docs_dir)
    problems = validate_gold(gold, sources, check_answers=False)
    if problems:
        shown = "\n  ".join(problems[:10]) + (f"\n  ... and {len(problems) - 10} more" if len(problems) > 10 else "")
        raise InputError(f"the gold file does not match the corpus in {docs_dir}:\n  {shown}")
    rows = run_questions(service, gold, k, progress=progress)
    report = evaluate(gold, rows, sources, gold_name=gold_name, docs_name=str(docs_dir), k=k)
    return EvalOutcome(rows=rows, report=report)
