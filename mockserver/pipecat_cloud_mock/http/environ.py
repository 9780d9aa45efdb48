"""Request headers straight from the WSGI environ: a request needs two of them (authorization, prefer),
so building a full dict of lower-cased names for every request was wasted work on the hot path."""

from __future__ import annotations

from collections.abc import ItemsView, Iterator, Mapping
from typing import Any

_UNPREFIXED = frozenset({"CONTENT_TYPE", "CONTENT_LENGTH"})  # CGI keeps these two without HTTP_


def _environ_key(name: str) -> str:
    key = name.upper().replace("-", "_")
    return key if key in _UNPREFIXED else "HTTP_" + key


def _header_name(key: str) -> str:
    if key.startswith("HTTP_"):
        return key[5:].replace("_", "-").lower()
    if key in _UNPREFIXED:
        return key.replace("_", "-").lower()
    return ""


class EnvironHeaders(Mapping[str, str]):
    """A read-only view of the headers under lower-case names ("authorization"), as PipelineRequest wants them."""

    __slots__ = ("_environ",)

    def __init__(self, environ: Mapping[str, Any]) -> None:
        self._environ = environ

    def __getitem__(self, name: str) -> str:
        value: str | None = self.get(name)
        if value is None:
            raise KeyError(name)
        return value

    def get(self, name: str, default: Any = None) -> Any:  # no KeyError raised and caught for a missing header
        key = _environ_key(name)
        value = self._environ.get(key)
        if value is None or (not value and key in _UNPREFIXED):  # as werkzeug: an empty Content-Type is none
            return default
        return str(value)

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self.pairs())

    def items(self) -> ItemsView[str, str]:
        return _Items(self)  # one pass over the environ (the journal copies every header of every request)

    def pairs(self) -> Iterator[tuple[str, str]]:
        for key, value in self._environ.items():
            name = _header_name(key)
            if name and (value or key not in _UNPREFIXED):
                yield name, str(value)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __repr__(self) -> str:
        return f"EnvironHeaders({sorted(self)})"  # names only: values include the Authorization header


class _Items(ItemsView[str, str]):
    _mapping: EnvironHeaders

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return self._mapping.pairs()
