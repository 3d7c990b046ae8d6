"""Fit the answer-sentence scorer (bot/scorer.py) on the dev questions; writes bot/scorer_weights.json.

    .venv/bin/python bench/fit_scorer.py [--sets dev,sample,stress] [--dry-run]

For each answerable question (first turns only: a follow-up's candidates depend on the chat), the
candidate sentences of its retrieved passages are labelled 1 when they contain one of its answer
aliases, 0 otherwise; a logistic regression over bot.scorer.FEATURES is fitted with each question
weighing the same in total. Only questions with at least one labelled-1 candidate teach ranking, so
only those are used. The held-out weeks are never read here (bench/quality.py checks them).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from quality import make_sets, open_bot  # noqa: E402  (bench/ is not a package)

ROOT = Path(__file__).resolve().parent.parent


def collect(names: list[str]):
    from bot import evidence as ev
    from bot.config import load_settings
    from bot.evaluate import load_questions
    from bot.scorer import FEATURES

    settings = load_settings(None)
    settings.llm.backend = "none"
    xs, ys, ws, tops = [], [], [], []
    for name, (corpus_paths, questions_path) in make_sets(names).items():
        bot = open_bot(name, corpus_paths, settings, None)
        corpus, retriever = bot._state
        seen_conv = set()
        used = 0
        for q in load_questions(questions_path):
            conv = q.get("conversation")
            if conv is not None and conv in seen_conv:
                continue
            seen_conv.add(conv)
            if not q["answers"]:
                continue
            cands = ev.gather(corpus, retriever.search(q["question"]), q["question"], bot.embedder)
            labels = [int(any(a.lower() in c.text.lower() for a in q["answers"])) for c in cands]
            if not any(labels):
                continue
            used += 1
            tops.append(labels[0])
            xs += [c.features for c in cands]
            ys += labels
            ws += [1.0 / len(cands)] * len(cands)
        print(f"[{name}] {used} questions with an answering candidate", file=sys.stderr)
    return np.array(xs), np.array(ys), np.array(ws), FEATURES, tops


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sets", default="dev,sample,stress")
    ap.add_argument("--dry-run", action="store_true", help="print the fit, do not write the weights")
    args = ap.parse_args()
    from sklearn.linear_model import LogisticRegression

    x, y, w, features, tops = collect(args.sets.split(","))
    print(f"current scorer: top candidate states the answer for {sum(tops)}/{len(tops)} questions", file=sys.stderr)
    model = LogisticRegression(C=1.0, max_iter=2000).fit(x, y, sample_weight=w / w.mean())
    weights = [round(float(v), 4) for v in model.coef_[0]]
    for f, v in zip(features, weights):
        print(f"  {f:14s} {v:+.3f}")
    out = {"features": list(features), "weights": weights, "bias": round(float(model.intercept_[0]), 4),
           "fitted_on": f"bench/fit_scorer.py --sets {args.sets}: {len(tops)} questions, {len(y)} candidate sentences"}
    if not args.dry_run:
        (ROOT / "bot" / "scorer_weights.json").write_text(json.dumps(out, indent=1) + "\n")
        print("wrote bot/scorer_weights.json", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
