"""`rag` command line: a thin shell over the service; errors become one-line messages."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import textwrap
from collections.abc import Callable, Sequence
from pathlib import Path

import msgspec

from rag.config import Settings
from rag.errors import RagError
from rag.records import Answer

log = logging.getLogger("rag")

EXIT_USAGE = 2


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `rag` console script."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return EXIT_USAGE
    _configure_logging(args.verbose)
    try:
        settings = Settings.from_env().with_overrides(
            docs_dir=getattr(args, "docs", None), index_dir=getattr(args, "index_dir", None)
        )
        run: Callable[[argparse.Namespace, Settings], int] = args.run
        return run(args, settings)
    except RagError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rag",
        description="Question answering over speech transcripts, with verbatim cited extracts.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Settings come from RAG_* environment variables (see README); flags override them.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details")
    commands = parser.add_subparsers(title="commands")

    setup = commands.add_parser(
        "setup", help="fetch tiktoken's encoding files and verify the embedding model (run once)",
        description="Copy tiktoken's encoding files into RAG_TIKTOKEN_CACHE_DIR and check the model.\n"
        "Example: rag setup",
    )
    setup.set_defaults(run=_cmd_setup)

    index = commands.add_parser(
        "index", help="build the index from the corpus folder",
        description="Parse, chunk and embed every transcript, then swap the new index in.\n"
        "Example: rag index --docs seeds --index-dir index",
    )
    _corpus_flags(index)
    index.add_argument("--force", action="store_true", help="rebuild even when the index is up to date")
    index.set_defaults(run=_cmd_index)

    ask = commands.add_parser(
        "ask", help="answer one question in the terminal",
        description='Example: rag ask "How much foreign capital did the pilot FTZs use in 2024?"',
    )
    ask.add_argument("question", help="the question, in quotes")
    ask.add_argument("-k", type=int, default=None, help="passages to retrieve (default RAG_DEFAULT_K)")
    ask.add_argument("--json", action="store_true", help="print the full answer as JSON")
    ask.add_argument("--doc", action="append", default=None, help="only this document id (repeatable)")
    ask.add_argument("--speaker", action="append", default=None, help="only this speaker's turns (repeatable)")
    ask.add_argument("--date-from", default=None, help="only documents dated on or after YYYY-MM-DD")
    ask.add_argument("--date-to", default=None, help="only documents dated on or before YYYY-MM-DD")
    _corpus_flags(ask)
    ask.set_defaults(run=_cmd_ask)

    serve = commands.add_parser(
        "serve", help="build the index if needed and start the HTTP service",
        description="Example: rag serve --port 8000",
    )
    serve.add_argument("--host", default=None, help="address to bind (default RAG_HOST, 127.0.0.1)")
    serve.add_argument("--port", type=int, default=None, help="port (default RAG_PORT, 8000)")
    _corpus_flags(serve)
    serve.set_defaults(run=_cmd_serve)

    evaluate = commands.add_parser(
        "eval", help="run a gold file through the service and score it (metrics, failures, CI gate)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Ask every gold question through the service (the code path of POST /ask), print\n"
        "Hit@k, MRR, nDCG, evidence coverage, answer containment, citation exactness, abstention\n"
        "and latency, overall and per kind, then the failed questions.\n\n"
        "With --docs other than the configured corpus (RAG_DOCS_DIR, seeds) and no --index-dir, the\n"
        "index goes to <index dir>/eval-<parent>-<folder> (e.g. index/eval-qmsum-val-docs), so\n"
        "evaluating a benchmark never replaces the seed index.\n\n"
        "Examples:\n"
        "  rag eval --gold eval/gold.jsonl --thresholds eval/thresholds.json\n"
        "  rag eval --gold ../shared/bench/qmsum-val/gold.jsonl --docs ../shared/bench/qmsum-val/docs \\\n"
        "      --run-out eval/runs/qmsum.jsonl --report eval/runs/qmsum.json --compare old.json",
    )
    evaluate.add_argument("--gold", type=Path, required=True, help="gold JSONL file (format in docs/contracts.md)")
    _corpus_flags(evaluate)
    evaluate.add_argument("--run-out", type=Path, default=None, help="write the run file (JSONL, docs/contracts.md)")
    evaluate.add_argument("--report", type=Path, default=None, help="write the report (metrics + failures) as JSON")
    evaluate.add_argument("--limit", type=int, default=None, help="only the first N gold questions")
    evaluate.add_argument("-k", "--k", type=int, default=10, help="passages retrieved per question (default 10)")
    evaluate.add_argument("--compare", type=Path, default=None, help="an earlier --report JSON: print the deltas")
    evaluate.add_argument(
        "--thresholds", type=Path, default=None,
        help="JSON of metric -> minimum (e.g. {\"overall.hit@5\": 0.8}); exit 1 when any metric is below",
    )
    evaluate.add_argument("--max-failures", type=int, default=30, help="failed questions to print (0: all)")
    evaluate.add_argument(
        "--calibrate", action="store_true",
        help="fit the abstention threshold on the gold set's unanswerable questions and store it in the "
        "index folder (used when RAG_MIN_SCORE is unset); the report shows the fitted threshold's results",
    )
    evaluate.set_defaults(run=_cmd_eval)

    bench = commands.add_parser(
        "bench", help="measure index build, HTTP latency and throughput, scale and the peers; write eval/BENCH.md",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Build the seeds and the largest benchmark in ../shared/bench, serve each on 127.0.0.1 and\n"
        "load it (bounded), profile /ask in process, compare FAISS index types on synthetic corpora up\n"
        "to 1M passages, and run the peer scripts when PEER_VENVS is set. Writes BENCH.md and BENCH.json.\n"
        "Caches (indexes, vectors, logs) go to .cache/bench (git-ignored).\n\n"
        "Examples:\n"
        "  PEER_VENVS=/work/peer-venvs rag bench --wait-idle 600     # the full bench, about 15 minutes\n"
        "  rag bench --quick                                        # seconds: seeds, a few requests",
    )
    bench.add_argument("--quick", action="store_true", help="a tiny run (seeds only, few requests, 10k scale)")
    bench.add_argument("--out", type=Path, default=None,
                       help="report path; JSON goes beside it (default eval/BENCH.md, --quick: the cache folder)")
    bench.add_argument("--cache-dir", type=Path, default=Path(".cache/bench"),
                       help="bench caches (default .cache/bench)")
    bench.add_argument("--benchmark-dir", type=Path, default=Path("../shared/bench"),
                       help="public benchmarks; the one with the most document bytes is used (default ../shared/bench)")
    bench.add_argument("--benchmark", default=None, help="use this benchmark folder name instead of the largest")
    bench.add_argument("--skip", action="append", default=[], choices=["build", "http", "profile", "scale", "large", "peers"],
                       help="leave a stage out (repeatable)")
    bench.add_argument("--requests", type=int, default=None, help="sequential one-client requests per corpus")
    bench.add_argument("--concurrent-requests", type=int, default=None, help="requests per concurrency level")
    bench.add_argument("--clients", type=int, nargs="+", default=None, help="concurrency levels (default 8 32)")
    bench.add_argument("--scale-sizes", type=int, nargs="+", default=None,
                       help="synthetic corpus sizes (default 100000 1000000)")
    bench.add_argument("--wait-idle", type=float, default=0.0, metavar="SECONDS",
                       help="first wait up to this long for the 1-minute load average to drop under --idle-load")
    bench.add_argument("--idle-load", type=float, default=1.0, help="load average counted as quiet (default 1.0)")
    bench.add_argument("--peers-dir", type=Path, default=Path("../shared/peers"), help="the peer scripts")
    bench.set_defaults(run=_cmd_bench)
    return parser


def _corpus_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--docs", type=Path, default=None, help="corpus folder (default RAG_DOCS_DIR, seeds)")
    parser.add_argument("--index-dir", type=Path, default=None, help="index folder (default RAG_INDEX_DIR, index)")


class _OwnInfoOnly(logging.Filter):
    """Lets through our own records, and other libraries' warnings and errors only."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING or record.name == "rag" or record.name.startswith("rag.")


