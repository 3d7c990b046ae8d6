"""Warm answer latency on a built index: the issue-8 goal is p50 ≤ 1.5 s with llm=local on ~1,000 articles.

    .venv/bin/python bench/latency.py INDEX_DIR QUESTIONS.jsonl [--llm local|none] [--n 30]
    .venv/bin/python bench/latency.py INDEX_DIR QUESTIONS.jsonl --search [--n 30]

e.g. the heldout2 index bench/quality.py builds (940 real articles, bench/out/index/heldout2-*). Two
questions warm the process (model load, caches); the next N are timed one by one through `Newsbot.ask`.
With --search only retrieval is timed (`HybridRetriever.search`): "cold" is each question's first search on
a new retriever over the loaded view (nothing cached, as in a freshly started or reloaded bot), "warm" the
same question searched again.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TQDM_DISABLE", "1")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("index", type=Path)
    ap.add_argument("questions", type=Path)
    ap.add_argument("--llm", default="local")
    ap.add_argument("--n", type=int, default=30)
    ap.add_argument("--search", action="store_true", help="time retrieval only: cold and warm search()")
    args = ap.parse_args()
    from bot.config import load_settings
    from bot.evaluate import percentile
    from bot.service import Newsbot

    settings = load_settings(None)
    settings.llm.backend = args.llm
    bot = Newsbot(settings, index_dir=args.index)
    questions = [json.loads(line)["question"] for line in args.questions.read_text(encoding="utf-8").splitlines() if line.strip()]
    if args.search:
        return _search(bot, questions, args.n)
    for q in questions[:2]:
        bot.ask(q)
    times, modes = [], {}
    for q in questions[2 : 2 + args.n]:
        t = time.perf_counter()
        a = bot.ask(q)
        times.append((time.perf_counter() - t) * 1000)
        modes[a.mode] = modes.get(a.mode, 0) + 1
    s = bot.corpus.stats()
    print(f"{s.articles} articles, {s.chunks} chunks, llm={args.llm}, {len(times)} questions: "
          f"p50 {percentile(times, 50) / 1000:.2f} s, p95 {percentile(times, 95) / 1000:.2f} s; modes {modes}; "
          f"load average {os.getloadavg()[0]:.1f}")
    return 0


def _search(bot, questions: list[str], n: int) -> int:
    from bot.evaluate import percentile
    from index.retrieve import HybridRetriever

    corpus, retriever = bot._state
    bot.embedder.get_query_embedding(questions[0])  # the model is loaded and warm; what is timed is search
    cold, warm = [], []
    for q in questions[:n]:
        fresh = HybridRetriever(corpus, retriever.settings, retriever.embedder, retriever.reranker)
        for times in (cold, warm):
            t = time.perf_counter()
            fresh.search(q)
            times.append((time.perf_counter() - t) * 1000)
    s = corpus.stats()
    print(f"{s.articles} articles, {s.chunks} chunks, {len(cold)} questions, search(): "
          f"cold p50 {percentile(cold, 50):.0f} ms, p95 {percentile(cold, 95):.0f} ms; "
          f"warm p50 {percentile(warm, 50):.0f} ms, p95 {percentile(warm, 95):.0f} ms; load average {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
