"""Literal constraints in a question: years, quarters, numbers and names that a passage must contain.

"Wimbledon 2019" must not be answered from the 2018 report, however similar the two texts are; dense
embeddings barely see such differences, so retrieval checks them explicitly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NUMBER = re.compile(r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?![\w])")
_QUARTER = re.compile(r"\b(Q[1-4])\b", re.I)
_ORDINAL_QUARTER = re.compile(r"\b(first|second|third|fourth) quarter\b", re.I)
_ORDINALS = ("first", "second", "third", "fourth")
_NAME = re.compile(r"\b([A-Z][\w’'\-]*(?:\s+(?:of\s+|the\s+)?[A-Z][\w’'\-]*)*)")
# "Trump-backed", "Islamabad-datelined", "Texas-based": the name is the part before the hyphen, which an
# article may write otherwise ("backed by former President Donald Trump").
_ATTRIBUTIVE = re.compile(r"(?<=[\w.])-(?:[a-z]+(?:ed|en)|born|run|made|wide|style|era)$")
# Capitalised words that are not names: question words, sentence starters, days, months.
_DEMONYM = re.compile(r"[A-Z][a-z]+(an|ian|ese|ish|i)")
_NOT_NAMES = {
    "who", "what", "when", "where", "why", "how", "which", "whose", "whom", "did", "does", "do", "is", "are",
    "was", "were", "has", "have", "had", "can", "could", "will", "would", "should", "the", "a", "an", "in",
    "on", "at", "of", "and", "or", "to", "for", "by", "with", "according", "tell", "me", "give", "list",
    "name", "say", "said", "i", "it", "they", "he", "she", "this", "that", "there", "and", "also", "and",
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "is", "many", "much",
}


@dataclass(frozen=True)
class Literal:
    text: str
    weight: float  # figures decide more than names: the near-duplicates differ by them
    required: bool = True  # False for adjectives ("American diplomat"): the text may say "U.S." instead
    phrase: bool = False  # match the words together, in order ("fiscal year 2016")

    def found_in(self, text: str) -> bool:
        """Whole-word, case-insensitive; a multiword name matches when each of its words occurs
        ("Chief Minister Bugti" in "Chief Minister Sarfraz Bugti"); a quarter in either spelling."""
        if quarter := _quarter_number(self.text):
            return bool(re.search(rf"\bQ{quarter}\b|\b{_ORDINALS[quarter - 1]}[ -]quarter\b", text, re.I))
        if self.phrase:
            return bool(re.search(r"(?<![\w])" + r"\s+".join(re.escape(w) for w in self.text.split()) + r"(?![\w])", text, re.I))
        words = self.text.split()
        found = [_word_in(w, text) for w in words]
        # A long name may open with a capitalised title or sentence opener ("Actor Matthew Perry", "People’s
        # Sexiest Man Alive"): the rest of it suffices.
        if all(found) or len(words) >= 3 and all(found[1:]):
            return True
        if _acronym(self.text) is not None and _acronym(self.text).search(text):
            return True
        # "New Delhi rejected ...": a capital named for its government is its country, and the other way round.
        return any(_word_in(w, text) if " " not in w else Literal(w, 1.0, phrase=True).found_in(text)
                   for w in _SAME_GOVERNMENT.get(self.text.lower(), ()))


# Capitals that news names for their governments ("Washington", "Beijing"), with their countries' names
# and adjectives. Written by hand: a short closed list, which no installed package carries.
_CAPITALS = {
    "washington": ("United States", "U.S.", "US", "American"), "beijing": ("China", "Chinese"),
    "moscow": ("Russia", "Russian", "Kremlin"), "new delhi": ("India", "Indian"), "islamabad": ("Pakistan", "Pakistani"),
    "kabul": ("Afghanistan", "Afghan"), "tehran": ("Iran", "Iranian"), "kyiv": ("Ukraine", "Ukrainian"),
    "london": ("Britain", "British", "UK", "United Kingdom"), "paris": ("France", "French"), "berlin": ("Germany", "German"),
    "tokyo": ("Japan", "Japanese"), "seoul": ("South Korea", "South Korean"), "pyongyang": ("North Korea", "North Korean"),
    "ankara": ("Turkey", "Turkish"), "riyadh": ("Saudi Arabia", "Saudi"), "brussels": ("European Union", "EU"),
    "ottawa": ("Canada", "Canadian"), "canberra": ("Australia", "Australian"), "dhaka": ("Bangladesh", "Bangladeshi"),
    "cairo": ("Egypt", "Egyptian"), "taipei": ("Taiwan", "Taiwanese"), "baghdad": ("Iraq", "Iraqi"),
    "damascus": ("Syria", "Syrian"), "caracas": ("Venezuela", "Venezuelan"), "havana": ("Cuba", "Cuban"),
}
_SAME_GOVERNMENT = {capital: (*names, capital.title()) for capital, names in _CAPITALS.items()} | {
    name.lower(): (capital.title(),) for capital, names in _CAPITALS.items() for name in names[:1]}
_QUOTES = set("'’‘\"“”")
_MONTHS = {m[:3]: m for m in ("january", "february", "march", "april", "may", "june", "july", "august", "september",
                              "october", "november", "december")} | {"sept": "september"}


def _word_in(word: str, text: str) -> bool:
    """Whole word, case-insensitive; also its singular or non-possessive form ("Twitters", "People’s") and a
    month's full name for its abbreviation ("Nov")."""
    forms = {word}
    bare = re.sub(r"[’']s?$", "", word)
    forms.add(bare)
    if len(bare) > 4 and bare.endswith("s"):
        forms.add(bare[:-1])
    if (full := _MONTHS.get(bare.lower())):
        forms.add(full)
    if 2 <= len(bare) <= 4 and bare.isalpha() and bare.isupper():  # "US" is also written "U.S."
        forms.add("".join(c + "." for c in bare))
    return any(re.search(r"(?<![\w])" + re.escape(f) + r"(?![\w])", text, re.I) for f in forms if f)


