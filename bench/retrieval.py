"""Retrieval alone: plain dense (FAISS), plain BM25 and newsbot's hybrid retrieval on a question set,
hit@1 / hit@5 / MRR against the gold doc_ids, in one table.

    .venv/bin/python bench/retrieval.py --questions bench/data/stress/questions.jsonl \\
        --corpus bench/data/stress/corpus.jsonl
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TQDM_DISABLE", "1")


def ranks(doc_lists: list[list[str]], golds: list[set[str]]) -> dict:
    rs = [next((i for i, d in enumerate(dict.fromkeys(docs), 1) if d in g), None) for docs, g in zip(doc_lists, golds)]
    n = len(rs) or 1
    return {"hit@1": round(sum(r == 1 for r in rs) / n, 3), "hit@5": round(sum(bool(r and r <= 5) for r in rs) / n, 3),
            "mrr": round(sum(1 / r for r in rs if r) / n, 3)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--questions", type=Path, default=ROOT / "bench/data/stress/questions.jsonl")
    ap.add_argument("--corpus", type=Path, nargs="+", default=[ROOT / "bench/data/stress/corpus.jsonl"])
    ap.add_argument("--config", type=Path, default=None)
    args = ap.parse_args()

    from bot.config import load_settings
    from bot.evaluate import load_questions, render_table
    from bot.service import Newsbot

    qs = [q for q in load_questions(args.questions) if q["gold_doc_ids"] and not q.get("conversation")]
    golds = [set(q["gold_doc_ids"]) for q in qs]
    settings = load_settings(args.config)
    with tempfile.TemporaryDirectory() as tmp:
        bot = Newsbot(settings, index_dir=Path(tmp), llm=None)
        bot.ingest(args.corpus)
        corpus, retriever = bot._state
        k = settings.retrieval.top_k

        def doc(cid: str) -> str:
            return corpus.node(cid).metadata["doc_id"]

        dense = [[doc(c) for c, _ in retriever.dense(bot.embedder.get_query_embedding(q["question"]), k)] for q in qs]
        bm25 = [[doc(c) for c in retriever.keyword(q["question"], k)] for q in qs]
        hybrid = [[h.doc_id for h in retriever.search(q["question"])] for q in qs]
    render_table({"plain dense (FAISS)": ranks(dense, golds), "plain BM25": ranks(bm25, golds),
                  "newsbot hybrid": ranks(hybrid, golds)},
                 title=f"{args.questions.name}: {len(qs)} answerable questions, retrieval only")
    return 0


if __name__ == "__main__":
    sys.exit(main())