def _configure_logging(verbose: bool) -> None:
    # Libraries speak only when something is wrong. A filter on the handler rather than logger
    # levels, because some set their own level on import (bm25s: DEBUG); the ONNX export alone
    # would otherwise print ~100 lines of quantizer INFO on the root logger.
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if not verbose:
        for handler in logging.getLogger().handlers:
            handler.addFilter(_OwnInfoOnly())
        # The exporter's advice to save its export, which `export_onnx` does.
        logging.getLogger("sentence_transformers.backend").setLevel(logging.ERROR)
        # transformers logs through a handler of its own, configured from this variable on import.
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")


def _cmd_setup(args: argparse.Namespace, settings: Settings) -> int:
    from rag.config import EmbedBackend
    from rag.embedding import export_onnx, resolve_model
    from rag.tokens import install_encoding_files, load_encoding

    files = install_encoding_files(settings.tiktoken_cache_dir)
    load_encoding(settings.chunk.encoding, settings.tiktoken_cache_dir)
    print(f"tiktoken: {len(files)} encoding files in {settings.tiktoken_cache_dir}")
    model = resolve_model(settings.model)
    print(f"model: {model.name} ({model.source}, weights sha256 {model.weights_sha256[:16]}...) at {model.path}")
    if settings.embed_backend is not EmbedBackend.TORCH:
        print(f"onnx export: {export_onnx(model, settings.model_cache_dir)}")
    return 0


