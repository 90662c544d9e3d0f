"""Reading and writing gold files, run files and corpus texts."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import msgspec

from rag.errors import CorpusError, InputError
from rag.evaluation.types import GoldQuestion, RunRow
from rag.ingest.corpus import read_document
from rag.ingest.readers import reader_for
from rag.ingest.timed import Metadata


def load_gold(path: Path) -> list[GoldQuestion]:
    """Read a gold JSONL file; bad JSON, missing fields or bad spans raise `InputError` naming file:line."""
    questions: list[GoldQuestion] = []
    seen: dict[str, int] = {}
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read gold file {path}: {exc}") from None
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            question = msgspec.json.decode(line, type=GoldQuestion)
        except msgspec.ValidationError as exc:
            raise InputError(f"{where}: {exc}") from None
        except msgspec.DecodeError as exc:
            raise InputError(f"{where}: bad JSON: {exc}") from None
        for span in question.evidence:
            if not 0 <= span.start < span.end:
                raise InputError(f"{where}: evidence span {span.doc}[{span.start}:{span.end}] is empty or negative")
        if not question.answerable and (question.answers or question.evidence):
            raise InputError(f"{where}: answerable is false but answers or evidence are not empty")
        if question.id in seen:
            raise InputError(f"{where}: duplicate id {question.id!r} (first on line {seen[question.id]})")
        seen[question.id] = number
        questions.append(question)
    if not questions:
        raise InputError(f"gold file {path} has no questions")
    return questions


class DocsFolder:
    """Texts of a corpus folder, in the coordinates citations use, read lazily.

    Plain text is read as score.py reads it (UTF-8, no newline translation): the file is its
    own canonical text, unless its lines are numbered. Captions, speech-to-text JSON and HTML give their canonical text, as
    their reader makes it (docs/formats.md), so gold spans and citations share coordinates.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self._cache: dict[str, str | None] = {}

    def get(self, doc: str) -> str | None:
        """The text of document `doc`, or None when there is no such file (or it cannot be read)."""
        if doc not in self._cache:
            self._cache[doc] = self._read(doc)
        return self._cache[doc]

    def _read(self, doc: str) -> str | None:
        path = self.root / doc
        if not path.is_file():
            return None
        try:
            reader = reader_for(doc)
        except CorpusError:
            reader = None
        if reader is None or reader.name == "text":
            data = path.read_bytes()
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                text = data.decode("utf-8", errors="replace")
            # The file itself, unless its lines are numbered or it is timed (docs/formats.md).
            return reader.parse(doc, text, Metadata()).text if reader else text
        try:
            document = read_document(path, doc)
            return reader.parse(doc, document.text, document.metadata).text
        except CorpusError:
            return None


Sources = DocsFolder | Mapping[str, str]
"""Where document texts come from: a folder, or a mapping (tests)."""


def write_run(path: Path, rows: Iterable[RunRow]) -> None:
    """Write run rows as JSONL (run-file format of docs/contracts.md)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"".join(msgspec.json.encode(row) + b"\n" for row in rows))


def read_run(path: Path) -> list[RunRow]:
    """Read a run file written by `write_run` (or any tool following docs/contracts.md)."""
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                rows.append(msgspec.json.decode(line, type=RunRow))
            except (msgspec.DecodeError, msgspec.ValidationError) as exc:
                raise InputError(f"{path}:{number}: {exc}") from None
    return rows
