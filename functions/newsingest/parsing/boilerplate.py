"""Lines that belong to the page around an article, not to the article: promos, notices, credits.

Scraped and copy-pasted articles keep the site's furniture as separate lines. Each rule below
describes one kind of furniture by its shape (a label, a trailing tag, a fixed phrase that starts
the line) rather than by any one site's wording, and every rule is anchored to the start or end
of the line, so a body paragraph that merely mentions cookies or newsletters is never dropped.
"""

from __future__ import annotations

import re

PROMO_LABELS = re.compile(
    r"^(?:read more|read also|also read|see also|see more|more on this(?: story)?|more from [^:]{1,40}"
    r"|related(?: articles?| stories| content| news| coverage| reading)?|recommended(?: for you)?"
    r"|don['’]t miss|must read|trending(?: now)?|top stories|editor['’]s picks?)"
    r"\s*(?::|\||»|>>|[-–—]\s|$)",
    re.IGNORECASE,
)
"""Cross-links to other articles: 'READ MORE: ...', 'Related: ...', 'See also', 'Don't miss'."""

SHOUTED_PROMO_LABELS = re.compile(
    r"^(?:JUST IN|PICTURED|PICTURES|WATCH(?: NOW| LIVE)?|LISTEN|INSIGHT|LATEST|REVEALED|POLL|VIDEO|ANALYSIS"
    r"|MORE)\s*:"
)
"""Tabloid promo labels in capitals ('JUST IN: ...', 'PICTURED: ...'). Only the capitalised
form counts: 'Watch: ...' in normal case can open a real sentence. 'UPDATE:' and 'LIVE:' are
left out on purpose: they introduce real (if late) article text."""

TRAILING_TAG = re.compile(r"\s\[[A-Z][A-Z ]{2,19}\]$")
"""Related-link lines end with a bracketed tag in capitals: '... [LATEST]', '[INSIGHT]',
'[VIDEO]'. Three letters at least, so an editorial insertion such as '[UN]' does not count;
a tag inside a quotation is followed by the closing quote, so it is not at the line's end."""

CONSENT_NOTICE = re.compile(
    r"^(?:(?:we|this (?:web)?site|our (?:web)?site|we and our (?:\w+ )?partners)"
    r" (?:use|uses|store|stores|process|collect)\b.{0,80}\b(?:cookies?|sign-?up|consent(?:ed)?|personal data)\b"
    r"|by (?:continuing|clicking|using|signing up|subscribing|registering)\b.{0,120}\b(?:agree|consent|accept)"
    r"|(?:read|see|view) our (?:privacy|cookie) (?:policy|notice|statement)"
    r"|you can (?:unsubscribe|opt out|withdraw your consent) at any time"
    r"|(?:manage|accept|reject) (?:all )?cookies"
    r")",
    re.IGNORECASE,
)
"""Cookie, consent and sign-up notices ('We use cookies...', 'We use your sign-up to provide
content...', 'By clicking Subscribe you agree...'): all start with the site speaking."""

CALL_TO_ACTION = re.compile(
    r"^(?:click|tap) here\b"
    r"|^(?:sign up|subscribe|register)\b.{0,80}\b(?:newsletters?|updates|alerts|free|today|now|here)\b"
    r"|^(?:sign up|subscribe)(?: now| today| here| for free)?[.!]?$"
    r"|^(?:follow|like|find|join) us (?:on|at|via)\b"
    r"|^(?:share|email|print|tweet) (?:this|the) (?:article|story|page|post)\b"
    r"|^(?:share|send) (?:on|via|to) (?:facebook|twitter|x|whatsapp|linkedin|email|reddit)\b"
    r"|^(?:download|get) (?:our|the) (?:free )?(?:\w+ )?app\b"
    r"|^(?:support|fund) (?:our|independent) journalism\b"
    r"|^get (?:our|the) (?:free |daily |weekly )?(?:\w+ )?newsletter\b",
    re.IGNORECASE,
)
"""Calls to action: subscribe, follow, share, download the app."""

MAX_CALL_TO_ACTION_WORDS = 30
"""Calls to action are one short sentence; a longer line starting with 'Subscribe' or 'Follow
us' is prose that happens to begin that way. 30 words is twice the longest CTA in the fixtures."""

READ_FULL_ARTICLE = re.compile(
    r"^(?:source:\s*)?(?:read|view|see|continue reading) (?:the )?(?:full|original|complete|whole|rest of the)"
    r" (?:article|story|report|post)\b"
    r"|^continue reading\b.{0,40}$"
    r"|^(?:this (?:article|story) (?:was|is) )?(?:originally )?(?:published|appeared) (?:on|at|in) \S+\.?$",
    re.IGNORECASE,
)
"""Aggregator footers pointing back to the source: 'Source: Read Full Article', 'Continue reading'."""

STANDALONE_FURNITURE = re.compile(
    r"^(?:advertisement|advertising|advert|ad|sponsored(?: content)?|paid (?:content|post)|promoted"
    r"|(?:story|article) continues (?:below|after (?:this )?(?:ad|advertisement))(?: advertisement)?"
    r"|continue reading below|scroll (?:down )?to continue(?: reading)?|skip (?:ad|advert)"
    r"|share|share this|tweet|email|print|comments?|show comments|view comments|close|more info"
    r"|loading(?:\.\.\.|…)?|video (?:loading|unavailable)|(?:click|tap) to (?:play|expand)|play video"
    r"|(?:view|open) (?:image )?gallery|(?:(?:image|photo|slide) )?\d+ ?(?:of|/) ?\d+"
    r")[.!:]?$",
    re.IGNORECASE,
)
"""Whole lines that are a single widget label: 'Advertisement', 'Share', '3 of 12'."""

COPYRIGHT = re.compile(
    r"^(?:©|\(c\)\s*\d{4}|copyright\s*(?:©|\(c\)|\d{4}))|\ball rights reserved\.?$",
    re.IGNORECASE,
)
"""Copyright footers: '© 2024 Publisher', 'Copyright 2024 ...', '... All rights reserved.'"""

IMAGE_CREDIT = re.compile(
    r"^[(\[]?(?:image|images|photo|photos|picture|pic|credit|photograph)s?(?: credit)?\s*:\s*[^.]{1,60}[)\]]?$",
    re.IGNORECASE,
)
"""Image credits on a line of their own: '(Image: Getty)', 'Photo credit: AP'."""

RULES: tuple[re.Pattern[str], ...] = (
    PROMO_LABELS,
    SHOUTED_PROMO_LABELS,
    TRAILING_TAG,
    CONSENT_NOTICE,
    READ_FULL_ARTICLE,
    STANDALONE_FURNITURE,
    COPYRIGHT,
    IMAGE_CREDIT,
)


def is_boilerplate(line: str) -> bool:
    """Whether a whitespace-normalised line is site furniture rather than article text."""
    if any(rule.search(line) for rule in RULES):
        return True
    return len(line.split()) <= MAX_CALL_TO_ACTION_WORDS and CALL_TO_ACTION.search(line) is not None
