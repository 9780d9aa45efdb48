"""Which request headers carry credentials, by rule: the journal never holds their values.

A name is sensitive when its lower-case form contains one of SENSITIVE_WORDS, so X-Auth-Token, Api-Key,
X-Amz-Security-Token, Ocp-Apim-Subscription-Key, Private-Token and Set-Cookie are all caught; users name more
with --redact-header.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

SENSITIVE_WORDS = ("key", "token", "secret", "password", "passwd", "auth", "cookie", "session", "signature", "csrf")
MASK = "***"


@functools.lru_cache(maxsize=4096)  # a client sends the same few names on every request
def is_sensitive(name: str, extra: tuple[str, ...] = ()) -> bool:
    lowered = name.lower()
    return any(word in lowered for word in SENSITIVE_WORDS) or any(lowered == n.lower() for n in extra)


def redact(headers: Mapping[str, str], extra: tuple[str, ...] = ()) -> dict[str, str]:
    """Headers fit for the journal: credentials replaced by *** (the scheme of a bearer token kept)."""
    out = {}
    for name, value in headers.items():
        if is_sensitive(name, extra):
            value = f"Bearer {MASK}" if value.strip().lower().startswith("bearer ") else MASK
        out[name] = value
    return out
