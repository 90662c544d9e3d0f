"""Finding and reading the corpus: document ids are paths relative to the corpus folder."""

from __future__ import annotations

import codecs
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from rag.errors import CorpusError
from rag.ingest.docx import SUFFIX as DOCX_SUFFIX
from rag.ingest.docx import docx_text
from rag.ingest.odt import SUFFIX as ODT_SUFFIX
from rag.ingest.odt import odt_text
from rag.ingest.rtf import SUFFIX as RTF_SUFFIX
from rag.ingest.rtf import rtf_text
from rag.ingest.spreadsheet import SUFFIX as XLSX_SUFFIX
from rag.ingest.spreadsheet import xlsx_text
from rag.ingest.failures import unforeseen_as_unreadable
from rag.ingest.charsets import declared_charset, decode_as, page_codec
from rag.ingest.html import HtmlReader
from rag.ingest.pdf import SUFFIX as PDF_SUFFIX
from rag.ingest.pdf import pdf_text
from rag.ingest.readers import SUFFIXES, UNREAD_FORMATS, XML_SUFFIXES, reader_for
from rag.ingest.sidecar import is_sidecar, read_sidecar, sidecar_name, sidecar_path
from rag.ingest.timed import Metadata


MAX_DOCUMENT_BYTES = 50 * 1024 * 1024
"""The default of `RAG_MAX_UPLOAD_BYTES`: the largest file read as one document."""


@dataclass(frozen=True)
class SourceDocument:
    """A corpus file read as UTF-8 text (a Word file as its paragraphs, a web page by its declared
    charset), with what its sidecar says (docs/formats.md)."""

    doc_id: str
    text: str
    sha256: str
    """Of the file's bytes, and of its sidecar's when it has one: a change to either is a change."""
    metadata: Metadata = Metadata()


@dataclass(frozen=True)
class Unreadable:
    """A corpus file that could not be read or parsed, and why; the rest of the corpus is indexed."""

    doc_id: str
    sha256: str
    reason: str


@dataclass(frozen=True)
class CorpusScan:
    """Every document file of a corpus folder: the readable ones and the others."""

    documents: list[SourceDocument]
    unreadable: list[Unreadable]


def discover(docs_dir: Path) -> list[Path]:
    """Every document file under `docs_dir`, sorted by id: those a reader takes, and those in a
    transcript format none takes (`UNREAD_FORMATS`: set aside saying what to convert them to);
    hidden files and folders are skipped."""
    if not docs_dir.is_dir():
        raise CorpusError(f"corpus folder {docs_dir} does not exist or is not a folder")
    files = sorted(
        path
        for path in docs_dir.rglob("*")
        if path.is_file()
        and (path.suffix.lower() in SUFFIXES or path.suffix.lower() in UNREAD_FORMATS)
        and not is_sidecar(path)
        and not any(part.startswith(".") for part in path.relative_to(docs_dir).parts)
    )
    return files


def scan_corpus(docs_dir: Path, *, max_bytes: int = MAX_DOCUMENT_BYTES) -> CorpusScan:
    """Read every document; a file that cannot be read (or is over `max_bytes`) is set aside with
    its reason, not fatal."""
    documents, unreadable = [], []
    for path in discover(docs_dir):
        doc_id = path.relative_to(docs_dir).as_posix()
        try:
            documents.append(read_document(path, doc_id, max_bytes=max_bytes))
        except CorpusError as exc:
            unreadable.append(Unreadable(doc_id, content_sha256(path), str(exc)))
    return CorpusScan(documents, unreadable)


def read_corpus(docs_dir: Path) -> list[SourceDocument]:
    """Read every document, strictly: any unreadable file is an error (all problems reported together)."""
    scan = scan_corpus(docs_dir)
    if scan.unreadable:
        raise CorpusError("cannot index the corpus:\n  " + "\n  ".join(u.reason for u in scan.unreadable))
    return scan.documents


