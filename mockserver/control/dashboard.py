"""The dashboard (`/_mock/ui`): the running mock's accounts, users, inboxes, journal, faults and
switches on one page, for a developer at their desk and for a demo.

A Jinja template lays the page out (sections, forms, the operations a fault can target) and a little
plain JavaScript (`static/dashboard.js`) fills it from the control API, the only way it reads or
changes anything, with the control key when the user gives one: so it obeys the control API's access
rule by construction. No build step. Without a control key the page itself is refused (403) to a
client not on loopback, as the control API would refuse its calls.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from flask import Blueprint, render_template, request

from mockserver.control.api import CONTROL_KEY_HEADER, CONTROL_PREFIX

UI_PATH = CONTROL_PREFIX + "/ui"


def dashboard_blueprint(operation_ids: Sequence[str], *, key_required: bool,
                        loopback: Callable[[str | None], bool]) -> Blueprint:
    """`operation_ids`: the public API's operations, for the fault form; `key_required`: whether the
    control API asks for a key (the page then asks the user for it)."""
    blueprint = Blueprint("dashboard", __name__, template_folder="templates", static_folder="static",
                          static_url_path=UI_PATH + "/static")

    @blueprint.get(UI_PATH)
    def dashboard() -> tuple[str, int]:
        refused = not key_required and not loopback(request.remote_addr)
        page = render_template("dashboard.html", operation_ids=operation_ids, key_required=key_required,
                               key_header=CONTROL_KEY_HEADER, refused=refused, prefix=CONTROL_PREFIX)
        return page, 403 if refused else 200

    return blueprint
