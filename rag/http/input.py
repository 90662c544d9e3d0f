"""What the HTTP edge accepts: the /ask body with the configured limits, JSON only, sane ids.

The limits live in the request type, so the OpenAPI schema states exactly what is refused
(a fuzzer reading the schema then knows which requests must succeed).
"""

from __future__ import annotations

import codecs
import re
from typing import TYPE_CHECKING, Annotated, Any

import msgspec
from litestar import Request
from litestar.exceptions import HTTPException, ValidationException
from litestar.serialization import decode_json
from litestar.params import Parameter
from litestar.plugins import OpenAPISchemaPlugin
from litestar.typing import FieldDefinition

from rag.settings import Settings
from rag.errors import InputError
from rag.ingest.uploads import MAX_ID_CHARS, check_relative_id
from rag.types import Filters

if TYPE_CHECKING:
    from litestar._openapi.schema_generation import SchemaCreator
    from litestar.openapi.spec import Schema

_JSON_TYPES = ("application/json",)
# A passage id is a short token (a content hash today); anything else cannot name one.
PASSAGE_ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
PassageId = Annotated[
    str, Parameter(pattern=PASSAGE_ID_PATTERN, max_length=64, description="A passage id, as /ask returns it.")
]
# A document id: '/'-separated segments, none empty, '.' or '..', no backslash or control
# character. Written without lookarounds so that schema-driven generators can use it.
_ANY = r"[^/\\\x00-\x1f\x7f]"
_NOT_DOT = r"[^/\\\x00-\x1f\x7f.]"
_SEGMENT = rf"(?:{_NOT_DOT}{_ANY}*|\.{_NOT_DOT}{_ANY}*|\.\.{_ANY}+)"
DOCUMENT_ID_PATTERN = rf"^{_SEGMENT}(?:/{_SEGMENT})*$"
# Validated by `check_document_id` (the route's path parameter keeps its leading slash, so the
# pattern cannot be checked by the framework); the schema states the same rules.
DocumentId = Annotated[
    str,
    Parameter(
        description="A document id: its path relative to the corpus folder, as GET /documents lists it.",
        schema_extra={"pattern": DOCUMENT_ID_PATTERN, "maxLength": MAX_ID_CHARS},
    ),
]


class AskRequest(msgspec.Struct, forbid_unknown_fields=True):
    """A question; `k` is how many passages to retrieve (default from settings)."""

    question: str
    k: int | None = None
    filters: Filters | None = None


def ask_request_type(settings: Settings) -> type[AskRequest]:
    """`AskRequest` with this deployment's limits (question length, `k` range) as schema constraints."""
    question = Annotated[
        str,
        msgspec.Meta(
            min_length=1, max_length=settings.answer.max_question_chars, pattern=r"\S",
            description=f"The question, in plain language (at most {settings.answer.max_question_chars} characters).",
        ),
    ]
    k = Annotated[
        int,
        msgspec.Meta(ge=1, le=settings.retrieval.max_k, description=f"Passages to retrieve (default {settings.retrieval.default_k})."),
    ]
    return msgspec.defstruct(  # type: ignore[no-any-return]
        "AskRequest",
        [("question", question), ("k", k | None, None), ("filters", Filters | None, None)],
        bases=(AskRequest,),
        forbid_unknown_fields=True,
        module=__name__,
    )


def check_types_strictly(body: Any, request_type: type) -> None:
    """400 for a field of the wrong JSON type (`"k": "5"`) in `body`, the request's JSON as decoded:
    Litestar converts a body to its type leniently, and the API promises a mistyped field is
    refused, not guessed at. A number with a zero fraction (`5.0`) is an integer, as JSON Schema,
    and so the API's schema, counts it."""
    try:
        msgspec.convert(_integral(body), request_type)
    except msgspec.ValidationError as exc:
        message, _, path = str(exc).partition(" - at `$.")
        field = path.rstrip("`") or "body"
        raise ValidationException(detail=f"invalid request body: {field}: {message}",
                                  extra=[{"key": field, "message": message, "source": "body"}]) from None


