"""OpenAPI 3.0 request schemas translated into plain JSON Schema draft 4, for a compiled validator.

openapi-core (through openapi-schema-validator's `OAS30WriteValidator`) is the reference for what a
request body may be; this translation makes a draft-4 validator (jsonschema-rs) give the same
verdict. Draft 4 because OAS 3.0 schemas are draft-4 schemas (boolean `exclusiveMinimum`, and
`integer` excludes 1.0, as the reference's `isinstance(x, int)` does). What the OAS validator does
differently from draft 4, and how it is translated:

- `nullable: true` with a `type`: the type admits null (`type: [T, "null"]`). Without `nullable` a
  null is not of the type; without a `type`, `nullable` changes nothing (OAS 3.0.3).
- `readOnly: true`: in a request any value there is an error (`not: {}`), and a property whose own
  schema says `readOnly` is not `required`. `writeOnly` changes nothing in a request.
- `discriminator` next to `oneOf`/`anyOf`/`allOf`: the branches are not tried; the object's
  discriminating property picks one schema by the `mapping`, or else the component schema of that
  name, and only that one is checked. A missing, empty or unknown value fails.
- A `$ref` does not hide its siblings (the OAS validator checks them; draft 4 would not): a `$ref`
  with siblings becomes `allOf: [{$ref}]` next to them.
- `pattern` is Python's `re.search` and a `format` is the OAS validator's own format checker: both
  become named formats (`Translation.formats`) that the caller implements with exactly those
  functions, because jsonschema-rs's regex engine and format rules differ on edge cases (`$` before
  a final newline, which characters are white space, what an e-mail is). `int32`/`int64` become
  bounds; formats the checker does not know are dropped, as it ignores them.
- `additionalProperties` absent: extra properties are allowed, as in the reference's default.
- Annotations (`description`, `example`, `default`, `x-*`, ...) are dropped, except
  `x-chatwoot-problem` (Chatwoot's wording of a rule) and `x-pattern-problem` (what a value failing
  the schema's `pattern` is, in words), both read by error wording.

`$ref`s to `#/components/schemas/X` point into the `definitions` of one shared resource (`RESOURCE`),
which holds every component schema, so that each document compiles only its own schema.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

COMPONENTS = "#/components/schemas/"
DRAFT4 = "http://json-schema.org/draft-04/schema#"
#: Where the translated component schemas are found: a resource of the validators' registry.
RESOURCE = "urn:chatwoot-inbox-mock:request-schemas"
DEFINITIONS = RESOURCE + "#/definitions/"
#: The keyword marking a discriminator's dispatch (ignored by validators; read by error wording).
DISCRIMINATOR = "x-discriminator"
PATTERN_FORMAT = "x-oas-pattern:"
OAS_FORMAT = "x-oas-format:"
_BOUNDS = {"int32": 1 << 31, "int64": 1 << 63}
_COMBINATORS = ("allOf", "anyOf", "oneOf")
_KEPT = frozenset({
    "multipleOf", "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum", "maxLength", "minLength",
    "maxItems", "minItems", "uniqueItems", "maxProperties", "minProperties", "enum",
    "x-chatwoot-problem",  # ignored by validators; read by error wording (compiled.CHATWOOT_PROBLEM)
    "x-pattern-problem",  # ignored by validators; read by error wording (compiled.PATTERN_PROBLEM)
})
_ASSERTING = _KEPT | {"type", "nullable", "properties", "additionalProperties", "items", "not", "pattern",
                      "format", "readOnly", "required", "discriminator", *_COMBINATORS}


class Translation:
    """A spec's component schemas in draft 4, and the named formats they use."""

    def __init__(self, spec: Mapping[str, Any], known_format: Callable[[str], bool]) -> None:
        """`known_format(name)`: whether the reference validator checks that format."""
        components = spec.get("components", {}).get("schemas", {})
        self._known_format = known_format
        self._names = frozenset(components)
        #: Format name used in the documents -> ("pattern", regex) or ("format", OAS format name).
        self.formats: dict[str, tuple[str, str]] = {}
        #: Every component schema, translated: the resource `RESOURCE` their `$ref`s point into.
        self.resource = {"$schema": DRAFT4, "definitions": {name: self.schema(sub) for name, sub in components.items()}}

    def document(self, schema: Mapping[str, Any]) -> dict[str, Any]:
        """The draft-4 schema of one request body schema of the spec."""
        return {"$schema": DRAFT4, "allOf": [self.schema(schema)]}

    def schema(self, schema: Any) -> Any:
        if not isinstance(schema, Mapping):
            return schema
        ref = schema.get("$ref")
        if isinstance(ref, str):
            target = {"$ref": DEFINITIONS + ref[len(COMPONENTS):] if ref.startswith(COMPONENTS) else ref}
            if not (schema.keys() & _ASSERTING) - {"$ref"}:
                return target
        out: dict[str, Any] = {key: schema[key] for key in _KEPT & schema.keys()}
        all_of: list[Any] = [target] if isinstance(ref, str) else []
        if "type" in schema:
            out["type"] = [schema["type"], "null"] if schema.get("nullable") is True else schema["type"]
        self._children(schema, out, all_of)
        self._required(schema, out)
        self._checks(schema, out, all_of)
        if schema.get("readOnly") is True:
            all_of.append({"not": {}})
        if all_of:
            out["allOf"] = all_of
        return out

    def _children(self, schema: Mapping[str, Any], out: dict[str, Any], all_of: list[Any]) -> None:
        if isinstance(schema.get("properties"), Mapping):
            out["properties"] = {name: self.schema(sub) for name, sub in schema["properties"].items()}
        for key in ("items", "not"):
            if key in schema:
                out[key] = self.schema(schema[key])
        extra = schema.get("additionalProperties")
        if extra is not None:
            out["additionalProperties"] = self.schema(extra) if isinstance(extra, Mapping) else extra
            # Without `properties`, jsonschema-rs reports `additionalProperties: false` as a false
            # schema per key, named by the object's path: no AdditionalProperties error to word.
            out.setdefault("properties", {})
        discriminator = schema.get("discriminator")
        if isinstance(discriminator, Mapping) and any(key in schema for key in _COMBINATORS):
            all_of.append(self._dispatch(discriminator))
            return
        for key in _COMBINATORS:
            if isinstance(schema.get(key), list):
                branches = [self.schema(sub) for sub in schema[key]]
                if key == "allOf":
                    all_of.extend(branches)
                else:
                    out[key] = branches

    @staticmethod
    def _required(schema: Mapping[str, Any], out: dict[str, Any]) -> None:
        """A property whose own schema says `readOnly` is never required of a request."""
        if isinstance(schema.get("required"), list):
            properties = schema.get("properties") or {}
            required = [name for name in schema["required"]
                        if not (isinstance(properties.get(name), Mapping) and properties[name].get("readOnly"))]
            if required:  # draft 4 wants at least one name
                out["required"] = required

    def _checks(self, schema: Mapping[str, Any], out: dict[str, Any], all_of: list[Any]) -> None:
        """`pattern` and `format` as named formats. A schema has one `format` keyword, so a second
        check goes into the `allOf`."""
        checks = []
        if isinstance(schema.get("pattern"), str):
            name = PATTERN_FORMAT + schema["pattern"]
            self.formats[name] = ("pattern", schema["pattern"])
            checks.append(name)
        kind = schema.get("format")
        if kind in _BOUNDS:
            bound = _BOUNDS[kind]  # the reference looks at integers only: -bound <= n < bound
            # The bounds first: of two branches failing once each, the 422 words the first.
            all_of.append({"anyOf": [{"minimum": -bound, "maximum": bound, "exclusiveMaximum": True},
                                     {"not": {"type": "integer"}}]})
        elif isinstance(kind, str) and self._known_format(kind):
            name = OAS_FORMAT + kind
            self.formats[name] = ("format", kind)
            checks.append(name)
        if checks:
            out["format"] = checks[0]
            all_of.extend({"format": name} for name in checks[1:])

    def _dispatch(self, discriminator: Mapping[str, Any]) -> dict[str, Any]:
        """The schema a discriminator picks: one branch per value it maps (explicitly, or implicitly
        by a component's name), each only for objects carrying that value."""
        prop = discriminator.get("propertyName")
        targets = {name: COMPONENTS + name for name in self._names}
        targets.update(discriminator.get("mapping") or {})
        branches = []
        for value, ref in sorted(targets.items()):
            name = ref[len(COMPONENTS):] if isinstance(ref, str) and ref.startswith(COMPONENTS) else None
            # A falsy value fails; a ref that is not a component's cannot be resolved.
            if value and name in self._names:
                branches.append({"required": [prop], "properties": {prop: {"enum": [value]}},
                                 "allOf": [{"$ref": DEFINITIONS + name}]})
        return {"type": "object", "anyOf": branches or [{"not": {}}], DISCRIMINATOR: prop}