def _cmd_index(args: argparse.Namespace, settings: Settings) -> int:
    from rag.embedding import load_embedder, resolve_model
    from rag.index import build_index, index_problem
    from rag.tokens import load_encoding

    model = resolve_model(settings.model)
    problem = index_problem(settings, model)
    if problem is None and not args.force:
        print(f"index in {settings.index_dir} is up to date with {settings.docs_dir} (use --force to rebuild)")
        return 0
    embedder = load_embedder(settings, model)
    tokenizer = load_encoding(settings.chunk.encoding, settings.tiktoken_cache_dir)
    build = build_index(settings, embedder, tokenizer, progress=True)
    print(f"index built: {build}")
    return 0


def _cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    from rag.service import open_service

    from rag.records import Filters

    filters = Filters(documents=args.doc, speakers=args.speaker, date_from=args.date_from, date_to=args.date_to)
    service = open_service(settings, build_if_needed=True, progress=True)
    answer = service.ask(args.question, args.k, filters)
    if args.json:
        print(msgspec.json.format(msgspec.json.encode(answer)).decode())
    else:
        print(format_answer(answer))
    return 0


def _cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from rag.app import create_app
    from rag.service import open_service

    settings = settings.with_overrides(host=args.host, port=args.port)
    service = open_service(settings, build_if_needed=True, progress=True)
    app = create_app(settings, service)
    print(f"serving {len(service.index.passages)} passages on http://{settings.host}:{settings.port} "
          f"(API docs at /schema/swagger)", flush=True)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning")
    return 0


def _cmd_bench(args: argparse.Namespace, settings: Settings) -> int:
    import dataclasses

    from rag import bench

    options = bench.quick_options() if args.quick else bench.BenchOptions()
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
    result = bench.run_bench(settings, options)
    for check in result.targets:
        verdict = {True: "met", False: "MISSED", None: "not measured"}[check.met]
        print(f"{verdict:>12}  {check.target}: {check.measured}")
    print(f"report: {options.out} and {options.out.with_suffix('.json')} ({result.wall_seconds / 60:.1f} min)")
    return 0


