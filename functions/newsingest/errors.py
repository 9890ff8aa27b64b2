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
    """A defect of ours met this object: on record with the exception's type, never retried."""


class RejectedInput(ValueError):
    """The input can never become an article: retrying would fail the same way. `reason` is for
    programs, `message` for people."""

    def __init__(self, reason: RejectReason | str, message: str) -> None:
        super().__init__(f"{reason}: {message}")
        self.reason = str(RejectReason(reason))
        self.message = message


class ConcurrentChange(RuntimeError):
    """Another event re-indexed the article meanwhile: this one fails, to be delivered again."""
