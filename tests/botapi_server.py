"""A fake Telegram Bot API server on 127.0.0.1 for end-to-end tests of the unmodified bot.

The bot under test talks to it through `base_url`/`base_file_url` exactly as it would talk to
api.telegram.org: long-polling getUpdates, sendMessage, getFile and a file download, and so on.
Tests play the users (`send_message`, `send_document`, `press_button`), watch what the bot sent
(`wait_for_messages`, `requests`) and break things on purpose (`fail_next`).

Like Telegram, it rejects a message longer than 4096 characters or with invalid HTML (400 Bad
Request); unlike Telegram it also records each such request in `violations`, and it is stricter:
the length is checked on the raw text, before entity parsing.
"""

from __future__ import annotations

import email.parser
import email.policy
import json
import re
import threading
import time
from dataclasses import dataclass, field
from html import unescape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qs, unquote, urlsplit

MAX_TEXT = 4096

# --- Telegram HTML, checked independently of the bot's own formatter ----------------------------

_ALLOWED_ATTRS: dict[str, set[str]] = {
    "b": set(), "strong": set(), "i": set(), "em": set(), "u": set(), "ins": set(),
    "s": set(), "strike": set(), "del": set(), "span": {"class"}, "tg-spoiler": set(),
    "a": {"href"}, "code": {"class"}, "pre": set(), "blockquote": {"expandable"},
}
_OPEN = re.compile(r"<([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z-]+(?:\s*=\s*(?:\"[^\"<]*\"|'[^'<]*'|[^\s>\"'<]+))?)*)\s*>")
_ATTR = re.compile(r"([a-zA-Z-]+)(?:\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s>\"']+))?")
_CLOSE = re.compile(r"</([a-zA-Z][a-zA-Z0-9-]*)\s*>")
_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});")


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def html_errors(text: str) -> list[str]:
    """Why Telegram would refuse `text` with parse_mode=HTML (empty list: it is fine).

    Only Telegram's tags with their allowed attributes; properly nested and closed; every <, > and &
    that is not markup must be an entity (only &lt; &gt; &amp; &quot; and numeric ones exist).
    """
    errors: list[str] = []
    stack: list[str] = []
    pos = 0
    while pos < len(text):
        ch = text[pos]
        if ch == "<":
            close, opening = _CLOSE.match(text, pos), _OPEN.match(text, pos)
            if close:
                name = close.group(1).lower()
                if not stack or stack[-1] != name:
                    errors.append(f"unexpected </{name}> at {pos} (open: {stack})")
                else:
                    stack.pop()
                pos = close.end()
            elif opening:
                name = opening.group(1).lower()
                attrs = {k.lower(): (v or "").strip("\"'") for k, v in _ATTR.findall(opening.group(2))}
                if name not in _ALLOWED_ATTRS:
                    errors.append(f"unsupported tag <{name}> at {pos}")
                elif set(attrs) - _ALLOWED_ATTRS[name]:
                    errors.append(f"unsupported attribute {sorted(set(attrs) - _ALLOWED_ATTRS[name])} on <{name}>")
                elif name == "a" and not attrs.get("href"):
                    errors.append(f"<a> without href at {pos}")
                elif name == "span" and attrs.get("class") != "tg-spoiler":
                    errors.append(f"<span> must have class=\"tg-spoiler\" at {pos}")
                elif name == "code" and "class" in attrs and not attrs["class"].startswith("language-"):
                    errors.append(f"<code class> must be language-* at {pos}")
                elif name == "a" and "a" in stack:
                    errors.append(f"nested <a> at {pos}")
                for value in attrs.values():
                    errors += [f"unescaped & in attribute at {pos}" for _ in [0] if "&" in _ENTITY.sub("", value)]
                stack.append(name)
                pos = opening.end()
            else:
                errors.append(f"unescaped < at {pos}: {text[pos:pos + 20]!r}")
                pos += 1
        elif ch == "&":
            entity = _ENTITY.match(text, pos)
            if not entity:
                errors.append(f"unescaped & at {pos}: {text[pos:pos + 12]!r}")
                pos += 1
            else:
                pos = entity.end()
        elif ch == ">":
            errors.append(f"unescaped > at {pos}")
            pos += 1
        else:
            pos += 1
    if stack:
        errors.append(f"unclosed tags at end: {stack}")
    return errors


