"""Request bodies checked by validators compiled once per app (jsonschema-rs), not per request.

Every operation's request body schema, for every media type it accepts, is translated into draft 4
(`oas30`) and compiled when the validator is built; a request then costs one dictionary lookup and
one validation in Rust (tooling notes §7: about 20x less than openapi-core). openapi-core stays the
reference: tests/web/test_validation_agreement.py requires both to give the same verdict on
thousands of generated bodies.

Errors are worded as the openapi-core engine words them (the field's dotted path, Chatwoot's
phrases "can't be blank" and "is not included in the list") but never render the value sent: a
message names the field and the rule, so a huge or hostile body costs nothing to report.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import jsonschema_rs

from mockserver.chatwoot.channels import NOT_BLANK_PATTERN, humanize
from mockserver.chatwoot.errors import FieldProblem, MalformedBody, RequestInvalid, UnsupportedMediaType
from mockserver.web.oas30 import DISCRIMINATOR, OAS_FORMAT, PATTERN_FORMAT, RESOURCE, Translation

_MAX_MESSAGE = 300
_BRACKETED_LEAF = re.compile(r"^.*\[([^\[\]]+)\]$")
_BLANK = "can't be blank"
_NOT_IN_LIST = "is not included in the list"
#: What a format check gets from jsonschema-rs: the string; True when it conforms.
FormatCheck = Callable[[str], bool]


@dataclass(frozen=True)
class _Body:
    """One operation's request body: whether it is required, and a validator per media type."""

    required: bool
    media: Mapping[str, tuple[Any, dict[str, Any]]]  # media type -> (validator, its document)


class CompiledRequestValidator:
    """The `RequestValidator` of the public API: request bodies against the spec, compiled once.

    `format_checks`: an OAS format name -> its check, the reference validator's own functions
    (formats absent from it are not checked, as the reference does not check them).
    `reference`: the validator that decides where jsonschema-rs cannot (a string it cannot
    encode, such as a lone surrogate; nesting deeper than it recurses).
    Compiled validators are keyed by (path template, method, media type); an app serving a
    profile whose request schemas differ builds this from that profile's spec.
    """

    def __init__(self, spec: Mapping[str, Any], format_checks: Mapping[str, FormatCheck],
                 reference: Any = None) -> None:
        translation = Translation(spec, known_format=lambda name: name in format_checks)
        bodies = dict(_request_bodies(spec))
        documents = {key: {media: translation.document(schema) for media, schema in content.items()}
                     for key, (_, content) in bodies.items()}
        formats = {name: _check(kind, arg, format_checks) for name, (kind, arg) in translation.formats.items()}
        registry = jsonschema_rs.Registry([(RESOURCE, translation.resource)])
        self._resource = translation.resource
        self._reference = reference
        # Query, header and cookie parameters are not compiled (the spec has none today): an operation
        # that declares any is checked whole by the reference, never half-checked here.
        self._by_reference = frozenset(_with_parameters(spec)) if reference is not None else frozenset()
        self._bodies = {
            key: _Body(bodies[key][0], {
                # mask: jsonschema-rs's own messages (unused) must not render the value either.
                media: (jsonschema_rs.Draft4Validator(doc, formats=formats, validate_formats=True, registry=registry,
                                                      mask="value"), doc)
                for media, doc in docs.items()})
            for key, docs in documents.items()}

    def validate(self, request: Any) -> None:
        key = (request.path_pattern, request.method.lower())
        if key in self._by_reference:
            self._reference.validate(request)
            return
        body = self._bodies.get(key)
        if body is None:
            return  # the operation takes no body: whatever was sent is ignored
        if request.form is not None:
            value, media_type = dict(request.form), media_type_of(request.content_type) or "multipart/form-data"
        elif not request.body:
            if body.required:  # worded, and answered, as the reference does
                raise RequestInvalid([FieldProblem("", "Missing required request body")])
            return
        else:
            value, media_type = _value(request), media_type_of(request.content_type)
        found = _find_media(body.media, media_type)
        if found is None:
            raise UnsupportedMediaType(
                "Unsupported Content-Type; send application/json (or multipart/form-data to upload an avatar)")
        validator, document = found
        try:
            if validator.is_valid(value):
                return
            errors = list(validator.iter_errors(value)) if _small(value) else [_first_error(validator, value)]
        except Exception:  # jsonschema-rs refuses the value itself (UnicodeEncodeError, recursion)
            if self._reference is None:
                raise
            self._reference.validate(request)
            return
        locator = _Locator(document, self._resource)
        problems = [_problem(error, locator) for error in _closest(errors, locator)]
        raise RequestInvalid(_distinct(problems) or [FieldProblem("", "request does not match the API description")])


