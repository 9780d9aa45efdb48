"""Seeded generators from the inputs that name them: no state is shared between requests or processes."""

from __future__ import annotations

import hashlib
import random
from typing import Any, cast


def rng_for(*parts: object) -> random.Random:
    """An independent generator for these parts: no state is shared between requests or processes."""
    digest = hashlib.blake2b("\x1f".join(map(str, parts)).encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return random.Random(int.from_bytes(digest, "big"))


def lazy_rng_for(*parts: object) -> random.Random:
    """`rng_for(*parts)`, seeded only if drawn from: the walker's fill generator usually is not (the realism
    layer provides every field), and hashing plus seeding a Mersenne Twister on every request is not free."""
    return cast(random.Random, _LazyRandom(parts))


class _LazyRandom:
    __slots__ = ("_parts", "_rng")

    def __init__(self, parts: tuple[object, ...]) -> None:
        self._parts = parts
        self._rng: random.Random | None = None

    def __getattr__(self, name: str) -> Any:  # only for names not on this class: the generator's methods
        if self._rng is None:
            self._rng = rng_for(*self._parts)
        return getattr(self._rng, name)