def html_to_plain(text: str) -> str:
    """What a user sees of an HTML message (no validation)."""
    return unescape(re.sub(r"</?[a-zA-Z][^>]*>", "", text))


# --- records -----------------------------------------------------------------------------------


@dataclass
class Request:
    method: str
    params: dict[str, Any]
    at: float
    status: int = 200


@dataclass
class SentMessage:
    """A message the bot sent; `text` is what it sent (HTML source when parse_mode is HTML)."""

    chat_id: int
    message_id: int
    text: str
    parse_mode: str | None
    reply_markup: dict | None
    reply_to_message_id: int | None
    at: float
    edits: list[str] = field(default_factory=list)

    @property
    def plain(self) -> str:
        return html_to_plain(self.text) if (self.parse_mode or "").upper() == "HTML" else self.text

    @property
    def buttons(self) -> list[dict]:
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [b for row in rows for b in row]


@dataclass
class UploadedFile:
    file_id: str
    file_unique_id: str
    file_path: str
    content: bytes


class _ApiError(Exception):
    def __init__(self, status: int, description: str, parameters: dict | None = None) -> None:
        super().__init__(description)
        self.status, self.description, self.parameters = status, description, parameters


# Parameters that Bot API clients send JSON-encoded inside form fields.
_JSON_FIELDS = {"reply_markup", "commands", "allowed_updates", "reply_parameters", "link_preview_options",
                "scope", "entities", "caption_entities"}
_INT_FIELDS = {"offset", "limit", "timeout", "chat_id", "message_id", "message_thread_id", "cache_time",
               "max_connections", "reply_to_message_id"}


