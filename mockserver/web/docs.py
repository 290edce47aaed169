"""The pages a person opens in a browser: the API's docs at `/` and the control API's at `/_mock`
(Swagger UI, whose files come in the flask-swagger-ui package: nothing is fetched at run time), the
two specs as JSON and YAML, and a liveness route. None of them is an API call: they are neither
journaled nor faulted, and they read no state but the token the docs page pre-fills on loopback.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from importlib import resources as package_files

from flask import Blueprint, Response, redirect, render_template, request

from mockserver import resources
from mockserver.control.overview import first_administrator_token
from mockserver.control.runtime import MockRuntime

#: Where Swagger UI's files are served from (under /_mock/: the mock's own, never Chatwoot's).
ASSETS_PATH = "/_mock/assets/swagger-ui"
#: The security scheme of `openapi/inboxes.yaml` that carries `api_access_token`.
TOKEN_SCHEME = "userApiKey"
VERSION = "0.1.0"


def docs_blueprint(runtime: MockRuntime, *, loopback: Callable[[str | None], bool]) -> Blueprint:
    """`loopback(address)`: whether a client is on this machine (only those get a token pre-filled)."""
    blueprint = Blueprint("docs", __name__, template_folder="templates",
                          static_folder=str(package_files.files("flask_swagger_ui") / "dist"),
                          static_url_path=ASSETS_PATH)
    specs = {"": _spec_files(resources.SPEC_PATH, resources.load_spec()),
             "/_mock": _spec_files(resources.CONTROL_SPEC_PATH, resources.load_control_spec())}

    def docs_page(prefix: str) -> str:
        token = first_administrator_token(runtime.store) if not prefix and loopback(request.remote_addr) else None
        return render_template("docs.html", spec_url=f"{prefix}/openapi.json", assets=ASSETS_PATH,
                               control=bool(prefix), token_scheme=TOKEN_SCHEME, token=token,
                               title=specs[prefix]["title"])

    blueprint.add_url_rule("/", "api_docs", lambda: docs_page(""))
    blueprint.add_url_rule("/docs", "api_docs_alias", lambda: redirect("/"))
    blueprint.add_url_rule("/_mock", "control_docs", lambda: docs_page("/_mock"))
    for prefix, files in specs.items():
        for suffix, (body, media_type) in files["bodies"].items():
            blueprint.add_url_rule(f"{prefix}/openapi.{suffix}", f"spec{prefix.replace('/', '_')}_{suffix}",
                                   _constant(body, media_type))

    @blueprint.get("/favicon.ico")
    def favicon() -> Response:
        # What a browser asks every page for: Swagger UI's icon, rather than a journaled 404.
        return blueprint.send_static_file("favicon-32x32.png")

    @blueprint.get("/health")
    def health() -> Response:
        return Response(json.dumps({"status": "ok", "version": VERSION}), content_type="application/json")

    return blueprint


def _spec_files(parts: tuple[str, ...], document: dict) -> dict:
    """A spec as served: its YAML file as written, and its JSON, each encoded once."""
    yaml_text = resources.data_path(*parts).read_bytes()
    return {"title": document["info"]["title"],
            "bodies": {"json": (json.dumps(document).encode(), "application/json"),
                       "yaml": (yaml_text, "application/yaml")}}


def _constant(body: bytes, media_type: str) -> Callable[[], Response]:
    def view() -> Response:
        return Response(body, content_type=media_type)

    return view
