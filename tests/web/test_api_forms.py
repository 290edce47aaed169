"""Inbox create and update as multipart forms (the avatar upload path): validated as the form they
are, then as the JSON body they become, so a form never passes what JSON would not."""

from __future__ import annotations

import io
import re

from conftest import GIF

from mockserver import resources
from mockserver.chatwoot.profiles import Profile


def form(client, method, path, fields):
    return client.request(method, path, content_type="multipart/form-data", data=fields)


def urlencoded(client, method, path, fields):
    return client.request(method, path, content_type="application/x-www-form-urlencoded", data=fields)


def test_form_create_casts_values_the_rails_way(admin):
    response = form(admin, "POST", "/inboxes", {
        "name": "Form widget", "channel[type]": "web_widget", "channel[website_url]": "https://f.example",
        "greeting_enabled": "t", "enable_auto_assignment": "off", "channel[pre_chat_form_enabled]": "1",
        "avatar": (io.BytesIO(GIF), "logo.gif", "image/gif")})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["greeting_enabled"], body["enable_auto_assignment"], body["pre_chat_form_enabled"]) == (
        True, False, True)
    assert body["avatar_url"].endswith("/logo.gif")


def test_form_create_names_the_missing_channel_attribute_as_chatwoot_does(admin):
    before = admin.get("/inboxes").get_json()
    response = form(admin, "POST", "/inboxes", {"name": "No URL", "channel[type]": "web_widget"})
    assert response.status_code == 422
    # digest §2.3: `{"message":"Website url can't be blank","attributes":["website_url"]}`
    assert response.get_json()["message"] == "Website url can't be blank"
    assert response.get_json()["attributes"] == ["website_url"]
    assert admin.get("/inboxes").get_json() == before


def test_form_boolean_any_text_but_false_is_true_and_an_unknown_field_is_refused_in_docs(admin, profile):
    before = admin.get("/inboxes/3").get_json()
    # ActiveModel: any text but the false spellings is true (digest §5.1).
    assert form(admin, "PATCH", "/inboxes/3", {"greeting_enabled": "maybe"}).get_json()["greeting_enabled"] is True
    assert form(admin, "PATCH", "/inboxes/3", {"greeting_enabled": "off"}).get_json()["greeting_enabled"] is False
    unknown = form(admin, "PATCH", "/inboxes/3", {"channel[provider_config]": "x"})
    if profile is Profile.DOCS:  # the documented form has no such field
        assert unknown.status_code == 422
        assert "channel[provider_config]" in unknown.get_json()["message"]
    else:  # Rails drops a parameter it does not permit (an e-mail channel has no provider_config)
        assert unknown.status_code == 200
        assert "provider_config" not in unknown.get_json()
    assert admin.get("/inboxes/3").get_json() == {**before, "greeting_enabled": False}


def test_form_boolean_null_is_refused_and_any_other_text_is_cast(admin):
    # Chatwoot's CW-1567 stop-gap turns a top-level "null" into nil, which these columns refuse as
    # the mock refuses an empty value (README, "Where the mock departs from Chatwoot").
    before = admin.get("/inboxes/3").get_json()
    for text in ("null", ""):
        refused = form(admin, "PATCH", "/inboxes/3", {"greeting_enabled": text})
        assert refused.status_code == 422, (text, refused.get_json())
    assert admin.get("/inboxes/3").get_json() == before
    for text, cast in (("nul", True), ("nulll", True), ("Null", True), ("f", False)):
        answer = form(admin, "PATCH", "/inboxes/3", {"greeting_enabled": text})
        assert answer.status_code == 200, (text, answer.get_json())
        assert answer.get_json()["greeting_enabled"] is cast, text


def test_a_form_integer_beyond_four_bytes_is_refused_and_the_spec_says_so(admin):
    # portal_id is a 4-byte column: Chatwoot fails with a 500 beyond it, the mock answers 422, and
    # the spec's FormInteger pattern admits exactly the 4-byte range (the contract suite generates
    # from it, and a positive case must not be refused).
    pattern = re.compile(resources.load_spec()["components"]["schemas"]["FormInteger"]["pattern"])
    before = admin.get("/inboxes/3").get_json()
    for text in ("2147483648", " 2391584754", "-2147483649"):
        assert not pattern.search(text)
        refused = urlencoded(admin, "PATCH", "/inboxes/3", {"portal_id": text})
        assert refused.status_code == 422, (text, refused.get_json())
        assert refused.get_json()["attributes"] == ["portal_id"]
    assert admin.get("/inboxes/3").get_json() == before
    for text in ("2147483647", "\n 0002147483647", "-2147483648", "7"):
        assert pattern.search(text)
        assert urlencoded(admin, "PATCH", "/inboxes/3", {"portal_id": text}).status_code == 200, text


def test_form_update_takes_any_port_and_applies_the_current_channels_fields(admin):
    # Chatwoot does not check the port's range.
    assert form(admin, "PATCH", "/inboxes/3", {"channel[imap_port]": "70000"}).get_json()["imap_port"] == 70000
    response = form(admin, "PATCH", "/inboxes/3", {"channel[imap_port]": "995", "channel[website_url]": "x"})
    assert response.status_code == 200
    assert response.get_json()["imap_port"] == 995  # cast to an integer (digest §5.1)
    assert response.get_json()["website_url"] is None  # not an e-mail channel's attribute: ignored (§2.4)


