"""Deterministic generator for the near-duplicate stress corpus.

Writes `corpus.jsonl` (one article per line: id, title, source, url, published_at, text) and
`questions.jsonl` (bench question format) next to this file. Every family of articles shares one
template word for word, so only the literal year / quarter / month / season / name tells them apart.
All entities are fictional, so a model cannot answer from memory: it has to retrieve the right article.

Every question is checked to have an answer alias in its gold article and no alias in any other article, so a bot that
quotes a near-duplicate (wrong year) article can never be scored correct by accident.

Run: python bench/data/stress/make_stress.py
"""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEED = 20240611

rng = random.Random(SEED)
articles: list[dict] = []
questions: list[dict] = []
_used_keys: list[str] = []


def fresh(make):
    """Draw values from `make()` until the key string collides with no earlier key (either way round)."""
    for _ in range(10_000):
        value = make()
        key = (value if isinstance(value, str) else value[0]).lstrip("$£")  # aliases also drop the currency sign
        if not any(key in u or u in key for u in _used_keys):
            _used_keys.append(key)
            return value
    raise RuntimeError("could not draw a unique value")


def pop_name(pool: list[str]) -> str:
    name = pool.pop(rng.randrange(len(pool)))
    _used_keys.append(name)
    return name


def add_article(aid, title, source, slug, date: dt.date, sentences: list[str]):
    assert 3 <= len(sentences) <= 6, aid
    articles.append({
        "id": aid,
        "title": title,
        "source": source,
        "url": f"https://www.example.com/{slug}",
        "published_at": date.isoformat(),
        "text": " ".join(sentences),
    })


def add_q(qid, question, answers, gold, all_answers=None):
    q = {"id": qid, "question": question, "answers": answers}
    if all_answers:
        q["all_answers"] = all_answers
    q["gold_doc_ids"] = gold
    questions.append(q)


def long_date(d: dt.date) -> str:
    return f"{d.day} {d.strftime('%B')} {d.year}"


def surname(full: str) -> str:
    return full.split()[-1]


# Fictional people; surnames are all distinct so a surname alias is as decisive as the full name.
PLAYERS = [
    "Tomas Verhaegen", "Luka Brandic", "Marco Sellani", "Anders Kvistad", "Rafael Quintanar",
    "Dmitri Ostrovsky", "Jonah Whitcombe", "Kenji Morisawa", "Pieter Aalbersen", "Felix Dorrance",
    "Mateo Irigoyen", "Stefan Haldorsen", "Nikolai Petrakov", "Oliver Ransome", "Hugo Lemarchal",
    "Andrej Zupancev", "Callum Fairbairn", "Emil Sorvino", "Tiago Barroqueiro", "Viktor Elmqvist",
    "Leon Castellari", "Bruno Taddeucci", "Samuel Okonkwo", "Arturo Benavidez",
]
AUTHORS = [
    "Miriam Ashgrove", "Declan Furlow", "Ines Valcourt", "Theodora Pembry", "Rashid Elkassem",
    "Harriet Quillon", "Benedikt Arnholt", "Constance Mirabel", "Ewan Strathdee", "Priya Raghunathan",
    "Lucinda Thorne", "Gareth Wynford",
]
NOVELS = [
    "The Salt Archive", "A Winter of Lanterns", "The Cartographer's Daughter", "Small Hours in Tiber Street",
    "The Glass Orchard", "Rivers Without Names", "The Last Ferry to Innisk", "A House of Borrowed Light",
    "The Quiet Year of Amos Pell", "Under the Copper Sky", "The Weight of Feathers", "Letters from Halvard Bay",
]
SCORERS = [
    "Kofi Adjetey", "Rory Mulhaney", "Dario Fenech", "Sipho Ndlovane", "Ivo Kralj", "Jarrod Pennick",
    "Lucas Vandermolen", "Ahmed Tarraf", "Connor Blyth", "Mikel Etxegarai",
]
CLUBS = [
    "Harwick Rovers", "Eastmoor Athletic", "Caldbridge United", "Port Linnet FC", "Saltergate Town",
    "Brennock City", "Ashdown Wanderers", "Kilverton Albion", "Marrow Vale FC", "Trescombe County",
]


