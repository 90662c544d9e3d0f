"""The command line's grammar: commands, flags and help with an example each."""

from __future__ import annotations

import argparse
from pathlib import Path

from rag.cli import commands
from rag.cli import evaluate as evaluate_command


def build_parser() -> argparse.ArgumentParser:
    """Every command with its flags; each command's `run` default is the function that does it."""
    parser = argparse.ArgumentParser(
        prog="rag",
        description="Question answering over speech transcripts, with verbatim cited extracts.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Settings come from RAG_* environment variables (see README); flags override them.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details")
    subcommands = parser.add_subparsers(title="commands")

    setup = subcommands.add_parser(
        "setup", help="fetch tiktoken's encoding files and verify the embedding model (run once)",
        description="Copy tiktoken's encoding files into RAG_TIKTOKEN_CACHE_DIR and check the model.\n"
        "Example: rag setup",
    )
    setup.set_defaults(run=commands.setup)

    index = subcommands.add_parser(
        "index", help="build the index from the corpus folder",
        description="Parse, chunk and embed every transcript, then swap the new index in.\n"
        "Example: rag index --docs seeds --index-dir index",
    )
    _corpus_flags(index)
    index.add_argument("--force", action="store_true", help="rebuild even when the index is up to date")
    index.set_defaults(run=commands.index)

    ask = subcommands.add_parser(
        "ask", help="answer one question in the terminal",
        description='Example: rag ask "How much foreign capital did the pilot FTZs use in 2024?"',
    )
    ask.add_argument("question", help="the question, in quotes")
    ask.add_argument("-k", "--k", type=int, default=None, help="passages to retrieve (default RAG_DEFAULT_K)")
    ask.add_argument("--json", action="store_true", help="print the full answer as JSON")
    ask.add_argument("--doc", action="append", default=None, help="only this document id (repeatable)")
    ask.add_argument("--speaker", action="append", default=None, help="only this speaker's turns (repeatable)")
    ask.add_argument("--date-from", default=None, help="only documents dated on or after YYYY-MM-DD")
    ask.add_argument("--date-to", default=None, help="only documents dated on or before YYYY-MM-DD")
    _corpus_flags(ask)
    ask.set_defaults(run=commands.ask)

    serve = subcommands.add_parser(
        "serve", help="build the index if needed and start the HTTP service",
        description="Example: rag serve --port 8000",
    )
    serve.add_argument("--host", default=None, help="address to bind (default RAG_HOST, 127.0.0.1)")
    serve.add_argument("--port", type=int, default=None, help="port (default RAG_PORT, 8000)")
    serve.add_argument("--watch", action="store_true",
                       help="follow the corpus folder: apply new, changed and removed files as they settle")
    _corpus_flags(serve)
    serve.set_defaults(run=commands.serve)

    add = subcommands.add_parser(
        "add", help="add or replace transcripts: copied into the corpus folder and indexed (only they are embedded)",
        description="Example: rag add briefing.vtt interview.json --under 2024/",
    )
    add.add_argument("files", type=Path, nargs="+", help="transcript files (any format a reader takes)")
    add.add_argument("--under", default="", help="a folder inside the corpus to put them in (ids become FOLDER/NAME)")
    _corpus_flags(add)
    add.set_defaults(run=commands.add)

    remove = subcommands.add_parser(
        "remove", help="delete transcripts by id from the corpus folder and the index",
        description="Example: rag remove briefing.vtt 2024/interview.json",
    )
    remove.add_argument("ids", nargs="+", help="document ids, as `GET /documents` lists them")
    _corpus_flags(remove)
    remove.set_defaults(run=commands.remove)

    evaluate = subcommands.add_parser(
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
    evaluate.set_defaults(run=evaluate_command.run_eval)

    bench = subcommands.add_parser(
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
    bench.add_argument("--skip", action="append", default=[], choices=["parse", "build", "http", "profile", "writes", "scale", "large", "peers"],
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
    bench.set_defaults(run=commands.bench)
    return parser


def _corpus_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--docs", type=Path, default=None, help="corpus folder (default RAG_DOCS_DIR, seeds)")
    parser.add_argument("--index-dir", type=Path, default=None, help="index folder (default RAG_INDEX_DIR, index)")