def test_whatsapp_provider_outside_the_list_is_refused(admin):
    # digest §2.3: `provider` must be default or whatsapp_cloud ("Provider is not included in the list").
    response = admin.patch("/inboxes/4", json={"channel": {"provider": "twilio"}})
    assert response.status_code == 422
    assert response.get_json() == {"message": "Provider is not included in the list", "attributes": ["provider"]}
    assert admin.get("/inboxes/4").get_json()["provider"] == "whatsapp_cloud"


def test_a_part_without_headers_is_no_parameter(admin):
    # Rack files a nameless part under `text/plain[]`, which no controller permits: the update has no
    # parameters and changes nothing (issue 11: the live contract's "schema-violating request accepted").
    before = admin.get("/inboxes/3").get_json()
    body = b"--XyZ\r\n\r\nsome text\r\n--XyZ--\r\n"
    response = admin.patch("/inboxes/3", data=body, content_type="multipart/form-data; boundary=XyZ")
    assert response.status_code == 200
    assert admin.get("/inboxes/3").get_json() == before


def test_a_form_encoded_body_is_checked_as_the_form_it_is_in_docs(admin, profile):
    # The full contract budget found a form-encoded create with an empty `portal_id=`, and one with
    # `channel[bot_token]` on an API channel, accepted in the docs profile: only the JSON they became
    # was checked. Form-encoded and multipart are now one path; Rails (the chatwoot profile) drops
    # what it does not permit and casts the rest.
    before = admin.get("/inboxes").get_json()
    sent = [{"portal_id": ""}, {"portal_id": "abc"}, {"channel[bot_token]": "123456:" + "A" * 35},
            {"nonsense": "1"}, {"greeting_enabled": "null"}]
    for extra in sent:
        fields = {"name": "Curl API", "channel[type]": "api", **extra}
        answers = [post(admin, "/inboxes", fields) for post in (urlencoded_post, multipart_post)]
        statuses = [answer.status_code for answer in answers]
        if profile is Profile.DOCS or extra == {"greeting_enabled": "null"}:
            assert statuses == [422, 422], (extra, [a.get_json() for a in answers])
            assert answers[0].get_json() == answers[1].get_json()
        else:
            assert statuses == [200, 200], (extra, [a.get_json() for a in answers])
    if profile is Profile.DOCS:
        assert admin.get("/inboxes").get_json() == before
        refused = urlencoded(admin, "PATCH", "/inboxes/3", {"portal_id": ""}).get_json()
        assert refused["message"] == "portal_id: is not an integer from -2147483648 to 2147483647"
        assert refused["attributes"] == ["portal_id"]


def urlencoded_post(client, path, fields):
    return urlencoded(client, "POST", path, fields)


def multipart_post(client, path, fields):
    return form(client, "POST", path, fields)


def test_forms_nest_members_of_lists_and_objects_the_rails_way_in_both_media_types(admin):
    # One bracket group is a form field its schema documents; a member of a list or an object
    # (`working_hours[0][open_hour]`, `channel[selected_feature_flags][]`) is Rails' nesting, judged
    # as the JSON it becomes: taken in multipart as in form-encoded bodies.
    for send in (form, urlencoded):
        hours = send(admin, "PATCH", "/inboxes/1", {"working_hours[0][day_of_week]": "1",
                                                    "working_hours[0][open_hour]": "7"})
        assert hours.status_code == 200, hours.get_json()
        assert hours.get_json()["working_hours"][1]["open_hour"] == 7
        flags = send(admin, "PATCH", "/inboxes/1", {"channel[selected_feature_flags][]": "attachments"})
        assert flags.status_code == 200, flags.get_json()
        assert flags.get_json()["selected_feature_flags"] == ["attachments"]
    members = urlencoded(admin, "POST", "/inbox_members", {"inbox_id": "3", "user_ids[]": ["1", "2"]})
    assert members.status_code == 200, members.get_json()
    assert [a["id"] for a in members.get_json()["payload"]] == [1, 2]


def test_a_nested_form_field_is_still_judged_as_the_json_it_becomes(admin, profile):
    before = admin.get("/inboxes/1").get_json()
    wrong = urlencoded(admin, "PATCH", "/inboxes/1", {"working_hours[0][day_of_week]": "1",
                                                      "working_hours[0][open_hour]": "seven"})
    if profile is Profile.DOCS:  # a row's hour is an integer: "seven" is no spelling of one
        assert wrong.status_code == 422, wrong.get_json()
        assert "open_hour" in wrong.get_json()["message"]
        assert admin.get("/inboxes/1").get_json() == before
    else:  # ActiveModel casts "seven" to 0
        assert wrong.status_code == 200, wrong.get_json()
        assert wrong.get_json()["working_hours"][1]["open_hour"] == 0