# ---------------------------------------------------------------- A. tennis: Northbridge Open finals
def score_line() -> str:
    """A best-of-five scoreline from the winner's side: three sets won, zero to two lost, last set won."""
    lost = rng.choice([0, 1, 1, 2])
    lost_at = set(rng.sample(range(2 + lost), lost))
    won_sets = ["6-4", "6-3", "7-5", "6-2", "7-6", "6-1"]
    lost_sets = ["4-6", "3-6", "5-7", "6-7", "2-6"]
    return ", ".join(rng.choice(lost_sets) if i in lost_at else rng.choice(won_sets) for i in range(3 + lost))


tennis = {}
for year in range(2013, 2025):
    winner = pop_name(PLAYERS)
    runner = pop_name(PLAYERS)
    score = fresh(score_line)
    prize = fresh(lambda: f"£{rng.randint(180, 320) / 100:.2f} million")
    crowd = fresh(lambda: f"{rng.randint(14, 15)},{rng.randint(100, 999)}")
    hours = rng.randint(2, 4)
    minutes = rng.randint(3, 58)
    day = dt.date(year, 7, 1) + dt.timedelta(days=(6 - dt.date(year, 7, 1).weekday()) % 7 + 7)  # 2nd Sunday of July
    aid = f"northbridge-open-{year}"
    tennis[year] = dict(id=aid, winner=winner, runner=runner, score=score, prize=prize, crowd=crowd)
    add_article(
        aid, f"{winner} wins {year} Northbridge Open men's singles title", "Northbridge Gazette",
        f"sport/tennis/northbridge-open-{year}-mens-final", day,
        [
            f"{winner} won the {year} Northbridge Open men's singles final on {long_date(day)}, beating {runner} {score} on Centre Court.",
            f"The {year} final lasted {hours} hours and {minutes} minutes and was played in front of a sell-out crowd of {crowd} spectators.",
            f"{surname(winner)} collected prize money of {prize} for winning the {year} Northbridge Open.",
            f"Tournament organisers said the {year} edition of the Northbridge Open had once again sold out every session on Centre Court.",
        ],
    )

# ---------------------------------------------------------------- B/C. quarterly results: Acme vs Apex
ORD = {1: "first", 2: "second", 3: "third", 4: "fourth"}


def quarter_article(company, ceo, year, q, base, slug_prefix):
    rev = fresh(lambda: f"${base + rng.uniform(-25, 25):.1f} million")
    profit = fresh(lambda: f"${base * rng.uniform(0.06, 0.12):.1f} million")
    eps = fresh(lambda: f"${rng.randint(41, 139) / 100:.2f} per share")
    end_month = 3 * q
    quarter_end = dt.date(year, end_month, 28)
    pub = quarter_end + dt.timedelta(days=rng.randint(22, 34))
    mood = rng.choice(["steady", "firm", "resilient", "uneven", "softer than expected", "stronger than expected"])
    aid = f"{slug_prefix}-q{q}-{year}"
    add_article(
        aid, f"{company} reports Q{q} {year} results", "Business Ledger",
        f"business/{slug_prefix}-results-q{q}-{year}", pub,
        [
            f"{company} reported revenue of {rev} for the {ORD[q]} quarter of {year} (Q{q} {year}), the company said on {long_date(pub)}.",
            f"Net profit for Q{q} {year} came in at {profit}, or {eps}.",
            f"Chief executive {ceo} said demand from industrial customers had been {mood} during the {ORD[q]} quarter of {year}.",
            f"{company} will publish its next quarterly results in about three months.",
        ],
    )
    return dict(id=aid, rev=rev, profit=profit, eps=eps)