def _quarter_number(text: str) -> int | None:
    """2 for "Q2" and for "second quarter"."""
    if m := _QUARTER.fullmatch(text):
        return int(m.group(1)[1])
    if m := _ORDINAL_QUARTER.fullmatch(text):
        return _ORDINALS.index(m.group(1).lower()) + 1
    return None


def _acronym(word: str) -> re.Pattern | None:
    """"BLA" also matches "Baloch Liberation Army", "US" matches "United States"."""
    if not (2 <= len(word) <= 6 and word.isalpha() and word.isupper()):
        return None
    return re.compile(r"\b" + r"[\w’'-]*\s+(?:of\s+|the\s+|and\s+)?".join(re.escape(c) for c in word) + r"[\w’'-]*")


def _variants(name: str) -> str:
    return name.removesuffix("’s").removesuffix("'s")


def extract(question: str) -> list[Literal]:
    found: dict[str, Literal] = {}
    for m in _QUARTER.finditer(question):
        found[f"q{m.group(1)[1]}"] = Literal(m.group(1).upper(), 2.0)
    for m in _ORDINAL_QUARTER.finditer(question):  # "second quarter" is Q2, however the article writes it
        found.setdefault(f"q{_quarter_number(m.group(0))}", Literal(m.group(0), 2.0))
    for m in _NUMBER.finditer(question):
        found.setdefault(m.group(0), Literal(m.group(0), 2.0))
        # The words before a figure say what it is: "fiscal year 2016" is not "June 2016", and
        # "in March 2023" is not "said on 10 March 2023". Preferred, not required.
        before = re.findall(r"[\w’'-]+", question[: m.start()])
        for n in (1, 2):
            if len(before) >= n:
                phrase = " ".join(before[-n:] + [m.group(0)])
                found.setdefault(phrase.lower(), Literal(phrase, 1.0, required=False, phrase=True))
    offered = _offered(question)
    for m in _NAME.finditer(question):
        words = [_ATTRIBUTIVE.sub("", w) for w in m.group(1).split() if w.lower() not in _NOT_NAMES]
        # Drop leading non-name words ("Did Reuters" -> "Reuters"); keep multiword names whole.
        while words and words[0].lower() in _NOT_NAMES:
            words.pop(0)
        name = _variants(" ".join(words))
        adjective = bool(_DEMONYM.fullmatch(name) and re.match(r"\s+[a-z]", question[m.end():]))
        # A lone capitalised word opening a sentence of the question ("After firing ...", "Approximately
        # how many ...") is capitalised for its place, not because it is a name: preferred, not required.
        # ("Which China-funded projects ...": "Which" opens it, and "China" is a name.)
        led = m.group(1).split()[0].lower() in _NOT_NAMES
        opening = " " not in name and not led and not re.search(r"[^\s.!?]", question[: m.start()].rstrip()[-1:] or ".")
        # A quoted name ("called the campaign 'Operation Herof'") is what a text says, word for word.
        closed = m.group(1)[-1] in _QUOTES or question[m.end() : m.end() + 1] in _QUOTES
        quoted = question[m.start() - 1 : m.start()] in _QUOTES and closed and " " in name
        name = name.rstrip("'’")
        # An option the question offers ("Asianet or Daijiworld: which one ...?") need not be stated: the other may be.
        option = any(m.start() < end and start < m.end() for start, end in offered) or any(
            e.start() < m.start() < e.end() for e in _EXCEPT.finditer(question))
        if name and not _QUARTER.fullmatch(name) and not name.isdigit():
            found.setdefault(name.lower(), Literal(name, 1.0, required=not (adjective or opening or option), phrase=quoted))
    return list(found.values())


# Names offered as a choice: "Asianet or Daijiworld", "Of the two outlets, Asianet and Daijiworld, which one ...?"
_OPTIONS = re.compile(r"(?P<a>\b[A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*)*)\s*,?\s+or\s+(?P<b>[A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*)*)"
                      r"|(?P<c>\b[A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*)*)\s+and\s+(?P<d>[A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*)*)"
                      r"(?=\s*[,:]\s*(?:which|who)\s+(?:one|of)\b)")


# "Apart from the report that names Natalie Baker, which outlet ...?": what is set aside is no constraint.
SET_ASIDE = r"\b(?:apart from|aside from|besides|other than|except(?: for)?|excluding)\b"  # also bot.answer_type.report_set_aside
_EXCEPT = re.compile(SET_ASIDE + r"[^,?;:]*", re.I)


def _offered(question: str) -> list[tuple[int, int]]:
    """Where the question's offered options are (character spans)."""
    return [m.span(g) for m in _OPTIONS.finditer(question) for g in ("a", "b", "c", "d") if m.group(g)]


def match_fraction(literals: list[Literal], text: str) -> float:
    """Weighted share of the literals that `text` contains (1.0 when there are none)."""
    total = sum(l.weight for l in literals)
    if not total:
        return 1.0
    return sum(l.weight for l in literals if l.found_in(text)) / total
