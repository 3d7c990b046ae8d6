"""`newsbot eval`: the scoring rules on hand-made answers, and the command end to end on the real index."""

from __future__ import annotations

import json

import pytest

from bot.cli import main
from bot.evaluate import score
from conftest import write_config

TEXTS = {"a": "India rejected the claim. It was baseless.", "b": "The army said 92 died on Saturday.", "c": "Filler."}


def cite(n: int, doc_id: str, quote: str) -> dict:
    return {"n": n, "doc_id": doc_id, "quote": quote}


def test_scoring_counts_accuracy_citations_refusals_and_follow_ups():
    questions = [
        {"id": "1", "question": "Who rejected it?", "answers": ["India"], "gold_doc_ids": ["a"], "conversation": "c"},
        {"id": "2", "question": "Why?", "answers": ["baseless"], "all_answers": ["baseless", "false"],
         "gold_doc_ids": ["a"], "conversation": "c"},
        {"id": "3", "question": "Capital of France?", "answers": [], "gold_doc_ids": []},
    ]
    answers = [
        {"answer": "India rejected the claim. [1] The army said 92 died on Saturday. [2]", "refused": False,
         "citations": [cite(1, "a", "India rejected the claim."), cite(2, "b", "The army said 92 died on Saturday.")],
         "disputed": [2], "retrieved": [{"doc_id": "b"}, {"doc_id": "a"}], "timings_ms": {"total": 10}},
        {"answer": "It was baseless. [1]", "refused": False, "citations": [cite(1, "a", "not in the text")],
         "retrieved": [{"doc_id": "a"}], "timings_ms": {"total": 30}},
        {"answer": "Paris.", "refused": False, "citations": [], "retrieved": [{"doc_id": "c"}], "timings_ms": {"total": 20}},
    ]
    metrics, rows = score(questions, answers, TEXTS)

    assert [r.correct for r in rows] == [True, False, False]  # 2 lacks "false"; 3 should have been refused
    assert [r.rank for r in rows[:2]] == [2, 1] and metrics["mrr"] == 0.75 and metrics["hit@1"] == 0.5
    assert metrics["citation_validity"] == 0.667  # the second answer's quote is not in its article
    assert metrics["citation_precision"] == 0.667  # b is not gold for question 1 ...
    assert metrics["support_precision"] == 1.0  # ... but it is cited as the other side of a disagreement
    assert metrics["refusal_recall"] == 0.0 and metrics["refusal_precision"] is None
    assert metrics["followup_accuracy"] == 0.0 and metrics["latency_p50_ms"] == 20


def test_an_evidence_absent_question_answered_with_its_old_answer_is_counted_apart():
    """Its articles removed, a question may still be answered from another article: that is reported
    (`answered_right_elsewhere`), and it still counts as a missed refusal."""
    questions = [{"id": str(n), "question": "Who rejected it?", "answers": [], "gold_doc_ids": [], "was": ["India"]}
                 for n in range(3)] + [{"id": "x", "question": "Capital of France?", "answers": [], "gold_doc_ids": []}]
    answers = [{"answer": "India rejected the claim. [1]", "refused": False},
               {"answer": "The army said 92 died. [1]\nIndia rejected the claim. [2]", "refused": False},  # not in the lead
               {"answer": "The articles do not cover this.", "refused": True},
               {"answer": "Paris.", "refused": False}]
    metrics, rows = score(questions, answers, TEXTS)
    assert [r.right_elsewhere for r in rows] == [True, False, False, None]
    assert metrics["answered_right_elsewhere"] == 0.333 and metrics["refusal_recall"] == 0.25


def test_an_alias_matches_whatever_its_quotes_case_and_articles():
    """SQuAD's normalisation: a quiz alias in straight quotes matches the article's curly ones."""
    questions = [{"id": str(n), "question": "Which show?", "answers": [alias], "gold_doc_ids": ["a"]}
                 for n, alias in enumerate(['"Another World"', "the BLA", "Blink-182", "...", "Another World War"])]
    reply = {"answer": "Her breakthrough came in “Another World,” said BLA's Blink-182 fans. [1]", "refused": False,
             "citations": [], "retrieved": [{"doc_id": "a"}]}
    _, rows = score(questions, [reply] * len(questions), TEXTS)
    assert [r.correct for r in rows] == [True, True, True, False, False]  # an alias of punctuation alone matches nothing


def test_eval_command_scores_the_gold_questions_on_the_real_index(capsys, tmp_path, sample_index):
    questions = tmp_path / "q.jsonl"
    questions.write_text("\n".join(json.dumps(q) for q in [
        {"id": "denied", "question": "Who denied involvement?", "answers": ["India"],
         "gold_doc_ids": ["000_d13a717061940d18", "001_262b19c4243f2b1a", "004_61123b42adc87878"]},
        {"id": "oos", "question": "What is the capital of France?", "answers": [], "gold_doc_ids": []},
    ]) + "\n")
    config = write_config(tmp_path / "config.yaml", sample_index)

    assert main(["--config", str(config), "eval", "--questions", str(questions), "--index", str(sample_index), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["metrics"]["answer_accuracy"] == 1.0 and result["metrics"]["refusal_recall"] == 1.0
    assert result["metrics"]["citation_validity"] == 1.0
    assert [r["id"] for r in result["rows"]] == ["denied", "oos"]


@pytest.mark.parametrize("line, message", [
    ("not json", "q.jsonl:1: malformed JSON"),
    ('{"question": "Who?", "answers": "India"}', 'q.jsonl:1: "answers" must be a list'),
    ('{"answers": []}', 'q.jsonl:1: expected an object with a non-empty "question"'),
])
def test_a_bad_questions_file_is_one_line_and_exit_2(capsys, tmp_path, sample_index, line, message):
    (tmp_path / "q.jsonl").write_text(line + "\n")
    config = write_config(tmp_path / "config.yaml", sample_index)
    code = main(["--config", str(config), "eval", "--questions", str(tmp_path / "q.jsonl"), "--index", str(sample_index)])
    err = capsys.readouterr().err
    assert code == 2 and message in err and err.count("\n") == 1
