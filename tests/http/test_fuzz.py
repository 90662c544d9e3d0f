"""Property-based fuzzing of the real app against its own OpenAPI schema (schemathesis).

For every operation, schema-valid (positive) and schema-violating (negative) requests are
generated, a bounded number each, deterministically (same examples on every CI run), and
sent with an API key to the app configured with keys. Every response must pass
schemathesis' checks: no 5xx, status codes, content types, headers and bodies as the
schema documents them, invalid data rejected, valid data accepted, and no route that
ignores authentication.
"""

from __future__ import annotations

import collections
from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from litestar import Litestar
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from rag.http.app import create_app
from rag.settings import Settings
from rag.embedding import SentenceTransformerEmbedder
from rag.service import QAService
from tests.conftest import live_copy

ADMIN_KEY = "fuzz-admin-key-0123456789"
API_KEY = "fuzz-api-key-0123456789"
AUTH = {"X-API-Key": ADMIN_KEY}
EXAMPLES = 25
"""Generated requests per operation and mode, at most (the whole file runs in well under a minute)."""
OPERATIONS = [
    ("POST", "/ask"),
    ("GET", "/passages/{passage_id}"),
    ("GET", "/documents"),
    ("GET", "/documents/{doc_id}"),
    ("GET", "/health"),
    ("HEAD", "/health"),
    ("POST", "/admin/reload"),
    ("POST", "/documents"),
    ("PUT", "/documents/{doc_id}"),
    ("DELETE", "/documents/{doc_id}"),
]
# A write's id must carry a reader's suffix and its body must parse: rules the schema cannot
# state, so a schema-valid write may rightly be refused (4xx, never 5xx).
WRITES = {("POST", "/documents"), ("PUT", "/documents/{doc_id}"), ("DELETE", "/documents/{doc_id}")}
NO_INPUT = {("GET", "/documents"), ("GET", "/health"), ("HEAD", "/health"), ("POST", "/admin/reload")}


@pytest.fixture(scope="module")
def fuzzed_app(
    settings: Settings, service: QAService, embedder: SentenceTransformerEmbedder,
    tmp_path_factory: pytest.TempPathFactory,
) -> Litestar:
    """The app with API and admin keys, so authentication is fuzzed too, over a copy of the
    seeds that the write routes may change."""
    live = live_copy(settings, service, embedder, tmp_path_factory.mktemp("fuzzed"))
    keyed = live.settings.with_overrides(api_keys=(API_KEY,), admin_api_keys=(ADMIN_KEY,))
    return create_app(keyed, live)


@pytest.fixture(scope="module")
def api_schema(fuzzed_app: Litestar) -> schemathesis.schemas.BaseSchema:
    """The schema as the app serves it (with a key: the schema route needs one too)."""
    return schemathesis.openapi.from_asgi("/schema/openapi.json", fuzzed_app, headers=AUTH)


@pytest.fixture(scope="module")
def tally() -> Iterator[dict[str, collections.Counter[int]]]:
    """Statuses seen per operation and mode; printed at the end of the module."""
    seen: dict[str, collections.Counter[int]] = {}
    yield seen
    total = sum(sum(counter.values()) for counter in seen.values())
    print(f"\nschemathesis: {total} generated requests, all conforming")
    for label, counter in sorted(seen.items()):
        print(f"  {label}: {sum(counter.values())} requests, statuses {dict(sorted(counter.items()))}")


def test_the_schema_lists_exactly_the_fuzzed_operations(api_schema: schemathesis.schemas.BaseSchema) -> None:
    listed = {(op.method.upper(), op.path) for op in (result.ok() for result in api_schema.get_all_operations())}
    assert listed == set(OPERATIONS)


def _has_filters(case: schemathesis.Case) -> bool:
    body = case.body if isinstance(case.body, dict) else {}
    filters = body.get("filters")
    return isinstance(filters, dict) and any(value is not None for value in filters.values())


# Operations whose every input is valid have nothing negative to generate.
CASES = [
    (method, path, mode)
    for method, path in OPERATIONS
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    if not (mode is GenerationMode.NEGATIVE and (method, path) in NO_INPUT)
]


@pytest.mark.parametrize(("method", "path", "mode"), CASES, ids=lambda value: str(value))
def test_operation_conforms_to_its_schema(
    api_schema: schemathesis.schemas.BaseSchema,
    tally: dict[str, collections.Counter[int]],
    method: str,
    path: str,
    mode: GenerationMode,
) -> None:
    operation = api_schema[path][method]
    statuses = tally.setdefault(f"{method} {path} ({mode})", collections.Counter())

    @given(case=operation.as_strategy(generation_mode=mode))
    @hypothesis_settings(
        max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )
    def check(case: schemathesis.Case) -> None:
        response = case.call(headers=AUTH)
        # Filters name documents and speakers that must exist and dates that must be ordered:
        # rules no schema can state, so a schema-valid filter may rightly get a 400.
        excluded = [positive_data_acceptance] if _has_filters(case) or (method, path) in WRITES else []
        case.validate_response(response, headers=AUTH, excluded_checks=excluded)
        statuses[response.status_code] += 1

    check()
    assert sum(statuses.values()) >= (1 if (method, path) in NO_INPUT else EXAMPLES // 2)
    assert not any(status >= 500 for status in statuses)
    if mode is GenerationMode.POSITIVE and (method, path) in {("POST", "/ask"), ("GET", "/documents")}:
        assert any(200 <= status < 300 for status in statuses), statuses
