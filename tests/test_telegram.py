"""End-to-end tests of the Telegram front-end through the real python-telegram-bot stack.

The unmodified bot polls a fake Bot API server on 127.0.0.1 (tests/botapi_server.py) through
`base_url`; tests act as users and read what the bot sent. `FakeNewsbot` is a real implementation of
Newsbot's interface over canned facts (it records its calls); the `real_newsbot` tests run the actual
Newsbot on the bundled corpus (extractive, llm.backend none).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bot.telegram as bt  # noqa: E402
from bot.answer import Answer, Citation  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.conversation import Conversation  # noqa: E402
from bot.service import CorpusStats  # noqa: E402
from bot.telegram_format import split_html, utf16_len  # noqa: E402
from botapi_server import FakeBotAPI, html_errors, html_to_plain  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
ADMIN, ALICE, BOB, STRANGER = 1001, 1002, 1003, 6666
GROUP = -100_200

HOSTILE_QUESTION = "<script>alert('x')</script> & <b>unbalanced <i>tags"
HOSTILE_CITATION = Citation(1, "evil_doc", 'Tom & Jerry <b>unclosed', "<script>alert(1)</script>",
                            'http://evil.example/?q="><script>&x=1', "2025-02-02",
                            "a </blockquote> & <pre> quote with <a href='x'>")


# --- fakes and harness -----------------------------------------------------------------------------


class FakeNewsbot:
    """Newsbot's interface over a few canned answers; records every call. Thread-safe enough for tests."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, list[str]]] = []  # (question, earlier questions in its conversation)
        self.ingested: list[tuple[str, bytes]] = []
        self.docs: dict[str, str] = {}
        self.delay = 0.0
        self.stats_calls = 0
        self.fail_stats = False
        self.store = SimpleNamespace(exists=lambda: True)  # already indexed: run() skips first-use indexing
        self._lock = threading.Lock()

    def stats(self) -> CorpusStats:
        self.stats_calls += 1
        if self.fail_stats:
            raise RuntimeError("stats exploded")
        return CorpusStats(articles=5 + len(self.docs), chunks=40, outlets=["Asianet News", "Daijiworld Media Network"],
                           first_published="2025-01-31", last_published="2025-02-02")

    def ask(self, question: str, conversation: Conversation | None = None) -> Answer:
        with self._lock:
            self.asked.append((question, [t.question for t in conversation.turns] if conversation else []))
        if self.delay:
            time.sleep(self.delay)
        if "boom" in question:
            raise RuntimeError("index exploded")
        answer = self._answer(question, conversation)
        if conversation is not None:
            conversation.add(answer)
        return answer

    def _answer(self, question: str, conversation: Conversation | None) -> Answer:
        q = question.lower()
        for doc_id, text in self.docs.items():
            if any(w in text.lower() for w in q.split() if len(w) > 5):
                return Answer(question, f"{text.splitlines()[0]} [1]", False, "extractive",
                              [Citation(1, doc_id, None, None, None, None, text.splitlines()[0])])
        if "weather" in q:
            return Answer(question, "", True, "refused", note="No article mentions the weather.")
        if "saturday" in q:
            return Answer(question, "92 were killed on Saturday [1]\n92 were killed the previous day [2]", False, "extractive",
                          [Citation(1, "001", None, "Daijiworld", None, None, "92 were killed on Saturday"),
                           Citation(2, "002", None, None, None, None, "92 were killed the previous day")],
                          note="Outlets differ on the figures: compare [1] with [2].", disputed=[2])
        if "hostile" in q or "<script>" in q:
            return Answer(question, f"You asked: {question} [1]", False, "extractive", [HOSTILE_CITATION],
                          corroboration="reported by <1> & <2>", note="<b>conflict</b> & more")
        if "long" in q:
            paras = [f"Paragraph {i}: " + "Security forces said the attacks were repelled. " * 12 + f"[{i % 3 + 1}]"
                     for i in range(20)]
            paras.insert(5, "Giant " + " ".join(f"word{i} & <{i}>" for i in range(900)))
            cites = [Citation(i, f"doc{i}", f"Title {i}", f"Outlet {i}", f"https://news.example/{i}?a=1&b=2",
                              "2025-02-0{}T10:00:00Z".format(i), "Quote " * 300) for i in (1, 2, 3)]
            return Answer(question, "\n\n".join(paras), False, "extractive", cites)
        context = f" (after: {conversation.turns[-1].question})" if conversation and conversation.turns else ""
        return Answer(question, f"India denied involvement [1]{context}.", False, "extractive",
                      [Citation(1, "000_d13a717061940d18", None, "Asianet News", None, None,
                                "a claim that was unequivocally rejected by India")],
                      corroboration="reported by 2 of 5 sources")

    def ingest(self, paths: list[Path]) -> SimpleNamespace:
        for p in paths:
            content = p.read_bytes()
            with self._lock:
                self.ingested.append((p.name, content))
                self.docs[p.stem] = content.decode()
        return SimpleNamespace(added=len(paths), updated=0, unchanged=0, duplicates=0, rejected=["x.txt:3: <empty>"])


