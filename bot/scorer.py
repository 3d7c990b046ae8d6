"""Which candidate sentence answers, and whether the best one answers at all.

Sentences are ranked by a weighted sum of the features below (bot/scorer_weights.json: hand-set
weights; fits by bench/fit_scorer.py --sentences gained a few questions on unseen weeks and lost more on
the sample sets, README "Evaluation"). Whether the
best sentence answers is a logistic regression over its features (`confidence`), fitted by
bench/fit_scorer.py --confidence on answerable questions and on the same questions with their
articles removed; `answer.min_confidence` turns it into refusals.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np

FEATURES = (
    "cosine",         # question . sentence (embeddings); the sentence score reads a multi-sentence question's asking one
    "focus",          # question without its names and figures . sentence; for the score, mean with the asking one's
    "overlap",        # the question's content words in the sentence, weighted by rarity among candidates
    "typed",          # has the kind of thing asked for (answer_type), and states the question's premise
    "bound",          # "how many civilians": a figure counting that noun
    "sent_literals",  # share of the question's names, years, figures in the sentence
    "doc_literals",   # ... in its article (title, date, dateline, text)
    "restates",       # says nothing the question does not
    "novelty",        # share of the sentence's content words the question does not have
    "hit_rank",       # 1 / (1 + rank of the retrieved passage it comes from)
    "lead",           # 1 / (1 + its sentence number in the article): news puts the answer first
    "title_sim",      # question . its article's headline
    "support",        # other outlets with a sentence saying the same (paraphrase similarity), up to 3, / 3
    "vote",           # share of the candidates' weight, over distinct articles, behind the answer it offers
    "new_name",       # names something the question does not (a capitalised name, a quoted title)
    "asked_noun",     # has the noun of "which X" ("Nike ..., the company said" for "Which company ...")
    "soft_overlap",   # the question's content words matched to the sentence's by word embeddings ("strengthened" ~ "reinforced")
)
# Whether the best candidate answers at all: its features, its score, its lead over the runner-up, and how
# many candidates there were. With the answer's articles removed, the best remaining sentence is about the
# same story and scores nearly as well as an answer does; no single feature separates the two cases.
CONFIDENCE_FEATURES = (*FEATURES, "score", "margin", "candidates")
WEIGHTS = Path(__file__).with_name("scorer_weights.json")


@lru_cache(maxsize=1)
def _weights() -> tuple[np.ndarray, float, str]:
    data = json.loads(WEIGHTS.read_text())
    if tuple(data["features"]) != FEATURES:
        raise RuntimeError(f"{WEIGHTS} was fitted on other features; rerun bench/fit_scorer.py")
    return np.asarray(data["weights"], dtype="float32"), float(data["bias"]), data.get("link", "logistic")


@lru_cache(maxsize=1)
def _confidence_weights() -> tuple[np.ndarray, float] | None:
    data = json.loads(WEIGHTS.read_text()).get("confidence")
    if not data:
        return None
    if tuple(data["features"]) != CONFIDENCE_FEATURES:
        raise RuntimeError(f"{WEIGHTS}: the confidence model was fitted on other features; rerun bench/fit_scorer.py --confidence")
    return np.asarray(data["weights"], dtype="float64"), float(data["bias"])


def confidence_features(best: np.ndarray, score: float, runner_up: float | None, candidates: int) -> np.ndarray:
    margin = score - runner_up if runner_up is not None else 1.0
    return np.concatenate([np.asarray(best, dtype="float64"), [score, margin, min(candidates, 50) / 50]])


def confidence(x: np.ndarray) -> float:
    """P(the best candidate states the answer), a logistic regression fitted by bench/fit_scorer.py
    --confidence on answerable questions and the same questions with their articles removed; 1.0 when the
    weights file has no such model."""
    model = _confidence_weights()
    if model is None:
        return 1.0
    w, b = model
    return float(1.0 / (1.0 + np.exp(-(x @ w + b))))


def weight(feature: str) -> float:
    """The scorer's weight of one feature (for a preference in its units, answer_type.SOFT)."""
    return float(_weights()[0][FEATURES.index(feature)])


def probabilities(x: np.ndarray) -> np.ndarray:
    """P(the sentence states the answer) for each row of features (columns in FEATURES order); with
    `"link": "linear"` in the weights file, the plain weighted sum (hand-set weights)."""
    w, b, link = _weights()
    z = x @ w + b
    return z if link == "linear" else 1.0 / (1.0 + np.exp(-z))
