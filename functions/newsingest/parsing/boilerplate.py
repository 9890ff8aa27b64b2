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
    r"|privacy notice:"
    r")",
    re.IGNORECASE,
)
"""Cookie, consent and sign-up notices ('We use cookies...', 'We use your sign-up to provide
content...', 'By clicking Subscribe you agree...'): all start with the site speaking."""

CALL_TO_ACTION = re.compile(
    r"^(?:(?:click|tap) here\b"
    r"|(?:sign up|subscribe|register)\b.{0,80}\b(?:newsletters?|updates|alerts|free|today|now|here)\b"
    r"|(?:sign up|subscribe)(?: now| today| here| for free)?[.!]?$"
    r"|(?:follow|like|find|join) us (?:on|at|via)\b"
    r"|(?:share|email|print|tweet) (?:this|the) (?:article|story|page|post)\b"
    r"|(?:share|send) (?:on|via|to) (?:facebook|twitter|x|whatsapp|linkedin|email|reddit)\b"
    r"|(?:download|get) (?:our|the) (?:free )?(?:[\w.-]+ ){0,3}app\b"
    r"|(?:support|fund) (?:our|independent) journalism\b"
    r"|get (?:our|the) (?:free |daily |weekly )?(?:\w+ )?newsletter\b"
    r"|thank you(?: for (?:subscribing|signing up|registering|your submission)|! your submission)\b"
    r"|if you are a human\b"
    r"|enjoy(?:ed|ing)? (?:this|the|reading)\b[^.!?]{0,60}\?"
    r"|(?:become|join (?:us )?as) a (?:paying )?(?:member|subscriber|supporter|patron)\b"
    r"|join (?:\d[\d,.]*k?|thousands of|over \S+|more than \S+) (?:other )?(?:subscribers|readers|people)\b)",
    re.IGNORECASE,
)
CALLS_TO_ACTION_ANYWHERE = (
    re.compile(r"\b(?:delivered|sent|straight|direct(?:ly)?) (?:to|into) your inbox\b", re.IGNORECASE),
    re.compile(r"\bwe (?:need|rely on) (?:your|readers['’]?) (?:help|support)\b", re.IGNORECASE),
)
_INBOX = re.compile(r"your inbox\b", re.IGNORECASE)
"""Calls to action: subscribe, follow, share, download the app, support or join the site. Those
that start the line are one pattern anchored at the start, which the regex engine tries at the
first character only; the two that may stand anywhere ('... delivered to your inbox', 'we need
your support') are separate, and the first is only tried on lines that mention 'your inbox':
the same lines match as with one pattern of all of them, at a fraction of the cost."""

METERED_PAYWALL = re.compile(
    r"\byou(?:['’]ve| have) (?:reached|hit|used(?: up)?) (?:your|the) (?:[\w-]+ ){0,2}"
    r"(?:limit|allowance|free (?:articles?|stories|posts|reads))\b"
    r"|^you(?:['’]ve| have) (?:read|viewed|used) (?:all |\d+ )(?:of (?:your |the )?(?:\d+ )?)?free\b"
    r"|^(?:please )?(?:subscribe|log ?in|sign ?in|register)(?: now| today| for free)? to"
    r" (?:continue reading|keep reading|read (?:the|this) (?:full |whole )?(?:article|story)|unlock\b)"
    r"|^(?:this (?:article|content|story|post|piece) is )?(?:available |exclusively |only )*(?:to|for)"
    r" (?:paid |paying )?(?:subscribers|members) only\b"
    r"|^this (?:article|content|story|post|piece) is (?:only |exclusively )?(?:available |exclusive |reserved )?"
    r"(?:to|for) (?:our )?(?:[\w+-]+ )?(?:subscribers|members)\b"
    r"|^unlock (?:this|the full|the whole) (?:article|story|post)\b"
    r"|^already (?:have an account|a (?:subscriber|member))\?\s*(?:log|sign) ?in\b",
    re.IGNORECASE,
)
"""A metered paywall's message: 'You have reached your limit of free articles', 'You've read 3 of
5 free articles this month', 'Subscribe to continue reading', 'This content is for subscribers
only', 'This article is exclusive to STAT+ subscribers', 'Unlock this article', 'Already have an
account? Log in'. The meter message is recognised anywhere in its line (it follows 'Sorry!' or a
count of free posts); the others start it."""

