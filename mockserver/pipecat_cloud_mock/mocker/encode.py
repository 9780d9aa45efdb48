"""Compact JSON for response bodies, with orjson: several times faster than json.dumps on a session body.

orjson writes UTF-8 rather than \\u escapes (both are JSON); values it refuses (ints beyond 64 bits,
non-string keys) fall back to json.dumps. NaN and Infinity are not JSON and never generated.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

_STDLIB = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


def dumps(value: Any) -> bytes:
    try:
        return orjson.dumps(value)
    except TypeError:
        return _STDLIB.encode(value).encode()
