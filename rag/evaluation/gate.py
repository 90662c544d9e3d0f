"""Reports on disk, comparing two of them, and the threshold gate CI runs."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import msgspec

from rag.errors import InputError
from rag.evaluation.types import Delta, Metrics, Report, Violation


def report_to_json(report: Report) -> bytes:
    """The report as indented JSON."""
    return msgspec.json.format(msgspec.json.encode(report), indent=2) + b"\n"


def flatten_metrics(report: Report | Mapping[str, object]) -> dict[str, float | None]:
    """Metric values by dotted name: `overall.hit@5`, `by_kind.number.mrr@10`, ... (reports or their JSON)."""
    data = msgspec.to_builtins(report) if isinstance(report, Report) else report
    flat: dict[str, float | None] = {}
    sections = [("overall", data.get("overall") or {})]
    sections += [(f"by_kind.{kind}", m) for kind, m in (data.get("by_kind") or {}).items()]
    for prefix, metrics in sections:
        for name, value in metrics.items():
            if value is None or (isinstance(value, int | float) and not isinstance(value, bool)):
                flat[f"{prefix}.{name}"] = value
    return flat


def load_report(path: Path) -> dict[str, object]:
    """A report JSON written by `rag eval --report`."""
    data = _read_json(path, "report")
    if not isinstance(data, dict) or "overall" not in data:
        raise InputError(f"{path} is not a report written by `rag eval --report`")
    return data


def compare(old: Report | Mapping[str, object], new: Report | Mapping[str, object]) -> list[Delta]:
    """Every metric of either report, with `new - old` where both have a value."""
    before, after = flatten_metrics(old), flatten_metrics(new)
    names = list(after) + [n for n in before if n not in after]
    deltas = []
    for name in names:
        old_value, new_value = before.get(name), after.get(name)
        change = None if old_value is None or new_value is None else new_value - old_value
        deltas.append(Delta(metric=name, old=old_value, new=new_value, delta=change))
    return deltas


def load_thresholds(path: Path) -> dict[str, float]:
    """A JSON object mapping dotted metric names (see `flatten_metrics`) to minimum values."""
    data = _read_json(path, "thresholds")
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected a JSON object of metric name -> minimum value")
    for name, value in data.items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InputError(f"{path}: threshold of {name!r} must be a number, got {value!r}")
    return {name: float(value) for name, value in data.items()}


def check_thresholds(report: Report | Mapping[str, object], thresholds: Mapping[str, float]) -> list[Violation]:
    """Every metric below its minimum. An unknown metric name raises `InputError` (a typo must not pass)."""
    values = flatten_metrics(report)
    unknown = [name for name in thresholds if name not in values]
    if unknown:
        raise InputError(f"unknown metric(s) in thresholds: {', '.join(unknown)}; known: overall.<metric>, "
                         f"by_kind.<kind>.<metric> with metric one of {', '.join(Metrics.__struct_encode_fields__)}")
    return [
        Violation(metric=name, threshold=minimum, value=values[name])
        for name, minimum in thresholds.items()
        if values[name] is None or values[name] < minimum  # type: ignore[operator]
    ]


def _read_json(path: Path, what: str) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(f"cannot read {what} {path}: {exc}") from None
