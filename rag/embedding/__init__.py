"""Embedding: the model resolved offline, its ONNX export, the embedder, and question micro-batching."""

from rag.embedding.embedder import (
    Embedder,
    LazyEmbedder,
    QuestionEncoder,
    SentenceTransformerEmbedder,
    load_embedder,
    load_question_encoder,
    load_sentence_transformer,
)
from rag.embedding.onnx_encoder import OnnxQuestionEncoder
from rag.embedding.models import ResolvedModel, resolve_model
from rag.embedding.onnx_export import export_onnx
from rag.embedding.pooling import Span, SpanVectors
from rag.embedding.threads import QueryThreads, query_threads, with_query_threads

__all__ = [
    "Embedder", "LazyEmbedder", "OnnxQuestionEncoder", "QueryThreads", "QuestionEncoder", "ResolvedModel", "SentenceTransformerEmbedder", "Span", "SpanVectors", "export_onnx",
    "load_embedder", "load_question_encoder", "load_sentence_transformer", "query_threads", "resolve_model",
    "with_query_threads",
]
