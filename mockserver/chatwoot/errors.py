"""Every error the mock can answer with, one class per error the wire can show.

    MockError                         an answer other than success; `status`, `body(profile)`
    ├── ChatwootError                 errors Chatwoot itself produces (digest §0)
    │   ├── Unauthenticated           401, no or empty token (devise's plural `errors` array)
    │   ├── InvalidAccessToken        401, a token that matches nobody
    │   ├── BotTokenRejected          401, an agent bot's token on an inbox endpoint
    │   ├── AccountSuspended          401
    │   ├── NotAccountMember          401, a user of another account
    │   ├── NotAuthorized             401, a Pundit denial (never 403 in Chatwoot)
    │   ├── ResourceNotFound          404, unknown account, agent bot, ...
    │   │   └── InboxNotFound         404, its text differs in the `docs` profile
    │   ├── InboxLimitExceeded        402, its text differs in the `docs` profile
    │   ├── InvalidChannelType        422, unknown `channel.type`; body differs per profile
    │   ├── RecordInvalid             422, `{"message", "attributes"}` of a failed model validation
    │   ├── ChannelActionUnsupported  400/422, health, sync_templates or csat_template on the wrong channel
    │   ├── ParameterMissing          422 `{"error"}`, `params.require(:x)` found no `x`
    │   ├── UnprocessableAction       422 `{"error"}`, an action's own refusal (a CSAT template without a
    │   │                             message, a Twilio channel that cannot be created)
    │   ├── AssignmentPolicyNotFound  404, an inbox with no assignment policy linked
    │   └── HealthCheckFailed         422, a WhatsApp Cloud inbox whose provider config is incomplete
    └── RequestError                  errors of the HTTP edge, checked before Chatwoot's logic runs
        ├── MalformedBody             400, the body is not JSON (or not a form)
        ├── UnsupportedMediaType      415
        ├── RequestInvalid            422, the request breaks the OpenAPI spec; names each field
        ├── RouteNotFound             404, no such path
        ├── MethodNotAllowed          405, with the `Allow` header
        ├── PayloadTooLarge           413
        └── InjectedFault             any status and body a test asked for (`mockserver.control.faults`)
    ControlError                      errors of the control API under /_mock/ (never Chatwoot's)
    ├── ControlKeyRequired            401, a control key is configured and the request lacks it
    ├── ControlForbidden              403, no key configured and the client is not on loopback
    ├── ControlNotFound               404, no such fault or account
    ├── ControlRequestInvalid         422, a control call the spec admits but the rules refuse
    └── StateDocumentRejected         422, a state document to load is invalid (nothing changes)
    StateNotSaved                     503, the state file could not be written (public or control change)
    ResponseBreaksSpec                500, with validate_responses: the mock's own answer breaks the spec

Errors are raised where the rule lives (the store, the validator, the routing) and rendered in
one place, `mockserver.web.errors`, which asks each error for its body in the active profile.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

from mockserver.chatwoot.profiles import Profile


class MockError(Exception):
    status: int = 500
    #: The `{"error": ...}` text; subclasses with another body shape override `body`.
    message: str = "Internal error"

    def __init__(self, message: str | None = None) -> None:
        if message is not None:
            self.message = message
        super().__init__(self.message)

    def body(self, profile: Profile) -> dict:
        return {"error": self.message}

    def headers(self) -> dict[str, str]:
        return {}

    def complaints(self) -> list[str]:
        """What the request journal records as the request's validation errors: none, unless the
        request itself was malformed (the edge's and the spec's errors say what)."""
        return []


class ChatwootError(MockError):
    """An error real Chatwoot answers with; texts from digest §0 and §2."""


class Unauthenticated(ChatwootError):
    status = 401
    message = "You need to sign in or sign up before continuing."

    def body(self, profile: Profile) -> dict:
        # devise_token_auth renders a plural `errors` array, unlike every other Chatwoot error.
        return {"errors": [self.message]}


class InvalidAccessToken(ChatwootError):
    status = 401
    message = "Invalid Access Token"


class BotTokenRejected(ChatwootError):
    status = 401
    message = "Access to this endpoint is not authorized for bots"


class AccountSuspended(ChatwootError):
    status = 401
    message = "Account is suspended"


class NotAccountMember(ChatwootError):
    status = 401
    message = "You are not authorized to access this account"


class NotAuthorized(ChatwootError):
    status = 401
    message = "You are not authorized to do this action"


class ResourceNotFound(ChatwootError):
    status = 404
    message = "Resource could not be found"


class InboxNotFound(ResourceNotFound):
    def body(self, profile: Profile) -> dict:
        if profile is Profile.DOCS:
            return {"error": "Inbox not found"}
        return super().body(profile)


class InboxLimitExceeded(ChatwootError):
    status = 402
    message = "Account limit exceeded. Upgrade to a higher plan"

    def body(self, profile: Profile) -> dict:
        if profile is Profile.DOCS:
            return {"error": "Account limit exceeded. Please upgrade your plan"}
        return super().body(profile)


@dataclass(frozen=True)
class FieldProblem:
    """One failed rule: the attribute it concerns and Rails' full message for it; `path` is the
    dotted path of the offending field when it is nested (`channel.email`)."""

    attribute: str
    message: str
    path: str = ""


class RecordInvalid(ChatwootError):
    """Rails' `ActiveRecord::RecordInvalid`: full messages joined by ", ", attribute names listed."""

    status = 422

    def __init__(self, problems: Sequence[FieldProblem]) -> None:
        # Never an empty 422: a validator that reports a failure without naming a field (no
        # known one does; a future openapi-core might) still gets a message a client can show.
        self.problems = tuple(problems) or (FieldProblem("", _UNNAMED_PROBLEM),)
        super().__init__(", ".join(p.message for p in self.problems))

    @classmethod
    def single(cls, attribute: str, message: str) -> RecordInvalid:
        return cls([FieldProblem(attribute, message)])

    def body(self, profile: Profile) -> dict:
        attributes = list(dict.fromkeys(p.attribute for p in self.problems))
        return {"message": self.message, "attributes": attributes}