acme, apex = {}, {}
base = 390.0
for year in range(2021, 2025):
    for q in range(1, 5):
        base += rng.uniform(-4, 14)
        acme[(year, q)] = quarter_article("Acme Industrial", "Maria Lindqvist", year, q, base, "acme-industrial")
base = 405.0
for year in range(2023, 2025):
    for q in range(1, 5):
        base += rng.uniform(-4, 14)
        apex[(year, q)] = quarter_article("Apex Industrial", "Robert Halloway", year, q, base, "apex-industrial")

# ---------------------------------------------------------------- D. marathon: Lakeshore City Marathon
marathon = {}
MEN = ["Joseph Kiprono", "Daniel Tesfamariam", "Abebe Gudeta", "Wilfred Chebet", "Haile Woldemichael",
       "Patrick Kimaiyo", "Yonas Berhanu", "Eliud Rotich", "Lawrence Chepsiror", "Bernard Kosgei",
       "Solomon Mureithi", "Titus Ekaale", "Gideon Limo"]
WOMEN = ["Grace Jepkemboi", "Mulu Sebhatu", "Agnes Jeruto", "Sara Hailemariam", "Ruth Chepngeno",
         "Helen Tsegaye", "Mary Wanjiru", "Alemitu Haroye", "Faith Kiprugut", "Betelhem Ayana",
         "Joyce Chelimo", "Tirunesh Abate", "Nancy Jelagat"]
for year in range(2012, 2025):
    men = pop_name(MEN)
    women = pop_name(WOMEN)
    men_time = fresh(lambda: f"2:{rng.randint(5, 9):02d}:{rng.randint(0, 59):02d}")
    women_time = fresh(lambda: f"2:{rng.randint(20, 27):02d}:{rng.randint(0, 59):02d}")
    finishers = fresh(lambda: f"{rng.randint(21, 38)},{rng.randint(100, 999)} finishers")
    first = dt.date(year, 10, 1)
    race_day = first + dt.timedelta(days=(6 - first.weekday()) % 7 + 14)  # 3rd Sunday of October
    aid = f"lakeshore-marathon-{year}"
    marathon[year] = dict(id=aid, men=men, women=women, men_time=men_time, women_time=women_time, finishers=finishers)
    add_article(
        aid, f"{men} and {women} win {year} Lakeshore City Marathon", "Lakeshore Courier",
        f"sport/athletics/lakeshore-city-marathon-{year}", race_day,
        [
            f"{men} won the men's race at the {year} Lakeshore City Marathon on {long_date(race_day)} in a time of {men_time}.",
            f"The women's race at the {year} Lakeshore City Marathon was won by {women} in {women_time}.",
            f"Organisers said the {year} race had {finishers} on a cool, dry morning along the lakefront course.",
            f"Both {year} champions received a winner's cheque and a bronze lighthouse trophy.",
        ],
    )

# ---------------------------------------------------------------- E. city budgets: Port Halden vs Port Hadley
def budget_article(city, mayor, year, total_base, slug):
    total = fresh(lambda: f"${total_base + rng.uniform(-0.04, 0.04):.3f} billion")
    edu = fresh(lambda: f"${rng.randint(310, 459)}.{rng.randint(1, 9)} million")
    police = fresh(lambda: f"${rng.randint(160, 259)}.{rng.randint(1, 9)} million")
    pub = dt.date(year - 1, 6, rng.randint(10, 27))
    aid = f"{slug}-budget-{year}"
    add_article(
        aid, f"{city} approves budget for fiscal year {year}", "City Herald",
        f"local/{slug}-city-budget-fiscal-{year}", pub,
        [
            f"The {city} city council approved a budget of {total} for fiscal year {year} on {long_date(pub)}.",
            f"The fiscal {year} budget sets aside {edu} for schools and {police} for policing.",
            f"Mayor {mayor} said the {year} spending plan kept the property tax rate unchanged.",
            f"Council members voted to adopt the {city} budget for fiscal year {year} after a public hearing.",
        ],
    )
    return dict(id=aid, total=total, edu=edu, police=police)