def read_document(path: Path, doc_id: str, *, max_bytes: int = MAX_DOCUMENT_BYTES) -> SourceDocument:
    """Read one file: strictly as UTF-8 (a web page that is not, by the charset it declares), or a
    Word file as its paragraphs and a PDF as its pages (`source_document`); CorpusError over `max_bytes`."""
    if path.suffix.lower() in UNREAD_FORMATS:
        reader_for(doc_id)  # CorpusError: no reader for the format, and what to convert it to
    size = path.stat().st_size
    if size > max_bytes:
        raise CorpusError(f"{doc_id}: {size} bytes is over the {max_bytes}-byte limit per document "
                          "(RAG_MAX_UPLOAD_BYTES)")
    return source_document(doc_id, path.read_bytes(), _sidecar_bytes(path))


def source_document(doc_id: str, data: bytes, sidecar: bytes | None) -> SourceDocument:
    """A document from its bytes and its sidecar's (None: it has none), as a build reads it."""
    with unforeseen_as_unreadable(doc_id, PurePosixPath(doc_id).suffix.lower().lstrip(".") or "file"):
        text = _decoded(doc_id, data)
    if not text.strip():
        raise CorpusError(f"{doc_id}: the file is empty")
    metadata = read_sidecar(sidecar, sidecar_name(doc_id)) if sidecar is not None else Metadata()
    # Hashed from the bytes given: the text and its hash are of the same version of the file.
    return SourceDocument(doc_id=doc_id, text=text, sha256=_content_digest(data, sidecar), metadata=metadata)


def _decoded(doc_id: str, data: bytes) -> str:
    """The text a reader parses: a Word file's or an OpenDocument text's paragraphs, an RTF document's
    lines, a workbook's first sheet, a PDF's pages, a web page by its charset, any other file as UTF-8."""
    suffix = doc_id.lower()
    if suffix.endswith(DOCX_SUFFIX):
        return docx_text(doc_id, data)
    if suffix.endswith(ODT_SUFFIX):
        return odt_text(doc_id, data)
    if suffix.endswith(RTF_SUFFIX):
        return rtf_text(doc_id, data)
    if suffix.endswith(XLSX_SUFFIX):
        return xlsx_text(doc_id, data)
    if suffix.endswith(PDF_SUFFIX):
        return pdf_text(doc_id, data)
    if suffix.endswith(HtmlReader.suffixes):
        return _declared(doc_id, data, declared_charset(data), "its <meta>")
    if suffix.endswith(XML_SUFFIXES):
        return _declared(doc_id, data, _xml_encoding(data), "its XML declaration")
    return _utf8(doc_id, data)


# An XML declaration naming an encoding (`<?xml version="1.0" encoding="ISO-8859-1"?>`, as
# Transcriber and older caption tools write).
_XML_ENCODING = re.compile(rb"""^(?:\xef\xbb\xbf)?\s*<\?xml[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9._:-]{1,40})["']""")


def _xml_encoding(data: bytes) -> str | None:
    """The encoding an XML declaration names, lower-cased; None when it names none."""
    found = _XML_ENCODING.match(data[:200])
    return found[1].decode("ascii").lower() if found else None


def _declared(doc_id: str, data: bytes, label: str | None, where: str) -> str:
    """A web page's or an XML file's text: UTF-8 (or UTF-16 by its mark) as any file, else the
    charset `where` (its `<meta>`, its XML declaration) declares. The bytes win over the
    declaration: a byte-order mark, or bytes that are valid UTF-8 (a file converted without its
    declaration edited), say how to read them.

    Offsets (`char=a,b`) count the characters so decoded, as a browser or an editor opening the file
    by its charset counts them; a single-byte charset's are its bytes."""
    if label is None or data.startswith(codecs.BOM_UTF8) or opens_as_utf16(data) or _opens_as_utf32(data):
        return _utf8(doc_id, data)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    codec = page_codec(label)
    if codec is None:
        raise CorpusError(f"{doc_id}: not valid UTF-8, and {where} declares charset {label!r}, which is not "
                          "one such a file can be read in; convert the file to UTF-8")
    try:
        return decode_as(data, codec)
    except UnicodeDecodeError as exc:
        raise CorpusError(
            f"{doc_id}: not valid {label}, the charset {where} declares (byte {exc.start}: "
            f"{data[exc.start:exc.start + 1]!r}); convert it to UTF-8 from the charset it is in"
        ) from None


