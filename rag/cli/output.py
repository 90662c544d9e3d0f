"""Answers as terminal text."""

from __future__ import annotations

import textwrap

from rag.types import Answer


def format_answer(answer: Answer, width: int = 88) -> str:
    """An answer as terminal text: numbered extracts, each with its citation."""
    if answer.abstained:
        reason = f" ({answer.abstain_reason})" if answer.abstain_reason else ""
        return f"No passage in the transcripts answers this question{reason}."
    blocks = []
    for number, extract in enumerate(answer.extracts, 1):
        c = extract.citation
        who = c.speaker or "narration"
        if c.role:
            who += f", {c.role}"
        body = textwrap.fill(" ".join(extract.text.split()), width=width, initial_indent="    ",
                             subsequent_indent="    ")
        source = f"{c.doc_id} [{c.start}:{c.end}]"
        meta = " | ".join(x for x in (c.title, c.date) if x)
        blocks.append(f"[{number}] {who}\n{body}\n    — {source}" + (f"  {meta}" if meta else ""))
    return "\n\n".join(blocks)
