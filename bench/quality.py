"""Answer quality on real news, one table: every set x {accuracy, hit@1, hit@5, citation precision,
refusal} x {llm local, llm none}, and the stock llama-index pipeline beside it (--stock).

    .venv/bin/python bench/quality.py [--sets dev,heldout,...] [--llm none,local] [--stock] [--tag NAME]

Sets (built at run time under the gitignored bench/out/; third-party data is read from ../shared and
never copied into the repository):
  dev             ../shared/data/realtimeqa-dev as it is (4 weeks, 575 articles, 59 questions)
  heldout,        other weeks of ../shared/data/realtimeqa-2022 (HELDOUT_WEEKS), cut like the dev slice:
  heldout2        the weeks' questions, and the search results listed under them (see `week_slice`)
  train           every remaining week of realtimeqa-2022, for fitting the answer scorer (bench/fit_scorer.py)
  *-absent        the same questions on the same corpus minus every question's gold articles: every
                  answer must be a refusal (the "evidence absent" set)
  stress          bench/data/stress: passages that differ only by year or edition
  sample          the bundled corpus/ with bench/data/gold_sample.jsonl
  sample-new      the bundled corpus/ with bench/data/sample_new.jsonl (questions worded unlike the text)
  sample-new2     the same, bench/data/sample_new2.jsonl: 27 more, written later and scored before any change for them
  sample-new3     the same, bench/data/sample_new3.jsonl: 30 more, written by a helper that saw neither the code
                  nor the bot's replies, and scored before any change for them
  sample-new4     the same, bench/data/sample_new4.jsonl: 30 more, written the same way after sample-new3's changes
  sample-new5     the same, bench/data/sample_new5.jsonl: 30 more, written the same way after sample-new4's changes
  sample-new6     the same, bench/data/sample_new6.jsonl: 30 more, written the same way after sample-new5's changes
  sample-new7     the same, bench/data/sample_new7.jsonl: 30 more, by a second helper at the same time
  sample-new8     the same, bench/data/sample_new8.jsonl: 30 more, by a second helper at the same time as sample-new9
  sample-new9     the same, bench/data/sample_new9.jsonl: 30 more, written the same way in session 19
  sample-new11    the same, bench/data/sample_new11.jsonl: 30 more, written the same way in session 20
  sample-new10    the same, bench/data/sample_new10.jsonl: 30 more, by a second helper in session 20 (delivered after sample-new11's changes)

Accuracy is strict: an answer counts when an alias is in its lead (the first line, up to its first
citation marks; `bot.evaluate.lead`); a refusal of an answerable question is wrong. "any" is the looser
figure: an alias anywhere in the reply. Indexes are built once per set and corpus-side code version
(bench/out/index/), and embeddings are cached by text (bench/out/embeddings.sqlite), so a rerun only
answers. Per-question rows go to bench/out/results/<tag>/<set>-<llm>.json.
"""

from __future__ import annotations

import argparse
import bisect
import hashlib
import json
import os
import sqlite3
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("TQDM_DISABLE", "1")
SHARED = Path(os.environ.get("NEWSBOT_SHARED_DATA", ROOT.parent / "shared" / "data"))
OUT = Path(os.environ.get("NEWSBOT_BENCH_OUT", ROOT / "bench" / "out"))
# Held-out weeks of realtimeqa-2022, never the dev slice's. "heldout" (2 weeks, 31 questions) was split off
# first and has since been looked at; "heldout2" (6 weeks) was split off later and scored before any tuning.
HELDOUT_WEEKS = {
    "heldout": ("20221209", "20221223"),
    "heldout2": ("20220624", "20220722", "20220819", "20220916", "20221014", "20221202"),
}
ALL_SETS = ("dev", "train", "heldout", "heldout2", "dev-absent", "heldout-absent", "heldout2-absent", "train-absent", "stress",
            "sample", "sample-new", "sample-new2", "sample-new3", "sample-new4", "sample-new5",
            "sample-new6", "sample-new7", "sample-new8", "sample-new9", "sample-new11", "sample-new10")