halden, hadley = {}, {}
tb = 1.18
for year in range(2016, 2026):
    tb += rng.uniform(0.01, 0.05)
    halden[year] = budget_article("Port Halden", "Elena Marsh", year, tb, "port-halden")
tb = 1.30
for year in range(2021, 2025):
    tb += rng.uniform(0.01, 0.05)
    hadley[year] = budget_article("Port Hadley", "Owen Petrie", year, tb, "port-hadley")

# ---------------------------------------------------------------- F. literary prize: Calloway Prize for Fiction
calloway = {}
for year in range(2014, 2025):
    author = pop_name(AUTHORS)
    novel = pop_name(NOVELS)
    shortlist = rng.choice([5, 6])
    pub = dt.date(year, 11, rng.randint(3, 20))
    aid = f"calloway-prize-{year}"
    calloway[year] = dict(id=aid, author=author, novel=novel)
    add_article(
        aid, f"{author} wins {year} Calloway Prize for Fiction", "The Literary Review",
        f"culture/books/calloway-prize-{year}", pub,
        [
            f"{author} has won the {year} Calloway Prize for Fiction for the novel \u201c{novel}\u201d, the judges announced on {long_date(pub)}.",
            f"The {year} judging panel chose {surname(author)} from a shortlist of {shortlist} books.",
            "The Calloway Prize for Fiction carries an award of \u00a350,000 and is given each year to a novel written in English.",
        ],
    )

# ---------------------------------------------------------------- G. monthly unemployment: Norland 2023
norland = {}
rate = 4.6
for month in range(1, 13):
    while True:
        rate_next = round(rate + rng.choice([-0.3, -0.2, -0.1, 0.1, 0.2, 0.3]), 1)
        key = f"{rate_next:.1f} percent"
        if 3.0 <= rate_next <= 5.9 and not any(key in u or u in key for u in _used_keys):
            break
    rate = rate_next
    _used_keys.append(key)
    jobless = fresh(lambda: f"{rng.randint(101, 189) * 1000 + rng.randint(1, 999):,} people")
    mname = dt.date(2023, month, 1).strftime("%B")
    pub = (dt.date(2023, month, 28) + dt.timedelta(days=rng.randint(8, 16)))
    aid = f"norland-unemployment-2023-{month:02d}"
    norland[month] = dict(id=aid, rate=f"{rate:.1f}", jobless=jobless, mname=mname)
    add_article(
        aid, f"Norland unemployment rate for {mname} 2023", "Norland Economic Times",
        f"economy/norland-unemployment-{mname.lower()}-2023", pub,
        [
            f"Norland's unemployment rate was {rate:.1f} percent in {mname} 2023, the National Statistics Office said on {long_date(pub)}.",
            f"The office counted {jobless} out of work and actively looking for a job in {mname} 2023.",
            f"Economists had expected the {mname} 2023 figure to be broadly in line with the previous month.",
        ],
    )

# ---------------------------------------------------------------- H. football: Eastern Premier League champions
league = {}
for start in range(2014, 2024):
    season = f"{start}-{(start + 1) % 100:02d}"
    club = pop_name(CLUBS)
    scorer = pop_name(SCORERS)
    points = fresh(lambda: f"{rng.randint(71, 98)} points")
    goals = rng.randint(19, 31)
    pub = dt.date(start + 1, 5, rng.randint(4, 25))
    aid = f"eastern-premier-league-{season}"
    league[season] = dict(id=aid, club=club, scorer=scorer, points=points)
    add_article(
        aid, f"{club} crowned Eastern Premier League champions for {season}", "Sports Wire East",
        f"sport/football/eastern-premier-league-champions-{season}", pub,
        [
            f"{club} clinched the Eastern Premier League title for the {season} season on {long_date(pub)}, finishing on {points}.",
            f"{scorer} was the league's top scorer in the {season} season with {goals} goals.",
            f"The {season} Eastern Premier League champions will receive the trophy at their final home game.",
        ],
    )

