"""Side by side: newsbot against the stock llama-index pipeline (bench/stock_pipeline.py), same
embedder, same LLM, same questions, scored by the same code as `newsbot eval`, in one run.

    .venv/bin/python bench/compare.py [--questions FILE] [--corpus PATH...] [--limit N]

The stock pipeline takes tens of seconds per question on 2 cores; --limit keeps a run short.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("TQDM_DISABLE", "1")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--questions", type=Path, default=ROOT / "bench/data/gold_sample.jsonl")
    ap.add_argument("--corpus", type=Path, nargs="+", default=[ROOT / "corpus"])
    ap.add_argument("--limit", type=int, default=None, help="first N questions only")
    ap.add_argument("--config", type=Path, default=None)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    from bot.config import load_settings
    from bot.evaluate import answer_all, article_texts, load_questions, render_table, score
    from bot.service import Newsbot
    from stock_pipeline import answer_questions

    questions = load_questions(args.questions)[: args.limit]
    # A conversation cut by --limit would score its first turns only; that is fine for both systems.
    with tempfile.TemporaryDirectory() as tmp:
        bot = Newsbot(load_settings(args.config), index_dir=Path(tmp))
        bot.ingest(args.corpus)
        texts = article_texts(bot)
        ours, _ = score(questions, answer_all(bot, questions), texts)
    print(f"newsbot done; running the stock pipeline on {len(questions)} questions...", file=sys.stderr)
    stock_answers = answer_questions(args.corpus, questions)
    # Stock quotes are raw chunk text (no cleaning): check them against the raw files as well.
    raw = dict(texts)
    for p in args.corpus:
        for f in ([p] if p.is_file() else sorted(p.rglob("*.txt"))):
            if f.suffix == ".txt":
                raw[f.stem] = raw.get(f.stem, "") + "\n" + f.read_text(encoding="utf-8")
    stock, _ = score(questions, stock_answers, raw)
    if args.json:
        print(json.dumps({"newsbot": ours, "stock llama-index": stock}))
    else:
        render_table({"newsbot": ours, "stock llama-index": stock},
                     title=f"{args.questions.name}: {len(questions)} questions, same embedder and LLM")
    return 0


if __name__ == "__main__":
    sys.exit(main())
