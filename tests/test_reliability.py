"""Faults in the index, injected for real: re-indexing under traffic, reloads of damaged builds,
a build killed while writing, a service started over a damaged index.

Every scenario runs the real model, real FAISS builds on disk and the real app; the
faults are real bytes flipped, files truncated or deleted, manifests rewritten and a
build process killed by the kernel in the middle of writing its files.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from litestar.testing import TestClient

from rag.http.app import create_app
from rag.embedding import SentenceTransformerEmbedder
from rag.settings import Settings
from rag.index import BUILDS_DIR, CURRENT_LINK, build_index, load_index, read_manifest
from rag.index.document_cache import document_cache
from rag.index.pieces import prepare_documents
from rag.ingest.corpus import read_document
from rag.service import QAService
from rag.chunking.tokens import load_encoding
from tests.conftest import REPO, SEEDS
from tests.serving import serve_in_thread

ADMIN_KEY = "reliability-admin-key-0123"
ADMIN = {"X-API-Key": ADMIN_KEY}
SMALL_CORPUS = ("000_6386a5308b8f6e3e.txt", "003_94303b5083c37beb.txt")
ADDED_DOCUMENT = "001_0c22fd98c8d2c594.txt"
QUESTIONS = (
    "Which catalogue guides foreign investment in advanced manufacturing?",
    "What is the total contract value of overseas projects in raw materials?",
    "How much foreign capital did the pilot free trade zones use?",
)


@dataclass(frozen=True)
class Deployment:
    """A corpus folder and an index folder with one good build, as a running site has."""

    settings: Settings
    build_id: str

    @property
    def index_dir(self) -> Path:
        return self.settings.index_dir

    def build(self, build_id: str) -> Path:
        return self.index_dir / BUILDS_DIR / build_id


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory, settings: Settings, service: QAService, embedder: SentenceTransformerEmbedder) -> Deployment:
    """Two seed documents indexed once; each test works on its own copy."""
    root = tmp_path_factory.mktemp("site")
    docs = root / "docs"
    docs.mkdir()
    for name in SMALL_CORPUS:
        shutil.copy(SEEDS / name, docs / name)
    local = settings.with_overrides(docs_dir=docs, index_dir=root / "index", admin_api_keys=(ADMIN_KEY,))
    tokenizer = load_encoding(local.chunk.encoding, local.tiktoken_cache_dir)
    build = build_index(local, embedder, tokenizer)
    return Deployment(local, build.name)


@pytest.fixture
def site(pristine: Deployment, tmp_path: Path) -> Deployment:
    """A private copy of the pristine deployment (the `current` link is relative, so it copies)."""
    root = tmp_path / "site"
    shutil.copytree(pristine.settings.docs_dir, root / "docs")
    shutil.copytree(pristine.index_dir, root / "index", symlinks=True)
    local = pristine.settings.with_overrides(docs_dir=root / "docs", index_dir=root / "index")
    return Deployment(local, pristine.build_id)


def serving(site: Deployment, embedder_of: QAService) -> QAService:
    """A service over the site's current build, sharing the session's loaded model."""
    index = load_index(site.index_dir, embedder_of.embedder.model, site.settings.chunk,
                       precision=site.settings.embed.backend.precision)
    return QAService(site.settings, embedder_of.embedder, index)


def point_current_at(site: Deployment, build_id: str) -> None:
    """Swap `current` the way the indexer does: a new link renamed over the old one."""
    temporary = site.index_dir / ".current.test"
    temporary.symlink_to(Path(BUILDS_DIR) / build_id)
    os.replace(temporary, site.index_dir / CURRENT_LINK)


def assert_citations_exact(answer: dict, docs_dir: Path) -> None:
    """Every extract and passage is its source file sliced at its citation."""
    assert answer["extracts"] or answer["abstained"], "an answer either quotes or abstains"
    for extract in answer["extracts"]:
        citation = extract["citation"]
        source = (docs_dir / citation["doc_id"]).read_bytes().decode("utf-8")
        assert source[citation["start"] : citation["end"]] == extract["text"]
    for passage in answer["passages"]:
        source = (docs_dir / passage["doc_id"]).read_bytes().decode("utf-8")
        assert source[passage["start"] : passage["end"]] == passage["text"]


# ---------------------------------------------------------------- re-indexing under traffic


@dataclass
class Observation:
    """What one client saw for one request."""

    route: str
    status: int
    build_id: str | None
    body: dict | None


def _client_loop(base: str, stop: threading.Event, seen: list[Observation], errors: list[str], limit: int) -> None:
    with httpx.Client(base_url=base, timeout=60) as http:
        for number in range(limit):
            if stop.is_set():
                return
            try:
                health = http.get("/health")
                seen.append(Observation("/health", health.status_code, health.json().get("build_id"), None))
                answer = http.post("/ask", json={"question": QUESTIONS[number % len(QUESTIONS)], "k": 3})
                seen.append(Observation("/ask", answer.status_code, None, answer.json()))
            except Exception as exc:  # a dropped connection is exactly what this test looks for
                errors.append(repr(exc))
            # Steady traffic, not a flood: the build shares the two cores with the clients.
            time.sleep(0.02)


def test_reindexing_under_traffic_never_shows_a_half_written_index(
    site: Deployment, service: QAService, embedder: SentenceTransformerEmbedder, settings: Settings
) -> None:
    # Leftovers of a build that crashed earlier must neither be served nor survive the next build.
    crashed = site.build("20000101T000000-deadbeef.partial")
    crashed.mkdir()
    (crashed / "passages.faiss").write_bytes(b"\x00" * 100)
    shutil.copy(SEEDS / ADDED_DOCUMENT, site.settings.docs_dir / ADDED_DOCUMENT)
    app = create_app(site.settings, serving(site, service))
    tokenizer = load_encoding(settings.chunk.encoding, settings.tiktoken_cache_dir)
    clients = 4
    seen: list[list[Observation]] = [[] for _ in range(clients)]
    errors: list[str] = []
    stop = threading.Event()
    with serve_in_thread(app) as base:
        threads = [
            threading.Thread(target=_client_loop, args=(base, stop, seen[i], errors, 600)) for i in range(clients)
        ]
        for thread in threads:
            thread.start()
        try:
            new_build = build_index(site.settings, embedder, tokenizer)
            assert (site.index_dir / CURRENT_LINK).resolve() == new_build.resolve()
            # Swapped on disk, but the service keeps the build it loaded until told.
            assert httpx.get(base + "/health", timeout=60).json()["build_id"] == site.build_id
            reloaded = httpx.post(base + "/admin/reload", headers=ADMIN, timeout=60)
            assert reloaded.status_code == 200, reloaded.text
            assert reloaded.json() == {"previous_build_id": site.build_id, "build_id": new_build.name,
                                       "changed": True}
            deadline = time.monotonic() + 120
            # Let every client see the new build a few times.
            while any(sum(o.build_id == new_build.name for o in s) < 3 for s in seen):
                assert time.monotonic() < deadline and all(t.is_alive() for t in threads), "clients stalled"
                time.sleep(0.1)
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=120)
        documents = httpx.get(base + "/documents", timeout=60).json()
    assert errors == []
    observations = [o for s in seen for o in s]
    assert {(o.route, o.status) for o in observations} == {("/health", 200), ("/ask", 200)}
    for observation in observations:
        if observation.body is not None:
            assert_citations_exact(observation.body, site.settings.docs_dir)
    for client_seen in seen:
        builds = [o.build_id for o in client_seen if o.route == "/health"]
        # Old build, then new build, never back and never anything else.
        first_new = builds.index(new_build.name)
        assert set(builds[:first_new]) <= {site.build_id} and set(builds[first_new:]) == {new_build.name}
    assert len(documents) == len(SMALL_CORPUS) + 1
    assert not crashed.exists()
    print(f"\nre-index under traffic: {len(observations)} requests from {clients} clients, 0 errors")


# ---------------------------------------------------------------- damaged builds at reload


def _flip_bytes(build: Path) -> None:
    target = build / "passages.faiss"
    data = bytearray(target.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 8] = bytes(b ^ 0xFF for b in data[middle : middle + 8])
    target.write_bytes(bytes(data))


def _truncate(build: Path) -> None:
    target = build / "sentences.npy"
    target.write_bytes(target.read_bytes()[: target.stat().st_size // 2])


def _delete(build: Path) -> None:
    (build / "documents" / "transcripts.jsonl").unlink()


def _other_model(build: Path) -> None:
    manifest = json.loads((build / "manifest.json").read_text())
    manifest["model"]["name"] = "sentence-transformers/paraphrase-MiniLM-L3-v2"
    manifest["model"]["weights_sha256"] = "0" * 64
    (build / "manifest.json").write_text(json.dumps(manifest))


def _garbled_manifest(build: Path) -> None:
    (build / "manifest.json").write_bytes(b'{"format_version": 1, "build_id": ')


FAULTS: dict[str, tuple[Callable[[Path], None], str]] = {
    "flipped bytes": (_flip_bytes, "passages.faiss is missing or damaged (checksum mismatch)"),
    "truncated file": (_truncate, "sentences.npy is missing or damaged (checksum mismatch)"),
    "missing file": (_delete, "documents/transcripts.jsonl is missing or damaged (checksum mismatch)"),
    "manifest of another model": (_other_model, "index built with model sentence-transformers/paraphrase-MiniLM-L3"),
    "unreadable manifest": (_garbled_manifest, "manifest"),
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_reload_refuses_a_damaged_build_and_keeps_serving_the_old_one(
    site: Deployment, service: QAService, fault: str
) -> None:
    damage, reason = FAULTS[fault]
    running = serving(site, service)
    faulty = site.build(site.build_id + "-faulty")
    shutil.copytree(site.build(site.build_id), faulty)
    damage(faulty)
    point_current_at(site, faulty.name)
    with TestClient(app=create_app(site.settings, running)) as client:
        response = client.post("/admin/reload", headers=ADMIN)
        assert response.status_code == 503, response.text
        assert response.headers["content-type"] == "application/problem+json"
        detail = response.json()["detail"]
        assert detail.startswith(f"reload failed (still serving build {site.build_id})"), detail
        assert reason in detail, detail
        assert client.get("/health").json()["build_id"] == site.build_id
        answer = client.post("/ask", json={"question": QUESTIONS[0]})
        assert answer.status_code == 200 and not answer.json()["abstained"]
        assert_citations_exact(answer.json(), site.settings.docs_dir)
        assert 'rag_index_reloads_total{outcome="failed"} 1.0' in client.get("/metrics").text


# ---------------------------------------------------------------- a build killed while writing


_KILLED_BY_KERNEL = """
import signal, sys
# CPython ignores SIGXFSZ (a write over the limit then fails with EFBIG); restoring the
# default makes the kernel kill the process in the middle of the write, like a crash.
signal.signal(signal.SIGXFSZ, signal.SIG_DFL)
from rag.cli import main
sys.exit(main(sys.argv[1:]))
"""
_RAISES_ON_WRITE = "import sys\nfrom rag.cli import main\nsys.exit(main(sys.argv[1:]))\n"


def _limit_file_size() -> None:
    import resource

    # Any file over 64 KiB (the first index file is larger; SQLite's 32 KiB shared-memory file of
    # the document cache is not) cannot be written; no core dumps.
    resource.setrlimit(resource.RLIMIT_FSIZE, (65536, 65536))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


@pytest.mark.parametrize("how", ["killed mid-write", "killed while caching", "write error"])
def test_a_build_that_dies_while_writing_leaves_the_previous_index_serving(
    site: Deployment, service: QAService, embedder: SentenceTransformerEmbedder, tmp_path: Path, how: str
) -> None:
    shutil.copy(SEEDS / ADDED_DOCUMENT, site.settings.docs_dir / ADDED_DOCUMENT)
    before = (site.index_dir / CURRENT_LINK).resolve()
    tokenizer = load_encoding(site.settings.chunk.encoding, site.settings.tiktoken_cache_dir)
    if how != "killed while caching":
        # With the added document already in the document cache, the first large write is the build's.
        added = read_document(site.settings.docs_dir / ADDED_DOCUMENT, ADDED_DOCUMENT)
        prepare_documents([added], tokenizer, site.settings.chunk, embedder, document_cache(site.settings, embedder),
                          batch_size=site.settings.embed.batch_size)
    script = _RAISES_ON_WRITE if how == "write error" else _KILLED_BY_KERNEL
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPATH": str(REPO)}
    result = subprocess.run(
        [sys.executable, "-c", script, "index", "--force", "--docs", str(site.settings.docs_dir),
         "--index-dir", str(site.index_dir)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600, preexec_fn=_limit_file_size,
    )
    leftovers = [p.name for p in (site.index_dir / BUILDS_DIR).iterdir() if p.name.endswith(".partial")]
    if how == "killed mid-write":
        assert result.returncode == -signal.SIGXFSZ, result.stderr[-2000:]
        assert leftovers, "the process should have died inside the partial build folder"
    elif how == "killed while caching":
        # Killed inside SQLite's write of the new document: nothing of the build was begun,
        # and the cache, transactional, still opens and takes the entry on the next build.
        assert result.returncode == -signal.SIGXFSZ, result.stderr[-2000:]
        assert leftovers == []
    else:
        assert result.returncode not in (0, -signal.SIGXFSZ), result.stderr[-2000:]
        assert leftovers == [], "a failed build cleans up after itself"
    assert (site.index_dir / CURRENT_LINK).resolve() == before
    with TestClient(app=create_app(site.settings, serving(site, service))) as client:
        assert client.get("/health").json()["build_id"] == site.build_id
        reloaded = client.post("/admin/reload", headers=ADMIN)
        assert reloaded.status_code == 200 and reloaded.json()["changed"] is False
        answer = client.post("/ask", json={"question": QUESTIONS[1]})
        assert answer.status_code == 200
        assert_citations_exact(answer.json(), site.settings.docs_dir)
    rebuilt = build_index(site.settings, embedder, tokenizer)
    assert ADDED_DOCUMENT in {d.doc_id for d in read_manifest(rebuilt / "manifest.json").documents}


# ---------------------------------------------------------------- starting over a damaged index


def test_a_service_started_over_a_damaged_index_answers_503_until_a_reload_succeeds(site: Deployment) -> None:
    good = site.build(site.build_id + "-spare")
    shutil.copytree(site.build(site.build_id), good)
    _truncate(site.build(site.build_id))
    # No service passed: the app loads the model and the index at startup, as `rag serve` would.
    with TestClient(app=create_app(site.settings)) as client:
        for response in (client.get("/health"), client.post("/ask", json={"question": QUESTIONS[0]}),
                         client.get("/documents")):
            assert response.status_code == 503, response.text
            detail = response.json()["detail"]
            assert detail.startswith("no index is being served") and "checksum mismatch" in detail, detail
        assert "rag_index_loaded 0.0" in client.get("/metrics").text
        assert client.post("/admin/reload", headers=ADMIN).status_code == 503
        point_current_at(site, good.name)
        reloaded = client.post("/admin/reload", headers=ADMIN)
        assert reloaded.status_code == 200, reloaded.text
        assert reloaded.json()["previous_build_id"] is None
        assert client.get("/health").json()["status"] == "ok"
        assert client.post("/ask", json={"question": QUESTIONS[0]}).status_code == 200
        assert "rag_index_loaded 1.0" in client.get("/metrics").text
