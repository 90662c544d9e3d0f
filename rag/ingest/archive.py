"""Reading a part of a zip-packaged document (Word's `.docx`, OpenDocument's `.odt`) safely: a
damaged archive, a part that would inflate past a limit and a part that is no XML are refused
with a CorpusError."""

from __future__ import annotations

import io
import zipfile
import zlib
from xml.etree import ElementTree

from rag.errors import CorpusError

MAX_PART_BYTES = 64 * 1024 * 1024
"""A zip's members are inflated in memory: a small file may claim a huge part (a zip bomb)."""
# What zipfile raises for a damaged or truncated archive (a directory that seeks outside the file,
# a bad checksum), an unsupported compression method or version, or encryption.
DAMAGED = (zipfile.BadZipFile, NotImplementedError, RuntimeError, EOFError, OSError, ValueError, zlib.error)


def open_archive(doc_id: str, data: bytes, kind: str, suffix: str) -> zipfile.ZipFile:
    """`data` as a zip archive; CorpusError saying the file is no `kind` otherwise."""
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except DAMAGED:
        raise CorpusError(f"{doc_id}: not {kind} ({suffix} is a zip archive; this is not one)") from None


def check_size(doc_id: str, info: zipfile.ZipInfo) -> None:
    """CorpusError when the member `info` describes would inflate past `MAX_PART_BYTES`."""
    if info.file_size > MAX_PART_BYTES:
        raise CorpusError(f"{doc_id}: its {info.filename} inflates to {info.file_size} bytes, over the "
                          f"{MAX_PART_BYTES}-byte limit")


def inflated(doc_id: str, archive: zipfile.ZipFile, part: str) -> bytes:
    """The bytes of `part`; CorpusError when it is damaged or inflates past `MAX_PART_BYTES`."""
    info = archive.getinfo(part)
    check_size(doc_id, info)
    try:
        return archive.read(info)
    except DAMAGED as exc:
        raise CorpusError(f"{doc_id}: cannot read its {part}: {exc}") from None


def parsed_part(doc_id: str, archive: zipfile.ZipFile, part: str) -> ElementTree.Element:
    """The XML root of `part`; CorpusError when it cannot be read or parsed (saying where)."""
    try:
        return ElementTree.fromstring(inflated(doc_id, archive, part))
    except ElementTree.ParseError as exc:
        raise CorpusError(f"{doc_id}: {part}: {exc}") from None