#: A refused body with more values than this gets its first problem only: jsonschema-rs builds every
#: error before it yields one (40-200 µs each), and an array of 200,000 wrong items took 87 s.
MAX_REPORTED_VALUES = 300
#: A schema's own 422 wording: {"attribute": ..., "message": ...}, as Chatwoot's model words the rule.
CHATWOOT_PROBLEM = "x-chatwoot-problem"
#: A pattern's meaning in words ("is not an integer from ... to ..."), said instead of the pattern.
PATTERN_PROBLEM = "x-pattern-problem"


def _small(value: Any) -> bool:
    """Whether `value` holds at most MAX_REPORTED_VALUES values (counting stops there)."""
    stack, count = [value], 0
    while stack:
        node = stack.pop()
        count += 1
        if count > MAX_REPORTED_VALUES:
            return False
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return True


def _first_error(validator: Any, value: Any) -> Any:
    try:
        validator.validate(value)
    except jsonschema_rs.ValidationError as error:
        return error
    raise AssertionError("is_valid and validate disagree")  # pragma: no cover


def _request_bodies(spec: Mapping[str, Any]) -> Iterable[tuple[tuple[str, str], tuple[bool, dict[str, Any]]]]:
    """((path, method), (required, {media type: schema})) for every operation with a body."""
    for path, item in spec.get("paths", {}).items():
        for method, operation in item.items():
            request_body = operation.get("requestBody") if isinstance(operation, Mapping) else None
            if isinstance(request_body, Mapping) and "$ref" in request_body:
                request_body = _resolve(spec, request_body["$ref"])
            if isinstance(request_body, Mapping):
                content = {media.lower(): entry.get("schema", {}) for media, entry in
                           request_body.get("content", {}).items()}
                yield (path, method.lower()), (bool(request_body.get("required")), content)


def _with_parameters(spec: Mapping[str, Any]) -> Iterable[tuple[str, str]]:
    """The operations declaring a parameter outside the path (the security header is not one)."""
    for path, item in spec.get("paths", {}).items():
        shared = item.get("parameters") or []
        for method, operation in item.items():
            if not isinstance(operation, Mapping) or method == "parameters":
                continue
            parameters = [_resolve(spec, p["$ref"]) if "$ref" in p else p
                          for p in [*shared, *(operation.get("parameters") or [])]]
            if any(p.get("in") != "path" for p in parameters):
                yield path, method.lower()


def _resolve(document: Mapping[str, Any], ref: str) -> Any:
    """A local `$ref` (`#/components/requestBodies/X`) of the spec."""
    return _walk(document, [p.replace("~1", "/").replace("~0", "~") for p in ref.removeprefix("#/").split("/")])


def _walk(node: Any, parts: Iterable[Any]) -> Any:
    for part in parts:
        node = node[part] if isinstance(node, Mapping) else node[int(part)]
    return node


def _check(kind: str, argument: str, format_checks: Mapping[str, FormatCheck]) -> FormatCheck:
    if kind == "pattern":
        search = re.compile(argument).search  # the reference's `re.search`, not another engine's
        return lambda text: search(text) is not None
    return format_checks[argument]


def media_type_of(content_type: str) -> str:
    """A Content-Type's media type alone, lower-cased (`Multipart/Form-Data; boundary=x` -> `multipart/form-data`)."""
    return content_type.partition(";")[0].strip().lower()