def raise_if_invalid(problems: Sequence[FieldProblem]) -> None:
    """`save!`: the record's failed validations, if any, as `RecordInvalid`."""
    if problems:
        raise RecordInvalid(problems)


class InvalidChannelType(ChatwootError):
    """`channel.type` missing or not one of the seven types POST /inboxes creates.

    Chatwoot builds the inbox with no channel and fails its `belongs_to :channel` validation
    (digest §2.3); the documents name the error "Invalid channel type" instead.
    """

    status = 422
    message = "Invalid channel type"

    def __init__(self, name_blank: bool = False) -> None:
        self.name_blank = name_blank
        super().__init__()

    def body(self, profile: Profile) -> dict:
        if profile is Profile.DOCS:
            return {"error": self.message}
        problems = [FieldProblem("channel", "Channel must exist")]
        if self.name_blank:
            # `validates :name` is declared before `belongs_to :channel`, so its message comes first.
            problems.insert(0, FieldProblem("name", "Name can't be blank"))
        return RecordInvalid(problems).body(profile)


class ChannelActionUnsupported(ChatwootError):
    """health on a non-WhatsApp-Cloud inbox (400), sync_templates on a non-WhatsApp one (422)."""

    def __init__(self, status: int, message: str) -> None:
        self.status = status
        super().__init__(message)


class HealthCheckFailed(ChatwootError):
    status = 422


class ParameterMissing(ChatwootError):
    """`ActionController::ParameterMissing`, rendered by `render_could_not_create_error` (§3.3)."""

    status = 422

    def __init__(self, key: str) -> None:
        super().__init__(f"param is missing or the value is empty: {key}")


class UnprocessableAction(ChatwootError):
    status = 422


class AssignmentPolicyNotFound(ResourceNotFound):
    message = "Assignment policy not found"


class RequestError(MockError):
    """The request never reached Chatwoot's logic: the HTTP edge or the spec refused it."""


class MalformedBody(RequestError):
    status = 400

    def complaints(self) -> list[str]:
        return [self.message]


class UnsupportedMediaType(RequestError):
    status = 415
    complaints = MalformedBody.complaints


class PayloadTooLarge(RequestError):
    status = 413
    message = "Request body is too large"


class RouteNotFound(RequestError):
    status = 404
    message = "Route not found"


