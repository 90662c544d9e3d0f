"""Following the corpus folder: which files changed and have stopped changing.

A file is reported once its size and modification time, and its speakers sidecar's, have stayed
the same across two looks, one interval apart, so a file still being copied or written is never
read half-way, and a sidecar written, changed or removed on its own re-reads its transcript.
Hidden files (editors' and our own staging files start with '.') are never looked at.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rag.errors import CorpusError
from rag.ingest.corpus import discover
from rag.ingest.sidecar import sidecar_path

Signature = tuple[int, int, int, int]
"""A file's (size, modification time in ns), then its sidecar's ((-1, -1) when it has none)."""
_NO_SIDECAR = (-1, -1)


@dataclass
class FolderWatcher:
    """Looks at `docs_dir` each time `settled()` is called; reports files that settled since."""

    docs_dir: Path
    _previous: dict[str, Signature] | None = None
    _reported: dict[str, Signature] = field(default_factory=dict)

    def settled(self) -> tuple[list[str], list[str]]:
        """Ids of files changed (or new) and stable since the last look, and ids of files gone."""
        current = self._look()
        previous, self._previous = self._previous, current
        if previous is None:
            # The first look only records: what is there now is what the index was built from.
            self._reported = dict(current)
            return [], []
        changed = [
            doc_id for doc_id, signature in current.items()
            if previous.get(doc_id) == signature and self._reported.get(doc_id) != signature
        ]
        gone = [doc_id for doc_id in self._reported if doc_id not in current and doc_id not in previous]
        for doc_id in changed:
            self._reported[doc_id] = current[doc_id]
        for doc_id in gone:
            del self._reported[doc_id]
        return sorted(changed), sorted(gone)

    def _look(self) -> dict[str, Signature]:
        try:
            paths = discover(self.docs_dir)
        except CorpusError:
            return {}
        found: dict[str, Signature] = {}
        for path in paths:
            try:
                stat = path.stat()
            except OSError:
                continue  # removed between listing and looking
            found[path.relative_to(self.docs_dir).as_posix()] = (stat.st_size, stat.st_mtime_ns, *_sidecar_of(path))
        return found


def _sidecar_of(path: Path) -> tuple[int, int]:
    try:
        stat = sidecar_path(path).stat()
    except OSError:
        return _NO_SIDECAR
    return stat.st_size, stat.st_mtime_ns
