"""The /__admin/ blueprint: routes for tests and tooling, never part of the mocked API."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from ._pipeline import Mock

ADMIN_PREFIX = "/__admin"


def admin_blueprint(mock: Mock) -> Blueprint:
    admin = Blueprint("pipecat_mock_admin", __name__, url_prefix=ADMIN_PREFIX)

    @admin.get("/health")
    def health() -> ResponseReturnValue:
        return jsonify(status="ok")

    return admin