PRICE_BUTTON = re.compile(
    r"^(?:check|see|view|compare) (?:the )?(?:latest |current |best )?(?:prices?|deals?) (?:on|at)\b", re.IGNORECASE
)
"""A shopping guide's affiliate button: 'Check Price on Amazon', 'See the latest deals at Walmart'.
Only short lines (`MAX_LINK_LABEL_WORDS`)."""

SUBSCRIPTION_PERK = re.compile(
    r"^(?:unlimited|unrestricted|full) (?:digital |online |site )?access to\b", re.IGNORECASE
)
"""A subscription plan's perks listed after a paywall: 'Unlimited access to all our sites',
'Unrestricted access to 30,000+ archived posts'. Only short lines (`MAX_LINK_LABEL_WORDS`): an
article sentence may begin the same way."""

PAGE_VIEW_COUNTER = re.compile(
    r"^\(?(?:visited|viewed|read) [\d,.]+k? times?(?:, [\d,.]+k? visits? today)?\)?$"
    r"|^(?:start typing|type (?:here )?to search|press enter to search)\b.{0,30}$",
    re.IGNORECASE,
)
"""Widget texts: WordPress's view counter ('(Visited 1,902 times, 364 visits today)') and a site
search box's prompt ('Start typing to search...')."""

LINK_LABEL = re.compile(
    r"^(?:(?:learn|read|see|find out|discover|explore) more|read (?:the |our )?(?:full )?(?:review|guide|story)"
    r"|read more (?:posts|articles|stories|news|reviews)"
    r"|(?:written|posted|edited|reviewed|fact[- ]checked|medically reviewed) by)\b",
    re.IGNORECASE,
)
"""Lines that are a link's label or a byline inside the page's text: 'Learn more about our plans',
'Read our full review', 'Written by: Jane Doe'. Only short lines count (`MAX_LINK_LABEL_WORDS`)."""

MAX_LINK_LABEL_WORDS = 12
"""Link labels and in-text bylines are a few words; a longer line that starts 'Learn more' is a
sentence of the article ('Learn more about the risks, the report says, before ...')."""

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
    r"|table of contents|contents|in this article|on this page|jump to(?: section)?|written by"
    r"|back to (?:blog|news|articles|all (?:posts|articles|news)|top)|(?:published|updated|last updated)"
    r"|\d+[ -]min(?:ute)?s?\.?(?: read)?|(?:estimated )?reading time(?::? \d+ min(?:ute)?s?)?|last updated on"
    r"|you are here|breadcrumbs?|previous|next|previous next|(?:previous|next) (?:post|article|story|page)"
    r"|twitter|facebook|linkedin|reddit|whatsapp|pinterest|telegram|threads|bluesky|mastodon|x|e-?mail|copy link"
    r"|like this|like loading(?:\.\.\.|…)?|leave a (?:comment|reply)|\d+ (?:comments?|replies|responses)"
    r"|topics|reuse this content|most (?:viewed|read|popular|shared)|after newsletter promotion"
    r"|loading(?:\.\.\.|…)?|video (?:loading|unavailable)|(?:click|tap) to (?:play|expand)|play video"
    r"|(?:view|open) (?:image )?gallery|(?:(?:image|photo|slide) )?\d+ ?(?:of|/) ?\d+"
    r")[.!:]?$",
    re.IGNORECASE,
)
"""Whole lines that are a single widget label: 'Advertisement', 'Share', '3 of 12'."""

# Any word that starts like a month: looser than textpatterns.MONTH_NAME, which costs nothing
# where the whole line must be a date.
_MONTH_PREFIX = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
DATE_LINE = re.compile(
    r"^(?:(?:published|updated|last updated|last modified|posted|modified)(?: on)?:?\s+)?"
    rf"(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*,?\s+)?"
    rf"(?:{_MONTH_PREFIX}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}|\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH_PREFIX},?\s+\d{{4}}"
    r"|\d{4}-\d\d-\d\d|\d{1,2}[/.]\d{1,2}[/.]\d{4})"
    r"(?:,?\s+(?:at\s+)?\d{1,2}[:.]\d\d(?:\s*[ap]\.?m\.?)?(?:\s+[A-Z]{2,4})?)?\.?$",
    re.IGNORECASE,
)
"""A line that is only a date, perhaps labelled and with a time: 'Published: 3 January, 2025',
'Updated Sep 17, 2025 at 10:00 AM'. The article's date is metadata, not text."""