def opens_as_utf16(data: bytes) -> bool:
    """Whether `data` starts with a UTF-16 byte-order mark, as Windows tools (Notepad's "Unicode",
    some caption editors) write text."""
    return data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and not _opens_as_utf32(data)


def _opens_as_utf32(data: bytes) -> bool:
    # UTF-32's little-endian mark begins with UTF-16's: FF FE 00 00.
    return data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE))


def _utf8(doc_id: str, data: bytes) -> str:
    """The file decoded strictly as UTF-8, or as UTF-16 when it opens with that byte-order mark.

    A byte-order mark stays in the text as U+FEFF, so character offsets count it as other tools do.
    """
    if opens_as_utf16(data):
        return _utf16(doc_id, data)
    if (unmarked := _unmarked_utf16(data)) is not None:
        return _utf16(doc_id, data, unmarked)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if _opens_as_utf32(data):
            raise CorpusError(
                f"{doc_id}: UTF-32 (it opens with a UTF-32 byte-order mark), not UTF-8; "
                "convert it, e.g. `iconv -f utf-32 -t utf-8`"
            ) from None
        raise CorpusError(
            f"{doc_id}: not valid UTF-8 (byte {exc.start}: {data[exc.start:exc.start + 1]!r}); "
            "convert it, e.g. `iconv -f latin1 -t utf-8`"
        ) from None


def _unmarked_utf16(data: bytes) -> str | None:
    """The codec of UTF-16 written without a byte-order mark ("utf-16-le" or "-be"), else None.

    Such a file is valid UTF-8 when its text is ASCII (a NUL byte beside each character), so it
    would be read as words interleaved with NULs. Told apart as editors tell it: in its first
    bytes, nearly every other byte is NUL, on one side only; no UTF-8 text is written so.
    """
    head = data[:4096]
    pairs = len(head) // 2
    if len(data) % 2 or pairs < 4:
        return None
    even, odd = head[0 : 2 * pairs : 2].count(0), head[1 : 2 * pairs : 2].count(0)
    if odd >= 0.6 * pairs and even <= 0.05 * pairs:
        return "utf-16-le"
    if even >= 0.6 * pairs and odd <= 0.05 * pairs:
        return "utf-16-be"
    return None


def _utf16(doc_id: str, data: bytes, unmarked: str | None = None) -> str:
    # The explicit byte order keeps the mark as the text's first character (plain "utf-16" drops it).
    codec = unmarked or ("utf-16-le" if data.startswith(codecs.BOM_UTF16_LE) else "utf-16-be")
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        how = "looks like UTF-16 without a byte-order mark" if unmarked else "opens with a UTF-16 byte-order mark"
        raise CorpusError(f"{doc_id}: {how} but is not valid UTF-16 (byte {exc.start}); save it again as UTF-8") from None


def sidecar_bytes(docs_dir: Path, doc_id: str) -> bytes | None:
    """The bytes of a document's sidecar in the corpus folder, None when it has none."""
    return _sidecar_bytes(docs_dir / doc_id)


def content_sha256(path: Path) -> str:
    """sha256 of a document's bytes, followed by its sidecar's when it has one."""
    return _content_digest(path.read_bytes(), _sidecar_bytes(path))


def _sidecar_bytes(path: Path) -> bytes | None:
    sidecar = sidecar_path(path)
    return sidecar.read_bytes() if sidecar.is_file() else None


def _content_digest(data: bytes, sidecar: bytes | None) -> str:
    digest = hashlib.sha256(data)
    if sidecar is not None:
        digest.update(b"\x00sidecar\x00" + sidecar)
    return digest.hexdigest()


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
    return fingerprint([(path.relative_to(docs_dir).as_posix(), content_sha256(path)) for path in discover(docs_dir)])
