"""Whether a form (multipart or form-encoded), as it went over the wire, breaks the spec.

A form carries text only. Schemathesis's negative data for a form (a number where the schema asks
for text, a null, a list for a one-value field, a file part for a text field) often reaches the
mock as text that is valid (`0` -> "0"), or not at all (a null is not sent). Its check
`negative_data_rejection` would then call the mock's 200 "schema-violating request accepted",
although the request the mock received was valid. The contract hook drops exactly those failures:
the ones whose form, read back from the bytes sent, passes the operation's form schema (the last
value of a repeated field, as Rack and the mock's form reader keep it; a file part counts as its
file name). A form that is invalid as sent, and still accepted, stays a failure.
"""

from __future__ import annotations

from email.parser import BytesParser
from email.policy import HTTP
from functools import cache
from typing import Any
from urllib.parse import parse_qsl

from openapi_schema_validator import OAS30WriteValidator

from mockserver import resources
from mockserver.chatwoot.params import documented_form_fields

FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


def sent_fields(body: bytes, content_type: str) -> dict[str, Any] | None:
    """The form's fields as the mock reads them (`params.documented_form_fields`), or None when the
    body is no form."""
    pairs = _encoded_pairs(body) if content_type.split(";")[0].strip().lower() == FORM_TYPES[1] else \
        _multipart_pairs(body, content_type)
    return None if pairs is None else documented_form_fields(pairs)


def _multipart_pairs(body: bytes, content_type: str) -> list[tuple[str, str]] | None:
    message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + body)
    if not message.is_multipart():
        return None
    pairs = []
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        if part.get_filename() is not None:
            pairs.append((name, part.get_filename() or ""))
        else:
            payload = part.get_payload(decode=True)
            pairs.append((name, payload.decode("utf-8", errors="replace") if isinstance(payload, bytes) else ""))
    return pairs


def _encoded_pairs(body: bytes) -> list[tuple[str, str]] | None:
    try:
        return parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(body))
    except (UnicodeDecodeError, ValueError):
        return None


@cache
def _form_validator(operation_id: str, media_type: str) -> Any:
    spec = resources.load_spec()
    for item in spec["paths"].values():
        for operation in item.values():
            if isinstance(operation, dict) and operation.get("operationId") == operation_id:
                schema = operation["requestBody"]["content"][media_type]["schema"]
                return OAS30WriteValidator({**schema, "components": spec["components"]})
    raise KeyError(f"no {media_type} form for {operation_id}")


def valid_as_sent(operation_id: str, body: bytes | str | None, content_type: str) -> bool:
    """Whether the form sent to `operation_id` is one its spec admits."""
    if isinstance(body, str):
        body = body.encode()
    fields = sent_fields(body, content_type) if isinstance(body, bytes) else None
    media_type = content_type.split(";")[0].strip().lower()
    return fields is not None and _form_validator(operation_id, media_type).is_valid(fields)