TAG_LIST = re.compile(
    r"^(?:tags|tagged(?: with| in)?|filed (?:under|in)|posted in|categories|category|topics|keywords)\s*:\s*\S"
    r"[^.!?]{0,200}$",
    re.IGNORECASE,
)
"""Taxonomy lines: 'Tags: semiconductors, export controls', 'Filed under: Politics'."""

BREADCRUMB = re.compile(r"^[^.!?>»]{1,60}(?:\s[>»]\s[^.!?>»]{1,80}){2,}$")
"""A breadcrumb trail: 'Home > Guides > Moving'. Three parts at least, so 'A > B' in a sentence
or a comparison does not count."""

AFFILIATE_DISCLOSURE = re.compile(
    r"\b(?:we|i)(?: \w+){0,3} (?:earn|receive|get|make)\b.{0,30}\bcommissions?\b"
    r"|\b(?:earn|receive|get|make)s? (?:us|me) (?:a )?(?:small )?(?:affiliate )?commissions?\b",
    re.IGNORECASE,
)
AFFILIATE_LINKS_NOTICE = re.compile(
    r"^this (?:post|article|page) (?:contains|may contain|includes) affiliate links", re.IGNORECASE
)
_COMMISSION = re.compile(r"commission", re.IGNORECASE)
"""Affiliate disclosures: 'Purchases made through our links may earn us a commission', 'This post
contains affiliate links'. The commission patterns are tried only on lines that mention one."""

MAX_DISCLOSURE_WORDS = 60
"""Disclosures are a sentence or two; a longer paragraph mentioning commissions is article text."""

COPYRIGHT = re.compile(r"^(?:©|\(c\)\s*\d{4}|copyright\s*(?:©|\(c\)|\d{4}))", re.IGNORECASE)
ALL_RIGHTS_RESERVED = re.compile(r"\ball rights reserved\.?$", re.IGNORECASE)
ALL_RIGHTS_RESERVED_TAIL_CHARS = len(" all rights reserved.")
"""Copyright footers: '© 2024 Publisher', 'Copyright 2024 ...', '... All rights reserved.' The
line's end is matched on its last characters only (one more than the phrase, for the word
boundary before it) rather than searched for from every position."""

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
    DATE_LINE,
    TAG_LIST,
    BREADCRUMB,
    COPYRIGHT,
    IMAGE_CREDIT,
    METERED_PAYWALL,
    PAGE_VIEW_COUNTER,
)


MAX_FURNITURE_WORDS = 100
"""No furniture line is longer: the longest, consent notices, run to 50-60 words ('We use your
sign-up to provide content...' has 44). Longer lines are article paragraphs and are not matched
against the rules at all, which also keeps the check cheap on long texts."""

LIST_MARKER = re.compile(r"^(?:[-–•·*]|\d{1,2}[.)])\s+")
"""A list item's marker ('- ', '• ', '1. '): a widget rendered as a list is furniture all the same."""


def is_list_label(line: str) -> bool:
    """Whether the line is a bare label over a list of links ('RELATED STORIES:', 'Read more')."""
    label = LIST_MARKER.sub("", line)
    match = PROMO_LABELS.match(label)
    return match is not None and not label[match.end() :].strip()


def is_boilerplate(line: str) -> bool:
    """Whether a whitespace-normalised line is site furniture rather than article text."""
    words = len(line.split())
    if words > MAX_FURNITURE_WORDS:
        return False
    line = LIST_MARKER.sub("", line)
    if any(rule.search(line) for rule in RULES) or ALL_RIGHTS_RESERVED.search(line[-ALL_RIGHTS_RESERVED_TAIL_CHARS:]):
        return True
    if words <= MAX_DISCLOSURE_WORDS and (
        AFFILIATE_LINKS_NOTICE.match(line) or (_COMMISSION.search(line) and AFFILIATE_DISCLOSURE.search(line))
    ):
        return True
    if words <= MAX_LINK_LABEL_WORDS and (
        LINK_LABEL.search(line) or SUBSCRIPTION_PERK.match(line) or PRICE_BUTTON.match(line)
    ):
        return True
    return words <= MAX_CALL_TO_ACTION_WORDS and _is_call_to_action(line)


def _is_call_to_action(line: str) -> bool:
    if CALL_TO_ACTION.match(line) or CALLS_TO_ACTION_ANYWHERE[1].search(line):
        return True
    return _INBOX.search(line) is not None and CALLS_TO_ACTION_ANYWHERE[0].search(line) is not None