def test_a_repeated_form_field_is_its_last_value_as_rack_reads_it(admin, profile):
    encoded = "application/x-www-form-urlencoded"
    before = admin.get("/inboxes/3").get_json()
    last_wrong = admin.patch("/inboxes/3", data=b"channel[imap_port]=995&channel[imap_port]=abc", content_type=encoded)
    if profile is Profile.DOCS:  # "abc" is no form integer
        assert last_wrong.status_code == 422, last_wrong.get_json()
        assert admin.get("/inboxes/3").get_json() == before
    else:  # ActiveModel casts "abc" to 0
        assert (last_wrong.status_code, last_wrong.get_json()["imap_port"]) == (200, 0)
    last_right = admin.patch("/inboxes/3", data=b"channel[imap_port]=abc&channel[imap_port]=995", content_type=encoded)
    assert (last_right.status_code, last_right.get_json()["imap_port"]) == (200, 995), last_right.get_json()


def test_a_field_after_a_nested_member_is_still_checked_against_the_form_in_docs(admin, profile):
    # The nested member is left to the JSON check; the fields after it are still the form's to judge.
    before = admin.get("/inboxes/3").get_json()
    fields = {"working_hours[0][day_of_week]": "1", "working_hours[0][open_hour]": "7", "portal_id": ""}
    answer = urlencoded(admin, "PATCH", "/inboxes/3", fields)
    if profile is Profile.DOCS:  # the form's portal_id is the digits of a 4-byte integer
        assert answer.status_code == 422, answer.get_json()
        assert answer.get_json()["message"] == "portal_id: is not an integer from -2147483648 to 2147483647"
        assert admin.get("/inboxes/3").get_json() == before
    else:  # Rails reads an empty portal_id as nil
        assert answer.status_code == 200, answer.get_json()


def test_an_undocumented_list_field_is_refused_by_its_name_in_docs(admin, profile):
    # `tags[]=a`: a list field the create form does not document; the 422 names the field as sent.
    before = admin.get("/inboxes").get_json()
    answer = urlencoded(admin, "POST", "/inboxes", {"name": "Curl API", "channel[type]": "api", "tags[]": ["a"]})
    if profile is Profile.DOCS:
        assert answer.status_code == 422, answer.get_json()
        assert "'tags[]'" in answer.get_json()["message"]
        assert admin.get("/inboxes").get_json() == before
    else:  # Rails drops what it does not permit
        assert answer.status_code == 200, answer.get_json()


def test_indexed_form_rows_are_taken_in_index_order_past_nine(admin):
    # `working_hours[2]` before `working_hours[10]`, both for Monday: the later row is applied last.
    fields = {"working_hours[2][day_of_week]": "1", "working_hours[2][open_hour]": "7",
              "working_hours[10][day_of_week]": "1", "working_hours[10][open_hour]": "8"}
    answer = urlencoded(admin, "PATCH", "/inboxes/1", fields)
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["working_hours"][1]["open_hour"] == 8


def test_a_form_reads_every_typed_field_of_a_working_hours_row(admin):
    # Rails' column types for a WorkingHour (digest §5.2): the hours and minutes are integers, the
    # all-day flags booleans, in both profiles; the docs profile's JSON check wants those types.
    row = {"day_of_week": "2", "open_hour": "8", "open_minutes": "15", "close_hour": "18", "close_minutes": "30",
           "closed_all_day": "false", "open_all_day": "false"}
    answer = urlencoded(admin, "PATCH", "/inboxes/1", {f"working_hours[0][{k}]": v for k, v in row.items()})
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["working_hours"][2] == {
        "day_of_week": 2, "closed_all_day": False, "open_hour": 8, "open_minutes": 15, "close_hour": 18,
        "close_minutes": 30, "open_all_day": False}
    closed = urlencoded(admin, "PATCH", "/inboxes/1", {"working_hours[0][day_of_week]": "3",
                                                       "working_hours[0][closed_all_day]": "true"})
    assert closed.status_code == 200, closed.get_json()
    assert closed.get_json()["working_hours"][3]["closed_all_day"] is True
    # open_all_day sets the day to 0:00-23:59 (digest §5.2).
    whole_day = urlencoded(admin, "PATCH", "/inboxes/1", {"working_hours[0][day_of_week]": "4",
                                                          "working_hours[0][open_all_day]": "true"})
    assert whole_day.status_code == 200, whole_day.get_json()
    assert whole_day.get_json()["working_hours"][4] == {
        "day_of_week": 4, "closed_all_day": False, "open_hour": 0, "open_minutes": 0, "close_hour": 23,
        "close_minutes": 59, "open_all_day": True}


def test_an_assignment_policy_form_reads_its_boolean_and_numbers(admin):
    fields = {"assignment_policy[name]": "Form-made", "assignment_policy[enabled]": "false",
              "assignment_policy[fair_distribution_limit]": "5", "assignment_policy[fair_distribution_window]": "60"}
    answer = urlencoded(admin, "POST", "/assignment_policies", fields)
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert (body["name"], body["enabled"], body["fair_distribution_limit"], body["fair_distribution_window"]) == (
        "Form-made", False, 5, 60)
