"""Unit tests of `mockserver.chatwoot.errors` (every error's status and body, per profile) and
`mockserver.chatwoot.views` (the jbuilder partials, digest §4). No app, no store."""

from __future__ import annotations

import json

import pytest

from mockserver.chatwoot import errors, views
from mockserver.chatwoot.errors import FieldProblem, RecordInvalid
from mockserver.chatwoot.models import Account, AgentBot, User
from mockserver.chatwoot.profiles import Profile

BOTH = [Profile.DOCS, Profile.CHATWOOT]


# ================================================================= errors
# (class, status, body) identical in both profiles: digest §0 "Canonical error bodies", §3.
SAME_IN_BOTH = [
    (errors.Unauthenticated, 401, {"errors": ["You need to sign in or sign up before continuing."]}),
    (errors.InvalidAccessToken, 401, {"error": "Invalid Access Token"}),
    (errors.BotTokenRejected, 401, {"error": "Access to this endpoint is not authorized for bots"}),
    (errors.AccountSuspended, 401, {"error": "Account is suspended"}),
    (errors.NotAccountMember, 401, {"error": "You are not authorized to access this account"}),
    (errors.NotAuthorized, 401, {"error": "You are not authorized to do this action"}),
    (errors.ResourceNotFound, 404, {"error": "Resource could not be found"}),
]


@pytest.mark.parametrize("profile", BOTH, ids=lambda p: p.value)
@pytest.mark.parametrize(("cls", "status", "body"), SAME_IN_BOTH, ids=[c.__name__ for c, _, _ in SAME_IN_BOTH])
def test_chatwoot_errors_same_in_both_profiles(cls, status, body, profile):
    error = cls()
    assert error.status == status
    assert error.body(profile) == body
    assert error.headers() == {}
    assert isinstance(error, errors.ChatwootError)


def test_unauthenticated_is_the_only_plural_errors_body():
    # digest §0: "All use the {"error": ...} form except the devise 401 and the validation 422."
    for cls, _, _ in SAME_IN_BOTH:
        body = cls().body(Profile.CHATWOOT)
        assert ("errors" in body) == (cls is errors.Unauthenticated)


@pytest.mark.parametrize(("profile", "body"), [
    (Profile.CHATWOOT, {"error": "Resource could not be found"}),  # digest §0
    (Profile.DOCS, {"error": "Inbox not found"}),  # the spec's info: the docs page's text
])
def test_inbox_not_found(profile, body):
    error = errors.InboxNotFound()
    assert error.status == 404
    assert error.body(profile) == body
    assert isinstance(error, errors.ResourceNotFound)


@pytest.mark.parametrize(("profile", "body"), [
    (Profile.CHATWOOT, {"error": "Account limit exceeded. Upgrade to a higher plan"}),  # digest §0, §2.3
    (Profile.DOCS, {"error": "Account limit exceeded. Please upgrade your plan"}),  # the spec's info
])
def test_inbox_limit_exceeded(profile, body):
    error = errors.InboxLimitExceeded()
    assert error.status == 402
    assert error.body(profile) == body


@pytest.mark.parametrize(("name_blank", "body"), [
    (False, {"message": "Channel must exist", "attributes": ["channel"]}),  # digest §2.3
    (True, {"message": "Name can't be blank, Channel must exist", "attributes": ["name", "channel"]}),  # §2.3
])
def test_invalid_channel_type_chatwoot(name_blank, body):
    error = errors.InvalidChannelType(name_blank=name_blank)
    assert error.status == 422
    assert error.body(Profile.CHATWOOT) == body


@pytest.mark.parametrize("name_blank", [False, True])
def test_invalid_channel_type_docs(name_blank):
    # The spec's info: `{"error":"Invalid channel type"}` in the docs profile.
    assert errors.InvalidChannelType(name_blank=name_blank).body(Profile.DOCS) == {"error": "Invalid channel type"}


@pytest.mark.parametrize("profile", BOTH, ids=lambda p: p.value)
def test_record_invalid_joins_messages_and_dedupes_attributes(profile):
    # digest §3.3: full_messages joined by ", ", attributes = errors.attribute_names (each once).
    error = RecordInvalid([
        FieldProblem("name", "Name can't be blank"),
        FieldProblem("timezone", "Timezone is not included in the list"),
        FieldProblem("name", "Name is too long"),
    ])
    assert error.status == 422
    assert error.body(profile) == {
        "message": "Name can't be blank, Timezone is not included in the list, Name is too long",
        "attributes": ["name", "timezone"],
    }


