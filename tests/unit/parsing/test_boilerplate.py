"""Furniture lines (promos, notices, credits) are recognised; article sentences are not."""

from __future__ import annotations

import pytest

from newsingest.parsing.boilerplate import is_boilerplate, is_list_label


@pytest.mark.parametrize(
    "line",
    [
        # consent and cookie notices
        "We use your sign-up to provide content in ways you’ve consented to and to improve our understanding of you.",
        "We use cookies to give you the best experience on our website.",
        "This site uses cookies. By continuing to browse you agree to our use of cookies.",
        "By clicking Subscribe you agree to our Terms and Privacy Policy.",
        "You can unsubscribe at any time.",
        # promo labels
        "JUST IN: Putin final lifeline ruined as £100bn ‘fortress Russia’ about to CRUMBLE",
        "READ MORE: Divers find medieval coins near Visby harbour",
        "Read more: How the storm unfolded",
        "SEE ALSO",
        "See also: Our full coverage of the election",
        "PICTURED: The Prime Minister arriving in Brussels",
        "Related: Residents count the cost of the January floods",
        "Related articles",
        "Don’t miss: The ten best walks in the Peak District",
        "More from Sport",
        # trailing tags of related-link lists
        "‘Real problem’ Europe threatened by further crisis over another major Russian export [LATEST]",
        "Lord Sugar’s blunt response to ‘sickening’ world of political correctness [INSIGHT]",
        "Max Verstappen infuriated Italian press after claiming Ferrari were ‘cheating’ [ANALYSIS]",
        "Watch the moment the bridge collapsed [VIDEO]",
        "Inside the royal wedding [PICTURES]",
        # aggregator footers and calls to action
        "Source: Read Full Article",
        "Read the full story",
        "Continue reading",
        "Follow us on Facebook and X for the latest local news",
        "Sign up to our newsletter for weekly science news",
        "Subscribe to our free daily newsletter",
        "Click here to subscribe to our daily briefing",
        "Share this article",
        "Download our free news app",
        # widget labels, copyright and credits
        "Advertisement",
        "ADVERTISEMENT",
        "Story continues below advertisement",
        "Share",
        "3 of 12",
        "© 2024 Riverton Gazette Media Ltd",
        "Copyright 2024 Nordic Science Wire. All rights reserved.",
        "(Image: Getty)",
        "Photo credit: AP",
        "Photograph: Harriet Cole/PA",
        # share widgets and social links, also as list items
        "Share on Facebook",
        "- Twitter",
        "• LinkedIn",
        "Share this:",
        "Like this:",
        "Like Loading...",
        "Leave a comment",
        "12 Comments",
        # newsletter, subscription and support promos
        "Sign up for our free daily newsletter and get the top local stories delivered to your inbox.",
        "Get the latest articles, inspiring how-to’s, and educational workbooks delivered to your inbox.",
        "Enjoyed this piece? We need your help to keep publishing.",
        "Become a member today",
        "Join 40,000 readers who get our weekly briefing",
        "Thank you for subscribing to our daily newsletter.",
        "Get the Hindustan Times app!",
        "after newsletter promotion",
        "Privacy Notice: Newsletters may contain info about charities, online ads, and content funded by others.",
        # affiliate disclosures
        "Products are chosen independently by our editors. Purchases made through our links may earn us a commission.",
        "This article contains affiliate links that may earn us a commission at no extra cost to you.",
        # page chrome: dates, reading time, breadcrumbs, tables of contents, taxonomy, link labels
        "Published: 3 January, 2025",
        "Updated Sep 17, 2025 at 10:00 AM",
        "13 MIN READ",
        "Estimated reading time:",
        "Back to blog",
        "Table of Contents",
        "Home > Guides > Moving",
        "You are here:",
        "Tags: semiconductors, export controls, start-ups",
        "Filed under: Politics",
        "Topics",
        "Most viewed",
        "Reuse this content",
        "Learn more about the Stanford GSB MBA Program",
        "Read our full review",
        "Written by: Sean Peek, Senior Analyst",
        # metered paywalls and the plans they sell
        "Sorry! As a member you get 10 free posts every 30 days. You have reached your limit for this period.",
        "You've reached your monthly limit of free articles.",
        "You have read 3 of 5 free articles this month.",
        "Subscribe to continue reading",
        "Log in to read the full article",
        "This content is for paid subscribers only.",
        "Unlimited digital access to all our sites",
        "Unrestricted access to 30,000+ archived posts",
        "This article is exclusive to STAT+ subscribers",
        "Unlock this article — plus in-depth analysis, newsletters, premium events, and news alerts.",
        "Already have an account? Log in",
        # shopping-guide buttons and pagers
        "Check Price on Amazon",
        "See the latest deals at Walmart",
        "Previous Next",
        "Next article",
        # widget texts
        "(Visited 1,902 times, 364 visits today)",
        "Start typing to search...",
    ],
)
def test_furniture_lines_are_boilerplate(line: str) -> None:
    assert is_boilerplate(line)