class BotRunner:
    """Runs the application on its own event loop in a thread, as run_polling would (minus signals)."""

    def __init__(self, settings: Settings, newsbot: object) -> None:
        self.app = bt.build_application(settings, newsbot)
        self.front: bt.TelegramFrontend = self.app.bot_data["frontend"]
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._main, name="bot-under-test", daemon=True)

    def start(self) -> "BotRunner":
        self._thread.start()
        if not self._ready.wait(15):
            raise TimeoutError("bot did not start")
        if self._error:
            raise self._error
        return self

    def stop(self) -> None:
        if self._loop and self._stop and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(15)
        assert not self._thread.is_alive(), "bot did not stop"
        if self._error:
            raise self._error

    def _main(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as e:  # surfaced in start()/stop()
            self._error = e
            self._ready.set()

    async def _serve(self) -> None:
        self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
        async with self.app:
            await self.app.post_init(self.app)
            await self.app.updater.start_polling(poll_interval=0, timeout=5)
            await self.app.start()
            self._ready.set()
            await self._stop.wait()
            await self.app.updater.stop()
            await self.app.stop()


def make_settings(api: FakeBotAPI, **telegram: object) -> Settings:
    tg = {"token": api.token, "base_url": api.base_url, "base_file_url": api.base_file_url,
          "admin_user_ids": [ADMIN], **telegram}
    return Settings.model_validate({"telegram": tg, "answer": {"history_turns": 3}})


@pytest.fixture
def api():
    with FakeBotAPI() as server:
        yield server
        # Every test: nothing the bot sent was too long, invalid HTML, or an unknown method.
        assert server.violations == []


@pytest.fixture
def fake() -> FakeNewsbot:
    return FakeNewsbot()


@pytest.fixture
def start_bot(api):
    runners: list[BotRunner] = []

    def start(newsbot: object, **telegram: object) -> BotRunner:
        runner = BotRunner(make_settings(api, **telegram), newsbot).start()
        runners.append(runner)
        return runner

    yield start
    for r in runners:
        r.stop()


@pytest.fixture
def bot(start_bot, fake) -> BotRunner:
    return start_bot(fake)


def ask(api: FakeBotAPI, chat: int, text: str, *, count: int = 1, user: int | None = None, **kw: object):
    """Send `text` in `chat` and return the bot messages that followed it (at least `count`)."""
    before = len(api.bot_messages(chat))
    api.send_message(chat, text, user_id=user, **kw)
    return api.wait_for_messages(chat, before + count)[before:]


def settle(api: FakeBotAPI, seconds: float = 0.4) -> None:
    """Give the bot time to (wrongly) react: every update fetched and a little more."""
    api.wait_until(lambda: api.pending_updates() == 0 and len(api.calls("getUpdates")) > 0, 5)
    time.sleep(seconds)


# --- commands --------------------------------------------------------------------------------------


def test_start_describes_the_corpus_and_commands_are_registered(api, bot, fake):
    [reply] = ask(api, ALICE, "/start")
    assert reply.parse_mode == "HTML"
    assert "5 articles" in reply.plain and "2 outlets" in reply.plain
    assert "Asianet News" in reply.plain and "31 Jan 2025" in reply.plain and "2 Feb 2025" in reply.plain
    default = json.loads(next(k for k in api.commands if "default" in k))
    assert default == {"type": "default"}
    names = [c["command"] for c in api.commands[json.dumps({"type": "default"}, sort_keys=True)]]
    assert names == ["start", "help", "ask", "sources", "reset"]
    admin = api.commands[json.dumps({"chat_id": ADMIN, "type": "chat"}, sort_keys=True)]
    assert "stats" in [c["command"] for c in admin]
    assert [r.method for r in api.requests[:1]] == ["getMe"]


def test_help_lists_commands_and_admin_extras_only_for_admins(api, bot):
    [user_help] = ask(api, ALICE, "/help")
    for cmd in ("/ask", "/sources", "/reset", "/start"):
        assert cmd in user_help.plain
    assert "/stats" not in user_help.plain
    [admin_help] = ask(api, ADMIN, "/help")
    assert "/stats" in admin_help.plain and ".jsonl" in admin_help.plain


def test_question_gets_cited_answer_sources_list_and_button(api, bot, fake):
    [reply] = ask(api, ALICE, "Who denied involvement?")
    assert "India denied involvement [1]" in reply.plain
    assert "Sources" in reply.plain and "1. Asianet News — 000_d13a717061940d18" in reply.plain
    assert "reported by 2 of 5 sources" in reply.plain
    assert "<blockquote" not in reply.text  # quotes wait behind the button
    [button] = reply.buttons
    assert button["text"] == "Sources" and button["callback_data"].startswith("src:")
    assert any(chat == ALICE and action == "typing" for chat, action, _ in api.chat_actions)
    assert fake.asked == [("Who denied involvement?", [])]


def test_a_source_giving_a_differing_account_is_marked(api, bot, fake):
    [reply] = ask(api, ALICE, "How many were killed on Saturday?")
    assert "Outlets differ on the figures: compare [1] with [2]." in reply.plain
    assert "1. Daijiworld — 001\n" in reply.plain and "2. 002 — differs" in reply.plain


def test_sources_button_and_command_show_quotes_in_expandable_blockquotes(api, bot):
    [none_yet] = ask(api, ALICE, "/sources")
    assert "No answer" in none_yet.plain
    [answer] = ask(api, ALICE, "Who denied involvement?")
    before = len(api.bot_messages(ALICE))
    qid = api.press_button(ALICE, answer.message_id, answer.buttons[0]["callback_data"], user_id=ALICE)
    [shown] = api.wait_for_messages(ALICE, before + 1)[before:]
    assert "<blockquote expandable>a claim that was unequivocally rejected by India</blockquote>" in shown.text
    assert "000_d13a717061940d18" in shown.plain
    api.wait_until(lambda: any(a["callback_query_id"] == qid for a in api.callback_answers), 5)
    [by_command] = ask(api, ALICE, "/sources")
    assert by_command.text == shown.text
    # A button under an answer the chat has since forgotten: a clear alert, not a crash.
    ask(api, ALICE, "/reset")
    qid = api.press_button(ALICE, answer.message_id, answer.buttons[0]["callback_data"], user_id=ALICE)
    api.wait_until(lambda: any(a["callback_query_id"] == qid for a in api.callback_answers), 5)
    alert = next(a for a in api.callback_answers if a["callback_query_id"] == qid)
    assert "no longer available" in alert["text"]


def test_refusal_says_the_articles_do_not_cover_it(api, bot):
    [reply] = ask(api, ALICE, "What will the weather be tomorrow?")
    assert "do not cover" in reply.plain and "No article mentions the weather." in reply.plain
    assert reply.buttons == []


def test_hostile_text_is_escaped_everywhere(api, bot):
    [reply] = ask(api, ALICE, HOSTILE_QUESTION + " hostile")
    assert html_errors(reply.text) == []
    assert "<script>" not in reply.text and "&lt;script&gt;" in reply.text
    assert HOSTILE_QUESTION in reply.plain  # shown to the user exactly as typed
    assert "<script>alert(1)</script> — Tom & Jerry <b>unclosed" in reply.plain
    assert "reported by <1> & <2>" in reply.plain and "<b>conflict</b> & more" in reply.plain
    assert 'href="' not in reply.text or 'href="http://evil.example/?q=&quot;&gt;&lt;script&gt;&amp;x=1"' in reply.text
    before = len(api.bot_messages(ALICE))
    api.press_button(ALICE, reply.message_id, reply.buttons[0]["callback_data"])
    [sources] = api.wait_for_messages(ALICE, before + 1)[before:]
    assert html_errors(sources.text) == []
    assert "a </blockquote> & <pre> quote with <a href='x'>" in sources.plain


def test_long_answer_is_split_into_valid_parts_with_the_button_on_the_last(api, bot, fake):
    api.send_message(ALICE, "Tell me the long story")
    api.wait_until(lambda: fake.asked, 5)
    api.wait_until(lambda: api.bot_messages(ALICE) and api.bot_messages(ALICE)[-1].buttons, 15)
    parts = api.bot_messages(ALICE)
    assert len(parts) >= 4
    for p in parts:
        assert utf16_len(p.text) <= 4096 and html_errors(p.text) == []
    assert all(not p.buttons for p in parts[:-1]) and parts[-1].buttons
    expected = fake._answer("Tell me the long story", None)
    sent = " ".join(p.plain for p in parts)
    for para in expected.answer.split("\n\n"):
        assert para.split()[0] in sent and para.split()[-1] in sent
    assert "word899 & <899>" in sent
    assert "Paragraph 0:" in parts[0].plain and "Sources" in parts[-1].plain


def test_split_html_keeps_every_part_valid_and_loses_nothing():
    import random

    rnd = random.Random(7)
    pieces = ["plain words here.", "Tom &amp; Jerry", "&lt;tag&gt;", "🙂 emoji", "\n\n", "\n",
              "<b>bold <i>both</i></b>", '<a href="https://x.example/?a=1&amp;b=2">a link with words</a>']
    for trial in range(60):
        body = " ".join(rnd.choice(pieces) for _ in range(rnd.randint(50, 1500)))
        html = f"<b>Head</b>\n\n{body}\n\n<blockquote expandable>{'quoted words. ' * rnd.randint(1, 600)}</blockquote>"
        limit = rnd.choice([200, 1000, 4096])
        parts = split_html(html, limit)
        for p in parts:
            assert utf16_len(p) <= limit and html_errors(p) == [], (trial, p[:100])
        assert "".join(html_to_plain(html).split()) == "".join("".join(html_to_plain(p) for p in parts).split())
    # paragraph boundaries win over anything else
    paras = ["x" * 3000, "y" * 3000, "z" * 3000]
    assert split_html("\n\n".join(paras)) == paras


def test_a_10000_character_message_is_survived(api, bot, fake):
    [reply] = ask(api, ALICE, "why " * 2500)
    assert "10,000 characters" in reply.plain
    assert fake.asked == []
    [again] = ask(api, ALICE, "Who denied involvement?")
    assert "India" in again.plain


def test_follow_ups_see_the_chat_history_and_reset_forgets_it(api, bot, fake):
    ask(api, ALICE, "Who claimed responsibility for the attacks?")
    [follow] = ask(api, ALICE, "What did they call the operation?")
    assert "(after: Who claimed responsibility for the attacks?)" in follow.plain
    ask(api, BOB, "Unrelated question from Bob")  # another chat keeps its own history
    assert fake.asked[-1] == ("Unrelated question from Bob", [])
    [done] = ask(api, ALICE, "/reset")
    assert "forgotten" in done.plain
    ask(api, ALICE, "And then?")
    assert fake.asked[-1] == ("And then?", [])
    for i in range(5):  # bounded by answer.history_turns (3)
        ask(api, ALICE, f"question {i}")
    assert len(fake.asked[-1][1]) == 3


def test_questions_in_one_chat_are_answered_in_order_with_history(api, bot, fake):
    fake.delay = 0.3
    api.send_message(ALICE, "first question")
    api.send_message(ALICE, "second question")
    first, second = api.wait_for_messages(ALICE, 2)
    assert fake.asked == [("first question", []), ("second question", ["first question"])]
    assert "(after: first question)" in second.plain and "(after:" not in first.plain


def test_stranger_gets_one_polite_refusal_and_no_content(api, start_bot, fake):
    start_bot(fake, allowed_user_ids=[ALICE])
    [refusal] = ask(api, STRANGER, "/start")
    for text in ("Who denied involvement?", "/sources", "/help", "/stats"):
        api.send_message(STRANGER, text)
    api.send_document(STRANGER, "evil.txt", b"x")
    qid = api.press_button(STRANGER, refusal.message_id, "src:1")
    settle(api)
    api.wait_until(lambda: any(a["callback_query_id"] == qid for a in api.callback_answers), 5)
    assert [m.plain for m in api.bot_messages(STRANGER)] == [bt.STRANGER]
    assert "private" in refusal.plain
    assert fake.asked == [] and fake.ingested == [] and fake.stats_calls == 1  # the one at start-up
    assert api.calls("getFile") == []
    assert next(a for a in api.callback_answers if a["callback_query_id"] == qid)["text"] == bt.STRANGER
    [ok] = ask(api, ALICE, "Who denied involvement?")  # allowed users are unaffected
    assert "India" in ok.plain


def test_admin_only_commands_and_uploads(api, bot, fake):
    [no] = ask(api, ALICE, "/stats")
    assert "admins only" in no.plain and "chunks" not in no.plain
    api.send_document(ALICE, "sneaky.txt", b"Sneaky article")
    [no_upload] = api.wait_for_messages(ALICE, 2)[1:]
    assert "only admins" in no_upload.plain and fake.ingested == []
    [yes] = ask(api, ADMIN, "/stats")
    assert "40 chunks" in yes.plain and "questions" in yes.plain


def test_admin_ingest_keeps_the_file_name_and_is_answerable_at_once(api, bot, fake):
    content = "The Zorblaxian envoy visited Quetta on Monday.\nMore text."
    api.send_document(ADMIN, "zorblax_visit.txt", content.encode())
    [report] = api.wait_for_messages(ADMIN, 1)
    assert fake.ingested == [("zorblax_visit.txt", content.encode())]
    assert "zorblax_visit.txt" in report.plain and "1 new" in report.plain and "x.txt:3: <empty>" in report.plain
    assert len(api.calls("getFile")) == 1
    [answer] = ask(api, ADMIN, "Who visited as Zorblaxian envoy?")
    assert "Zorblaxian envoy visited Quetta" in answer.plain and "zorblax_visit" in answer.plain


def test_uploads_of_wrong_type_or_size_are_refused_before_download(api, start_bot, fake):
    start_bot(fake, max_upload_mb=0.001)
    api.send_document(ADMIN, "virus.exe", b"MZ")
    api.send_document(ADMIN, "big.txt", b"x" * 5000)
    # Two uploads are handled concurrently: the replies may come in either order.
    exe, big = sorted((m.plain for m in api.wait_for_messages(ADMIN, 2)), key=lambda t: "virus.exe" not in t)
    assert ".txt" in exe and "virus.exe" in exe
    assert big == "big.txt is 0.00477 MB; the limit is 0.001 MB."
    assert fake.ingested == [] and api.calls("getFile") == []


def test_groups_answer_only_ask_mentions_and_replies(api, bot, fake):
    api.send_message(GROUP, "just chatting about the attacks", user_id=ALICE, chat_type="supergroup")
    settle(api)
    assert api.bot_messages(GROUP) == [] and fake.asked == []
    [usage] = ask(api, GROUP, "/ask", user=ALICE, chat_type="supergroup")
    assert "Usage" in usage.plain
    [a1] = ask(api, GROUP, "/ask Who denied involvement?", user=ALICE)
    assert a1.reply_to_message_id is not None  # quotes the question in a group
    [a2] = ask(api, GROUP, f"@{api.bot_username} who claimed the attacks?", user=BOB)
    [a3] = ask(api, GROUP, "and what did they call it?", user=ALICE, reply_to=a2.message_id)
    assert [q for q, _ in fake.asked] == ["Who denied involvement?", "who claimed the attacks?",
                                          "and what did they call it?"]
    assert fake.asked[-1][1] == ["Who denied involvement?", "who claimed the attacks?"]  # the group's history
    assert all("India" in a.plain for a in (a1, a2, a3))


def test_seven_chats_at_once_are_answered_concurrently(api, bot, fake):
    fake.delay = 0.6
    chats = [2001 + i for i in range(7)]
    t0 = time.monotonic()
    for chat in chats:
        api.send_message(chat, f"Who denied involvement? (chat {chat})")
    for chat in chats:
        [reply] = api.wait_for_messages(chat, 1)
        assert f"(chat {chat})" not in reply.plain and "India" in reply.plain
    elapsed = time.monotonic() - t0
    assert elapsed < 7 * 0.6 * 0.6, f"answers were serialised: {elapsed:.1f}s"
    assert sorted(q.split("chat ")[1][:-1] for q, _ in fake.asked) == sorted(str(c) for c in chats)


def test_typing_is_repeated_while_a_slow_answer_is_prepared(api, bot, fake, monkeypatch):
    monkeypatch.setattr(bt, "TYPING_INTERVAL_S", 0.2)
    fake.delay = 1.0
    [reply] = ask(api, ALICE, "Who denied involvement?")
    typing = [at for chat, action, at in api.chat_actions if chat == ALICE and action == "typing"]
    assert len(typing) >= 4 and max(typing) <= reply.at


def test_per_user_rate_limit_answers_with_a_clear_message(api, start_bot, fake):
    start_bot(fake, rate_limit={"messages": 2, "per_seconds": 60})
    ask(api, ALICE, "q one")
    ask(api, ALICE, "q two")
    [limited] = ask(api, ALICE, "q three")
    assert "faster than I can answer" in limited.plain and "2 questions per 60 s" in limited.plain
    api.send_message(ALICE, "q four")  # told once; no flood of warnings
    [other] = ask(api, BOB, "q from bob")  # per user
    assert "India" in other.plain
    assert [q for q, _ in fake.asked] == ["q one", "q two", "q from bob"]
    assert len(api.bot_messages(ALICE)) == 3


def test_429_retry_after_is_waited_out_and_the_answer_delivered(api, bot):
    api.fail_next("sendMessage", 429, retry_after=1)
    t0 = time.time()
    [reply] = ask(api, ALICE, "Who denied involvement?")
    attempts = [r for r in api.calls("sendMessage") if r.params.get("chat_id") == ALICE]
    assert [r.status for r in attempts] == [429, 200]
    assert attempts[1].at - attempts[0].at >= 1.0 and reply.at - t0 >= 1.0
    assert "India" in reply.plain


def test_server_errors_on_send_and_poll_are_retried(api, bot):
    api.fail_next("sendMessage", 500, times=2)
    [reply] = ask(api, ALICE, "Who denied involvement?")
    statuses = [r.status for r in api.calls("sendMessage") if r.params.get("chat_id") == ALICE]
    assert statuses == [500, 500, 200] and "India" in reply.plain
    api.fail_next("getUpdates", 502)
    ask(api, ALICE, "/help")  # ends the long poll in flight; the next one fails
    api.wait_until(lambda: any(r.status == 502 for r in api.calls("getUpdates")), 10)
    [again] = ask(api, BOB, "Who denied involvement?")
    assert "India" in again.plain


def test_answer_errors_and_timeouts_become_apologies(api, start_bot, fake):
    start_bot(fake, answer_timeout_s=0.5)
    [sorry] = ask(api, ALICE, "boom")
    assert sorry.plain == bt.APOLOGY
    fake.delay = 1.5
    [slow] = ask(api, ALICE, "Who denied involvement?")
    assert "took too long" in slow.plain
    fake.delay = 0
    [fine] = ask(api, ALICE, "Who denied involvement?")
    assert "India" in fine.plain


def test_a_failing_handler_is_logged_with_its_update_id_and_apologised_for(api, bot, fake, caplog):
    fake.fail_stats = True
    with caplog.at_level(logging.ERROR, logger="bot.telegram"):
        api.send_message(ALICE, "/start")
        update_id = api.last_update_id
        [sorry] = api.wait_for_messages(ALICE, 1)
    assert sorry.plain == bt.APOLOGY
    assert any(f"update {update_id} failed" in r.getMessage() for r in caplog.records)
    fake.fail_stats = False
    [hello] = ask(api, ALICE, "/start")  # the bot is still alive
    assert "5 articles" in hello.plain


def test_non_text_and_unknown_commands_get_a_hint(api, bot, fake):
    [unknown] = ask(api, ALICE, "/frobnicate")
    assert "/help" in unknown.plain
    [empty] = ask(api, ALICE, "   ")
    assert "question" in empty.plain
    assert fake.asked == []


# --- the process: start-up, signals, webhook, secrets ---------------------------------------------

_FAKE_RUN = """
import sys
sys.path.insert(0, {tests!r})
import bot.service
from test_telegram import FakeNewsbot
bot.service.Newsbot = lambda settings: FakeNewsbot()
from bot.config import load_settings
from bot.telegram import run
run(load_settings(sys.argv[1]))
"""


def _write_config(path: Path, api: FakeBotAPI, **telegram: object) -> Path:
    import yaml

    tg = {"token": "${TELEGRAM_BOT_TOKEN}", "base_url": api.base_url, "base_file_url": api.base_file_url,
          **telegram}
    path.write_text(yaml.safe_dump({"telegram": tg, "log_level": "DEBUG"}))
    return path


def _spawn(args: list[str], api: FakeBotAPI, tmp_path: Path) -> subprocess.Popen:
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": api.token, "PYTHONPATH": str(REPO),
           "NEWSBOT_INDEX_DIR": str(tmp_path / "index")}
    return subprocess.Popen(args, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _stop(proc: subprocess.Popen, sig: int, within: float) -> tuple[float, str]:
    t0 = time.monotonic()
    proc.send_signal(sig)
    try:
        out, _ = proc.communicate(timeout=within)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
        pytest.fail(f"did not stop within {within}s after signal {sig}:\n{out[-3000:]}")
    return time.monotonic() - t0, out


def test_run_answers_start_and_stops_cleanly_on_sigint_without_leaking_the_token(api, tmp_path):
    config = _write_config(tmp_path / "config.yaml", api, allowed_user_ids=[ALICE])
    proc = _spawn([sys.executable, "-c", _FAKE_RUN.format(tests=str(REPO / "tests")), str(config)], api, tmp_path)
    try:
        api.send_message(ALICE, "/start")
        [hello] = api.wait_for_messages(ALICE, 1, timeout=30)
        assert "5 articles" in hello.plain
        assert api.commands, "setMyCommands was not called at start-up"
    finally:
        took, out = _stop(proc, signal.SIGINT, 8)
    assert proc.returncode == 0, out[-3000:]
    assert took < 5, f"shutdown took {took:.1f}s"
    assert api.token not in out and api.token.split(":")[1] not in out
    assert "[redacted]" in out  # at DEBUG, PTB logs its request URLs, token included; the filter caught them
    assert "ready (polling)" in out and "@test_newsbot" in out
    # the last getUpdates confirms what was processed, so nothing is answered twice after a restart
    assert api.calls("getUpdates")[-1].params.get("timeout") == 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_webhook_mode_checks_the_secret_token_and_stops_on_sigterm(api, tmp_path):
    port = _free_port()
    url = f"http://127.0.0.1:{port}/tg/hook"
    config = _write_config(tmp_path / "config.yaml", api, mode="webhook",
                           webhook={"url": url, "listen": "127.0.0.1", "port": port, "secret_token": "s3cret-Token_1"})
    proc = _spawn([sys.executable, "-c", _FAKE_RUN.format(tests=str(REPO / "tests")), str(config)], api, tmp_path)
    try:
        api.wait_until(lambda: api.calls("setWebhook"), 20, "setWebhook")
        assert api.webhook["url"] == url and api.webhook["secret_token"] == "s3cret-Token_1"

        def post(secret: str) -> int:
            update = api.message_update(ALICE, "/start")
            req = urllib.request.Request(url, json.dumps(update).encode(), method="POST", headers={
                "Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secret})
            try:
                return urllib.request.urlopen(req, timeout=5).status
            except urllib.error.HTTPError as e:
                return e.code
            except urllib.error.URLError:
                return 0  # not listening yet

        deadline = time.monotonic() + 10
        while (status := post("wrong")) not in (403,) and time.monotonic() < deadline:
            time.sleep(0.2)  # the webhook server may still be starting
        assert status == 403
        assert post("s3cret-Token_1") == 200
        [hello] = api.wait_for_messages(ALICE, 1)
        assert "5 articles" in hello.plain
    finally:
        took, out = _stop(proc, signal.SIGTERM, 8)
    assert proc.returncode == 0 and took < 5, out[-3000:]
    assert "s3cret-Token_1" not in out and api.token not in out


# --- the real Newsbot on the bundled corpus -------------------------------------------------------


@pytest.fixture(scope="module")
def real_settings(tmp_path_factory) -> Settings:
    return Settings.model_validate({
        "index": {"dir": str(tmp_path_factory.mktemp("index")), "corpus": str(REPO / "corpus")},
        "llm": {"backend": "none"}, "answer": {"history_turns": 3}})


@pytest.fixture(scope="module")
def real_newsbot(real_settings):
    """The actual Newsbot over the bundled corpus, indexed once for this module (extractive answers)."""
    from bot.service import Newsbot

    newsbot = Newsbot(real_settings)
    newsbot.ingest([real_settings.index.corpus])
    return newsbot


@pytest.fixture
def real_bot(start_bot, real_newsbot) -> BotRunner:
    return start_bot(real_newsbot)


def test_real_start_and_a_cited_answer_naming_india(api, real_bot, real_newsbot):
    [hello] = ask(api, ALICE, "/start")
    stats = real_newsbot.stats()
    assert f"{stats.articles} articles" in hello.plain and "Asianet News" in hello.plain
    [reply] = ask(api, ALICE, "Who denied involvement?")
    first = reply.plain.split("\n\n")[0]
    assert "India" in first and re.search(r"\[\d\]", first)
    assert re.search(r"^1\. \S", reply.plain, re.M) and reply.buttons
    before = len(api.bot_messages(ALICE))
    api.press_button(ALICE, reply.message_id, reply.buttons[0]["callback_data"])
    [sources] = api.wait_for_messages(ALICE, before + 1)[before:]
    assert "<blockquote expandable>" in sources.text and "rejected by India" in sources.plain


def test_real_follow_up_resolves_they_to_the_bla_and_operation_herof(api, real_bot):
    [first] = ask(api, ALICE, "Who claimed responsibility for the attacks?")
    assert "Baloch Liberation Army" in first.plain
    [follow] = ask(api, ALICE, "What did they call the operation?")
    assert "Herof" in follow.plain.split("Sources")[0]
    ask(api, ALICE, "/reset")
    assert len(real_bot.app.chat_data[ALICE]["conversation"].turns) == 0


def test_real_stranger_is_refused_without_corpus_content(api, start_bot, real_newsbot):
    start_bot(real_newsbot, allowed_user_ids=[ALICE])
    [refusal] = ask(api, STRANGER, "Who denied involvement?")
    for text in ("/start", "/sources", "/ask Who claimed responsibility for the attacks?"):
        api.send_message(STRANGER, text)
    settle(api)
    assert [m.plain for m in api.bot_messages(STRANGER)] == [bt.STRANGER]
    for leak in ("India", "Asianet", "articles", "Baloch"):
        assert leak not in refusal.plain


def test_real_hostile_and_huge_messages_are_survived(api, real_bot):
    [hostile] = ask(api, ALICE, HOSTILE_QUESTION + " Who denied involvement? </blockquote> &amp;")
    assert html_errors(hostile.text) == [] and "<script>" not in hostile.text
    [huge] = ask(api, ALICE, ("Who denied involvement? " * 500)[:10_000])
    assert "10,000 characters" in huge.plain
    [after] = ask(api, ALICE, "Who denied involvement?")
    assert "India" in after.plain


def test_real_seven_chats_at_once_are_all_answered(api, real_bot):
    questions = ["Who denied involvement?", "Who claimed responsibility for the attacks?",
                 "How many militants were killed?", "What did the BLA call the operation?",
                 "Where did the attacks happen?", "How many civilians died?", "Who denied involvement?"]
    chats = [3001 + i for i in range(7)]
    for chat, q in zip(chats, questions, strict=True):
        api.send_message(chat, q)
    replies = [api.wait_for_messages(chat, 1, timeout=30)[0] for chat in chats]
    assert "India" in replies[0].plain and "India" in replies[6].plain
    assert "Herof" in replies[3].plain
    assert all(r.plain.strip() for r in replies)


def test_real_newsbot_telegram_command_answers_start_and_stops_on_sigint(api, real_settings, tmp_path):
    import yaml

    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump({
        "index": {"dir": str(real_settings.index.dir), "corpus": str(REPO / "corpus")},
        "llm": {"backend": "none"},
        "telegram": {"token": "${TELEGRAM_BOT_TOKEN}", "base_url": api.base_url}}))
    proc = _spawn([str(REPO / ".venv/bin/newsbot"), "--config", str(config), "telegram"], api, tmp_path)
    try:
        api.send_message(ALICE, "/start")
        [hello] = api.wait_for_messages(ALICE, 1, timeout=60)
        assert "articles" in hello.plain and "Asianet News" in hello.plain
        [reply] = ask(api, ALICE, "Who denied involvement?")
        assert "India" in reply.plain
    finally:
        took, out = _stop(proc, signal.SIGINT, 10)
    assert proc.returncode == 0 and took < 5, (took, out[-3000:])
    assert api.token not in out


def test_real_admin_upload_is_answerable_at_once(api, real_bot, real_newsbot):
    articles = real_newsbot.stats().articles
    text = ("Gwadar kite festival opens\n\nThe mayor of Gwadar, Qandeel Marri, opened the first Zorblax kite "
            "festival on the city's east beach on Saturday, drawing thousands of families despite tight security.")
    api.send_document(ADMIN, "zz_kite_festival.txt", text.encode())
    [report] = api.wait_for_messages(ADMIN, 1, timeout=30)
    assert "1 new" in report.plain, report.plain
    assert real_newsbot.stats().articles == articles + 1
    [answer] = ask(api, ADMIN, "Who opened the Zorblax kite festival?")
    assert "Qandeel Marri" in answer.plain and "zz_kite_festival" in answer.plain