# ---------------------------------------------------------------- questions
Y = rng.sample  # deterministic choice of which items get asked about

for year in sorted(Y(sorted(tennis), 6)):
    t = tennis[year]
    add_q(f"tennis-winner-{year}", f"Who won the Northbridge Open men's singles final in {year}?", [t["winner"], surname(t["winner"])], [t["id"]])
for year in sorted(Y(sorted(tennis), 3)):
    t = tennis[year]
    add_q(f"tennis-runnerup-{year}", f"Who lost the {year} Northbridge Open men's singles final?", [t["runner"], surname(t["runner"])], [t["id"]])
for year in sorted(Y(sorted(tennis), 2)):
    t = tennis[year]
    add_q(f"tennis-score-{year}", f"What was the score of the {year} Northbridge Open men's final?", [t["score"]], [t["id"]])
for year in sorted(Y(sorted(tennis), 2)):
    t = tennis[year]
    add_q(f"tennis-prize-{year}", f"How much prize money did the {year} Northbridge Open men's champion collect?", [t["prize"], t["prize"].lstrip("£")], [t["id"]])

for (year, q) in sorted(Y(sorted(acme), 6)):
    a = acme[(year, q)]
    add_q(f"acme-revenue-q{q}-{year}", f"What was Acme Industrial's revenue in Q{q} {year}?", [a["rev"], a["rev"].lstrip("$")], [a["id"]])
for (year, q) in sorted(Y(sorted(acme), 3)):
    a = acme[(year, q)]
    add_q(f"acme-profit-q{q}-{year}", f"How much net profit did Acme Industrial make in the {ORD[q]} quarter of {year}?", [a["profit"], a["profit"].lstrip("$")], [a["id"]])
for (year, q) in sorted(Y(sorted(acme), 2)):
    a = acme[(year, q)]
    add_q(f"acme-both-q{q}-{year}", f"What were Acme Industrial's revenue and net profit in Q{q} {year}?",
          [a["rev"].lstrip("$"), a["profit"].lstrip("$")], [a["id"]], all_answers=[a["rev"].lstrip("$"), a["profit"].lstrip("$")])
for (year, q) in sorted(Y(sorted(apex), 4)):
    a = apex[(year, q)]
    add_q(f"apex-revenue-q{q}-{year}", f"What was Apex Industrial's revenue in Q{q} {year}?", [a["rev"], a["rev"].lstrip("$")], [a["id"]])
for (year, q) in sorted(Y(sorted(apex), 2)):
    a = apex[(year, q)]
    add_q(f"apex-eps-q{q}-{year}", f"What were Apex Industrial's earnings per share in Q{q} {year}?", [a["eps"].replace(" per share", "")], [a["id"]])

for year in sorted(Y(sorted(marathon), 4)):
    m = marathon[year]
    add_q(f"marathon-mentime-{year}", f"What was the men's winning time at the {year} Lakeshore City Marathon?", [m["men_time"]], [m["id"]])
for year in sorted(Y(sorted(marathon), 3)):
    m = marathon[year]
    add_q(f"marathon-women-{year}", f"Who won the women's race at the {year} Lakeshore City Marathon?", [m["women"], surname(m["women"])], [m["id"]])
for year in sorted(Y(sorted(marathon), 2)):
    m = marathon[year]
    add_q(f"marathon-finishers-{year}", f"How many runners finished the {year} Lakeshore City Marathon?", [m["finishers"].replace(" finishers", "")], [m["id"]])

for year in sorted(Y(sorted(halden), 4)):
    b = halden[year]
    add_q(f"halden-total-{year}", f"What was Port Halden's total budget for fiscal year {year}?", [b["total"], b["total"].lstrip("$")], [b["id"]])