def test_record_invalid_single():
    # digest §6
    error = RecordInvalid.single("user", "User must exist")
    assert error.body(Profile.CHATWOOT) == {"message": "User must exist", "attributes": ["user"]}
    assert str(error) == "User must exist"


@pytest.mark.parametrize(("status", "message"), [
    (400, "Health data only available for WhatsApp Cloud API channels"),  # digest §0, §2.5
    (422, "Template sync is only available for WhatsApp channels"),  # digest §0, §2.5
])
@pytest.mark.parametrize("profile", BOTH, ids=lambda p: p.value)
def test_channel_action_unsupported(status, message, profile):
    error = errors.ChannelActionUnsupported(status, message)
    assert error.status == status
    assert error.body(profile) == {"error": message}


@pytest.mark.parametrize("profile", BOTH, ids=lambda p: p.value)
def test_health_check_failed(profile):
    error = errors.HealthCheckFailed("API key is missing")  # digest §2.5
    assert error.status == 422
    assert error.body(profile) == {"error": "API key is missing"}


@pytest.mark.parametrize(("cls", "status"), [
    (errors.MalformedBody, 400),
    (errors.UnsupportedMediaType, 415),
    (errors.PayloadTooLarge, 413),
    (errors.RouteNotFound, 404),
])
@pytest.mark.parametrize("profile", BOTH, ids=lambda p: p.value)
def test_request_errors(cls, status, profile):
    error = cls("something went wrong")
    assert error.status == status
    assert error.body(profile) == {"error": "something went wrong"}
    assert isinstance(error, errors.RequestError)
    assert not isinstance(error, errors.ChatwootError)


def test_default_messages_are_not_empty():
    for cls in (errors.PayloadTooLarge, errors.RouteNotFound):
        assert cls().body(Profile.CHATWOOT)["error"].strip()


@pytest.mark.parametrize("profile", BOTH, ids=lambda p: p.value)
def test_method_not_allowed(profile):
    error = errors.MethodNotAllowed("POST", ["GET", "PATCH", "GET", "DELETE", "PUT"])
    assert error.status == 405
    allow = [m.strip() for m in error.headers()["Allow"].split(",")]
    assert sorted(allow) == ["DELETE", "GET", "PATCH", "PUT"]  # each method once
    assert "POST" not in allow
    assert isinstance(error.body(profile)["error"], str)
    assert "POST" in error.body(profile)["error"]


def test_request_invalid_names_each_field():
    error = errors.RequestInvalid([
        FieldProblem("user_ids", "'2' is not of type 'integer'"),
        FieldProblem("user_ids", "something else"),
        FieldProblem("inbox_id", "None is not of type 'integer'"),
    ])
    body = error.body(Profile.DOCS)
    assert error.status == 422
    assert list(body) == ["message", "attributes", "errors"]
    assert body["attributes"] == ["user_ids", "inbox_id"]
    # The chatwoot profile answers Chatwoot's body only; the detail is in a header.
    assert list(error.body(Profile.CHATWOOT)) == ["message", "attributes"]
    assert json.loads(error.headers()["X-Mock-Validation-Errors"]) == body["errors"]
    nested = errors.RequestInvalid([FieldProblem("channel.email", "x", path="channel.email"),
                                    FieldProblem("channel[imap_port]", "y"),
                                    FieldProblem("working_hours.0.open_hour", "z")])
    assert nested.body(Profile.CHATWOOT)["attributes"] == ["email", "imap_port", "open_hour"]
    assert body["errors"] == [
        {"attribute": "user_ids", "message": "'2' is not of type 'integer'"},
        {"attribute": "user_ids", "message": "something else"},
        {"attribute": "inbox_id", "message": "None is not of type 'integer'"},
    ]
    for problem in ("'2' is not of type 'integer'", "something else", "None is not of type 'integer'"):
        assert problem in body["message"]


