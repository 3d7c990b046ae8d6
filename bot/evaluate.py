"""`newsbot eval`: score answers against a gold questions file, through the same path as `ask --batch`.

Questions file, JSONL: {"id", "question", "answers": [aliases], "all_answers"?: [...], "gold_doc_ids": [...],
"conversation"?}. Empty `answers` means the right reply is a refusal.
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from bot.questions import QuestionsError, question_lines


def load_questions(path: Path) -> list[dict]:
    """The gold questions; the first bad line stops the evaluation (QuestionsError)."""
    out = []
    for n, q in question_lines(path):
        if isinstance(q, str):
            raise QuestionsError(q)
        if not isinstance(q.get("answers", []), list):
            raise QuestionsError(f'{path}:{n}: "answers" must be a list of aliases')
        q.setdefault("id", str(n))
        q.setdefault("answers", [])
        q.setdefault("gold_doc_ids", [])
        out.append(q)
    if not out:
        raise QuestionsError(f"{path}: no questions")
    return out


@dataclass
class Row:
    id: str
    question: str
    answerable: bool
    followup: bool
    correct: bool
    refused: bool
    rank: int | None  # 1-based rank of the first gold article among retrieved articles
    citations: int
    verbatim: int
    precise: int
    latency_ms: float
    answer: str
    supporting: int = 0  # citations not marked as the other side of a disagreement
    supporting_precise: int = 0
    correct_anywhere: bool = False  # looser: an alias anywhere in the reply (any cited sentence)
    # An evidence-absent question (its articles removed) answered in the lead with the answer it had
    # (`was`): another article states it too, so the answer is right although a refusal was expected.
    right_elsewhere: bool | None = None


_ARTICLES = re.compile(r"\b(a|an|the)\b")


def normal(text: str) -> str:
    """SQuAD's answer normalisation: lower case, no punctuation (curly quotes included), no articles, one
    space. So the gold '"Another World"' matches the reply's “Another World,” and "the BLA" matches "BLA"."""
    text = "".join(ch for ch in unicodedata.normalize("NFKC", text.lower()) if not unicodedata.category(ch).startswith("P"))
    return " ".join(_ARTICLES.sub(" ", text).split())


def _contains(answer: str, alias: str) -> bool:
    alias = normal(alias)
    return bool(alias) and alias in normal(answer)


_FIRST_CITED = re.compile(r"^.*?\[\d{1,3}\](?:\s*\[\d{1,3}\])*", re.S)


def lead(answer: str) -> str:
    """What a reader sees first: the first line of the reply, up to its first citation marks
    ("India denied involvement [1][3]"). Accuracy is scored on this, so an answer buried under
    a wrong lead sentence does not count."""
    first = next((line for line in answer.splitlines() if line.strip()), "")
    m = _FIRST_CITED.match(first)
    return m.group(0) if m else first


