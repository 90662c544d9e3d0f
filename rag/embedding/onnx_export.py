"""The model exported to ONNX (fp32 and int8) once per weights hash, locally, with no hub."""

from __future__ import annotations

import json
import logging
import os
import shutil
import uuid
import warnings
from pathlib import Path
from typing import Any

from rag.embedding.models import ResolvedModel
from rag.errors import ModelError
from rag.embedding.quantization import quantize_int8
from rag.ingest.corpus import file_sha256
from rag.settings import EmbedBackend

log = logging.getLogger(__name__)

# Where sentence-transformers puts (and looks for) the files of its ONNX backend.
ONNX_FILES = {EmbedBackend.ONNX: "onnx/model.onnx", EmbedBackend.ONNX_INT8: "onnx/model_int8_static.onnx"}
_EXPORT_STAMP = "rag-export.json"


def export_onnx(model: ResolvedModel, cache_dir: Path) -> Path:
    """The folder holding `model` exported to ONNX (fp32 and int8), made once per weights hash.

    The export runs locally (optimum, no hub) into a scratch folder that is renamed into place,
    so a crash midway never leaves a half-written model for the next start to load.
    """
    folder = cache_dir / f"{model.weights_sha256[:16]}-onnx"
    if _export_complete(folder, model):
        return folder
    cache_dir.mkdir(parents=True, exist_ok=True)
    scratch = cache_dir / f".{folder.name}.{uuid.uuid4().hex[:8]}"
    log.info("exporting %s to ONNX in %s (once)", model.name, folder)
    disable_onnxruntime_telemetry()
    try:
        from sentence_transformers import SentenceTransformer

        # The tracer warns that constants are baked into the graph: true, and what an export of a
        # fixed model wants. Scoped here so no other warning is hidden.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            exported = SentenceTransformer(
                str(model.path), device="cpu", backend="onnx", model_kwargs={"provider": "CPUExecutionProvider"}
            )
            exported.save_pretrained(str(scratch))
        quantize_int8(scratch / ONNX_FILES[EmbedBackend.ONNX], scratch / ONNX_FILES[EmbedBackend.ONNX_INT8],
                      scratch / "tokenizer.json")
        stamp = {"weights_sha256": model.weights_sha256, "precision": EmbedBackend.ONNX_INT8.precision,
                 "files": _file_hashes(scratch)}
        (scratch / _EXPORT_STAMP).write_text(json.dumps(stamp, indent=1))
        shutil.rmtree(folder, ignore_errors=True)
        scratch.rename(folder)
    except Exception as exc:
        raise ModelError(f"cannot export {model.name} to ONNX in {cache_dir}: {exc}") from exc
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return folder


def disable_onnxruntime_telemetry() -> None:
    """Keep ONNX Runtime from collecting telemetry (call before it is imported)."""
    # ONNX Runtime's Linux wheel carries Microsoft's telemetry, which at import creates a
    # database under ~/.cache/Microsoft and queues events for upload. A service over private
    # transcripts must not phone home. The variable is read once, when the library loads, so
    # this runs before every import of onnxruntime (optimum's included).
    os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")


def session_options(threads: int, *, spinning: bool = True) -> Any:
    """ONNX Runtime session options with `threads` for one call and no parallel graph branches;
    without `spinning`, the call's worker threads sleep instead of busy-waiting for work.

    Deliberate, as for torch: ONNX Runtime's default is one thread per core for each session,
    and the service's worker threads would oversubscribe the machine.
    """
    disable_onnxruntime_telemetry()
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    if not spinning:
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return options


def _export_complete(folder: Path, model: ResolvedModel) -> bool:
    """True when `folder` holds an export of these weights whose files are intact."""
    try:
        stamp = json.loads((folder / _EXPORT_STAMP).read_text())
        return (stamp["weights_sha256"] == model.weights_sha256
                and stamp["precision"] == EmbedBackend.ONNX_INT8.precision  # the int8 ranges in force
                and stamp["files"] == _file_hashes(folder))
    except (OSError, ValueError, KeyError, TypeError):
        return False


def _file_hashes(folder: Path) -> dict[str, str]:
    return {name: file_sha256(folder / name) for name in ONNX_FILES.values()}