@pytest.mark.parametrize("profile", BOTH)
def test_request_invalid_without_a_named_problem_still_says_what_is_wrong(profile):
    body = errors.RequestInvalid([]).body(profile)
    assert body["message"] == "The request does not match the API's specification"
    assert body["attributes"] == [""]


# ================================================================= views: agent_json (digest §4.4)
AGENT_KEYS = ["id", "account_id", "availability_status", "auto_offline", "confirmed", "email", "provider",
              "available_name", "custom_attributes", "name", "role", "thumbnail", "custom_role_id"]

ACME = Account(1, "Acme Support")
GLOBEX = Account(2, "Globex Help Desk")


def test_agent_json_keys_in_order_with_custom_attributes():
    user = User(2, "Bob Agent", "bob@acme.example", "t", {1: "agent"}, availability_status="busy",
                custom_attributes={"team": "Tier 1"})
    body = views.agent_json(user, ACME)
    assert list(body) == AGENT_KEYS
    assert body["custom_attributes"] == {"team": "Tier 1"}


def test_agent_json_omits_empty_custom_attributes():
    user = User(1, "Alice Admin", "alice@acme.example", "t", {1: "administrator"})
    body = views.agent_json(user, ACME)
    # digest §4.4: custom_attributes "only if present".
    assert list(body) == [k for k in AGENT_KEYS if k != "custom_attributes"]


def test_agent_json_values():
    user = User(1, "Alice Admin", "alice@acme.example", "t", {1: "administrator", 2: "agent"},
                display_name="Alice", availability_status="offline")
    body = views.agent_json(user, GLOBEX)
    # digest §4.4: account_id is Current.account's, role that account's, provider "email",
    # available_name the display_name, thumbnail "" without an avatar.
    assert body["account_id"] == 2
    assert body["role"] == "agent"
    assert body["provider"] == "email"
    assert body["available_name"] == "Alice"
    assert body["name"] == "Alice Admin"
    assert body["availability_status"] == "offline"
    assert body["thumbnail"] == ""
    assert body["custom_role_id"] is None
    assert views.agent_json(user, ACME)["role"] == "administrator"


def test_agent_json_available_name_falls_back_to_name():
    user = User(2, "Bob Agent", "bob@acme.example", "t", {1: "agent"}, display_name=None)
    assert views.agent_json(user, ACME)["available_name"] == "Bob Agent"  # digest §4.4


# ================================================================= views: agent_bot_json (digest §4.4)
AGENT_BOT_KEYS = ["id", "name", "description", "thumbnail", "outgoing_url", "bot_type", "bot_config",
                  "account_id", "access_token", "system_bot"]


def test_agent_bot_json_account_bot():
    bot = AgentBot(7, 1, "Triage", "bot-token-7", outgoing_url="https://bots.example/triage")
    body = views.agent_bot_json(bot)
    assert list(body) == AGENT_BOT_KEYS
    assert body["outgoing_url"] == "https://bots.example/triage"
    assert body["system_bot"] is False
    assert body["bot_type"] == "webhook"
    token = body["access_token"]
    assert list(token) == ["id", "owner_type", "owner_id", "token", "created_at", "updated_at"]
    assert token["owner_type"] == "AgentBot"
    assert token["owner_id"] == 7
    assert token["token"] == "bot-token-7"


def test_agent_bot_json_system_bot_omits_outgoing_url():
    bot = AgentBot(8, None, "Captain", "system-token", outgoing_url="https://should.not/show")
    body = views.agent_bot_json(bot)
    assert list(body) == [k for k in AGENT_BOT_KEYS if k != "outgoing_url"]
    assert body["account_id"] is None
    assert body["system_bot"] is True


# ================================================================= views: web_widget_script (digest §4.2)
def test_web_widget_script_shape():
    script = views.web_widget_script("https://chat.example.com", "abcTOKEN123")
    assert script.startswith("\n    <script>")
    assert script.endswith("</script>\n    ")
    assert "websiteToken: 'abcTOKEN123'" in script
    assert 'var BASE_URL="https://chat.example.com";' in script  # FRONTEND_URL in double quotes
    assert 'BASE_URL+"/packs/js/sdk.js"' in script
    assert "baseUrl: BASE_URL" in script
    assert '})(document,"script");' in script


