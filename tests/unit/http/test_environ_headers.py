"""EnvironHeaders must show the same headers as werkzeug's request.headers, under lower-case names."""

from __future__ import annotations

import pytest
from pipecat_cloud_mock.http.environ import EnvironHeaders
from werkzeug.datastructures import EnvironHeaders as WerkzeugHeaders
from werkzeug.test import EnvironBuilder

HEADERS = {"Authorization": "Bearer t", "Prefer": "code=404", "X-Custom_Thing": "1", "Content-Type": "text/plain"}


def environ(**extra: str) -> dict[str, object]:
    env = EnvironBuilder(path="/v1/x", headers=HEADERS, data="body" if "Content-Type" in HEADERS else None)
    built = env.get_environ()
    built.update(extra)
    return built


def test_same_headers_as_werkzeug_lower_cased() -> None:
    env = environ()
    expected = {k.lower(): v for k, v in WerkzeugHeaders(env).items()}
    assert dict(EnvironHeaders(env)) == expected
    assert len(EnvironHeaders(env)) == len(expected)
    assert sorted(EnvironHeaders(env).items()) == sorted(expected.items())  # its own one-pass items()


@pytest.mark.parametrize(
    "name", ["authorization", "Authorization", "PREFER", "content-type", "content-length", "x-missing"]
)
def test_lookup_is_case_insensitive_like_werkzeug(name: str) -> None:
    env = environ()
    assert EnvironHeaders(env).get(name) == WerkzeugHeaders(env).get(name)
    assert EnvironHeaders(env).get(name, "default") == WerkzeugHeaders(env).get(name, "default")


def test_empty_content_length_is_no_header_and_absent_is_none() -> None:
    env = environ(CONTENT_LENGTH="", CONTENT_TYPE="")
    assert "content-length" not in EnvironHeaders(env)
    assert "content-length" not in dict(EnvironHeaders(env))
    assert EnvironHeaders(env).get("prefer-not") is None


def test_repr_never_shows_values() -> None:
    assert "Bearer" not in repr(EnvironHeaders(environ()))