def score_one(q: dict, a: dict, texts: dict[str, str], followup: bool) -> Row:
    answerable = bool(q["answers"])
    refused = bool(a.get("refused"))
    def says(text: str) -> bool:
        return any(_contains(text, x) for x in q["answers"]) and all(_contains(text, x) for x in q.get("all_answers", []))

    elsewhere = None
    if answerable:
        correct = not refused and says(lead(a["answer"]))
        anywhere = not refused and says(a["answer"])
    else:
        correct = anywhere = refused
        if q.get("was"):
            elsewhere = not refused and any(_contains(lead(a["answer"]), x) for x in q["was"])
    docs = list(dict.fromkeys(r["doc_id"] for r in a.get("retrieved", [])))
    gold = set(q["gold_doc_ids"])
    rank = next((i for i, d in enumerate(docs, 1) if d in gold), None) if gold else None
    cits = a.get("citations", [])
    verbatim = sum(1 for c in cits if c.get("quote") and c["quote"] in texts.get(c["doc_id"], ""))
    precise = sum(1 for c in cits if c["doc_id"] in gold)
    disputed = set(a.get("disputed") or [])
    supporting = [c for c in cits if c.get("n") not in disputed]
    return Row(str(q["id"]), q["question"], answerable, followup, correct, refused, rank, len(cits), verbatim, precise,
               float(a.get("timings_ms", {}).get("total", 0.0)), a.get("answer", ""),
               len(supporting), sum(1 for c in supporting if c["doc_id"] in gold), anywhere, elsewhere)


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of `values`; 0 for none."""
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def summarize(rows: list[Row]) -> dict:
    ans = [r for r in rows if r.answerable]
    ooc = [r for r in rows if not r.answerable]
    ranked = [r for r in ans]
    cits = sum(r.citations for r in ans)
    refused = [r for r in rows if r.refused]
    fu = [r for r in rows if r.followup]
    lat = [r.latency_ms for r in rows]

    def ratio(a: float, b: float) -> float | None:
        return round(a / b, 3) if b else None

    return {
        "questions": len(rows),
        "answer_accuracy": ratio(sum(r.correct for r in ans), len(ans)),  # an alias in the lead
        "accuracy_any_cited": ratio(sum(r.correct_anywhere for r in ans), len(ans)),  # looser: anywhere
        "hit@1": ratio(sum(1 for r in ranked if r.rank == 1), len(ranked)),
        "hit@5": ratio(sum(1 for r in ranked if r.rank and r.rank <= 5), len(ranked)),
        "mrr": ratio(sum(1 / r.rank for r in ranked if r.rank), len(ranked)),
        "citation_validity": ratio(sum(r.verbatim for r in rows), sum(r.citations for r in rows)),
        "citation_precision": ratio(sum(r.precise for r in ans), cits),
        # The same, leaving out citations offered as the other side of a flagged disagreement
        "support_precision": ratio(sum(r.supporting_precise for r in ans), sum(r.supporting for r in ans)),
        "answers_with_citations": ratio(sum(1 for r in ans if r.citations and not r.refused), len(ans)),
        "refusal_recall": ratio(sum(r.refused for r in ooc), len(ooc)),
        "refusal_precision": ratio(sum(1 for r in refused if not r.answerable), len(refused)),
        # of the evidence-absent questions that carry the answer they had: answered with it from another article
        "answered_right_elsewhere": ratio(sum(1 for r in ooc if r.right_elsewhere), sum(1 for r in ooc if r.right_elsewhere is not None)),
        "followup_accuracy": ratio(sum(r.correct for r in fu), len(fu)),
        "latency_p50_ms": round(percentile(lat, 50), 1),
        "latency_p95_ms": round(percentile(lat, 95), 1),
    }


def score(questions: list[dict], answers: list[dict], texts: dict[str, str]) -> tuple[dict, list[Row]]:
    rows = []
    prev_conv = None
    for q, a in zip(questions, answers):
        conv = q.get("conversation")
        rows.append(score_one(q, a, texts, followup=conv is not None and conv == prev_conv))
        prev_conv = conv
    return summarize(rows), rows


def answer_all(bot, questions: list[dict], progress=None) -> list[dict]:
    from bot.cli import run_batch

    out: list[dict] = []

    def keep(item, answer) -> None:
        out.append(answer.to_json())
        if progress:
            progress()

    run_batch(bot, questions, keep)
    return out


def article_texts(bot) -> dict[str, str]:
    corpus = bot.corpus
    return {d: corpus.texts.get(r.duplicate_of or d, "") for d, r in corpus.docs.items()}


def render_table(rows_by_system: dict[str, dict], title: str = "newsbot eval") -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    table.add_column("metric")
    for name in rows_by_system:
        table.add_column(name, justify="right")
    metrics = next(iter(rows_by_system.values())).keys()
    for m in metrics:
        table.add_row(m, *["-" if s.get(m) is None else str(s.get(m)) for s in rows_by_system.values()])
    Console().print(table)


def main(settings, args) -> int:
    from rich.progress import Progress

    from bot.service import Newsbot
    from index.store import open_store

    try:
        questions = load_questions(args.questions)
    except QuestionsError as e:
        print(f"newsbot: error: {e}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="newsbot-eval-") as tmp:
        if args.corpus:
            bot = Newsbot(settings, index_dir=Path(tmp))
            report = bot.ingest(args.corpus)
            print(f"eval index: {report.summary()}", file=sys.stderr)
            for r in report.rejected:
                print(f"rejected {r}", file=sys.stderr)
        else:
            index = args.index or settings.index.dir
            if not open_store(index).exists():
                print(f"newsbot: error: no index at {open_store(index).location}; use --corpus PATH or build one with newsbot ingest", file=sys.stderr)
                return 2
            bot = Newsbot(settings, index_dir=index)
        with Progress(transient=True, disable=not sys.stderr.isatty()) as bar:
            task = bar.add_task("asking", total=len(questions))
            answers = answer_all(bot, questions, progress=lambda: bar.advance(task))
        metrics, rows = score(questions, answers, article_texts(bot))
    if args.json:
        print(json.dumps({"metrics": metrics, "rows": [r.__dict__ for r in rows]}, ensure_ascii=False))
    else:
        render_table({"newsbot": metrics})
        misses = [r for r in rows if not r.correct]
        for r in misses:
            print(f"MISS {r.id}: {r.question} -> {'(refused)' if r.refused else r.answer[:160]!r}")
    return 0