class FakeBotAPI:
    """Start with `with FakeBotAPI() as api:` or `.start()`/`.stop()`."""

    def __init__(self, token: str = "123456:TEST-fake-token", bot_username: str = "test_newsbot",
                 bot_id: int = 7_000_001) -> None:
        self.token, self.bot_id, self.bot_username = token, bot_id, bot_username
        self.bot_user = {"id": bot_id, "is_bot": True, "first_name": "Newsbot", "username": bot_username,
                         "can_join_groups": True, "can_read_all_group_messages": False,
                         "supports_inline_queries": False}
        self.requests: list[Request] = []
        self.violations: list[str] = []
        self.webhook: dict[str, Any] = {}
        self.commands: dict[str, list[dict]] = {}  # scope (json) -> commands
        self.callback_answers: list[dict] = []
        self.chat_actions: list[tuple[int, str, float]] = []
        self.events: list[tuple[str, int, str]] = []  # ("user"|"bot", chat_id, plain text) in order
        self._cond = threading.Condition()
        self._updates: list[dict] = []
        self._next_update_id = 100
        self._next_message_id: dict[int, int] = {}
        self._chats: dict[int, dict] = {}
        self._users: dict[int, dict] = {}
        self._messages: dict[int, list[SentMessage]] = {}
        self._user_messages: dict[tuple[int, int], dict] = {}
        self._files: dict[str, UploadedFile] = {}
        self._callbacks: set[str] = set()
        self._failures: dict[str, list[tuple[int, str, dict | None]]] = {}
        self._closing = False
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ----------------------------------------------------------------------------

    def start(self) -> "FakeBotAPI":
        api = self

        class Handler(_Handler):
            server_api = api

        self._server = _Server(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="fake-bot-api", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> "FakeBotAPI":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server, "server not started"
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    # --- the users' side ------------------------------------------------------------------------

    def user(self, user_id: int, first_name: str = "", username: str | None = None) -> dict:
        u = {"id": user_id, "is_bot": False, "first_name": first_name or f"User{user_id}", "language_code": "en"}
        if username:
            u["username"] = username
        self._users[user_id] = u
        return u

    def chat(self, chat_id: int, chat_type: str = "private", title: str | None = None) -> dict:
        if chat_type == "private":
            c = {"id": chat_id, "type": "private", "first_name": self._users.get(chat_id, {}).get("first_name", "U")}
        else:
            c = {"id": chat_id, "type": chat_type, "title": title or f"Group {chat_id}"}
        self._chats[chat_id] = c
        return c

    def send_message(self, chat_id: int, text: str, *, user_id: int | None = None, chat_type: str | None = None,
                     reply_to: int | None = None, entities: list[dict] | None = None) -> int:
        """A user writes `text`; commands and @mentions get entities as Telegram would add them."""
        msg = self.message_update(chat_id, text, user_id=user_id, chat_type=chat_type, reply_to=reply_to,
                                  entities=entities)["message"]
        self._push({"message": msg}, chat_id, text)
        return msg["message_id"]

    def message_update(self, chat_id: int, text: str, *, user_id: int | None = None, chat_type: str | None = None,
                       reply_to: int | None = None, entities: list[dict] | None = None) -> dict:
        """The update for a user's text message, not queued (to POST it to a webhook, say)."""
        msg = self._new_user_message(chat_id, user_id, chat_type)
        msg["text"] = text
        ents = entities if entities is not None else _auto_entities(text)
        if ents:
            msg["entities"] = ents
        if reply_to is not None:
            msg["reply_to_message"] = self._message_json(chat_id, reply_to)
        with self._cond:
            self._next_update_id += 1
            return {"update_id": self._next_update_id - 1, "message": msg}

    def send_document(self, chat_id: int, file_name: str, content: bytes, *, user_id: int | None = None,
                      mime_type: str = "text/plain", caption: str | None = None, file_size: int | None = None) -> int:
        n = len(self._files) + 1
        ext = file_name.rsplit(".", 1)[-1] if "." in file_name else "bin"
        f = UploadedFile(f"DOC{n:04d}", f"U{n:04d}", f"documents/file_{n}.{ext}", content)  # Telegram renames
        self._files[f.file_id] = f
        msg = self._new_user_message(chat_id, user_id, None)
        msg["document"] = {"file_id": f.file_id, "file_unique_id": f.file_unique_id, "file_name": file_name,
                           "mime_type": mime_type, "file_size": len(content) if file_size is None else file_size}
        if caption:
            msg["caption"] = caption
        self._push({"message": msg}, chat_id, f"[document {file_name}]")
        return msg["message_id"]

    def press_button(self, chat_id: int, message_id: int, data: str, *, user_id: int | None = None) -> str:
        """A user presses an inline button with callback `data` under the bot's message."""
        uid = user_id if user_id is not None else chat_id
        qid = f"CQ{len(self._callbacks) + 1}"
        self._callbacks.add(qid)
        with self._cond:
            sent = self._find(chat_id, message_id)
        self._push({"callback_query": {
            "id": qid, "from": self._users.get(uid) or self.user(uid), "chat_instance": f"ci{chat_id}",
            "data": data,
            "message": self._sent_json(sent) if sent else {"message_id": message_id, "date": 0, "chat":
                                                         self._chats.get(chat_id) or self.chat(chat_id)}}},
            chat_id, f"[taps the button {data}]")
        return qid

    def inject_update(self, update: dict) -> int:
        return self._push(dict(update), 0, "[raw update]")

    def pending_updates(self) -> int:
        with self._cond:
            return len(self._updates)

    # --- the bot's side, as seen by tests ----------------------------------------------------------

    def bot_messages(self, chat_id: int) -> list[SentMessage]:
        with self._cond:
            return list(self._messages.get(chat_id, []))

    def all_bot_messages(self) -> list[SentMessage]:
        with self._cond:
            return [m for ms in self._messages.values() for m in ms]

    def wait_for_messages(self, chat_id: int, count: int = 1, timeout: float = 15) -> list[SentMessage]:
        """Block until the bot has sent at least `count` messages to `chat_id`; return them all."""
        self.wait_until(lambda: len(self._messages.get(chat_id, [])) >= count, timeout,
                        lambda: f"{count} bot message(s) in chat {chat_id}; got "
                                f"{[m.plain[:80] for m in self._messages.get(chat_id, [])]}")
        return self.bot_messages(chat_id)

    def wait_until(self, predicate: Callable[[], bool], timeout: float = 15,
                   what: Callable[[], str] | str = "condition") -> None:
        deadline = time.monotonic() + timeout
        with self._cond:
            while not predicate():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"timed out after {timeout}s waiting for {what() if callable(what) else what}")
                self._cond.wait(min(left, 0.1))

    def calls(self, method: str) -> list[Request]:
        with self._cond:
            return [r for r in self.requests if r.method.lower() == method.lower()]

    def fail_next(self, method: str, status: int = 429, *, retry_after: int | None = None, times: int = 1,
                  description: str | None = None) -> None:
        """The next `times` calls of `method` fail with HTTP `status` (429 carries retry_after)."""
        if status == 429 and retry_after is None:
            retry_after = 1
        desc = description or ({429: f"Too Many Requests: retry after {retry_after}", 500: "Internal Server Error",
                                502: "Bad Gateway"}.get(status, f"Error {status}"))
        params = {"retry_after": retry_after} if retry_after is not None else None
        with self._cond:
            self._failures.setdefault(method.lower(), []).extend([(status, desc, params)] * times)

    def transcript(self, chat_id: int) -> str:
        """The exchange in one chat as a person would read it (for docs)."""
        with self._cond:
            lines = []
            for who, cid, text in self.events:
                if cid == chat_id:
                    lines.append(("> " if who == "user" else "") + text.replace("\n", "\n" + ("> " if who == "user" else "")))
            return "\n\n".join(lines)

    # --- internals ------------------------------------------------------------------------------

    def _new_user_message(self, chat_id: int, user_id: int | None, chat_type: str | None) -> dict:
        uid = user_id if user_id is not None else chat_id
        user = self._users.get(uid) or self.user(uid)
        chat = self._chats.get(chat_id)
        if chat is None or (chat_type and chat["type"] != chat_type):
            chat = self.chat(chat_id, chat_type or ("private" if chat_id > 0 else "supergroup"))
        with self._cond:
            mid = self._next_message_id.get(chat_id, 1)
            self._next_message_id[chat_id] = mid + 1
        msg = {"message_id": mid, "date": int(time.time()), "chat": chat, "from": user}
        self._user_messages[(chat_id, mid)] = msg
        return msg

    @property
    def last_update_id(self) -> int:
        """The id of the newest update queued for the bot."""
        with self._cond:
            return self._next_update_id - 1

    def _push(self, update: dict, chat_id: int, text: str) -> int:
        with self._cond:
            update["update_id"] = self._next_update_id
            self._next_update_id += 1
            self._updates.append(update)
            self.events.append(("user", chat_id, text))
            self._cond.notify_all()
            return update["update_id"]

    def _message_json(self, chat_id: int, message_id: int) -> dict:
        with self._cond:
            sent = self._find(chat_id, message_id)
        if sent:
            return self._sent_json(sent)
        return self._user_messages.get((chat_id, message_id)) or {
            "message_id": message_id, "date": 0, "chat": self._chats.get(chat_id) or self.chat(chat_id)}

    def _find(self, chat_id: int, message_id: int) -> SentMessage | None:
        return next((m for m in self._messages.get(chat_id, []) if m.message_id == message_id), None)

    def _sent_json(self, m: SentMessage) -> dict:
        out = {"message_id": m.message_id, "date": int(m.at), "chat": self._chats[m.chat_id],
               "from": self.bot_user, "text": m.plain}
        if m.reply_markup:
            out["reply_markup"] = m.reply_markup
        return out

    def _check_text(self, method: str, text: str | None, parse_mode: str | None) -> None:
        if text is None or not text.strip():
            self._violation(f"{method}: empty text")
            raise _ApiError(400, "Bad Request: message text is empty")
        if utf16_len(text) > MAX_TEXT:
            self._violation(f"{method}: text of {utf16_len(text)} characters (limit {MAX_TEXT})")
            raise _ApiError(400, "Bad Request: message is too long")
        if (parse_mode or "").upper() == "HTML":
            errors = html_errors(text)
            if errors:
                self._violation(f"{method}: invalid HTML: {errors[:3]} in {text[:200]!r}")
                raise _ApiError(400, f"Bad Request: can't parse entities: {errors[0]}")
            if not html_to_plain(text).strip():
                self._violation(f"{method}: no visible text")
                raise _ApiError(400, "Bad Request: message text is empty")

    def _violation(self, what: str) -> None:
        self.violations.append(what)

    def _chat_for(self, params: dict) -> int:
        chat_id = params.get("chat_id")
        if chat_id not in self._chats:
            raise _ApiError(400, "Bad Request: chat not found")
        return chat_id

    def handle(self, method: str, params: dict[str, Any]) -> Any:
        """One Bot API call; returns the `result` or raises _ApiError."""
        name = method.lower()
        with self._cond:
            failures = self._failures.get(name)
            failure = failures.pop(0) if failures else None
        if failure:
            raise _ApiError(*failure)
        handler = getattr(self, f"_api_{name}", None)
        if handler is None:
            self._violation(f"unknown method {method}")
            raise _ApiError(404, "Not Found: method not found")
        return handler(params)

    def _api_getme(self, p: dict) -> dict:
        return self.bot_user

    def _api_logout(self, p: dict) -> bool:
        return True

    def _api_close(self, p: dict) -> bool:
        return True

    def _api_deletewebhook(self, p: dict) -> bool:
        with self._cond:
            self.webhook = {}
            if str(p.get("drop_pending_updates", "")).lower() == "true":
                self._updates.clear()
        return True

    def _api_setwebhook(self, p: dict) -> bool:
        self.webhook = dict(p)
        return True

    def _api_getwebhookinfo(self, p: dict) -> dict:
        return {"url": self.webhook.get("url", ""), "has_custom_certificate": False, "pending_update_count": 0}

    def _api_setmycommands(self, p: dict) -> bool:
        commands = p.get("commands") or []
        for c in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", c.get("command", "")) or not 1 <= len(c.get("description", "")) <= 256:
                self._violation(f"setMyCommands: invalid command {c}")
                raise _ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
        self.commands[json.dumps(p.get("scope") or {"type": "default"}, sort_keys=True)] = commands
        return True

    def _api_getmycommands(self, p: dict) -> list:
        return self.commands.get(json.dumps(p.get("scope") or {"type": "default"}, sort_keys=True), [])

    def _api_deletemycommands(self, p: dict) -> bool:
        self.commands.pop(json.dumps(p.get("scope") or {"type": "default"}, sort_keys=True), None)
        return True

    def _api_getupdates(self, p: dict) -> list:
        offset, limit = p.get("offset") or 0, p.get("limit") or 100
        timeout = float(p.get("timeout") or 0)
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                if offset:  # confirms every update before it, as Telegram does
                    self._updates = [u for u in self._updates if u["update_id"] >= offset]
                if self._updates or self._closing:
                    return self._updates[:limit]
                left = deadline - time.monotonic()
                if left <= 0:
                    return []
                self._cond.wait(min(left, 0.2))

    def _api_sendmessage(self, p: dict) -> dict:
        chat_id = self._chat_for(p)
        text, parse_mode = p.get("text"), p.get("parse_mode")
        self._check_text("sendMessage", text, parse_mode)
        reply = p.get("reply_parameters") or {}
        with self._cond:
            mid = self._next_message_id.get(chat_id, 1)
            self._next_message_id[chat_id] = mid + 1
            m = SentMessage(chat_id, mid, text, parse_mode, p.get("reply_markup"),
                            reply.get("message_id") or p.get("reply_to_message_id"), time.time())
            self._messages.setdefault(chat_id, []).append(m)
            self.events.append(("bot", chat_id, m.plain))
            self._cond.notify_all()
        return self._sent_json(m)

    def _api_editmessagetext(self, p: dict) -> dict:
        chat_id = self._chat_for(p)
        text, parse_mode = p.get("text"), p.get("parse_mode")
        self._check_text("editMessageText", text, parse_mode)
        with self._cond:
            m = self._find(chat_id, p.get("message_id"))
            if m is None:
                raise _ApiError(400, "Bad Request: message to edit not found")
            if m.text == text and m.reply_markup == p.get("reply_markup"):
                raise _ApiError(400, "Bad Request: message is not modified")
            m.edits.append(m.text)
            m.text, m.parse_mode, m.reply_markup = text, parse_mode, p.get("reply_markup")
            self._cond.notify_all()
        return self._sent_json(m)

    def _api_editmessagereplymarkup(self, p: dict) -> dict:
        chat_id = self._chat_for(p)
        with self._cond:
            m = self._find(chat_id, p.get("message_id"))
            if m is None:
                raise _ApiError(400, "Bad Request: message to edit not found")
            m.reply_markup = p.get("reply_markup")
        return self._sent_json(m)

    def _api_deletemessage(self, p: dict) -> bool:
        return True

    def _api_sendchataction(self, p: dict) -> bool:
        chat_id = self._chat_for(p)
        with self._cond:
            self.chat_actions.append((chat_id, p.get("action"), time.time()))
        return True

    def _api_answercallbackquery(self, p: dict) -> bool:
        if p.get("callback_query_id") not in self._callbacks:
            raise _ApiError(400, "Bad Request: query is too old and response timeout expired or query ID is invalid")
        with self._cond:
            self.callback_answers.append(p)
            self._cond.notify_all()
        return True

    def _api_getfile(self, p: dict) -> dict:
        f = self._files.get(p.get("file_id"))
        if f is None:
            raise _ApiError(400, "Bad Request: invalid file_id")
        return {"file_id": f.file_id, "file_unique_id": f.file_unique_id, "file_size": len(f.content),
                "file_path": f.file_path}

    def file_content(self, file_path: str) -> bytes | None:
        return next((f.content for f in self._files.values() if f.file_path == file_path), None)


