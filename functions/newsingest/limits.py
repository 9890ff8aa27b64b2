"""Fixed limits and bucket prefixes that parsing, ingest, settings and the local stack share.

It imports nothing from the project, so any layer may use it without pulling in another.
"""

from __future__ import annotations

DEFAULT_MAX_OBJECT_BYTES = 10 * 1024 * 1024
"""10 MiB: news pages weigh 50 KiB-2 MiB with inline scripts; anything larger is not an article
and would cost a Lambda more memory than the article is worth."""

DEFAULT_MAX_TEXT_CHARS = 500_000
"""Article text one object may hold, all its records together. Entity extraction runs at about
70,000 characters a second on a full core (90 ms per 1,000 words), a third of that at the ingest
function's 576 MB (a third of a vCPU): 500,000 characters take about 20 s, a third of its 60 s
timeout, leaving the rest to the batch's other uploads. The longest article of the 711 evaluation
pages has 60,000 characters; a larger object is a dump to split, and refusing it with a reason
beats five timeouts and the dead-letter queue."""

PARSED_PREFIX = "parsed/"
INCOMING_PREFIX = "incoming/"
