"""Finding and reading the corpus: document ids are paths relative to the corpus folder."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from rag.errors import CorpusError
from rag.ingest.readers import SUFFIXES

MAX_DOCUMENT_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class SourceDocument:
    """A corpus file read as UTF-8 text (offsets everywhere are indices into `text`)."""

    doc_id: str
    text: str
    sha256: str


def discover(docs_dir: Path) -> list[Path]:
    """Every document file under `docs_dir`, sorted by id; hidden files and folders are skipped."""
    if not docs_dir.is_dir():
        raise CorpusError(f"corpus folder {docs_dir} does not exist or is not a folder")
    files = sorted(
        path
        for path in docs_dir.rglob("*")
        if path.is_file()
        and path.suffix.lower() in SUFFIXES
        and not any(part.startswith(".") for part in path.relative_to(docs_dir).parts)
    )
    if not files:
        raise CorpusError(f"no {'/'.join(SUFFIXES)} files in {docs_dir}")
    return files


def read_corpus(docs_dir: Path) -> list[SourceDocument]:
    """Read every document; all problems are collected and reported together."""
    documents, problems = [], []
    for path in discover(docs_dir):
        try:
            documents.append(read_document(path, path.relative_to(docs_dir).as_posix()))
        except CorpusError as exc:
            problems.append(str(exc))
    if problems:
        raise CorpusError("cannot index the corpus:\n  " + "\n  ".join(problems))
    return documents


def read_document(path: Path, doc_id: str) -> SourceDocument:
    """Decode one file strictly as UTF-8 (a BOM stays in the text, so offsets match other tools)."""
    size = path.stat().st_size
    if size > MAX_DOCUMENT_BYTES:
        raise CorpusError(f"{doc_id}: {size} bytes is over the {MAX_DOCUMENT_BYTES}-byte limit per document")
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CorpusError(
            f"{doc_id}: not valid UTF-8 (byte {exc.start}: {data[exc.start:exc.start + 1]!r}); "
            "convert it, e.g. `iconv -f latin1 -t utf-8`"
        ) from None
    if not text.strip():
        raise CorpusError(f"{doc_id}: the file is empty")
    return SourceDocument(doc_id=doc_id, text=text, sha256=hashlib.sha256(data).hexdigest())


def file_sha256(path: Path) -> str:
    """sha256 of a file's bytes, read in 1 MiB blocks (index files and model weights are large)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fingerprint(documents: list[tuple[str, str]]) -> str:
    """One hash over (doc id, content hash) pairs: changes when any file is added, removed or edited."""
    digest = hashlib.sha256()
    for doc_id, sha in sorted(documents):
        digest.update(f"{doc_id}\x00{sha}\n".encode())
    return digest.hexdigest()


def corpus_fingerprint(docs_dir: Path) -> str:
    """Fingerprint of the files on disk, without parsing them (used to detect a stale index)."""
    pairs = []
    for path in discover(docs_dir):
        pairs.append((path.relative_to(docs_dir).as_posix(), hashlib.sha256(path.read_bytes()).hexdigest()))
    return fingerprint(pairs)
