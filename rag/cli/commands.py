"""The commands that build, answer, serve and measure: each a few lines over the library."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

import msgspec

from rag.cli.output import format_answer
from rag.errors import ConfigError, InputError
from rag.settings import Settings

if TYPE_CHECKING:
    from rag.index.changes import WriteResult


def given(flags: dict[str, object]) -> dict[str, object]:
    """The flags the user gave (argparse leaves the others None): what overrides the settings."""
    return {name: value for name, value in flags.items() if value is not None}


def setup(args: argparse.Namespace, settings: Settings) -> int:
    """`rag setup`: tiktoken's files, the model checked, its ONNX export made, the question
    threads chosen for this machine."""
    from rag.settings import EmbedBackend
    from rag.embedding import export_onnx, query_threads, resolve_model
    from rag.chunking.tokens import install_encoding_files, load_encoding

    files = install_encoding_files(settings.tiktoken_cache_dir)
    load_encoding(settings.chunk.encoding, settings.tiktoken_cache_dir)
    print(f"tiktoken: {len(files)} encoding files in {settings.tiktoken_cache_dir}")
    model = resolve_model(settings.embed.model)
    print(f"model: {model.name} ({model.source}, weights sha256 {model.weights_sha256[:16]}...) at {model.path}")
    if settings.embed.backend is not EmbedBackend.TORCH:
        print(f"onnx export: {export_onnx(model, settings.embed.model_cache_dir)}")
    chosen = query_threads(settings, model)
    print(f"answering: {chosen.threads} thread(s) per question, {chosen.lanes} at once ({chosen.basis})")
    return 0


def index(args: argparse.Namespace, settings: Settings) -> int:
    """`rag index`: build the index unless it is up to date (or `--force`)."""
    from rag.embedding import LazyEmbedder, resolve_model
    from rag.index import build_index, index_problem
    from rag.chunking.tokens import load_encoding

    model = resolve_model(settings.embed.model)
    problem = index_problem(settings, model)
    if problem is None and not args.force:
        print(f"index in {settings.index_dir} is up to date with {settings.docs_dir} (use --force to rebuild)")
        return 0
    # Loaded only if some document is not in the document cache.
    embedder = LazyEmbedder(settings, model)
    tokenizer = load_encoding(settings.chunk.encoding, settings.tiktoken_cache_dir)
    build = build_index(settings, embedder, tokenizer, progress=True)
    print(f"index built: {build}")
    return 0


def ask(args: argparse.Namespace, settings: Settings) -> int:
    """`rag ask`: one answer, as text or JSON."""
    from rag.service import open_service

    from rag.types import Filters

    filters = Filters(documents=args.doc, speakers=args.speaker, date_from=args.date_from, date_to=args.date_to)
    service = open_service(settings, build_if_needed=True, progress=True)
    answer = service.ask(args.question, args.k, filters)
    if args.json:
        print(msgspec.json.format(msgspec.json.encode(answer)).decode())
    else:
        print(format_answer(answer))
    return 0


def serve(args: argparse.Namespace, settings: Settings) -> int:
    """`rag serve`: build the index if needed, then serve HTTP until interrupted."""
    import uvicorn

    from rag.http.app import create_app
    from rag.service import open_service

    settings = settings.with_overrides(**given({"host": args.host, "port": args.port}))
    service = open_service(settings, build_if_needed=True, progress=True)
    app = create_app(settings, service, watch=args.watch)
    print(f"serving {len(service.index.passages)} passages on http://{settings.http.host}:{settings.http.port} "
          f"(API docs at /schema/swagger){'; watching ' + str(settings.docs_dir) if args.watch else ''}", flush=True)
    uvicorn.run(app, host=settings.http.host, port=settings.http.port, log_level="warning",
                timeout_keep_alive=settings.http.keep_alive_seconds)
    return 0


def add(args: argparse.Namespace, settings: Settings) -> int:
    """`rag add`: copy transcripts into the corpus folder and index them, embedding only them."""
    from rag.service import open_service

    service = open_service(settings, build_if_needed=True, progress=True)
    under = args.under.strip("/")
    for file in args.files:
        if not file.is_file():
            raise InputError(f"{file}: no such file")
        doc_id = f"{under}/{file.name}" if under else file.name
        _print_write(service.put_document(doc_id, file.read_bytes()))
    service.compact()
    print(f"index {service.index.version}: {len(service.index.transcripts)} documents")
    return 0


def remove(args: argparse.Namespace, settings: Settings) -> int:
    """`rag remove`: delete transcripts from the corpus folder and the index."""
    from rag.service import open_service

    service = open_service(settings, build_if_needed=True, progress=True)
    for doc_id in args.ids:
        _print_write(service.delete_document(doc_id))
    service.compact()
    print(f"index {service.index.version}: {len(service.index.transcripts)} documents")
    return 0


def _print_write(result: WriteResult) -> None:
    print(f"{result.doc_id}: {result.outcome.value} (passages +{result.passages_added} -{result.passages_removed})")


def _benchmarks() -> ModuleType:
    """The `benchmarks` package beside `rag/`: only a development checkout has it."""
    root = Path(__file__).resolve().parents[2]
    if not (root / "benchmarks" / "__init__.py").is_file():
        raise ConfigError(
            f"`rag bench` runs from a development checkout (benchmarks/ beside rag/ in {root}); "
            "clone the repository and install it with scripts/bootstrap.sh"
        )
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    import benchmarks

    return benchmarks


def bench(args: argparse.Namespace, settings: Settings) -> int:
    """`rag bench`: every stage of the benchmark, a report written."""
    import dataclasses

    benchmarks = _benchmarks()
    options = benchmarks.quick_options() if args.quick else benchmarks.BenchOptions()
    load = options.load
    load = dataclasses.replace(
        load, single_requests=args.requests or load.single_requests,
        concurrent_requests=args.concurrent_requests or load.concurrent_requests,
        clients=tuple(args.clients or load.clients),
    )
    scale = dataclasses.replace(options.scale, sizes=tuple(args.scale_sizes or options.scale.sizes))
    venvs = os.environ.get("PEER_VENVS")
    options = dataclasses.replace(
        options, load=load, scale=scale, cache_dir=args.cache_dir,
        out=args.out or (args.cache_dir / "BENCH-quick.md" if args.quick else options.out),
        benchmark_dir=None if args.quick else args.benchmark_dir, benchmark=args.benchmark,
        stages=tuple(s for s in options.stages if s not in args.skip), peer_venvs=Path(venvs) if venvs else None,
        peers_dir=args.peers_dir, wait_idle_seconds=args.wait_idle, idle_load=args.idle_load,
        command="rag " + " ".join(sys.argv[1:]) if sys.argv[1:2] == ["bench"] else "rag bench",
    )
    result = benchmarks.run_bench(settings, options)
    for check in result.targets:
        verdict = {True: "met", False: "MISSED", None: "not measured"}[check.met]
        print(f"{verdict:>12}  {check.target}: {check.measured}")
    print(f"report: {options.out} and {options.out.with_suffix('.json')} ({result.wall_seconds / 60:.1f} min)")
    return 0
