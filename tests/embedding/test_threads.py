"""The question encoder's threads: measured once on this machine with the real model, remembered, overridable."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from rag.embedding import export_onnx, query_threads, resolve_model, with_query_threads
from rag.embedding.threads import CACHE_FILE, TWO_THREADS_GAIN
from rag.settings import Settings, cpu_signature, usable_cores


def _with_own_cache(settings: Settings, folder: Path) -> Settings:
    """`settings` with unset question threads and a model cache of its own holding the real export."""
    export = export_onnx(resolve_model(settings.embed.model), settings.embed.model_cache_dir)
    (folder / export.name).symlink_to(export, target_is_directory=True)
    return settings.with_overrides(model_cache_dir=folder, query_threads=None, query_lanes=None, query_spinning=None)


# On one CPU there is nothing to choose: one thread, never measured.
needs_two_cpus = pytest.mark.skipif(usable_cores() < 2, reason="one usable CPU: the threads are not measured")


@needs_two_cpus
def test_the_threads_are_measured_once_and_remembered_for_this_machine(settings: Settings, tmp_path: Path) -> None:
    local = _with_own_cache(settings, tmp_path)
    model = resolve_model(local.embed.model)
    first = query_threads(local, model)
    assert first.basis.startswith("measured now")
    (key, entry), = json.loads((tmp_path / CACHE_FILE).read_text(encoding="utf-8")).items()
    assert cpu_signature() in key and f"{usable_cores()} CPUs" in key
    # Two threads only when they answer a lone question TWO_THREADS_GAIN times faster.
    assert entry["threads"] == first.threads == (2 if entry["one_thread_ms"] >= TWO_THREADS_GAIN * entry["two_threads_ms"] else 1)
    # The lanes fill the cores the calls leave, and nothing spins on a machine they fill.
    assert first.lanes == max(1, usable_cores() // first.threads)
    assert first.spinning == (usable_cores() > first.threads * first.lanes)

    again = query_threads(local, model)
    assert (again.threads, again.lanes) == (first.threads, first.lanes)
    assert "remembered" in again.basis and str(tmp_path / CACHE_FILE) in again.basis


@needs_two_cpus
def test_a_damaged_memory_is_measured_again(settings: Settings, tmp_path: Path) -> None:
    local = _with_own_cache(settings, tmp_path)
    (tmp_path / CACHE_FILE).write_text("{not json", encoding="utf-8")
    chosen = query_threads(local, resolve_model(local.embed.model))
    assert chosen.basis.startswith("measured now") and chosen.threads in (1, 2)
    assert len(json.loads((tmp_path / CACHE_FILE).read_text(encoding="utf-8"))) == 1


def test_one_cpu_gets_one_thread_unmeasured(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    local = _with_own_cache(settings, tmp_path)
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0})  # a process pinned to one CPU
    chosen = query_threads(local, resolve_model(local.embed.model))
    assert (chosen.threads, chosen.lanes, chosen.spinning) == (1, 1, False) and chosen.basis.startswith("fixed")
    assert not (tmp_path / CACHE_FILE).exists()


def test_set_threads_are_used_as_set_and_nothing_is_measured(settings: Settings, tmp_path: Path) -> None:
    local = _with_own_cache(settings, tmp_path).with_overrides(query_threads=1, query_lanes=3)
    resolved, chosen = with_query_threads(local, resolve_model(local.embed.model))
    assert (chosen.threads, chosen.lanes, chosen.basis) == (1, 3, "set by RAG_QUERY_THREADS")
    assert (resolved.embed.query_threads, resolved.embed.query_lanes) == (1, 3)
    assert resolved.embed.query_spinning == (usable_cores() > 3)
    assert not (tmp_path / CACHE_FILE).exists()
