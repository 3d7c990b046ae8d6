"""Boilerplate removal, tested by a general method: synthetic articles mix story paragraphs with promo
tails, navigation lines and agency credits at random places; cleaning must give back exactly the story.

None of these strings come from the sample corpus, so the cleaner cannot pass by knowing them.
"""

from __future__ import annotations

import random

import pytest

from index.clean import clean_text, is_boilerplate, normalize

# News prose, including sentences that mention apps, stores, newsletters, following and inputs: the
# cleaner must keep all of them.
STORY = [
    "The regional transport authority said on Tuesday that the new tram line between Osterby and the airport would open in May, two years behind schedule.",
    "The health ministry said its contact-tracing app had been downloaded by 3 million people since it was launched in March.",
    "Millions of users were unable to install the banking app on Tuesday after an outage at the Play Store, the company said.",
    "Police asked residents to follow official updates on the city app and to avoid the harbour district until further notice.",
    "Investigators will follow the money trail, the prosecutor told reporters, adding that the suspects had used a messaging app to coordinate.",
    "The paper's editor said the weekly newsletter had lost a third of its subscribers after the paywall was introduced.",
    "Related talks between the two unions are scheduled for next week, a spokesperson for the employers' federation said.",
    "Watch towers along the border were staffed around the clock during the festival, according to the interior ministry.",
    "Inputs from the public were collected over six weeks before the council voted 31 to 9 in favour of the plan.",
    "Published by the Ministry of Finance, the report forecasts growth of 3 percent next year.",
    "“We will not be intimidated,” the mayor said at a news conference on Sunday.",
    "Shares in the Kestrel Media group, which publishes two newspapers and runs a popular news app, fell 4 percent.",
]

# Promotional tails: the publisher asking the reader to download, follow, subscribe.
PROMO = [
    "Download the Kestrel News app from the Play Store and App Store for the latest news.",
    "Stay updated with breaking news: follow us on Twitter and Facebook, and join our WhatsApp channel.",
    "Subscribe to our newsletter and get the latest news delivered to your inbox every morning.",
    "Click here to join our Telegram channel for top headlines and in-depth coverage.",
    "Get the latest news on the go: install the Daily Meridian official app and turn on notifications.",
    "Catch all the breaking news and top headlines on our YouTube channel. Don't miss the latest updates; subscribe now and follow us on Instagram.",
]

# Navigation and cross-links.
NAV = [
    "Also Read: Floods cut off three villages in the north",
    "| Also Read: Court delays verdict in bribery case |",
    "ALSO READ - Central bank holds rates steady",
    "Read More: Inside the race to rebuild the old bridge",
    "READ MORE | Ten things to know about the budget",
]

# Agency and editing credits.
CREDITS = [
    "(With inputs from agencies)",
    "(With inputs from agencies.)",
    "With inputs from PTI",
    "(With inputs from Reuters and AP)",
    "Reporting by Jane Osei in Accra; Additional reporting by Ali Khan; Editing by Mark Porter",
    "Edited by Priya Das",
    "(This story has been published from a wire agency feed without modifications to the text.)",
]

BOILERPLATE = PROMO + NAV + CREDITS


@pytest.mark.parametrize("paragraph", STORY)
def test_news_paragraphs_are_kept(paragraph):
    assert not is_boilerplate(paragraph)


@pytest.mark.parametrize("paragraph", BOILERPLATE)
def test_boilerplate_paragraphs_are_recognised(paragraph):
    assert is_boilerplate(paragraph)


def _noisy(paragraph: str, rng: random.Random) -> str:
    """The same paragraph as scraped text: stray spaces, non-breaking spaces, CRLF, blank lines."""
    words = paragraph.split(" ")
    out = words[0]
    for w in words[1:]:
        out += rng.choice([" ", " ", " ", "  ", "\u00a0", " \t"]) + w
    return rng.choice(["", " ", "\t"]) + out + rng.choice(["", "  "]) + rng.choice(["\n", "\r\n", "\n\n", "\n \n\n\n"])


@pytest.mark.parametrize("seed", range(25))
def test_cleaning_a_synthetic_article_gives_back_exactly_its_story(seed):
    rng = random.Random(seed)
    story = rng.sample(STORY, rng.randint(3, 6))
    doc = list(story)
    for junk in rng.sample(NAV + CREDITS, rng.randint(1, 3)):  # cross-links and credits anywhere
        doc.insert(rng.randint(1, len(doc)), junk)
    doc += rng.sample(PROMO, rng.randint(0, 3))  # the promo tail
    raw = "".join(_noisy(p, rng) for p in doc)

    assert clean_text(raw) == "\n".join(story)


def test_cleaning_is_idempotent():
    rng = random.Random(7)
    raw = "".join(_noisy(p, rng) for p in STORY + BOILERPLATE)
    once = clean_text(raw)
    assert clean_text(once) == once


def test_normalize_unifies_unicode_newlines_and_spaces_but_keeps_paragraphs():
    raw = "\ufeffCafe\u0301  in\u00a0town\r\nsecond   line \r\n\r\n\r\n\r\nnew paragraph\rlast\t "
    assert normalize(raw) == "Café in town\nsecond line\n\nnew paragraph\nlast"


def test_empty_and_pure_boilerplate_text_clean_to_nothing():
    assert clean_text("") == ""
    assert clean_text("\n\n".join(PROMO + NAV)) == ""
