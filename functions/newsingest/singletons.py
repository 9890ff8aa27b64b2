"""Per-process singletons (clients, settings, services), kept as a Lambda container keeps them.
Each cached factory registers itself, so whoever starts a new AWS world in the process (a moto
mock, the demo, `local up`) clears them all with `reset()`. Imports nothing from the project.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

_registered: list[Any] = []


def process_singleton(factory: F) -> F:
    """Cache the factory's result per arguments for the life of the process (or until `reset`)."""
    cached = functools.cache(factory)
    _registered.append(cached)
    return cached  # type: ignore[return-value]


def reset() -> None:
    for cached in _registered:
        cached.cache_clear()