def _integral(value: Any) -> Any:
    """`value` (decoded JSON) with each float that has no fraction as an int."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _integral(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_integral(item) for item in value]
    return value


def require_json(declared: str) -> None:
    """The `Content-Type` of a body must declare UTF-8 JSON: 415 otherwise, before anything parses it."""
    media_type, *parameters = (part.strip().lower() for part in declared.split(";"))
    json_like = media_type in _JSON_TYPES or (media_type.startswith("application/") and media_type.endswith("+json"))
    if not json_like:
        shown = f"got {declared!r}" if declared else "got none"
        raise HTTPException(
            status_code=415,
            detail=f"the body must be JSON sent with Content-Type: application/json; {shown}",
        )
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip() == "charset" and value.strip().strip('"') not in ("utf-8", "utf8"):
            raise HTTPException(status_code=415, detail=f"JSON bodies must be UTF-8; got charset {value.strip()!r}")


class Utf8JsonRequest(Request[Any, Any, Any]):
    """A request whose JSON body is declared and checked to be UTF-8 before any JSON decoder reads it.

    So a body sent as something else is answered 415, and a body that is not UTF-8 is answered as
    such (400, naming the byte), whichever JSON library and version would otherwise notice first
    and in its own words. Checked here rather than in a route guard: Litestar copies the route
    handler for every guard call, on the event loop of every request.
    """

    async def json(self) -> Any:
        """The decoded body; 415 when it is not declared JSON, `UnicodeDecodeError` (a 400 problem)
        when it is not UTF-8."""
        require_json(self.headers.get("Content-Type", ""))
        body = await self.body()
        body.decode("utf-8")
        if body.startswith(codecs.BOM_UTF8):
            # Some Windows clients put the mark before JSON; RFC 8259 (8.1) lets a parser ignore it.
            return decode_json(body[len(codecs.BOM_UTF8) :], type_decoders=self.route_handler.resolve_type_decoders())
        return await super().json()


def check_document_id(raw: str) -> str:
    """A document id from a URL path: a plain relative path, never one that climbs or is absolute.

    Ids are paths relative to the corpus folder; a lookup never touches the file system, but an
    id that tries to is answered as what it is, an invalid id, not as an unknown document.
    """
    # `{doc_id:path}` keeps the slash that separates it from the route.
    doc_id = raw[1:] if raw.startswith("/") else raw
    if not doc_id:
        raise InputError("a document id is required: GET /documents/{doc_id}")
    check_relative_id(doc_id)
    # The rules above, as the schema states them: what passes them matches this too.
    if not re.fullmatch(DOCUMENT_ID_PATTERN, doc_id):
        raise InputError(f"document id {doc_id!r} does not match {DOCUMENT_ID_PATTERN}")
    return doc_id


class StrictStructSchemaPlugin(OpenAPISchemaPlugin):
    """OpenAPI: structs that refuse unknown fields say so (`additionalProperties: false`).

    Litestar documents every struct as open; a client (or a fuzzer) reading the schema would
    then send extra fields in good faith and get a 400.
    """

    def __init__(self) -> None:
        # Litestar's own struct plugin (not re-exported) does the rest of the work.
        from litestar._openapi.schema_generation.plugins import StructSchemaPlugin

        self._structs = StructSchemaPlugin()

    def is_plugin_supported_field(self, field_definition: FieldDefinition) -> bool:
        """Structs declared with `forbid_unknown_fields=True`."""
        if not self._structs.is_plugin_supported_field(field_definition):
            return False
        info = msgspec.inspect.type_info(field_definition.type_)
        return bool(getattr(info, "forbid_unknown_fields", False))

    def to_openapi_schema(self, field_definition: FieldDefinition, schema_creator: SchemaCreator) -> Schema:
        """Litestar's struct schema, closed to other properties."""
        schema = self._structs.to_openapi_schema(field_definition, schema_creator)
        schema.additional_properties = False
        return schema
