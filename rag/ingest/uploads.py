"""Writing the corpus folder: which ids a write may use, and files replaced or removed atomically.

The corpus folder stays the one truth that `rag index`, the watcher and a restart all read: a
write lands there as a whole file (written beside, flushed, renamed over, the folder flushed),
so a crash leaves either the old file or the new one, never part of one.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from rag.errors import CorpusError, InputError
from rag.ingest.readers import reader_for
from rag.ingest.sidecar import SIDECAR_SUFFIX, sidecar_name, sidecar_path

MAX_ID_CHARS = 512
_MAX_NAME_BYTES = 255
"""The longest file name most file systems take (ext4, APFS, NTFS), in bytes."""
_STAGING_PREFIX = ".upload-"


def check_relative_id(doc_id: str) -> str:
    """`doc_id` if it is a plain path relative to the corpus folder: not absolute, no '.', '..' or
    empty segments, no control characters or backslashes, at most `MAX_ID_CHARS` characters.
    An id that tries to leave the folder is an invalid id (InputError), never an unknown one."""
    if not doc_id:
        raise InputError("a document id is required")
    if len(doc_id) > MAX_ID_CHARS:
        raise InputError(f"document id is {len(doc_id)} characters; the limit is {MAX_ID_CHARS}")
    if any(ord(char) < 32 or ord(char) == 127 for char in doc_id):
        raise InputError("document id contains control characters")
    if "\\" in doc_id:
        raise InputError(f"document id {doc_id!r} contains a backslash; ids use '/' between folders")
    if doc_id.startswith("/"):
        raise InputError(f"document id {doc_id!r} is an absolute path; ids are relative to the corpus folder")
    if any(part in ("", ".", "..") for part in doc_id.split("/")):
        raise InputError(
            f"document id {doc_id!r} is not a plain relative path ('.', '..' and empty segments are not allowed)"
        )
    if "\ufffd" in doc_id:
        # What a decoder puts for bytes that are no UTF-8 (`%FF` in a URL): not the name that was sent.
        raise InputError(f"document id {doc_id!r} holds bytes that are not UTF-8")
    return doc_id


def check_write_id(doc_id: str) -> str:
    """`doc_id` if a write may create it: a plain relative path (`check_relative_id`) with no
    hidden parts, naming no sidecar, with a suffix some reader takes. InputError says what is wrong."""
    if not doc_id.strip():
        raise InputError("a document id is required")
    parts = check_relative_id(doc_id).split("/")
    if any(part.startswith(".") for part in parts):
        raise InputError(f"document id {doc_id!r} has a hidden part (starting with '.'); the corpus skips those")
    if any(len(part.encode()) > _MAX_NAME_BYTES for part in parts):
        raise InputError(f"document id {doc_id!r} has a part over {_MAX_NAME_BYTES} bytes")
    if len(sidecar_name(doc_id).encode()) > _MAX_NAME_BYTES:
        # Its `NAME.speakers.json` beside it must fit the file system's name limit too.
        raise InputError(f"document id {doc_id!r} has a file name too long for its sidecar "
                         f"{sidecar_name(doc_id)!r} to fit in {_MAX_NAME_BYTES} bytes")
    if doc_id.lower().endswith(SIDECAR_SUFFIX):
        raise InputError(f"document id {doc_id!r} names a speakers sidecar, not a transcript")
    try:
        reader_for(doc_id)
    except CorpusError as exc:
        raise InputError(str(exc)) from None
    return doc_id


def write_file(docs_dir: Path, doc_id: str, data: bytes) -> None:
    """Make `docs_dir/doc_id` hold `data`, atomically and durably (the caller checked the id)."""
    target = docs_dir / doc_id
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = target.with_name(f"{_STAGING_PREFIX}{uuid.uuid4().hex}{target.suffix}")
    try:
        with open(staged, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(staged, target)
    finally:
        staged.unlink(missing_ok=True)
    fsync_dir(target.parent)


def remove_file(docs_dir: Path, doc_id: str) -> None:
    """Delete `docs_dir/doc_id` and its sidecar, durably."""
    target = docs_dir / doc_id
    sidecar_path(target).unlink(missing_ok=True)
    target.unlink(missing_ok=True)
    fsync_dir(target.parent)


def remove_staged(docs_dir: Path) -> int:
    """Delete files a crashed write left half-written; returns how many."""
    staged = list(docs_dir.rglob(f"{_STAGING_PREFIX}*")) if docs_dir.is_dir() else []
    for path in staged:
        path.unlink(missing_ok=True)
    return len(staged)


def fsync_dir(path: Path) -> None:
    """Make a folder's entries (new files, renames, removals) durable."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
