"""Whether the index on disk still serves the corpus and settings as they are now."""

from __future__ import annotations

import msgspec

from rag.embedding import ResolvedModel
from rag.errors import CorpusError, IndexUnavailableError
from rag.index.dense import rebuild_reason
from rag.index.layout import CURRENT_LINK
from rag.index.manifest import manifest_mismatch, read_manifest
from rag.ingest.corpus import corpus_fingerprint
from rag.settings import Settings


def index_problem(settings: Settings, model: ResolvedModel) -> str | None:
    """Why the index in `settings.index_dir` cannot serve `settings.docs_dir` as it is now (None: it can)."""
    manifest_path = settings.index_dir / CURRENT_LINK / "manifest.json"
    if not manifest_path.is_file():
        return f"no index in {settings.index_dir}"
    try:
        manifest = read_manifest(manifest_path)
    except IndexUnavailableError as exc:
        return str(exc)
    except (OSError, msgspec.DecodeError, msgspec.ValidationError) as exc:
        return f"unreadable manifest: {exc}"
    mismatch = manifest_mismatch(manifest, model, settings.chunk, settings.embed.backend.precision) or rebuild_reason(
        manifest.faiss_index, manifest.n_passages, settings.index.ann_threshold, settings.index.ann_min_recall
    )
    if mismatch:
        return mismatch
    try:
        if corpus_fingerprint(settings.docs_dir) != manifest.corpus_fingerprint:
            return f"the files in {settings.docs_dir} changed since the index was built"
    except CorpusError as exc:
        return str(exc)
    return None
