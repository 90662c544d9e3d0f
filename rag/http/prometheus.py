"""Prometheus metrics at `/metrics`: requests and latencies by route and status, the index served.

Each app owns its registry (no process-wide default registry), so two apps in one process
(tests) never mix their counts. Index figures are read from the service at scrape time, so
they follow a reload without bookkeeping.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from litestar import Response, get
from litestar.datastructures import State
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, InfoMetricFamily, Metric
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from rag.service import QAService

# Seconds; /ask is tens of milliseconds on the target machine, listing routes far less.
_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class HttpMetrics:
    """The registry of one app and the HTTP metrics recorded into it."""

    def __init__(self, service: Callable[[], QAService | None]) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "rag_http_requests", "HTTP requests answered, by method, route template and status",
            ("method", "route", "status"), registry=self.registry,
        )
        self.latency = Histogram(
            "rag_http_request_duration_seconds", "Time to answer an HTTP request, by method, route and status",
            ("method", "route", "status"), buckets=_LATENCY_BUCKETS, registry=self.registry,
        )
        self.reloads = Counter(
            "rag_index_reloads", "Index reloads requested through the admin route, by outcome",
            ("outcome",), registry=self.registry,
        )
        self.writes = Counter(
            "rag_document_writes", "Document writes by kind (put, delete) and outcome (created, replaced, "
            "unchanged, deleted, refused)", ("kind", "outcome"), registry=self.registry,
        )
        self.registry.register(_IndexCollector(service))

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one answered request and its latency."""
        labels = (method, route, str(status))
        self.requests.labels(*labels).inc()
        self.latency.labels(*labels).observe(seconds)

    def exposition(self) -> bytes:
        """Everything in the registry, in Prometheus' text format."""
        return generate_latest(self.registry)


class _IndexCollector(Collector):
    """The index being served: its size, build, and the embedding model."""

    def __init__(self, service: Callable[[], QAService | None]) -> None:
        self._service = service

    def collect(self) -> Iterator[Metric]:
        """Read the live index once per scrape."""
        service = self._service()
        loaded = GaugeMetricFamily("rag_index_loaded", "1 when an index is loaded and served, else 0")
        loaded.add_metric([], 0 if service is None else 1)
        yield loaded
        if service is None:
            return
        # The counts the health route reports, from one read of the served index.
        health = service.health()
        manifest = service.index.manifest
        for name, documentation, value in (
            ("rag_index_documents", "Documents in the served index", health.documents),
            ("rag_index_passages", "Passages in the served index", health.passages),
            ("rag_index_sentences", "Distinct sentences with vectors in the build underneath", manifest.n_sentences),
            ("rag_index_pending_documents", "Documents written since the build, not yet compacted into one",
             health.pending_documents),
        ):
            gauge = GaugeMetricFamily(name, documentation)
            gauge.add_metric([], value)
            yield gauge
        info = InfoMetricFamily("rag_index", "The served index build and the embedding model it was built with")
        info.add_metric([], {
            "build_id": manifest.build_id, "version": health.version, "model": manifest.model.name,
            "model_sha256": manifest.model.weights_sha256[:16], "dimension": str(manifest.model.dimension),
        })
        yield info


# Litestar adds `charset=utf-8` to a text/* type itself: given prometheus_client's type, which
# names it already, the header said it twice, which strict scrapers refuse to parse.
_EXPOSITION_TYPE = CONTENT_TYPE_LATEST.replace("; charset=utf-8", "")


@get("/metrics", include_in_schema=False, sync_to_thread=False, media_type=_EXPOSITION_TYPE)
def metrics_endpoint(state: State) -> Response[bytes]:
    """Prometheus scrape target."""
    metrics: HttpMetrics = state.metrics
    return Response(metrics.exposition(), media_type=_EXPOSITION_TYPE)