def _auto_entities(text: str) -> list[dict]:
    """Entities Telegram adds by itself: a leading /command and @mentions (offsets in UTF-16 units)."""
    ents = []
    m = re.match(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?", text)
    if m:
        ents.append({"type": "bot_command", "offset": 0, "length": utf16_len(m.group())})
    for m in re.finditer(r"(?<![\w@])@[A-Za-z0-9_]{3,32}", text):
        if m.start() == 0 and ents:
            continue
        ents.append({"type": "mention", "offset": utf16_len(text[:m.start()]), "length": utf16_len(m.group())})
    return ents


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        import sys

        if not isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):  # clients hanging up
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server_api: FakeBotAPI
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
        pass

    def do_GET(self) -> None:
        self._route()

    def do_POST(self) -> None:
        self._route()

    def _route(self) -> None:
        api = self.server_api
        url = urlsplit(self.path)
        url = url._replace(path=unquote(url.path))  # PTB percent-encodes the token's ':' in file URLs
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        file_prefix = f"/file/bot{api.token}/"
        if url.path.startswith(file_prefix):
            content = api.file_content(url.path[len(file_prefix):])
            if content is None:
                return self._reply(404, b"Not Found", "text/plain")
            return self._reply(200, content, "application/octet-stream")
        m = re.fullmatch(r"/bot([^/]+)/([A-Za-z]+)", url.path)
        if not m:
            return self._json(404, {"ok": False, "error_code": 404, "description": "Not Found"})
        if m.group(1) != api.token:
            return self._json(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
        method = m.group(2)
        params = self._params(url.query, body)
        rec = Request(method, params, time.time())
        with api._cond:
            api.requests.append(rec)
        try:
            result = api.handle(method, params)
        except _ApiError as e:
            rec.status = e.status
            payload: dict[str, Any] = {"ok": False, "error_code": e.status, "description": e.description}
            if e.parameters:
                payload["parameters"] = e.parameters
            return self._json(e.status, payload)
        except Exception as e:  # a bug in the fake: make it loud, not a hang
            rec.status = 500
            api._violation(f"fake server crashed on {method}: {e!r}")
            return self._json(500, {"ok": False, "error_code": 500, "description": f"fake server error: {e!r}"})
        self._json(200, {"ok": True, "result": result})

    def _params(self, query: str, body: bytes) -> dict[str, Any]:
        raw: dict[str, Any] = {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()}
        ctype = self.headers.get("Content-Type", "")
        if ctype.startswith("application/json") and body:
            raw.update(json.loads(body))
        elif ctype.startswith("application/x-www-form-urlencoded"):
            raw.update({k: v[-1] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()})
        elif ctype.startswith("multipart/form-data"):
            msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
                f"Content-Type: {ctype}\r\n\r\n".encode() + body)
            for part in msg.iter_parts():
                name = part.get_param("name", header="content-disposition")
                if part.get_filename():
                    raw[name] = part.get_payload(decode=True)
                else:
                    raw[name] = part.get_payload(decode=True).decode()
        params: dict[str, Any] = {}
        for k, v in raw.items():
            if isinstance(v, str) and k in _JSON_FIELDS:
                v = json.loads(v)
            elif isinstance(v, str) and k in _INT_FIELDS and re.fullmatch(r"-?\d+", v):
                v = int(v)
            params[k] = v
        return params

    def _json(self, status: int, payload: dict) -> None:
        self._reply(status, json.dumps(payload).encode(), "application/json")

    def _reply(self, status: int, body: bytes, ctype: str) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up on a long poll
            self.close_connection = True