class MethodNotAllowed(RequestError):
    status = 405

    def __init__(self, method: str, allowed: Sequence[str]) -> None:
        self.allowed = sorted(set(allowed))
        super().__init__(f"Method {method} is not allowed here; allowed: {', '.join(self.allowed)}")

    def headers(self) -> dict[str, str]:
        return {"Allow": ", ".join(self.allowed)}


_UNNAMED_PROBLEM = "The request does not match the API's specification"


class RequestInvalid(RequestError):
    """The request breaks the OpenAPI spec. Shaped like Chatwoot's 422 so clients that show
    `message` keep working, with `errors` naming each offending field."""

    status = 422

    def __init__(self, problems: Sequence[FieldProblem]) -> None:
        # Never an empty 422: a validator that reports a failure without naming a field (no
        # known one does; a future openapi-core might) still gets a message a client can show.
        self.problems = tuple(problems) or (FieldProblem("", _UNNAMED_PROBLEM),)
        super().__init__(", ".join(p.message for p in self.problems))

    def complaints(self) -> list[str]:
        return [problem.message for problem in self.problems]

    def body(self, profile: Profile) -> dict:
        if profile is Profile.CHATWOOT:
            # Exactly Chatwoot's RecordInvalid: attribute names as Rails gives them (`email`, not
            # `channel.email`); the per-field detail is in the X-Mock-Validation-Errors header.
            return {"message": self.message,
                    "attributes": list(dict.fromkeys(_rails_attribute(p.attribute) for p in self.problems))}
        return {
            "message": self.message,
            "attributes": list(dict.fromkeys(p.attribute for p in self.problems)),
            "errors": self.details(),
        }

    def details(self) -> list[dict[str, str]]:
        return [{"attribute": p.path or p.attribute, "message": p.message} for p in self.problems]

    def headers(self) -> dict[str, str]:
        # ASCII JSON, cut to a size every HTTP stack takes in one header.
        return {VALIDATION_ERRORS_HEADER: json.dumps(self.details())[:4000]}


#: The mock's own header: every field a request broke, and where (`RequestInvalid`).
VALIDATION_ERRORS_HEADER = "X-Mock-Validation-Errors"


def _rails_attribute(name: str) -> str:
    """`channel.email` and `channel[email]` -> `email`; `working_hours.0.open_hour` -> `open_hour`."""
    parts = [p for p in re.split(r"[.\[\]]+", name) if p and not p.isdigit()]
    return parts[-1] if parts else name


class InjectedFault(RequestError):
    """A fault a test injected (`POST /_mock/faults`): its status and body, as given."""

    def __init__(self, status: int, body: object) -> None:
        self.status = status
        self.fault_body = body
        super().__init__(f"injected fault {status}")

    def body(self, profile: Profile) -> dict:
        return self.fault_body  # type: ignore[return-value]  # any JSON value the test chose


class ControlError(MockError):
    """The mock's own control API (`/_mock/`): `{"error": ...}` bodies in every profile."""


class ControlKeyRequired(ControlError):
    status = 401
    message = "This control API needs the control key in the X-Mock-Control-Key header"


class ControlForbidden(ControlError):
    status = 403
    message = ("The control API is open only to loopback clients when no control key is configured "
               "(start the mock with --control-key or MOCK_CONTROL_KEY)")


class ControlNotFound(ControlError):
    status = 404


class ControlRequestInvalid(ControlError):
    status = 422


class StateDocumentRejected(ControlError):
    """Loading refused a document; the message says where it breaks the format or its rules."""

    status = 422


class StateNotSaved(MockError):
    """The state file could not be written, after a public change or a control call: the change
    was undone in memory too, so memory and disk agree (README, "State that survives a restart")."""

    status = 503


class ResponseBreaksSpec(MockError):
    """With `validate_responses`, an answer of the mock breaks the spec: a bug of the mock, named.
    A write answered so is undone (issue 9.12)."""

    status = 500
    message = "mock response breaks the OpenAPI spec"

    def __init__(self, answered: int, details: Sequence[str]) -> None:
        self.answered, self.details = answered, list(details)
        super().__init__()

    def body(self, profile: Profile) -> dict:
        return {"error": self.message, "status": self.answered, "details": self.details}
