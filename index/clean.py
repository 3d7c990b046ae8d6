"""Article text cleaning: normalise whitespace and drop boilerplate that is not part of the story.

Written by hand because no library does this for plain text: trafilatura (used for HTML) judges page
structure, which a .txt file no longer has. The method is general, not a list of known strings: a
paragraph is boilerplate when it is a navigation/link line ("Also Read: ...", "| ... |"), an agency
credit, or when it reads as a call to action, i.e. it has several calls to action (download, subscribe,
follow, stay updated, ...) aimed at the reader and about the publisher's products (app, newsletter, ...).
"""

from __future__ import annotations

import re
import unicodedata

_NAV_LINE = re.compile(
    r"^\s*[|•>»]*\s*(also read|read more|read also|see also|related|recommended|watch|listen|must read|"
    r"trending|click here|more from|top stories)\b\s*[:\-–|]",
    re.I,
)
_PIPE_LINE = re.compile(r"^\s*\|.*\|\s*$")
_CREDIT = re.compile(
    r"^\s*[\(\[]?\s*(with inputs? from|inputs? from|edited by|written by|reporting by|compiled by|"
    r"this story has been|this article has been|this is an auto-?generated|published by)\b[^.]{0,120}\.?\s*[\)\]]?\s*\.?\s*$",
    re.I,
)
_META_NOTE = re.compile(r"^\s*[\(\[]?\s*(this story has been|this article has been|this is an auto-?generated)", re.I)
# Unbracketed, "Inputs from ..." or "Published by ..." is a credit only if the rest names people or
# agencies: "Inputs from the public were collected over six weeks" is news.
_CREDIT_WORDS = frozenset(
    "and in the of from by with our staff agency agencies wire wires bureau desk correspondent correspondents "
    "additional reporting editing writing input inputs".split()
)
_WORDS = re.compile(r"[^\W\d_][\w'’-]*")
_CTA_VERBS = re.compile(
    r"\b(download|subscribe|sign up|follow us|follow|stay updated|stay tuned|check (out )?the|click|tap|"
    r"get (the )?(latest|in-depth)|install|join (us|our)|like us|share this|don'?t miss|read the latest)\b",
    re.I,
)
_CTA_OBJECTS = re.compile(
    r"\b(app|apps|app store|play store|newsletter|notifications?|whatsapp|telegram channel|youtube|"
    r"facebook|twitter|instagram|official app|breaking news|latest news|top headlines|news updates|"
    r"in-depth coverage|e-?paper|podcast)\b",
    re.I,
)
_BLANK_RUN = re.compile(r"\n{3,}")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b]+")


def normalize(text: str) -> str:
    """Unicode NFC, unified newlines, single spaces, no trailing blanks; keeps paragraph breaks."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _BLANK_RUN.sub("\n\n", "\n".join(lines)).strip()


def is_boilerplate(paragraph: str) -> bool:
    p = paragraph.strip()
    if not p:
        return True
    if _NAV_LINE.match(p) or _PIPE_LINE.match(p) or _is_credit(p):
        return True
    verbs = len(_CTA_VERBS.findall(p))
    objects = len(_CTA_OBJECTS.findall(p))
    # A news sentence may mention an app or say "follow"; a promotional paragraph piles them up, or
    # opens with an order to the reader ("Download the ... app ... for the latest news").
    return (verbs >= 2 or bool(_CTA_VERBS.match(p))) and objects >= 2


def _is_credit(p: str) -> bool:
    if not _CREDIT.match(p):
        return False
    if p[0] in "([" or _META_NOTE.match(p):
        return True
    return all(w[0].isupper() or w.lower() in _CREDIT_WORDS for w in _WORDS.findall(p))


def clean_text(text: str) -> str:
    """Normalised article text with boilerplate paragraphs (lines) removed."""
    kept = [line for line in normalize(text).split("\n") if line.strip() and not is_boilerplate(line)]
    return "\n".join(kept)