@pytest.mark.parametrize(
    "line",
    [
        # quotation paragraphs, including ones with brackets and colons
        "She wrote: “Such a union would entail a common legal system, foreign policy and joint defence.",
        "“Additionally, it would mean a prolonged Russian border for NATO countries Lithuania and Latvia.",
        "Mr Stoltenberg said: “[NATO] has also agreed that Belarus must stop acting as an accomplice.”",
        "He said the decision was taken by the [UN]",
        # sentences that talk about the things furniture is made of
        "Regulators say websites that use cookies to track children must ask for consent first.",
        "The newspaper said it would share the article with the police.",
        "Subscribers to the service will see prices rise by 5% in April.",
        "Copyright law has not kept up with artificial intelligence, the committee found.",
        "Follow-up interviews with residents are planned for next year.",
        "More than 200 people attended the meeting.",
        "Related research from Oxford suggests the effect is small.",
        "Watch: the word the minister used, is now a hashtag.",
        "Update: police have now named the victim.",
        "Ukraine: Belarus urged to refrain from aiding Russia by NATO",
        "On March 3, 2025 the council met to discuss the ferry.",
        "The agent will earn a commission of 3% on the sale, the filing shows, which critics say is too high.",
        "Profits rose 5% > inflation, the company said.",
        "1. Remove the old filter before fitting the new one.",
        "Learn more about the risks, the report says, before you decide whether to invest in the scheme at all.",
        "Topics discussed at the summit included trade and energy.",
        "X marks the spot where the treasure was found, the divers said.",
        # sentences about paywalls, access and readership
        "Readers who have reached the limit of the free tier are asked to pay, the company said.",
        "Unlimited access to the archive for researchers was promised by the ministry on Monday, but the rules it "
        "published last week restrict it to accredited institutions.",
        "Members only need to show their card at the door.",
        "The video was viewed 2 million times in its first day.",
        "Check the price on the label before you buy: stores change them weekly, the regulator found in a survey.",
        "Next, the council will vote on the budget.",
    ],
)
def test_article_sentences_are_not_boilerplate(line: str) -> None:
    assert not is_boilerplate(line)


def test_a_long_paragraph_that_opens_like_a_call_to_action_is_kept() -> None:
    # Given a body paragraph starting with 'Sign up' but running well past a CTA's length
    line = (
        "Sign up for the draft begins on Monday, and officials expect more than 40,000 young men and women "
        "to register online in the first week, according to the ministry of defence, which said it had "
        "hired extra staff to cope with the demand for updates."
    )

    # When / Then
    assert not is_boilerplate(line)


@pytest.mark.parametrize(
    ("line", "expected"),
    [("RELATED STORIES:", True), ("Read more", True), ("- Related", True), ("Related: Bridge closes", False)],
)
def test_a_bare_label_over_a_list_of_links_is_a_list_label(line: str, expected: bool) -> None:
    assert is_list_label(line) is expected