def _find_media(media: Mapping[str, Any], media_type: str) -> Any:
    """The spec's entry for a media type: exact first, then a wildcard (`application/*`)."""
    if media_type in media:
        return media[media_type]
    return next((entry for pattern, entry in media.items() if fnmatch.fnmatchcase(media_type, pattern)), None)


def _value(request: Any) -> Any:
    """The body as the app already parsed it, or parsed here (any other caller)."""
    parsed = getattr(request, "parsed", None)
    if parsed is not None:
        return parsed[0]
    try:
        return json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        raise MalformedBody("Request body is not valid JSON") from None


@dataclass(frozen=True)
class _Locator:
    """Finds the schema an error's keyword sits in: the operation's document or the shared resource."""

    document: Mapping[str, Any]
    resource: Mapping[str, Any]

    def schema_of(self, error: Any) -> Any:
        in_resource = (error.absolute_keyword_location or "").startswith(RESOURCE)
        return _walk(self.resource if in_resource else self.document, error.schema_path[:-1])


def _closest(errors: Iterable[Any], document: _Locator) -> list[Any]:
    """For a `oneOf`/`anyOf` that no branch matched, the errors of the branch that came closest
    (fewest complaints); for a discriminator, of the branch its value picks."""
    closest: list[Any] = []
    for error in errors:
        kind = type(error.kind).__name__
        if kind in ("OneOfNotValid", "AnyOf") and error.kind.context:
            branches = error.kind.context
            schema = document.schema_of(error)
            if isinstance(schema, Mapping) and DISCRIMINATOR in schema:
                closest.extend(_discriminated(error, schema, branches, document))
            else:
                closest.extend(_closest(min(branches, key=len), document))
        else:
            closest.append(error)
    return closest


def _discriminated(error: Any, schema: Mapping[str, Any], branches: list[Any], document: _Locator) -> list[Any]:
    prop = schema[DISCRIMINATOR]
    value = error.instance.get(prop) if isinstance(error.instance, dict) else None
    for branch, errors in zip(schema["anyOf"], branches, strict=False):
        if branch.get("properties", {}).get(prop, {}).get("enum") == [value]:
            return _closest(errors, document)
    return [_Synthetic([*error.instance_path, prop], "Required" if not value else "Enum")]


@dataclass
class _Synthetic:
    """A discriminator's own complaint: its property missing (Required) or unknown (Enum)."""

    instance_path: list[Any]
    kind_name: str
    instance: Any = "?"


def _problem(error: Any, locator: _Locator) -> FieldProblem:
    """A problem named by the field's dotted path, worded without the value sent; or, where the spec
    gives Chatwoot's own words for a rule (`x-chatwoot-problem`: a model validation the spec also
    states), those."""
    if isinstance(error, _Synthetic):
        return _field(error.instance_path, _BLANK if error.kind_name == "Required" else _NOT_IN_LIST, rails=True)
    kind, path = error.kind, list(error.instance_path)
    chatwoot = _chatwoot_problem(error, locator)
    if chatwoot is not None:
        return FieldProblem(chatwoot["attribute"], chatwoot["message"], path=".".join(str(p) for p in path))
    name = type(kind).__name__
    if name == "Required":
        return _field([*path, kind.property], _BLANK, rails=True)
    if name == "Enum":
        return _field(path, _NOT_IN_LIST, rails=True)
    if name == "Type" and error.instance is None:
        return _field(path, _BLANK, rails=True)
    if name == "Format" and kind.format.startswith(PATTERN_FORMAT):
        pattern = kind.format[len(PATTERN_FORMAT):]
        if pattern == NOT_BLANK_PATTERN:
            return _field(path, _BLANK, rails=True)
        meaning = _annotation(error, locator, PATTERN_PROBLEM)
        return _field(path, f"does not match {pattern!r}") if meaning is None else named_problem(path, meaning)
    return _field(path, _wording(name, kind))


def _chatwoot_problem(error: Any, locator: _Locator) -> Mapping[str, str] | None:
    return _annotation(error, locator, CHATWOOT_PROBLEM)