def _cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    from rag import evaluation
    from rag.errors import InputError
    from rag.service import open_service

    if args.limit is not None and args.limit < 1:
        raise InputError(f"--limit must be at least 1, got {args.limit}")
    if args.docs is not None and args.index_dir is None:
        configured = Settings.from_env().docs_dir
        if args.docs.resolve() != configured.resolve():
            folder = args.docs.resolve()
            name = "-".join(part for part in (folder.parent.name, folder.name) if part)
            settings = settings.with_overrides(index_dir=settings.index_dir / f"eval-{name}")
    gold = evaluation.load_gold(args.gold)[: args.limit]
    thresholds = evaluation.load_thresholds(args.thresholds) if args.thresholds else None
    old_report = evaluation.load_report(args.compare) if args.compare else None

    print(f"eval: {len(gold)} questions from {args.gold}, corpus {settings.docs_dir}, index {settings.index_dir}, "
          f"k={args.k}", file=sys.stderr, flush=True)
    if args.calibrate:
        # Confidence-based abstention off while measuring: every confidence is seen.
        settings = settings.with_overrides(min_score=-1.0)
    service = open_service(settings, build_if_needed=True, progress=True)
    outcome = evaluation.run_eval(service, gold, k=args.k, progress=True, gold_name=str(args.gold))
    if args.calibrate:
        outcome = _calibrate(service, gold, outcome, str(args.gold))
    report = outcome.report
    if args.run_out:
        evaluation.write_run(args.run_out, outcome.rows)
    if args.report:
        args.report.parent.mkdir(parents=True, exist_ok=True)
        args.report.write_bytes(evaluation.report_to_json(report))

    print(evaluation.format_metrics_table(report))
    overall = report.overall
    unquoted = f" ({overall.n_unquoted_answers} more whose answers are not quotes of the evidence)" \
        if overall.n_unquoted_answers else ""
    print(f"\n{overall.n_scored} questions scored for retrieval, {overall.n_with_answers} for answer containment"
          f"{unquoted}, {overall.n_unanswerable} unanswerable; {overall.n_extracts} extracts")
    failures = report.failures
    shown = failures if args.max_failures <= 0 else failures[: args.max_failures]
    print(f"\nfailed questions: {len(failures)} of {len(gold)}")
    for failure in shown:
        print("  " + evaluation.format_failure(failure).replace("\n", "\n  "))
    if len(shown) < len(failures):
        print(f"  ... and {len(failures) - len(shown)} more (all are in --report)")
    if old_report is not None:
        print(f"\nchanges against {args.compare}:")
        print(evaluation.format_deltas(evaluation.compare(old_report, report)))
    if thresholds is not None:
        violations = evaluation.check_thresholds(report, thresholds)
        if violations:
            print(f"\nFAILED: {len(violations)} metric(s) below the thresholds in {args.thresholds}:", file=sys.stderr)
            for violation in violations:
                print(f"  {violation}", file=sys.stderr)
            return 1
        print(f"\nthresholds: all {len(thresholds)} metrics meet {args.thresholds}")
    return 0


def _calibrate(service, gold, outcome, gold_name: str):  # type: ignore[no-untyped-def]
    """Fit and store the abstention threshold; return the outcome as the fitted threshold answers."""
    from rag import evaluation
    from rag.calibration import save_calibration
    from rag.evaluation.calibration import apply_threshold, calibration_for, fit_threshold

    threshold, stats = fit_threshold(gold, outcome.rows)
    manifest = service.index.manifest
    calibration = calibration_for(
        threshold, stats, model=manifest.model.name, weights_sha256=manifest.model.weights_sha256,
        chunking=manifest.chunking, gold=gold_name, n_answerable=sum(q.answerable for q in gold),
        n_unanswerable=sum(not q.answerable for q in gold),
    )
    path = save_calibration(service.settings.index_dir, calibration)
    print(f"calibrated abstention threshold {threshold} (precision {stats['abstention_precision']}, recall "
          f"{stats['abstention_recall']}, answerable refused {stats['wrongly_refused']}) -> {path}", file=sys.stderr)
    rows = apply_threshold(outcome.rows, threshold)
    report = evaluation.evaluate(gold, rows, evaluation.DocsFolder(service.settings.docs_dir),
                                 gold_name=gold_name, docs_name=str(service.settings.docs_dir), k=outcome.report.k)
    return evaluation.EvalOutcome(rows=rows, report=report)


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
        source = f"{c.doc_id} [{c.start}:{c.end}]"
        meta = " | ".join(x for x in (c.title, c.date) if x)
        blocks.append(f"[{number}] {who}\n{body}\n    — {source}" + (f"  {meta}" if meta else ""))
    return "\n\n".join(blocks)


if __name__ == "__main__":
    sys.exit(main())