def test_web_widget_script_whole():
    # digest §4.2, written out line by line: each statement of the function it describes, in order.
    assert views.web_widget_script("https://chat.example.com", "abcTOKEN123") == "\n".join([
        "",
        "    <script>",
        "      (function(d,t) {",
        '        var BASE_URL="https://chat.example.com";',
        "        var g=d.createElement(t),s=d.getElementsByTagName(t)[0];",
        '        g.src=BASE_URL+"/packs/js/sdk.js";',
        "        g.async = true;",
        "        s.parentNode.insertBefore(g,s);",
        "        g.onload=function(){",
        "          window.chatwootSDK.run({",
        "            websiteToken: 'abcTOKEN123',",
        "            baseUrl: BASE_URL",
        "          })",
        "        }",
        '      })(document,"script");',
        "    </script>",
        "    ",
    ])


def test_web_widget_script_indentation():
    lines = views.web_widget_script("https://chat.example.com", "abcTOKEN123").split("\n")
    # digest §4.2: the function's first and last lines at 6 spaces, its statements at 8, the nested
    # `run` call at 10 and its two arguments at 12.
    function_lines = [line for line in lines if "(function(d,t)" in line or '})(document,"script")' in line]
    assert [len(line) - len(line.lstrip(" ")) for line in function_lines] == [6, 6]
    run = next(line for line in lines if "window.chatwootSDK.run(" in line)
    assert run.startswith(" " * 10 + "window")
    token = next(line for line in lines if "websiteToken" in line)
    base = next(line for line in lines if "baseUrl" in line)
    assert token.startswith(" " * 12 + "websiteToken")
    assert base.startswith(" " * 12 + "baseUrl")
    statement = next(line for line in lines if "var BASE_URL" in line)
    assert statement.startswith(" " * 8 + "var")


def test_web_widget_script_with_empty_frontend_url():
    # digest §4.2: BASE_URL is the empty string when FRONTEND_URL is unset.
    script = views.web_widget_script("", "tok")
    assert 'var BASE_URL="";' in script
    assert "websiteToken: 'tok'" in script


def test_health_json_docs():
    # The docs page's body (the spec's DocumentedHealth); it needs nothing from the inbox.
    assert views.health_json(None, Profile.DOCS) == {"status": "healthy", "quality_rating": "green",
                                                     "messaging_limit": "tier_1k"}


# ================================================================= views: bodies share nothing with records
def test_a_body_shares_no_nested_value_with_its_record():
    # A body may be changed on its way out (a drift switch wraps the inbox view); the record must not
    # change with it. Every nested value is the body's own.
    from mockserver import build_store, demo_document
    from mockserver.chatwoot.models import Actor

    store = build_store(demo_document(), Profile.CHATWOOT)
    user = next(u for u in store.users.values() if 1 in u.roles)
    user.custom_attributes = {"team": {"name": "north"}}
    bot = next(b for b in store.agent_bots.values() if not b.system_bot)
    bot.bot_config = {"webhook": {"url": "https://bot.example"}}
    campaign = next(c for c in store.campaigns.values() if c.campaign_type == "one_off")
    campaign.template_params = {"name": "welcome", "processed_params": {"1": "x"}}
    campaign.audience = [{"type": "Label", "id": 1}]
    campaign.trigger_rules = {"url": "https://acme.example", "extra": {"a": 1}}
    account = store.accounts[1]
    urls = views.Urls("https://mock.example")
    inbox = store.inboxes[campaign.inbox_id]
    shown = views.campaign_json(campaign, inbox, None, Actor(user, account), urls)
    assert shown["template_params"] == {"name": "welcome", "processed_params": {"1": "x"}}
    for nested in (views.agent_json(user, account)["custom_attributes"]["team"],
                   views.agent_bot_json(bot)["bot_config"]["webhook"], shown["template_params"]["processed_params"],
                   shown["audience"][0], shown["trigger_rules"]["extra"]):
        nested.clear()
    assert user.custom_attributes == {"team": {"name": "north"}}
    assert bot.bot_config == {"webhook": {"url": "https://bot.example"}}
    assert campaign.template_params == {"name": "welcome", "processed_params": {"1": "x"}}
    assert campaign.audience == [{"type": "Label", "id": 1}]
    assert campaign.trigger_rules == {"url": "https://acme.example", "extra": {"a": 1}}