for year in sorted(Y(sorted(halden), 2)):
    b = halden[year]
    add_q(f"halden-schools-{year}", f"How much did Port Halden's fiscal {year} budget set aside for schools?", [b["edu"], b["edu"].lstrip("$")], [b["id"]])
for year in sorted(Y(sorted(hadley), 2)):
    b = hadley[year]
    add_q(f"hadley-police-{year}", f"How much did Port Hadley budget for policing in fiscal year {year}?", [b["police"], b["police"].lstrip("$")], [b["id"]])

for year in sorted(Y(sorted(calloway), 4)):
    c = calloway[year]
    add_q(f"calloway-winner-{year}", f"Who won the {year} Calloway Prize for Fiction?", [c["author"], surname(c["author"])], [c["id"]])
for year in sorted(Y(sorted(calloway), 2)):
    c = calloway[year]
    add_q(f"calloway-novel-{year}", f"Which novel won the Calloway Prize for Fiction in {year}?", [c["novel"]], [c["id"]])

for month in sorted(Y(sorted(norland), 4)):
    n = norland[month]
    add_q(f"norland-rate-2023-{month:02d}", f"What was Norland's unemployment rate in {n['mname']} 2023?",
          [f"{n['rate']} percent", f"{n['rate']}%", f"{n['rate']} per cent"], [n["id"]])

for season in sorted(Y(sorted(league), 4)):
    l = league[season]
    add_q(f"epl-champion-{season}", f"Which club won the Eastern Premier League in the {season} season?", [l["club"]], [l["id"]])
for season in sorted(Y(sorted(league), 2)):
    l = league[season]
    add_q(f"epl-scorer-{season}", f"Who was the Eastern Premier League's top scorer in {season}?", [l["scorer"], surname(l["scorer"])], [l["id"]])

# Near-duplicate refusals: the family exists, the asked-for year/quarter/month/company does not.
add_q("refuse-tennis-2012", "Who won the Northbridge Open men's singles final in 2012?", [], [])
add_q("refuse-acme-q1-2020", "What was Acme Industrial's revenue in Q1 2020?", [], [])
add_q("refuse-apex-q3-2022", "What was Apex Industrial's revenue in Q3 2022?", [], [])
add_q("refuse-marathon-2025", "Who won the men's race at the 2025 Lakeshore City Marathon?", [], [])
add_q("refuse-hadley-2019", "What was Port Hadley's total budget for fiscal year 2019?", [], [])
add_q("refuse-norland-2022", "What was Norland's unemployment rate in June 2022?", [], [])


# ---------------------------------------------------------------- checks and output
def check():
    ids = [a["id"] for a in articles]
    assert len(ids) == len(set(ids)), "duplicate article id"
    texts = {a["id"]: a["text"].lower() for a in articles}
    qids = [q["id"] for q in questions]
    assert len(qids) == len(set(qids)), "duplicate question id"
    for q in questions:
        for g in q["gold_doc_ids"]:
            assert g in texts, (q["id"], g)
        gold_text = texts[q["gold_doc_ids"][0]] if q["gold_doc_ids"] else ""
        assert not q["answers"] or any(a.lower() in gold_text for a in q["answers"]), q["id"]
        assert all(a.lower() in gold_text for a in q.get("all_answers", [])), q["id"]
        for alias in q["answers"] + q.get("all_answers", []):
            a = alias.lower()
            others = [i for i, t in texts.items() if a in t and i not in q["gold_doc_ids"]]
            assert not others, (q["id"], alias, others)


check()
with open(HERE / "corpus.jsonl", "w", encoding="utf-8") as f:
    for a in articles:
        f.write(json.dumps(a, ensure_ascii=False) + "\n")
with open(HERE / "questions.jsonl", "w", encoding="utf-8") as f:
    for q in questions:
        f.write(json.dumps(q, ensure_ascii=False) + "\n")
print(f"{len(articles)} articles, {len(questions)} questions")
