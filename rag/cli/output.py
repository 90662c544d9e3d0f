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
        when = f" at {clock(c.start_time)}" if c.start_time is not None else ""
        source = f"{c.doc_id} [{c.start}:{c.end}]"
        meta = " | ".join(x for x in (c.title, c.date) if x)
        link = f"\n    {c.media_link}" if c.media_link else ""
        blocks.append(f"[{number}] {who}{when}\n{body}\n    — {source}" + (f"  {meta}" if meta else "") + link)
    return "\n\n".join(blocks)


def clock(seconds: float) -> str:
    """Seconds as a clock reading: `12:31`, or `1:02:05` past the hour."""
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
