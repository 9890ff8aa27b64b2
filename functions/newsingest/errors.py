"""Typed failures. Handlers decide retry versus reject from the type, never from message text."""

from __future__ import annotations

from enum import StrEnum


class RejectReason(StrEnum):
    """Machine-readable reasons an input cannot become an article (carried in `ArticleRejected`)."""

    EMPTY = "empty"
    TOO_LARGE = "too_large"
    UNSUPPORTED_TYPE = "unsupported_type"
    NO_MAIN_TEXT = "no_main_text"
    DECODE_ERROR = "decode_error"
    INVALID_JSON = "invalid_json"
    PARSE_ERROR = "parse_error"
    """The parser or the entity extractor failed on this object (a defect of ours, not of the
    input): rejected with the exception's type so the article is on record, never retried."""


class RejectedInput(ValueError):
    """The input can never become an article: retrying it would fail the same way.

    `reason` is a `RejectReason` value for programs, `message` a sentence for people.
    """

    def __init__(self, reason: RejectReason | str, message: str) -> None:
        super().__init__(f"{reason}: {message}")
        self.reason = str(RejectReason(reason))
        self.message = message


class TransientError(RuntimeError):
    """A dependency failed in a way that may succeed on retry (throttling, timeouts)."""
