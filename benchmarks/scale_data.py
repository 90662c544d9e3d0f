"""Synthetic corpora for the scale test, made once and cached under the bench's cache folder.

Embedding a million passages on two cores takes hours, so vectors are synthesised: a pool
of real benchmark sentences is embedded once with the real model, then each synthetic
passage resamples 3-10 of those sentences (its text) and its vector is a normalised,
slightly perturbed weighted mixture of theirs. Files are written under a temporary name and
renamed, so an interrupted run never leaves a half-written cache entry.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rag.ingest.corpus import read_corpus
from rag.chunking.sentences import sentence_spans

RECIPE = "mix-3-10-uniform-0.5-1-noise-0.1-v1"
MIN_MIX, MAX_MIX = 3, 10
NOISE = 0.1
"""Gaussian perturbation, as a fraction of the mixture's norm."""
_CHUNK_ROWS = 8192
_MIN_WORDS, _MAX_WORDS = 4, 60


@dataclass(frozen=True)
class SentencePool:
    """Real sentences and their unit vectors (row i belongs to text i)."""

    texts: list[str]
    vectors: np.ndarray
    key: str
    cached: bool


@dataclass(frozen=True)
class SyntheticCorpus:
    """`vectors[i]` is passage i; `mix[i]` lists its pool sentences (-1 pads the row)."""

    vectors: np.ndarray
    mix: np.ndarray
    cached: bool
    seconds: float


def pool_texts(docs_dirs: Sequence[Path], size: int, seed: int) -> list[str]:
    """Up to `size` distinct sentences of 4-60 words from the corpora, a seeded sample in corpus order."""
    seen: dict[str, None] = {}
    for docs in docs_dirs:
        for document in read_corpus(docs):
            for start, end in sentence_spans(document.text):
                sentence = " ".join(document.text[start:end].split())
                if _MIN_WORDS <= len(sentence.split()) <= _MAX_WORDS:
                    seen.setdefault(sentence, None)
    texts = list(seen)
    if len(texts) > size:
        keep = sorted(random.Random(seed).sample(range(len(texts)), size))
        texts = [texts[i] for i in keep]
    return texts


def load_pool(texts: list[str], encoder: Any, weights_sha256: str, cache_dir: Path, batch_size: int) -> SentencePool:
    """The pool's vectors from the cache, or embedded now with `encoder` and cached."""
    digest = hashlib.sha256(weights_sha256.encode())
    for text in texts:
        digest.update(text.encode() + b"\x00")
    key = digest.hexdigest()[:16]
    path = cache_dir / f"pool-{key}.npy"
    if path.is_file():
        return SentencePool(texts, np.load(path, allow_pickle=False), key, cached=True)
    vectors = encoder.encode(texts, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True,
                             show_progress_bar=False).astype(np.float32)
    cache_dir.mkdir(parents=True, exist_ok=True)
    _save_npy(path, vectors)
    (cache_dir / f"pool-{key}.json").write_text(json.dumps(texts, ensure_ascii=False))
    return SentencePool(texts, vectors, key, cached=False)


def synthesise(pool: SentencePool, size: int, seed: int, cache_dir: Path) -> SyntheticCorpus:
    """`size` synthetic passages (vectors memory-mapped from the cache); smaller sizes use a prefix."""
    key = hashlib.sha256(f"{pool.key}|{RECIPE}|{seed}|{size}".encode()).hexdigest()[:16]
    vectors_path, mix_path = cache_dir / f"vectors-{size}-{key}.npy", cache_dir / f"mix-{size}-{key}.npy"
    started = time.perf_counter()
    cached = vectors_path.is_file() and mix_path.is_file()
    if not cached:
        cache_dir.mkdir(parents=True, exist_ok=True)
        _generate(pool.vectors, size, seed, vectors_path, mix_path)
    vectors = np.load(vectors_path, mmap_mode="r", allow_pickle=False)
    mix = np.load(mix_path, allow_pickle=False)
    return SyntheticCorpus(vectors, mix, cached, time.perf_counter() - started)


def mixture_vectors(pool: np.ndarray, mix: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Unit vectors: per row, a uniform(0.5, 1) weighted sum of the pool rows in `mix`, plus noise."""
    valid = mix >= 0
    weights = rng.uniform(0.5, 1.0, size=mix.shape).astype(np.float32) * valid
    mixed = np.einsum("rm,rmd->rd", weights, pool[np.where(valid, mix, 0)])
    norms = np.linalg.norm(mixed, axis=1, keepdims=True)
    noise = rng.standard_normal(mixed.shape).astype(np.float32)
    mixed += noise * (NOISE * norms / np.sqrt(mixed.shape[1]))
    mixed /= np.linalg.norm(mixed, axis=1, keepdims=True)
    return mixed.astype(np.float32)


def random_mix(rows: int, pool_size: int, rng: np.random.Generator) -> np.ndarray:
    """Rows of 3-10 pool indices, padded with -1 to `MAX_MIX` columns."""
    counts = rng.integers(MIN_MIX, MAX_MIX + 1, size=rows)
    picks = rng.integers(0, pool_size, size=(rows, MAX_MIX))
    return np.where(np.arange(MAX_MIX) < counts[:, None], picks, -1).astype(np.int32)


def _generate(pool: np.ndarray, size: int, seed: int, vectors_path: Path, mix_path: Path) -> None:
    rng = np.random.default_rng(seed)
    partial = vectors_path.with_suffix(".partial.npy")
    out = np.lib.format.open_memmap(partial, mode="w+", dtype=np.float32, shape=(size, pool.shape[1]))
    mix = np.empty((size, MAX_MIX), dtype=np.int32)
    for start in range(0, size, _CHUNK_ROWS):
        stop = min(size, start + _CHUNK_ROWS)
        mix[start:stop] = random_mix(stop - start, len(pool), rng)
        out[start:stop] = mixture_vectors(pool, mix[start:stop], rng)
    out.flush()
    del out
    partial.rename(vectors_path)
    _save_npy(mix_path, mix)


def _save_npy(path: Path, array: np.ndarray) -> None:
    partial = path.with_suffix(".partial.npy")
    np.save(partial, array, allow_pickle=False)
    partial.rename(path)