def _jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def _write(path: Path, rows: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")  # several runs may cut the sets at once
    tmp.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    tmp.replace(path)
    return path


def week_slice(corpus: list[dict], questions: list[dict], weeks: set[str]) -> tuple[list[dict], list[dict]]:
    """The weeks' questions and their articles. corpus.jsonl lists each question's search results
    together, in question order, each article once (where first seen); only gold articles name their
    question. So an article belongs to the week of the nearest gold article at or before it, and every
    gold article of the weeks' questions is included. On the dev weeks this reproduces 530 of the dev
    slice's 575 articles (573 picked): the rest were first listed under another week's question."""
    pos = {d["id"]: i for i, d in enumerate(corpus)}
    anchor: dict[int, str] = {}
    for q in questions:
        for g in q["gold_doc_ids"]:
            anchor.setdefault(pos[g], q["id"][:8])
    starts = sorted(anchor)

    def week(i: int) -> str:
        j = bisect.bisect_right(starts, i) - 1
        return anchor[starts[max(j, 0)]]

    qs = [q for q in questions if q["id"][:8] in weeks]
    gold = {g for q in qs for g in q["gold_doc_ids"]}
    docs = [d for i, d in enumerate(corpus) if week(i) in weeks or d["id"] in gold]
    return docs, qs


def absent(corpus: list[dict], questions: list[dict]) -> tuple[list[dict], list[dict]]:
    """The corpus without any question's gold articles; the questions, now to be refused."""
    gold = {g for q in questions for g in q["gold_doc_ids"]}
    qs = [{"id": q["id"], "question": q["question"], "answers": [], "gold_doc_ids": [], "was": q["answers"]} for q in questions]
    return [d for d in corpus if d["id"] not in gold], qs


def make_sets(names: list[str]) -> dict[str, tuple[list[Path], Path]]:
    """name -> (corpus paths, questions file)."""
    sets: dict[str, tuple[list[Path], Path]] = {}
    need_real = any(n.split("-")[0] in ("dev", "train", *HELDOUT_WEEKS) for n in names)
    if need_real:
        dev_c, dev_q = SHARED / "realtimeqa-dev" / "corpus.jsonl", SHARED / "realtimeqa-dev" / "questions.jsonl"
        sets["dev"] = ([dev_c], dev_q)
        full_c, full_q = _jsonl(SHARED / "realtimeqa-2022" / "corpus.jsonl"), _jsonl(SHARED / "realtimeqa-2022" / "questions.jsonl")
        dev_weeks = {q["id"][:8] for q in _jsonl(dev_q)}
        real = {"dev": (_jsonl(dev_c), _jsonl(dev_q))}
        for split, weeks in HELDOUT_WEEKS.items():
            assert not dev_weeks & set(weeks), f"{split} weeks overlap the dev slice"
            docs, qs = week_slice(full_c, full_q, set(weeks))
            base = OUT / "sets" / split
            sets[split] = ([_write(base / "corpus.jsonl", docs)], _write(base / "questions.jsonl", qs))
            real[split] = (docs, qs)
        # "train": every other week, for fitting the answer scorer (never scored as a result).
        taken = dev_weeks | {w for weeks in HELDOUT_WEEKS.values() for w in weeks}
        docs, qs = week_slice(full_c, full_q, {q["id"][:8] for q in full_q} - taken)
        base = OUT / "sets" / "train"
        parts = [_write(base / f"corpus-{i // 1000}.jsonl", docs[i : i + 1000]) for i in range(0, len(docs), 1000)]
        sets["train"] = (parts, _write(base / "questions.jsonl", qs))  # parts: each file under index.max_file_mb
        c, q = absent(docs, qs)
        base = OUT / "sets" / "train-absent"
        sets["train-absent"] = ([_write(base / f"corpus-{i // 1000}.jsonl", c[i : i + 1000]) for i in range(0, len(c), 1000)],
                                _write(base / "questions.jsonl", q))
        for name, (corpus, questions) in real.items():
            c, q = absent(corpus, questions)
            base = OUT / "sets" / f"{name}-absent"
            sets[f"{name}-absent"] = ([_write(base / "corpus.jsonl", c)], _write(base / "questions.jsonl", q))
    sets["stress"] = ([ROOT / "bench/data/stress/corpus.jsonl"], ROOT / "bench/data/stress/questions.jsonl")
    sets["sample"] = ([ROOT / "corpus"], ROOT / "bench/data/gold_sample.jsonl")
    sets["sample-new"] = ([ROOT / "corpus"], ROOT / "bench/data/sample_new.jsonl")
    sets["sample-new2"] = ([ROOT / "corpus"], ROOT / "bench/data/sample_new2.jsonl")
    sets["sample-new3"] = ([ROOT / "corpus"], ROOT / "bench/data/sample_new3.jsonl")
    sets["sample-new4"] = ([ROOT / "corpus"], ROOT / "bench/data/sample_new4.jsonl")
    sets["sample-new5"] = ([ROOT / "corpus"], ROOT / "bench/data/sample_new5.jsonl")
    sets["sample-new6"] = ([ROOT / "corpus"], ROOT / "bench/data/sample_new6.jsonl")
    sets["sample-new7"] = ([ROOT / "corpus"], ROOT / "bench/data/sample_new7.jsonl")
    sets["sample-new8"] = ([ROOT / "corpus"], ROOT / "bench/data/sample_new8.jsonl")
    sets["sample-new9"] = ([ROOT / "corpus"], ROOT / "bench/data/sample_new9.jsonl")
    sets["sample-new11"] = ([ROOT / "corpus"], ROOT / "bench/data/sample_new11.jsonl")
    sets["sample-new10"] = ([ROOT / "corpus"], ROOT / "bench/data/sample_new10.jsonl")
    return {n: sets[n] for n in names}


# ---------------------------------------------------------------- embeddings cached by text


def cache_embeddings(embedder, path: Path) -> None:
    """Memoise `get_text_embedding_batch` on disk, keyed by the text: rebuilding an index after a change
    to what is embedded re-embeds only the texts that changed. Bench-only (patched on the class)."""
    import numpy as np

    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(str(path), check_same_thread=False)
    db.execute("CREATE TABLE IF NOT EXISTS v (k TEXT PRIMARY KEY, v BLOB)")
    cls = type(embedder)
    if getattr(cls, "_bench_cached", False):
        return
    original = cls.get_text_embedding_batch

    def batch(self, texts, show_progress=False, **kw):
        keys = [hashlib.sha1(t.encode("utf-8")).hexdigest() for t in texts]
        found: dict[str, list[float]] = {}
        for i in range(0, len(keys), 500):
            part = keys[i : i + 500]
            q = f"SELECT k, v FROM v WHERE k IN ({','.join('?' * len(part))})"
            found.update((k, np.frombuffer(v, dtype="float32").tolist()) for k, v in db.execute(q, part))
        missing = [(k, t) for k, t in zip(keys, texts) if k not in found]
        if missing:
            uniq = dict(missing)
            vecs = original(self, list(uniq.values()), show_progress=False, **kw)
            fresh = dict(zip(uniq, vecs))
            db.executemany("INSERT OR REPLACE INTO v VALUES (?, ?)",
                           [(k, np.asarray(v, dtype="float32").tobytes()) for k, v in fresh.items()])
            db.commit()
            found.update(fresh)
        return [found[k] for k in keys]

    cls.get_text_embedding_batch = batch
    cls._bench_cached = True


def _code_key(settings) -> str:
    """Index version: the corpus-side code and settings that decide what is stored and embedded."""
    h = hashlib.sha1()
    for f in ("index/article.py", "index/clean.py", "index/chunking.py", "index/ingest.py", "index/store.py", "index/text.py"):
        h.update((ROOT / f).read_bytes())
    h.update(settings.index.model_dump_json(exclude={"dir", "corpus"}).encode())
    return h.hexdigest()[:10]


def open_bot(name: str, corpus_paths: list[Path], settings, llm):
    from bot.service import Newsbot
    from index.store import IndexStore

    index_dir = OUT / "index" / f"{name}-{_code_key(settings)}"
    fresh = not IndexStore(index_dir).exists()
    bot = Newsbot(settings, index_dir=index_dir, llm=llm)
    cache_embeddings(bot.embedder, OUT / "embeddings.sqlite")
    if fresh:
        t = time.perf_counter()
        report = bot.ingest(corpus_paths)
        print(f"[{name}] index built in {time.perf_counter() - t:.0f}s: {report.summary()}", file=sys.stderr)
    return bot


# ---------------------------------------------------------------- running and the table

COLUMNS = ("acc", "any", "hit@1", "hit@5", "prec", "refused", "else", "valid", "p50 s")


def _figures(metrics: dict, rows) -> dict:
    refused = sum(r.refused for r in rows) / len(rows) if rows else None
    return {"acc": metrics["answer_accuracy"], "any": metrics["accuracy_any_cited"], "hit@1": metrics["hit@1"],
            "hit@5": metrics["hit@5"], "prec": metrics["citation_precision"],
            "refused": None if refused is None else round(refused, 3), "else": metrics.get("answered_right_elsewhere"),
            "valid": metrics["citation_validity"],
            "p50 s": round(metrics["latency_p50_ms"] / 1000, 2)}


def run_newsbot(name, corpus_paths, questions_path, settings, llm_name, llm, tag) -> dict:
    from bot.evaluate import answer_all, article_texts, load_questions, score

    questions = load_questions(questions_path)
    bot = open_bot(name, corpus_paths, settings, llm)
    t = time.perf_counter()
    answers = answer_all(bot, questions)
    metrics, rows = score(questions, answers, article_texts(bot))
    out = OUT / "results" / tag / f"{name}-{llm_name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"metrics": metrics, "rows": [r.__dict__ for r in rows], "answers": answers}, ensure_ascii=False, indent=1))
    print(f"[{name}/{llm_name}] {len(questions)} questions in {time.perf_counter() - t:.0f}s: {metrics}", file=sys.stderr)
    return _figures(metrics, rows)


def run_stock(name, corpus_paths, questions_path, tag) -> dict:
    from bot.evaluate import load_questions, score
    from stock_pipeline import answer_questions

    questions = load_questions(questions_path)
    answers = answer_questions(corpus_paths, questions)
    texts: dict[str, str] = {}  # stock quotes are raw text: check them against the raw articles
    for p in corpus_paths:
        if p.suffix == ".jsonl":
            texts.update((d["id"], d["text"]) for d in _jsonl(p))
        else:
            texts.update((f.stem, f.read_text(encoding="utf-8")) for f in sorted(p.rglob("*.txt")))
    metrics, rows = score(questions, answers, texts)
    out = OUT / "results" / tag / f"{name}-stock.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"metrics": metrics, "rows": [r.__dict__ for r in rows]}, ensure_ascii=False, indent=1))
    return _figures(metrics, rows)


def render(table: dict[tuple[str, str], dict], systems: list[str]) -> str:
    head = "| set | system | " + " | ".join(COLUMNS) + " |"
    lines = [head, "|" + "---|" * (len(COLUMNS) + 2)]
    for (name, system), f in table.items():
        cells = ["-" if f.get(c) is None else f"{f[c]:.2f}" if isinstance(f[c], float) else str(f[c]) for c in COLUMNS]
        lines.append(f"| {name} | {system} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sets", default=",".join(ALL_SETS), help=f"comma-separated, of {', '.join(ALL_SETS)}")
    ap.add_argument("--llm", default="local,none", help="comma-separated: local, none")
    ap.add_argument("--stock", action="store_true", help="also run the stock llama-index pipeline (slow: tens of s per question)")
    ap.add_argument("--tag", default="latest", help="results folder name under bench/out/results/")
    ap.add_argument("--config", type=Path, default=None)
    args = ap.parse_args()

    from bot.config import load_settings
    from bot.llm import get_llm

    started = time.perf_counter()
    names = [n for n in args.sets.split(",") if n]
    unknown = [n for n in names if n not in ALL_SETS]
    if unknown:
        ap.error(f"unknown set(s): {', '.join(unknown)}")
    sets = make_sets(names)
    settings = load_settings(args.config)
    table: dict[tuple[str, str], dict] = {}
    llms = [x for x in args.llm.split(",") if x]
    for llm_name in llms:
        s = settings.model_copy(deep=True)
        s.llm.backend = llm_name
        llm = get_llm(s.llm) if llm_name != "none" else None
        for name in names:
            corpus_paths, questions_path = sets[name]
            table[(name, llm_name)] = run_newsbot(name, corpus_paths, questions_path, s, llm_name, llm, args.tag)
    if args.stock:
        for name in names:
            corpus_paths, questions_path = sets[name]
            table[(name, "stock llama-index (local)")] = run_stock(name, corpus_paths, questions_path, args.tag)
    ordered = {k: table[k] for n in names for k in table if k[0] == n}
    text = render(ordered, llms)
    minutes = (time.perf_counter() - started) / 60
    print(text)
    print(f"\n(acc: alias in the lead; any: alias anywhere in the reply; refused: share of questions refused; "
          f"else: share of evidence-absent questions answered, in the lead, with the answer they had, from another article; "
          f"valid: citation validity; run time {minutes:.1f} min)")
    out = OUT / "results" / args.tag / "table.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text + f"\n\nrun time {minutes:.1f} min\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
