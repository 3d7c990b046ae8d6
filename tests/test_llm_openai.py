"""The `openai` backend against an OpenAI-compatible chat-completions server run here on 127.0.0.1.

The server (stdlib http.server in a thread) records every request and answers from a script, so the tests
see exactly what the bot sends (the numbered sources, the question, model and limits) and how it copes
with errors, timeouts and a server that is not there.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bot.cli import main
from bot.config import LLMSettings
from bot.llm import LLMError, OpenAILLM, get_llm
from bot.prompts import render
from conftest import make_settings, prompt_sources, write_config


class Delay:
    """A scripted reply that arrives after `seconds`."""

    def __init__(self, seconds: float, reply: str) -> None:
        self.seconds, self.reply = seconds, reply


class ChatServer:
    """POST /v1/chat/completions. A reply is a string (the assistant's content), None (no choices), an
    int (that HTTP error status), a Delay, or a function of the request body returning a string."""

    def __init__(self, *replies) -> None:
        self.replies = list(replies)
        self.requests: list[dict] = []  # {"path", "headers", "body"}
        self._lock = threading.Lock()

    def __enter__(self) -> "ChatServer":
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with server._lock:
                    server.requests.append({"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body})
                    reply = server.replies.pop(0) if len(server.replies) > 1 else server.replies[0]
                if isinstance(reply, Delay):
                    time.sleep(reply.seconds)
                    reply = reply.reply
                if isinstance(reply, int):
                    return self._send(reply, {"error": {"message": "scripted failure", "type": "server_error"}})
                if self.path != "/v1/chat/completions":
                    return self._send(404, {"error": {"message": f"no route {self.path}"}})
                content = reply(body) if callable(reply) else reply
                choices = [] if content is None else [
                    {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}]
                self._send(200, {"id": "chatcmpl-test", "object": "chat.completion", "created": 0, "model": body["model"],
                                 "choices": choices, "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}})

            def _send(self, status: int, payload: dict) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def user_prompt(self, i: int = 0) -> str:
        return self.requests[i]["body"]["messages"][1]["content"]


def copy_first_source(body: dict) -> str:
    """What a good model does: copy the sentence of source [1] that answers, cite it."""
    return prompt_sources(body["messages"][1]["content"])[1] + " [1]"


def openai_llm(base_url: str, **extra) -> dict:
    return {"backend": "openai", "base_url": base_url, "model": "test-model", "api_key": "sk-local-test",
            "max_tokens": 64, "temperature": 0.0, **extra}


@pytest.fixture
def bot_for(sample_index):
    from bot.service import Newsbot

    def make(base_url: str, **extra):
        return Newsbot(make_settings(sample_index, llm=openai_llm(base_url, **extra)))

    return make


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_request_carries_the_numbered_sources_and_the_question_and_a_verified_reply_is_used(bot_for):
    with ChatServer(copy_first_source) as server:
        bot = bot_for(server.base_url)
        assert bot.llm.name == "openai:test-model"
        answer = bot.ask("Who claimed responsibility for the attacks?")

    [req] = server.requests
    assert req["path"] == "/v1/chat/completions"
    assert req["headers"]["authorization"] == "Bearer sk-local-test"
    body = req["body"]
    assert (body["model"], body["max_tokens"], body["temperature"]) == ("test-model", 64, 0.0)
    system, user = body["messages"]
    assert (system["role"], user["role"]) == ("system", "user")
    assert system["content"] == render("system")
    sources = prompt_sources(user["content"])
    assert list(sources) == list(range(1, len(sources) + 1))
    assert any("Baloch Liberation Army claimed responsibility" in s for s in sources.values())
    assert "Question: Who claimed responsibility for the attacks?" in user["content"]

    assert answer.mode == "generated" and answer.note is None
    assert answer.answer == f"{sources[1]} [1]"
    [citation] = answer.citations
    assert citation.quote == sources[1] and citation.quote in bot.corpus.texts[citation.doc_id]
    assert answer.timings_ms["generate"] > 0


def test_a_contradicting_reply_from_the_server_falls_back_to_evidence(bot_for):
    with ChatServer("The Pakistani military denied involvement [1].") as server:
        answer = bot_for(server.base_url).ask("Who denied involvement?")
    assert len(server.requests) == 1
    assert answer.mode == "extractive" and "India" in answer.answer
    assert "not used" in answer.note


@pytest.mark.parametrize("script,why", [
    ((500,), "InternalServerError"),
    ((401,), "AuthenticationError"),
    ((None,), "returned no choices"),
])
def test_a_server_error_falls_back_to_evidence_with_a_note(bot_for, script, why):
    with ChatServer(*script) as server:
        answer = bot_for(server.base_url).ask("Who claimed responsibility for the attacks?")
    assert server.requests  # it was asked
    assert answer.mode == "extractive" and not answer.refused
    assert "Baloch Liberation Army" in answer.answer and answer.citations
    assert why in answer.note and answer.note.startswith("Showing verbatim evidence")


def test_a_transient_error_is_retried_once(bot_for):
    with ChatServer(503, copy_first_source) as server:
        answer = bot_for(server.base_url).ask("Who claimed responsibility for the attacks?")
    assert len(server.requests) == 2
    assert answer.mode == "generated"


def test_an_unreachable_server_falls_back_to_evidence(bot_for):
    base_url = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens there
    answer = bot_for(base_url).ask("Who claimed responsibility for the attacks?")
    assert answer.mode == "extractive" and "Baloch Liberation Army" in answer.answer
    assert "APIConnectionError" in answer.note and base_url in answer.note


def test_a_slow_server_times_out_and_the_answer_is_still_given(bot_for):
    with ChatServer(Delay(5, "too late")) as server:
        started = time.monotonic()
        answer = bot_for(server.base_url, timeout_s=0.5).ask("Who claimed responsibility for the attacks?")
        took = time.monotonic() - started
    assert answer.mode == "extractive" and "Baloch Liberation Army" in answer.answer
    assert "Timeout" in answer.note
    assert took < 5


def test_get_llm_builds_the_openai_client_and_chat_returns_the_content():
    with ChatServer("plain reply", None) as server:
        llm = get_llm(LLMSettings(backend="openai", base_url=server.base_url, model="m1"))
        assert isinstance(llm, OpenAILLM)
        assert llm.chat("sys", "user text") == "plain reply"
        with pytest.raises(LLMError, match="no choices"):
            llm.chat("sys", "again")
    assert server.requests[0]["body"]["messages"] == [{"role": "system", "content": "sys"}, {"role": "user", "content": "user text"}]
    assert server.requests[0]["headers"]["authorization"] == "Bearer not-needed"  # no key configured


def test_ask_json_through_the_cli_uses_the_configured_server(tmp_path, capsys, sample_index):
    with ChatServer(copy_first_source) as server:
        config = write_config(tmp_path / "config.yaml", sample_index, llm=openai_llm(server.base_url))
        code = main(["--config", str(config), "ask", "Who claimed responsibility for the attacks?", "--json"])
    out = capsys.readouterr().out
    assert code == 0
    obj = json.loads(out)
    assert obj["mode"] == "generated" and obj["answer"].endswith("[1]")
    assert obj["citations"][0]["quote"] in obj["answer"]
    assert "Question: Who claimed responsibility for the attacks?" in server.user_prompt()
