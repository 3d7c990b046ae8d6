"""The `newsbot` command: the JSON contract of `ask`, batches and their conversations, chat, exit codes.

Most tests call bot.cli.main in-process (the models load once per session); one runs the installed
command as a user would, on first use, to check stdout carries exactly the JSON and nothing else.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from conftest import REPO, write_config

CITATION_KEYS = {"n", "doc_id", "title", "source", "url", "published_at", "quote"}


@pytest.fixture
def config(tmp_path: Path) -> Path:
    return write_config(tmp_path / "config.yaml", tmp_path / "unused-index")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def check_contract(obj: dict, texts: dict[str, str]) -> None:
    assert {"id", "question", "answer", "refused", "citations", "retrieved", "timings_ms"} <= set(obj)
    assert isinstance(obj["answer"], str) and obj["answer"] and isinstance(obj["refused"], bool)
    for i, c in enumerate(obj["citations"], 1):
        assert set(c) == CITATION_KEYS
        assert c["n"] == i and c["quote"] in texts[c["doc_id"]]
    for r in obj["retrieved"]:
        assert set(r) == {"doc_id", "chunk_id", "score"} and r["chunk_id"].startswith(r["doc_id"] + "#")
    scores = [r["score"] for r in obj["retrieved"]]
    assert scores == sorted(scores, reverse=True)
    assert set(obj["timings_ms"]) == {"retrieve", "generate", "total"}
    assert all(isinstance(v, (int, float)) and v >= 0 for v in obj["timings_ms"].values())


def test_ask_json_prints_one_object_with_the_contract(capsys, config, sample_index, newsbot):
    code, out, err = run(capsys, "--config", config, "ask", "Who denied involvement?", "--json", "--index", sample_index)

    assert code == 0, err
    [line] = out.splitlines()
    obj = json.loads(line)
    check_contract(obj, newsbot.corpus.texts)
    assert obj["question"] == "Who denied involvement?" and obj["id"] is None
    assert obj["refused"] is False and obj["citations"] and "India" in obj["answer"]
    assert len(obj["retrieved"]) == 8


def test_ask_refusal_in_json(capsys, config, sample_index, newsbot):
    code, out, _ = run(capsys, "--config", config, "ask", "What is the capital of France?", "--json", "--index", sample_index)
    obj = json.loads(out)
    assert code == 0
    check_contract(obj, newsbot.corpus.texts)
    assert obj["refused"] is True and obj["citations"] == []


def test_ask_text_output_shows_answer_sources_and_quotes(capsys, config, sample_index):
    code, out, _ = run(capsys, "--config", config, "ask", "Who claimed responsibility for the attacks?", "--index", sample_index)
    assert code == 0
    assert "Baloch Liberation Army" in out and "Sources:" in out
    assert "  [1] " in out and "“" in out and "(verbatim evidence" in out


def test_batch_answers_in_order_reports_bad_lines_and_keeps_conversations(capsys, tmp_path, config, sample_index, newsbot):
    batch = tmp_path / "questions.jsonl"
    batch.write_text("\n".join([
        json.dumps({"id": "q1", "question": "Who claimed responsibility for the attacks?", "conversation": "c1"}),
        json.dumps({"id": "q2", "question": "What did they call the operation?", "conversation": "c1"}),
        "{not json",
        json.dumps({"id": "q3", "question": "What did they call the operation?"}),
        "",
        json.dumps({"id": "q4", "question": "   "}),
        json.dumps({"id": 5, "question": "What is the capital of France?", "conversation": "c2"}),
    ]) + "\n")

    code, out, err = run(capsys, "--config", config, "ask", "--batch", batch, "--json", "--index", sample_index)

    assert code == 1
    rows = [json.loads(l) for l in out.splitlines()]
    assert [r.get("id") for r in rows] == ["q1", "q2", None, "q3", None, "5"]
    answers = {r["id"]: r for r in rows if "error" not in r}
    for r in answers.values():
        check_contract(r, newsbot.corpus.texts)
    errors = [r for r in rows if "error" in r]
    assert [e["line"] for e in errors] == [3, 6]
    assert f"{batch}:3: malformed JSON" in errors[0]["error"] and f"{batch}:6:" in errors[1]["error"]
    assert f"newsbot: {batch}:3: malformed JSON" in err and f"newsbot: {batch}:6:" in err

    # q2 follows q1 in conversation c1; q3 has no conversation, so "they" stays unresolved.
    assert "Herof" in answers["q2"]["answer"]
    assert "Baloch Liberation Army" in answers["q2"]["standalone_question"]
    assert answers["q3"]["standalone_question"] is None
    assert answers["5"]["refused"] is True


def test_a_new_conversation_does_not_inherit_the_previous_one(capsys, tmp_path, config, sample_index):
    batch = tmp_path / "questions.jsonl"
    batch.write_text(
        json.dumps({"id": "a", "question": "Who claimed responsibility for the attacks?", "conversation": "c1"}) + "\n"
        + json.dumps({"id": "b", "question": "What did they call the operation?", "conversation": "c2"}) + "\n")
    code, out, _ = run(capsys, "--config", config, "ask", "--batch", batch, "--json", "--index", sample_index)
    assert code == 0
    rows = [json.loads(l) for l in out.splitlines()]
    assert rows[1]["standalone_question"] is None


@pytest.mark.parametrize("argv,message", [
    (["ask"], "give a QUESTION or --batch FILE"),
    (["ask", "Who?", "--batch", "q.jsonl"], "give a QUESTION or --batch FILE"),
    (["ask", "   "], "the question is empty"),
    (["ask", "--batch", "missing.jsonl"], "cannot read"),
    (["ask", "Who denied involvement?", "--index", "no-such-index"], "no index at"),
])
def test_usage_errors_exit_2_with_one_line(capsys, tmp_path, config, monkeypatch, argv, message):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "--config", config, *argv)
    assert code == 2 and out == ""
    assert err.startswith("newsbot: error: ") and message in err and err.count("\n") == 1


def test_argparse_errors_exit_2(capsys):
    for argv in (["frobnicate"], [], ["ask", "--bogus"]):
        with pytest.raises(SystemExit) as e:
            main(argv)
        assert e.value.code == 2
    capsys.readouterr()


def test_chat_resolves_follow_ups_and_its_commands(capsys, config, sample_index, monkeypatch):
    lines = iter(["Who claimed responsibility for the attacks?", "What did they call the operation?", "/sources",
                  "/reset", "/sources", "/quit"])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(lines))

    code, out, _ = run(capsys, "--config", config, "chat", "--index", sample_index)

    assert code == 0
    assert out.startswith("newsbot chat: 5 articles from 2 outlets.")
    replies = out.split("bot> ")[1:]
    assert "Baloch Liberation Army" in replies[0] and "Herof" in replies[1]
    assert "(conversation forgotten)" in out and out.rstrip().endswith("(no answer yet)")


def test_help_shows_a_worked_example_and_imports_no_heavy_library():
    probe = ("import sys, contextlib, io\nimport bot.cli\nbuf = io.StringIO()\n"
             "with contextlib.redirect_stdout(buf):\n    try:\n        bot.cli.main(['--help'])\n    except SystemExit:\n        pass\n"
             "heavy = [m for m in ('torch', 'faiss', 'llama_index.core', 'sentence_transformers', 'llama_cpp', 'telegram') if m in sys.modules]\n"
             "print(heavy)\nprint(buf.getvalue())")
    proc = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    heavy, _, help_text = proc.stdout.partition("\n")
    assert heavy == "[]"
    assert 'newsbot ask "Who denied involvement?"' in help_text and "newsbot ingest" in help_text


def _tree(path: Path) -> list[tuple[str, int, int]]:
    return sorted((str(p.relative_to(path)), p.stat().st_mtime_ns, p.stat().st_size) for p in path.rglob("*")) if path.exists() else []


def test_the_installed_command_indexes_on_first_use_into_the_configured_dir(tmp_path):
    user_index = REPO / ".newsbot"
    before = _tree(user_index)
    index_dir = tmp_path / "first-use"
    config = tmp_path / "config.yaml"
    config.write_text("index:\n  dir: ${NEWSBOT_INDEX_DIR}\n  corpus: " + str(REPO / "corpus") + "\nllm:\n  backend: none\n")
    env = {**os.environ, "NEWSBOT_INDEX_DIR": str(index_dir)}

    proc = subprocess.run([str(REPO / ".venv/bin/newsbot"), "--config", str(config), "ask", "Who denied involvement?", "--json"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)

    assert proc.returncode == 0, proc.stderr
    [line] = proc.stdout.splitlines()
    obj = json.loads(line)
    assert obj["refused"] is False and "India" in obj["answer"]
    assert f"indexing the bundled corpus {REPO / 'corpus'} into {index_dir}" in proc.stderr
    assert "5 added" in proc.stderr
    assert (index_dir / "store.sqlite").exists()
    assert _tree(user_index) == before  # the user's own index was not touched


def test_text_output_marks_the_outlet_that_differs_and_says_so(capsys, config, sample_index):
    code, out, _ = run(capsys, "--config", config, "ask", "How many militants were killed on Saturday?", "--index", sample_index)
    assert code == 0
    assert "Outlets differ on the figures" in out
    [marked] = [line for line in out.splitlines() if line.endswith("[differs]")]
    assert marked.lstrip().startswith("[")
