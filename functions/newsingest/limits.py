"""Limits and bucket prefixes shared by every layer; it imports nothing from the project."""

from __future__ import annotations

DEFAULT_MAX_OBJECT_BYTES = 10 * 1024 * 1024
"""News pages weigh 50 KiB-2 MiB with inline scripts; larger is no article, and would need more memory."""

DEFAULT_MAX_TEXT_CHARS = 500_000
"""Text per object, all records together: entity extraction takes ~20 s of the 60 s timeout at
576 MB; the longest evaluation article has 60,000 (docs/decisions.md#parsing, "Bounded work")."""

PARSED_PREFIX = "parsed/"
INCOMING_PREFIX = "incoming/"

DEFAULT_GRACE_SECONDS = 900
"""Reconcile counts changes newer than this as in flight, not drift: the queue-age alarm's default
(`QueueAgeAlarmSeconds`), past which a message still on its way raises an alarm of its own."""
