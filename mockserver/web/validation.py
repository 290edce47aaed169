"""Checking requests (and, for tests, responses) against the OpenAPI spec.

The rest of the mock sees only `IncomingRequest`, `RequestValidator` and `ResponseValidator`, so
the engine behind them (openapi-core today) can be swapped for a faster one without touching the
app. The spec is loaded once per validator; validators are built once per app.

openapi-core is used in validate-only mode (`iter_*_errors`): unmarshalling costs about 10x more
on lists and we never need its typed values (tooling notes §1). It is imported, and its view of a
spec built, on a validator's first use: the public API's requests are checked by the compiled
validators, so a served mock that is only called on its public API never loads it (importing it
and building its view of the two specs was about 20 MB of the served process: bench/bench_state.py).
openapi-schema-validator (its format checker, the forms' validator class) and `referencing` are
imported on first use too: importing the former imports pydantic and pydantic-settings (its
settings), about 0.4 s of CPU that every start paid before it could answer (python -X importtime).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from werkzeug.datastructures import Headers, ImmutableMultiDict

from mockserver.chatwoot.channels import NOT_BLANK_PATTERN, humanize
from mockserver.chatwoot.errors import FieldProblem, MalformedBody, RequestInvalid, UnsupportedMediaType
from mockserver.web.compiled import (
    PATTERN_PROBLEM,
    CompiledRequestValidator,
    FormatCheck,
    media_type_of,
    named_problem,
)

_MAX_MESSAGE = 300


@dataclass(slots=True)
class IncomingRequest:
    """What a validator needs to know of a request, independent of the web framework. Validators
    read it and never change it (not frozen: a frozen dataclass costs every write 2-3 µs to build)."""

    method: str
    path: str
    #: The spec's path template, e.g. `/api/v1/accounts/{account_id}/inboxes/{id}`.
    path_pattern: str
    path_params: Mapping[str, Any]
    content_type: str = ""
    body: bytes | None = None
    query: Mapping[str, Any] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    host_url: str = "http://localhost"
    #: A form's fields (multipart or form-encoded), already parsed: text, a list of texts for a
    #: `name[]` field, a file as its name. None for other bodies.
    form: Mapping[str, Any] | None = None
    #: The JSON body as the app parsed it, in a 1-tuple (a body may be `null`); None: not parsed.
    parsed: tuple[Any] | None = None


class RequestValidator(Protocol):
    def validate(self, request: IncomingRequest) -> None:
        """Raise `MalformedBody` (400), `UnsupportedMediaType` (415) or `RequestInvalid` (422)."""


class ResponseValidator(Protocol):
    def response_errors(self, request: IncomingRequest, status: int, content_type: str,
                        body: bytes) -> list[str]:
        """Every way a response breaks the spec, as readable strings; empty when it conforms."""


def compiled_request_validator(spec: Mapping[str, Any]) -> CompiledRequestValidator:
    """The public API's request validator: bodies checked by validators compiled once per process
    for each spec document (`compiled`), with the reference validator's own format checks.
    Compiling takes 30-90 ms and the test suite builds hundreds of apps from the one cached spec;
    the validator is immutable, so apps share it."""
    return _compiled(_Same(spec))


@dataclass(frozen=True, eq=False)
class _Same:
    """A spec document as a cache key: the same object, not an equal one (dicts do not hash)."""

    spec: Mapping[str, Any]

    def __hash__(self) -> int:
        return id(self.spec)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Same) and other.spec is self.spec


@functools.lru_cache(maxsize=8)
def _compiled(key: _Same) -> CompiledRequestValidator:
    return CompiledRequestValidator(key.spec, _ReferenceFormats(), reference=OpenAPICoreValidator(key.spec))


def _oas30_write_validator() -> Any:
    """openapi-schema-validator's `OAS30WriteValidator`, imported on first use (the module docstring
    says why); once imported, this is a look-up in `sys.modules`."""
    from openapi_schema_validator import OAS30WriteValidator

    return OAS30WriteValidator


class _ReferenceFormats:
    """The reference validator's format checks, as `CompiledRequestValidator` asks for them (`name in
    formats`, `formats[name]`): `OAS30WriteValidator.FORMAT_CHECKER.conforms(text, name)`, the
    library imported by the first check that runs, not by compiling. So every name is in it: the
    library's `conforms` passes any value for a format it has no check for, which is what leaving
    that format out of the compiled schema did (tests/web/test_compiled_validator.py)."""

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str)

    def __getitem__(self, name: str) -> FormatCheck:
        return functools.partial(self._conforms, name)

    @functools.cached_property
    def _checker(self) -> Any:
        return _oas30_write_validator().FORMAT_CHECKER

    def _conforms(self, name: str, text: str) -> bool:
        return self._checker.conforms(text, name)


class _CoreRequest:
    """openapi-core's request protocol over an `IncomingRequest`. Giving `path_pattern` spares
    openapi-core its path search, which grows with the number of paths (tooling notes §1)."""

    def __init__(self, request: IncomingRequest) -> None:
        self.host_url = request.host_url
        self.path = request.path
        self.path_pattern = request.path_pattern
        self.method = request.method.lower()
        self.body = request.body
        # Only the media type is case-insensitive: a multipart boundary must keep its case.
        media_type, _, parameters = request.content_type.partition(";")
        self.content_type = media_type.strip().lower() + (f";{parameters}" if parameters else "")
        from openapi_core.datatypes import RequestParameters  # the module is loaded once openapi-core is

        self.parameters = RequestParameters(
            path=dict(request.path_params),
            query=ImmutableMultiDict(request.query),
            header=Headers(dict(request.headers)),
            cookie=ImmutableMultiDict(),
        )


class _CoreResponse:
    def __init__(self, status: int, content_type: str, body: bytes) -> None:
        self.status_code = status
        self.content_type = content_type
        self.headers = Headers({"Content-Type": content_type} if content_type else {})
        self.data = body


class OpenAPICoreValidator:
    """Request and response validation by openapi-core, errors turned into the mock's errors."""

    def __init__(self, spec: Mapping[str, Any]) -> None:
        self._spec = spec
        self._form_validators: dict[tuple[str, str, str], Any] = {}

    @functools.cached_property
    def _openapi(self) -> Any:
        """openapi-core's view of the spec, made on first use (two threads may both make it: the
        same view, one kept). The spec is checked by its own test (tests/test_spec.py); checking it
        again for every app would cost about 0.08 s each time."""
        from openapi_core import Config, OpenAPI

        return OpenAPI.from_dict(dict(self._spec), config=Config(spec_validator_cls=None))

    @functools.cached_property
    def _registry(self) -> Any:
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT4

        return Registry().with_resource(_SPEC_URI, Resource(contents=dict(self._spec), specification=DRAFT4))

    def validate(self, request: IncomingRequest) -> None:
        if request.form is not None:
            self._validate_form(request)
            return
        try:
            errors = list(self._openapi.iter_request_errors(_CoreRequest(request)))
        except Exception as crash:  # openapi-core itself raises on some inputs (tooling notes §6.6)
            raise RequestInvalid([FieldProblem("", f"request could not be validated: {_text(crash)}")]) from None
        if errors:
            raise _to_mock_error(errors)

    def response_errors(self, request: IncomingRequest, status: int, content_type: str,
                        body: bytes) -> list[str]:
        errors = self._openapi.iter_response_errors(_CoreRequest(request), _CoreResponse(status, content_type, body))
        return [_text(error, limit=2000) + _schema_detail(error) for error in errors]


    def _validate_form(self, request: IncomingRequest) -> None:
        """Forms are checked with jsonschema against the operation's schema for the form's media
        type: openapi-core's own multipart reader asserts on some bodies and ignores fields a schema
        declares through `allOf`/`oneOf` (tooling notes §6)."""
        media_type = media_type_of(request.content_type)
        validator = self._form_validator(request.path_pattern, request.method.lower(), media_type)
        if validator is None:
            raise UnsupportedMediaType(f"This operation takes no {media_type} body")
        errors = list(validator.iter_errors(dict(request.form)))
        if errors:
            raise RequestInvalid(_distinct([_form_problem(e) for e in _closest(errors)]))

    def _form_validator(self, path_pattern: str, method: str, media_type: str) -> Any:
        key = (path_pattern, method, media_type)
        if key not in self._form_validators:
            content = (self._spec.get("paths", {}).get(path_pattern, {}).get(method, {})
                       .get("requestBody", {}).get("content", {}))
            schema = content.get(media_type, {}).get("schema")
            oas30_write_validator = _oas30_write_validator()
            self._form_validators[key] = None if schema is None else oas30_write_validator(
                {"$ref": _form_schema_uri(path_pattern, method, media_type)}, registry=self._registry,
                format_checker=oas30_write_validator.FORMAT_CHECKER)
        return self._form_validators[key]


_SPEC_URI = "urn:chatwoot-inbox-mock:spec"


def _form_schema_uri(path_pattern: str, method: str, media_type: str) -> str:
    """Where an operation's form schema is in the spec: validated there, its `$ref`s (its own or its
    properties') resolve inside the spec. (A copy given the spec's URI as its `$id` took the spec's
    place, so that a property's `$ref` pointed into the copy, at nothing.)"""
    pointer = "/".join(part.replace("~", "~0").replace("/", "~1")
                       for part in ("paths", path_pattern, method, "requestBody", "content", media_type, "schema"))
    return f"{_SPEC_URI}#/{pointer}"


def _closest(errors: list[Any]) -> list[Any]:
    """For a `oneOf` that no branch matched, the errors of the branch that came closest (fewest
    complaints), instead of jsonschema's single "not valid under any of the given schemas"."""
    closest = []
    for error in errors:
        if error.validator == "oneOf" and error.context:
            branches: dict[Any, list[Any]] = {}
            for sub in error.context:
                branches.setdefault(sub.schema_path[0], []).append(sub)
            closest.extend(_closest(min(branches.values(), key=len)))
        else:
            closest.append(error)
    return closest


def _to_mock_error(errors: Iterable[BaseException]) -> Exception:
    problems: list[FieldProblem] = []
    for error in errors:
        cause_name = type(error.__cause__).__name__  # "NoneType" for none
        if cause_name == "MediaTypeNotFound":
            return UnsupportedMediaType(
                "Unsupported Content-Type; send application/json (or multipart/form-data to upload an avatar)")
        if cause_name == "MediaTypeDeserializeError":
            return MalformedBody(f"Request body could not be read: {_text(error.__cause__)}")
        problems.extend(_problems_of(error))
    return RequestInvalid(_distinct(problems))  # each error gives one problem or more


def _distinct(problems: list[FieldProblem]) -> list[FieldProblem]:
    """One problem per field: jsonschema reports a null for a string twice (not nullable, not a
    string), and a body that is not an object once per `allOf` part."""
    seen: dict[str, FieldProblem] = {}
    for problem in problems:
        seen.setdefault(problem.path or problem.attribute, problem)
    return list(seen.values())


def _problems_of(error: BaseException) -> list[FieldProblem]:
    details = getattr(error, "details", None)
    schema_errors = details.get("schema_errors") if isinstance(details, Mapping) else None
    cause = error.__cause__
    # A parameter's error (openapi-core's ParameterValidationError) has its name; a body's has none.
    name = getattr(error, "name", None)
    if schema_errors:
        # A parameter's complaint is about the parameter itself: name it (`status: 'abc' does not match ...`).
        base = [name] if name else []
        return [_problem(base + list(e["path"]), str(e["message"])) for e in schema_errors]
    return [FieldProblem(str(name or ""), _text(cause or error))]


_REQUIRED = re.compile(r"^'(?P<name>[^']+)' is a required property$")
_BRACKETED_LEAF = re.compile(r"^.*\[([^\[\]]+)\]$")
_BLANK_PATTERN = re.compile(re.escape(f"does not match {NOT_BLANK_PATTERN!r}") + "$")


def _problem(path: list[Any], message: str) -> FieldProblem:
    """Name the field by its dotted path. Where jsonschema's complaint is one a Rails model
    validation also makes (blank, not in a list), word it as Chatwoot's 422 does:
    "Website url can't be blank" on attribute `website_url`."""
    required = _REQUIRED.match(message)
    if required:
        path = [*path, required["name"]]
        rails_phrase = "can't be blank"
    elif _BLANK_PATTERN.search(message) or message.endswith(" for not nullable"):
        rails_phrase = "can't be blank"
    elif " is not one of " in message:
        rails_phrase = "is not included in the list"
    else:
        rails_phrase = None
    dotted = ".".join(str(p) for p in path)
    named = [p for p in path if isinstance(p, str)]
    if rails_phrase and named:
        leaf = _BRACKETED_LEAF.sub(r"\1", named[-1])  # a form's `channel[website_url]` -> website_url
        return FieldProblem(leaf, f"{humanize(leaf)} {rails_phrase}", path=dotted)
    text = f"{dotted}: {message}" if dotted else message
    return FieldProblem(dotted, text[:_MAX_MESSAGE], path=dotted)


def _form_problem(error: Any) -> FieldProblem:
    meaning = error.schema.get(PATTERN_PROBLEM) if error.validator == "pattern" else None
    if meaning is not None:  # the pattern's meaning in words, not the pattern
        return named_problem(list(error.absolute_path), meaning)
    return _problem(list(error.absolute_path), error.message)


def _schema_detail(error: BaseException) -> str:
    try:
        details = getattr(error, "details", None)
    except Exception:  # openapi-core words its details with str(), which fails on a non-UTF-8 body
        return ""
    if isinstance(details, Mapping) and details.get("schema_errors"):
        return " " + "; ".join(f"{'.'.join(map(str, e.get('path') or []))}: {e.get('message')}"
                               for e in details["schema_errors"])
    return ""


def _text(error: BaseException | None, limit: int = _MAX_MESSAGE) -> str:
    """str(error), safely: openapi-core puts whole bodies in messages, and some of its errors
    fail to format a non-UTF-8 body (tooling notes §2)."""
    try:
        text = str(error) or type(error).__name__
    except Exception:
        text = type(error).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"
