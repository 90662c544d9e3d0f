"""Settings for every part of the service, in sections, read from `RAG_*` environment variables in one place."""

from rag.settings.choices import (
    DEFAULT_ANN_THRESHOLD,
    DEFAULT_FAISS_THREADS,
    DEFAULT_MODEL,
    DENSE_DEPTH,
    MIN_KEY_CHARS,
    EmbedBackend,
    Fusion,
    LogFormat,
    RetrievalMode,
)
from rag.settings.sections import (
    AnswerSettings,
    ChunkSettings,
    EmbedSettings,
    HttpSettings,
    IndexSettings,
    RetrievalSettings,
)
from rag.settings.environment import Settings, environment_variables, parse_value
from rag.settings.machine import MAX_QUESTION_THREADS, ThreadPlan, cpu_name, cpu_signature, thread_plan, usable_cores

__all__ = [
    "DEFAULT_ANN_THRESHOLD", "DEFAULT_FAISS_THREADS", "MAX_QUESTION_THREADS", "DEFAULT_MODEL", "DENSE_DEPTH",
    "MIN_KEY_CHARS", "AnswerSettings", "ChunkSettings", "EmbedBackend", "EmbedSettings", "Fusion", "HttpSettings",
    "IndexSettings", "LogFormat", "RetrievalMode", "RetrievalSettings", "Settings", "ThreadPlan", "environment_variables",
    "cpu_name", "cpu_signature", "parse_value", "thread_plan", "usable_cores",
]
