"""Live index (issue 9 item 4): a running front-end answers from articles another process ingested,
without a restart. Real processes: `newsbot ingest` writes while a Newsbot / `newsbot telegram` runs
(Telegram through the loopback Bot API server of tests/botapi_server.py)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from botapi_server import FakeBotAPI
from conftest import REPO, make_settings, write_config

MOOSE = "A rare white moose was photographed near the lake shore by a hiker from Tarsk, wildlife officials confirmed on Monday."
QUESTION = "What was photographed near the lake shore by a hiker from Tarsk?"
USER = 4242


def _copy_sample(tmp_path: Path, sample_index: Path) -> Path:
    index_dir = tmp_path / "idx"
    shutil.copytree(sample_index, index_dir)
    return index_dir


def _ingest_elsewhere(tmp_path: Path, index_dir: Path) -> None:
    """`newsbot ingest` in its own process, as a feed worker or an admin would run it."""
    src = tmp_path / "new/moose.txt"
    src.parent.mkdir(parents=True, exist_ok=True)
    src.write_text(MOOSE)
    config = write_config(tmp_path / "ingest.yaml", index_dir)
    proc = subprocess.run([str(REPO / ".venv/bin/newsbot"), "--config", str(config), "ingest", str(src), "--index", str(index_dir)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0 and "1 added" in proc.stdout, proc.stderr[-2000:]


def test_a_running_newsbot_sees_another_process_ingest(tmp_path, sample_index):
    from bot.service import Newsbot

    index_dir = _copy_sample(tmp_path, sample_index)
    bot = Newsbot(make_settings(index_dir, index={"refresh_s": 0.5}), llm=None)
    before = bot.ask(QUESTION)
    assert not any(c.doc_id == "moose" for c in before.citations)
    old_view = bot.corpus
    with old_view.reading():  # an answer in flight while the other process commits
        _ingest_elsewhere(tmp_path, index_dir)
        assert "moose" not in old_view.docs  # it keeps the state it started with

    time.sleep(0.6)
    after = bot.ask(QUESTION)
    assert not after.refused and after.citations[0].doc_id == "moose" and "white moose" in after.answer
    assert bot.corpus is not old_view and bot.stats().articles == 6


def test_a_running_telegram_bot_answers_about_an_article_ingested_by_another_process(tmp_path, sample_index):
    index_dir = _copy_sample(tmp_path, sample_index)
    with FakeBotAPI() as api:
        config = write_config(tmp_path / "bot.yaml", index_dir, index={"refresh_s": 1},
                              telegram={"token": "${TELEGRAM_BOT_TOKEN}", "base_url": api.base_url, "base_file_url": api.base_file_url})
        env = {**os.environ, "TELEGRAM_BOT_TOKEN": api.token, "NEWSBOT_INDEX_DIR": str(index_dir)}
        proc = subprocess.Popen([str(REPO / ".venv/bin/newsbot"), "--config", str(config), "telegram"], cwd=tmp_path, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            api.send_message(USER, QUESTION)
            [first] = api.wait_for_messages(USER, 1, timeout=120)
            assert "white moose" not in first.plain

            _ingest_elsewhere(tmp_path, index_dir)
            time.sleep(1.2)
            api.send_message(USER, QUESTION)
            [_, second] = api.wait_for_messages(USER, 2, timeout=60)
            assert "white moose" in second.plain, second.plain
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                out, _ = proc.communicate(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                out, _ = proc.communicate()
        assert proc.returncode == 0, out[-3000:]
        assert api.violations == []
