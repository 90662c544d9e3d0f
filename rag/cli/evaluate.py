"""`rag eval`: a gold file through the service, its report printed, compared and gated."""

from __future__ import annotations

import argparse
import sys

from rag.settings import Settings


def run_eval(args: argparse.Namespace, settings: Settings) -> int:
    """`rag eval`: score a gold file; exit 1 when a metric misses its threshold."""
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
    if report.reliability:
        print("\n" + evaluation.format_reliability(report))
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
    from rag.index.calibration import save_calibration
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