def _annotation(error: Any, locator: _Locator, key: str) -> Any:
    """The error-wording annotation `key` of the schema whose keyword the error broke."""
    try:
        schema = locator.schema_of(error)
    except (KeyError, IndexError, TypeError):
        return None
    return schema.get(key) if isinstance(schema, Mapping) else None


def _wording(name: str, kind: Any) -> str:
    limit = getattr(kind, "limit", None)
    words = {
        "Type": lambda: "is not of type " + ", ".join(repr(t) for t in kind.types),
        "Format": lambda: f"is not a {kind.format.removeprefix(OAS_FORMAT)!r}",
        "MaxLength": lambda: f"is longer than {limit} characters",
        "MinLength": lambda: f"is shorter than {limit} characters",
        "MaxItems": lambda: f"has more than {limit} items",
        "MinItems": lambda: f"has fewer than {limit} items",
        "MaxProperties": lambda: f"has more than {limit} properties",
        "MinProperties": lambda: f"has fewer than {limit} properties",
        "Minimum": lambda: f"is less than the minimum of {limit}",
        "Maximum": lambda: f"is greater than the maximum of {limit}",
        "ExclusiveMinimum": lambda: f"is less than or equal to the minimum of {limit}",
        "ExclusiveMaximum": lambda: f"is greater than or equal to the maximum of {limit}",
        "MultipleOf": lambda: f"is not a multiple of {kind.multiple_of}",
        "UniqueItems": lambda: "has non-unique elements",
        "AdditionalProperties": lambda: "Additional properties are not allowed ({} {} unexpected)".format(
            ", ".join(repr(p) for p in sorted(kind.unexpected)), "was" if len(kind.unexpected) == 1 else "were"),
        "Not": lambda: "may not be sent" if kind.schema == {} else "is valid under a schema it must not match",
        "OneOfMultipleValid": lambda: "is valid under more than one of the given schemas",
        # No FalseSchema: OAS 3.0 has no boolean schema, and jsonschema-rs's one for
        # `additionalProperties: false` without `properties` is one oas30 never writes.
    }
    word = words.get(name)
    return word() if word else "does not match the API description"


def named_problem(path: list[Any], text: str) -> FieldProblem:
    """A problem whose attribute is the field's own name, as Rails names it (a form's
    `assignment_policy[fair_distribution_window]` is `fair_distribution_window`), said with the
    field as sent: "portal_id: is not an integer from ... to ..."."""
    dotted = ".".join(str(p) for p in path)
    named = [p for p in path if isinstance(p, str)]
    leaf = _BRACKETED_LEAF.sub(r"\1", named[-1]) if named else dotted
    return FieldProblem(leaf, f"{dotted}: {text}"[:_MAX_MESSAGE], path=dotted)


def _field(path: list[Any], text: str, rails: bool = False) -> FieldProblem:
    """Chatwoot's "Website url can't be blank" on attribute `website_url` for a rule a Rails model
    validation also makes; otherwise the dotted path and the rule."""
    dotted = ".".join(str(p) for p in path)
    named = [p for p in path if isinstance(p, str)]
    if rails and named:
        leaf = _BRACKETED_LEAF.sub(r"\1", named[-1])  # a form's `channel[website_url]` -> website_url
        return FieldProblem(leaf, f"{humanize(leaf)} {text}", path=dotted)
    message = f"{dotted}: {text}" if dotted else f"Request body {text}"
    return FieldProblem(dotted, message[:_MAX_MESSAGE], path=dotted)


def _distinct(problems: list[FieldProblem]) -> list[FieldProblem]:
    """One problem per field (a body that is not an object is complained of once per `allOf` part),
    and each of Chatwoot's sentences once (ten wrong flags: "Selected feature flags is not included in
    the list", once, as Rails says it)."""
    seen: dict[Any, FieldProblem] = {}
    for problem in problems:
        if (problem.attribute, problem.message) not in seen:
            seen.setdefault(problem.path or problem.attribute, problem)
            seen.setdefault((problem.attribute, problem.message), problem)
    return list(dict.fromkeys(seen.values()))
