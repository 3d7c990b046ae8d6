"""Telegram front-end: thin async handlers that route updates to Newsbot and format its answers.

`run(settings)` is the entry point of `newsbot telegram`; `build_application(settings, newsbot)` wires
the handlers and is what the tests drive against a fake Bot API server. This layer formats and routes;
retrieval and answering live in `Newsbot` and run in worker threads (`asyncio.to_thread`).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import re
import secrets
import tempfile
import time
from collections import OrderedDict, deque
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, AsyncIterator, Awaitable, Callable, Protocol, TypeVar
from urllib.parse import urlsplit

from telegram import (
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    MessageEntity,
    ReplyParameters,
    Update,
)
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.answer import Answer
from bot.config import ConfigError, Settings
from bot.conversation import Conversation
from bot.telegram_format import (esc, format_answer, format_corpus, format_feed_health, format_sources, html_to_plain,
                                 split_html)

if TYPE_CHECKING:
    from bot.service import CorpusStats
    from index.feeds import FeedHealth

log = logging.getLogger(__name__)

TYPING_INTERVAL_S = 4.0  # Telegram shows "typing…" for about 5 s per chat action
MAX_QUESTION_CHARS = 1000  # Newsbot reads no more than this; say so rather than cut silently
UPLOAD_SUFFIXES = (".txt", ".md", ".html", ".jsonl")
REFUSAL_COOLDOWN_S = 3600.0  # a stranger hears "this bot is private" once an hour, not once a message
ANSWERS_KEPT = 20  # per chat, for the Sources buttons under older answers
SEND_ATTEMPTS = 3

COMMANDS = [
    BotCommand("start", "What I know and how to ask"),
    BotCommand("help", "How to use this bot"),
    BotCommand("ask", "Ask a question (in groups: /ask QUESTION)"),
    BotCommand("sources", "Sources and quotes behind the last answer"),
    BotCommand("reset", "Forget this chat's conversation"),
]
ADMIN_COMMANDS = [*COMMANDS, BotCommand("stats", "Corpus and bot statistics (admins)")]

HELP = (
    "<b>Ask me about the news articles I hold.</b> Every answer cites its articles as [1], [2]…; "
    "tap <b>Sources</b> or send /sources to read the exact quotes.\n\n"
    "In a private chat just write your question. In a group use /ask QUESTION, mention me, or reply "
    "to one of my messages. Follow-up questions (\"what did they call it?\") use the last few turns; "
    "/reset forgets them.\n\n"
    "/start – what I know\n/ask QUESTION – ask (groups)\n/sources – quotes behind the last answer\n"
    "/reset – forget this chat's conversation\n/help – this message"
)
ADMIN_HELP = ("\n\n<b>Admins</b>\n/stats – corpus and bot statistics\nSend a .txt, .md, .html or .jsonl "
              "file to add articles; they are answerable at once.")
STRANGER = "Sorry, this bot is private: it only answers its allowed users. Ask its owner for access."
APOLOGY = "Sorry, something went wrong while answering. Please try again in a moment."


class NewsbotLike(Protocol):
    """What the front-end needs from `bot.service.Newsbot` (all blocking)."""

    def ask(self, question: str, conversation: Conversation | None = None) -> Answer: ...
    def ingest(self, paths: list[Path]) -> Any: ...
    def stats(self) -> "CorpusStats": ...


class FeedsLike(Protocol):
    """What /stats needs from `index.feeds.FeedFollower`: the health of each followed feed."""

    def health(self) -> list[FeedHealth]: ...


class RateLimiter:
    """Sliding window: at most `messages` per `per_seconds` for each user."""

    def __init__(self, messages: int, per_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.messages, self.per_seconds, self.clock = messages, per_seconds, clock
        self._hits: dict[int, deque[float]] = {}
        self._told: set[int] = set()

    def check(self, user_id: int) -> tuple[float, bool]:
        """(0, _) and the hit recorded when allowed; else (seconds to wait, whether to tell the user)."""
        now = self.clock()
        hits = self._hits.setdefault(user_id, deque())
        while hits and now - hits[0] >= self.per_seconds:
            hits.popleft()
        if len(hits) < self.messages:
            hits.append(now)
            self._told.discard(user_id)
            return 0.0, False
        first_time = user_id not in self._told
        self._told.add(user_id)
        return self.per_seconds - (now - hits[0]), first_time


@dataclass
class Metrics:
    started: float
    questions: int = 0
    refused: int = 0
    failed: int = 0
    rate_limited: int = 0
    answer_s: float = 0.0


T = TypeVar("T")


async def _send_with_retries(call: Callable[[], Awaitable[T]]) -> T:
    """Retry a send on a transient server error (5xx, connection reset) or a 429 the rate limiter
    gave up on. Not on a timeout: the message may have arrived, and a duplicate is worse."""
    for attempt in range(1, SEND_ATTEMPTS + 1):
        try:
            return await call()
        except RetryAfter as e:
            if attempt == SEND_ATTEMPTS:
                raise
            delay = e.retry_after if isinstance(e.retry_after, (int, float)) else e.retry_after.total_seconds()
            await asyncio.sleep(float(delay) + 0.1)
        except (BadRequest, Forbidden, TimedOut):
            raise
        except NetworkError as e:
            if attempt == SEND_ATTEMPTS:
                raise
            log.warning("Telegram send failed (%s); retry %d of %d", e, attempt, SEND_ATTEMPTS - 1)
            await asyncio.sleep(0.5 * 2 ** (attempt - 1))
    raise AssertionError("unreachable")


@contextlib.asynccontextmanager
async def _typing(message: Message) -> AsyncIterator[None]:
    """Show "typing…" in the chat until the block ends, renewing it every TYPING_INTERVAL_S."""

    async def keep_typing() -> None:
        while True:
            with contextlib.suppress(TelegramError):
                await message.chat.send_action(ChatAction.TYPING, message_thread_id=message.message_thread_id)
            await asyncio.sleep(TYPING_INTERVAL_S)

    task = asyncio.create_task(keep_typing())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


class TelegramFrontend:
    """The handlers, sharing the settings, the Newsbot and the per-user state of one running bot."""

    def __init__(self, settings: Settings, newsbot: NewsbotLike, feeds: FeedsLike | None = None) -> None:
        self.settings, self.tg, self.newsbot, self.feeds = settings, settings.telegram, newsbot, feeds
        self.limiter = RateLimiter(self.tg.rate_limit.messages, self.tg.rate_limit.per_seconds)
        self.metrics = Metrics(started=time.monotonic())
        self._refused_at: dict[int, float] = {}
        self._chat_locks: dict[int, asyncio.Lock] = {}

    # --- access ---------------------------------------------------------------------------------

    def is_admin(self, user_id: int) -> bool:
        return user_id in self.tg.admin_user_ids

    def is_allowed(self, user_id: int) -> bool:
        return not self.tg.allowed_user_ids or user_id in self.tg.allowed_user_ids or self.is_admin(user_id)

    async def gate(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Runs before every handler: strangers get one polite refusal and nothing else."""
        user = update.effective_user
        if user is None or user.is_bot:
            raise ApplicationHandlerStop  # channel posts, other bots
        if self.is_allowed(user.id):
            return
        log.info("refused user %s (not on the allow-list)", user.id)
        if update.callback_query:
            with contextlib.suppress(TelegramError):
                await update.callback_query.answer(STRANGER, show_alert=True)
        elif update.message and self._addressed_to_bot(update.message, context):
            now = time.monotonic()
            if now - self._refused_at.get(user.id, -REFUSAL_COOLDOWN_S) >= REFUSAL_COOLDOWN_S:
                self._refused_at[user.id] = now
                await self._reply(update.message, STRANGER)
        raise ApplicationHandlerStop

    def _addressed_to_bot(self, message: Message, context: ContextTypes.DEFAULT_TYPE) -> bool:
        if message.chat.type == ChatType.PRIVATE or (message.text or "").startswith("/"):
            return True
        return self._mentions_bot(message, context) or (
            message.reply_to_message is not None
            and message.reply_to_message.from_user is not None
            and message.reply_to_message.from_user.id == context.bot.id)

    def _mentions_bot(self, message: Message, context: ContextTypes.DEFAULT_TYPE) -> bool:
        me = f"@{context.bot.username}".lower()
        for entity, text in message.parse_entities([MessageEntity.MENTION, MessageEntity.TEXT_MENTION]).items():
            if text.lower() == me or (entity.user is not None and entity.user.id == context.bot.id):
                return True
        return False

    # --- commands -------------------------------------------------------------------------------

    async def start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        stats = await asyncio.to_thread(self.newsbot.stats)
        name = esc(update.effective_user.first_name) if update.effective_user else "there"
        how = ("Just write your question" if update.effective_chat.type == ChatType.PRIVATE
               else "Ask with /ask QUESTION, mention me or reply to me")
        await self._reply(update.effective_message,
                          f"Hi {name}! I answer questions about the news, citing the articles I hold: "
                          f"{format_corpus(stats)}.\n\n{how}, e.g. <i>Who claimed responsibility for the "
                          "attacks?</i> Send /help for more.")

    async def help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        admin = update.effective_user is not None and self.is_admin(update.effective_user.id)
        await self._reply(update.effective_message, HELP + (ADMIN_HELP if admin else ""))

    async def ask_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        question = " ".join(context.args or [])
        if not question.strip():
            await self._reply(update.effective_message, "Usage: /ask QUESTION, e.g. <i>/ask Who denied involvement?</i>")
            return
        await self._answer(update, context, question)

    async def sources(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        answers: OrderedDict[int, Answer] = context.chat_data.get("answers") or OrderedDict()
        if not answers:
            await self._reply(update.effective_message, "No answer in this chat yet: ask me something first.")
            return
        await self._reply(update.effective_message, format_sources(next(reversed(answers.values()))))

    async def reset(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        self._conversation(context).reset()
        context.chat_data.pop("answers", None)
        await self._reply(update.effective_message, "Done: I have forgotten this chat's conversation.")

    async def stats(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if not self.is_admin(update.effective_user.id):
            await self._reply(update.effective_message, "Sorry, /stats is for admins only.")
            return
        s, m = await asyncio.to_thread(self.newsbot.stats), self.metrics
        answered = m.questions - m.failed
        mean = f"{m.answer_s / answered:.1f} s" if answered else "–"
        await self._reply(update.effective_message, (
            f"<b>Corpus</b>: {format_corpus(s)}; {s.chunks} chunks.\n"
            f"<b>Bot</b>: up {_duration(time.monotonic() - m.started)}; {m.questions} questions "
            f"({m.refused} refused as not covered, {m.failed} failed, mean {mean}); "
            f"{m.rate_limited} rate-limited; {len(self._chat_locks)} chats."
            + (f"\n{format_feed_health(self.feeds.health())}" if self.feeds else "")))

    async def unknown_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._reply(update.effective_message, "I don't know that command. Send /help for the list.")

    # --- questions --------------------------------------------------------------------------------

    async def private_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._answer(update, context, update.effective_message.text or "")

    async def group_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if not self._addressed_to_bot(message, context):
            return  # group chatter not meant for the bot
        question = message.text or ""
        for text in message.parse_entities([MessageEntity.MENTION]).values():
            if text.lower() == f"@{context.bot.username}".lower():
                question = question.replace(text, " ")
        await self._answer(update, context, question)

    async def not_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._reply(update.effective_message, "I can only answer questions written as text.")

    async def _answer(self, update: Update, context: ContextTypes.DEFAULT_TYPE, question: str) -> None:
        message, user = update.effective_message, update.effective_user
        length, question = len(question), re.sub(r"\s+", " ", question).strip()
        if not question:
            await self._reply(message, "What would you like to know? Ask me a question about the news.")
            return
        if len(question) > MAX_QUESTION_CHARS:
            await self._reply(message, f"That message is {length:,} characters long; please ask in under "
                                       f"{MAX_QUESTION_CHARS:,} characters.")
            return
        wait, tell = self.limiter.check(user.id)
        if wait:
            self.metrics.rate_limited += 1
            if tell:
                await self._reply(message, f"You are asking faster than I can answer (at most "
                                           f"{self.tg.rate_limit.messages} questions per "
                                           f"{self.tg.rate_limit.per_seconds:g} s). Please try again in "
                                           f"{max(1, round(wait))} s.")
            return
        self.metrics.questions += 1
        lock = self._chat_locks.setdefault(message.chat_id, asyncio.Lock())
        async with lock:  # one question at a time per chat: the conversation is shared
            started = time.monotonic()
            try:
                async with _typing(message):
                    # On timeout the worker thread finishes on its own; its turn still lands in the
                    # conversation, which is what the user would expect after an apology anyway.
                    answer = await asyncio.wait_for(
                        asyncio.to_thread(self.newsbot.ask, question, self._conversation(context)),
                        self.tg.answer_timeout_s)
            except asyncio.TimeoutError:
                self.metrics.failed += 1
                log.warning("answer timed out after %.0f s in chat %s", self.tg.answer_timeout_s, message.chat_id)
                await self._reply(message, "Sorry, that took too long to answer. Please try again, perhaps "
                                           "with a shorter or more specific question.")
                return
            except Exception:
                self.metrics.failed += 1
                log.exception("Newsbot.ask failed in chat %s", message.chat_id)
                await self._reply(message, APOLOGY)
                return
            self.metrics.answer_s += time.monotonic() - started
            self.metrics.refused += answer.refused
            key = self._remember(context, answer)
            markup = None
            if answer.citations and not answer.refused:
                markup = InlineKeyboardMarkup([[InlineKeyboardButton("Sources", callback_data=f"src:{key}")]])
            await self._reply(message, format_answer(answer), markup=markup)

    async def sources_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        answers: OrderedDict[int, Answer] = context.chat_data.get("answers") or OrderedDict()
        key = query.data.removeprefix("src:") if query.data else ""
        answer = answers.get(int(key)) if key.isdigit() else None
        if answer is None:
            await query.answer("Those sources are no longer available; please ask again.", show_alert=True)
            return
        await query.answer()
        if query.message is not None and query.message.is_accessible:
            await self._reply(query.message, format_sources(answer), quote=True)

    # --- admin ingest ---------------------------------------------------------------------------------

    async def document(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, doc = update.effective_message, update.effective_message.document
        if not self.is_admin(update.effective_user.id):
            await self._reply(message, "Sorry, only admins can add articles.")
            return
        name = _safe_filename(doc.file_name or f"upload_{doc.file_unique_id}.txt")
        if not name.lower().endswith(UPLOAD_SUFFIXES):
            await self._reply(message, f"I can add {', '.join(UPLOAD_SUFFIXES)} files; {esc(name)} is not one.")
            return
        limit = int(self.tg.max_upload_mb * 1024 * 1024)
        if doc.file_size is not None and doc.file_size > limit:
            await self._reply(message, f"{esc(name)} is {doc.file_size / (1024 * 1024):.3g} MB; the limit is "
                                       f"{self.tg.max_upload_mb:g} MB.")
            return
        async with _typing(message):
            with tempfile.TemporaryDirectory(prefix="newsbot-upload-") as tmp:
                path = Path(tmp) / name  # the original name: the doc id is its stem
                await (await doc.get_file()).download_to_drive(path)
                if path.stat().st_size > limit:
                    await self._reply(message, f"{esc(name)} is over the {self.tg.max_upload_mb:g} MB limit.")
                    return
                try:
                    report = await asyncio.to_thread(self.newsbot.ingest, [path])
                except Exception as e:
                    log.exception("ingest of %s failed", name)
                    await self._reply(message, f"Could not add {esc(name)}: {esc(e)}")
                    return
        log.info("admin %s ingested %s: %s added, %s updated", update.effective_user.id, name, report.added,
                 report.updated)
        text = (f"Added <b>{esc(name)}</b>: {report.added} new, {report.updated} updated, {report.unchanged} "
                f"unchanged, {report.duplicates} duplicates. New articles are answerable now.")
        if report.rejected:
            shown = "\n".join(f"• {esc(r)}" for r in report.rejected[:10])
            more = f"\n…and {len(report.rejected) - 10} more" if len(report.rejected) > 10 else ""
            text += f"\n\nRejected:\n{shown}{more}"
        await self._reply(message, text)

    # --- errors, start-up -------------------------------------------------------------------------------

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log what failed with its update id; tell the user instead of going silent."""
        if not isinstance(update, Update):  # polling/network trouble: PTB retries by itself
            log.warning("Telegram error outside an update: %s", context.error)
            return
        log.error("update %s failed", update.update_id, exc_info=context.error)
        if update.callback_query:
            with contextlib.suppress(TelegramError):
                await update.callback_query.answer(APOLOGY, show_alert=True)
        elif update.effective_chat:
            with contextlib.suppress(TelegramError):
                await context.bot.send_message(update.effective_chat.id, APOLOGY)

    async def post_init(self, application: Application) -> None:
        """Register the command menu (admins get /stats too) and say what is being served."""
        await application.bot.set_my_commands(COMMANDS)
        for admin in self.tg.admin_user_ids:
            try:
                await application.bot.set_my_commands(ADMIN_COMMANDS, scope=BotCommandScopeChat(admin))
            except TelegramError as e:  # e.g. the admin has not started a chat with the bot yet
                log.info("could not set admin commands for %s: %s", admin, e)
        try:
            s = await asyncio.to_thread(self.newsbot.stats)
        except Exception:
            log.exception("Newsbot.stats failed at start-up")
            return
        log.info("Telegram bot @%s ready (%s): %d articles from %d outlets; allow-list %s; %d admins",
                 application.bot.username, self.tg.mode, s.articles, len(s.outlets),
                 f"of {len(self.tg.allowed_user_ids)} users" if self.tg.allowed_user_ids else "off (anyone)",
                 len(self.tg.admin_user_ids))

    # --- helpers ----------------------------------------------------------------------------------------

    def _conversation(self, context: ContextTypes.DEFAULT_TYPE) -> Conversation:
        if "conversation" not in context.chat_data:
            context.chat_data["conversation"] = Conversation(self.settings.answer.history_turns)
        return context.chat_data["conversation"]

    def _remember(self, context: ContextTypes.DEFAULT_TYPE, answer: Answer) -> int:
        answers: OrderedDict[int, Answer] = context.chat_data.setdefault("answers", OrderedDict())
        key = context.chat_data.get("next_key", 1)
        context.chat_data["next_key"] = key + 1
        answers[key] = answer
        while len(answers) > ANSWERS_KEPT:
            answers.popitem(last=False)
        return key

    async def _reply(self, to: Message, html: str, *, markup: InlineKeyboardMarkup | None = None,
                     quote: bool | None = None) -> None:
        """Send `html` in as many messages as it needs; the button goes under the last one. Replies quote
        the question in groups, where several people talk at once."""
        quote = to.chat.type != ChatType.PRIVATE if quote is None else quote
        parts = split_html(html)
        for i, part in enumerate(parts):
            reply = ReplyParameters(to.message_id, allow_sending_without_reply=True) if quote and i == 0 else None
            send = functools.partial(to.get_bot().send_message, chat_id=to.chat_id,
                                     message_thread_id=to.message_thread_id, reply_parameters=reply,
                                     reply_markup=markup if i == len(parts) - 1 else None)
            try:
                await _send_with_retries(functools.partial(send, text=part, parse_mode=ParseMode.HTML))
            except BadRequest as e:
                if "parse" not in str(e).lower():
                    raise
                # Our HTML should never be refused; if it is, plain text beats silence.
                log.error("Telegram refused our HTML (%s); sending plain text", e)
                await _send_with_retries(functools.partial(send, text=html_to_plain(part), parse_mode=None))


def _safe_filename(name: str) -> str:
    """The uploaded file's own name, without any folder part or characters unsafe in a path."""
    base = re.split(r"[\\/]", name)[-1].strip().lstrip(".")
    base = re.sub(r"[^\w.\- ]", "_", base)[:120]
    return base or "upload.txt"


def _duration(seconds: float) -> str:
    minutes, s = divmod(int(seconds), 60)
    h, m = divmod(minutes, 60)
    return f"{h}h {m}m" if h else f"{m}m {s}s"


def _file_url(base_url: str) -> str:
    """Telegram's file endpoint next to its API endpoint: .../bot → .../file/bot."""
    return base_url[: -len("/bot")] + "/file/bot" if base_url.endswith("/bot") else base_url.rstrip("/") + "/file/bot"


def build_application(settings: Settings, newsbot: NewsbotLike, feeds: FeedsLike | None = None) -> Application:
    """The bot, with every handler wired; start it with run_polling/run_webhook (or the Updater).
    `feeds`, when the bot follows feeds, is asked for their health by /stats."""
    tg = settings.telegram
    token = tg.token.get_secret_value()
    if not token:
        raise ConfigError("telegram.token is empty: set TELEGRAM_BOT_TOKEN to the token from @BotFather")
    front = TelegramFrontend(settings, newsbot, feeds)
    application = (
        Application.builder()
        .token(token)
        .base_url(tg.base_url)
        .base_file_url(tg.base_file_url or _file_url(tg.base_url))
        .defaults(Defaults(parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .rate_limiter(AIORateLimiter(max_retries=3))  # waits out 429 retry_after, then retries
        .concurrent_updates(True)  # several chats are answered at once
        .post_init(front.post_init)
        .build()
    )
    new = filters.UpdateType.MESSAGE  # edits of old messages are not new questions
    private, groups = filters.ChatType.PRIVATE, filters.ChatType.GROUPS
    application.add_handler(TypeHandler(Update, front.gate), group=-1)
    application.add_handlers([
        CommandHandler("start", front.start, filters=new),
        CommandHandler("help", front.help, filters=new),
        CommandHandler("ask", front.ask_command, filters=new),
        CommandHandler("sources", front.sources, filters=new),
        CommandHandler("reset", front.reset, filters=new),
        CommandHandler("stats", front.stats, filters=new),
        MessageHandler(new & private & filters.COMMAND, front.unknown_command),
        MessageHandler(new & private & filters.TEXT & ~filters.COMMAND, front.private_text),
        MessageHandler(new & groups & filters.TEXT & ~filters.COMMAND, front.group_text),
        MessageHandler(new & private & filters.Document.ALL, front.document),
        MessageHandler(new & private & ~filters.TEXT & ~filters.Document.ALL & ~filters.StatusUpdate.ALL,
                       front.not_text),
        CallbackQueryHandler(front.sources_button, pattern=r"^src:"),
    ])
    application.add_error_handler(front.on_error)
    application.bot_data["frontend"] = front
    return application


class _RedactSecrets(logging.Filter):
    """Belt and braces: whatever logs a secret (a URL with the token, say), the log shows [redacted]."""

    def __init__(self, secrets_: list[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets_ if s]

    def filter(self, record: logging.LogRecord) -> bool:
        msg = record.getMessage()
        if any(s in msg for s in self.secrets):
            for s in self.secrets:
                msg = msg.replace(s, "[redacted]")
            record.msg, record.args = msg, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            for s in self.secrets:
                record.exc_text = record.exc_text.replace(s, "[redacted]")
        return True


def _setup_logging(settings: Settings) -> None:
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("httpx", "httpcore"):  # they log every request URL, and the URL holds the token
        logging.getLogger(noisy).setLevel(logging.WARNING)
    if log.getEffectiveLevel() > logging.INFO:
        log.setLevel(logging.INFO)  # start-up and ingest lines are wanted even at log_level WARNING
    redact = _RedactSecrets([settings.telegram.token.get_secret_value(),
                             settings.telegram.webhook.secret_token.get_secret_value(),
                             settings.llm.api_key.get_secret_value()])
    for handler in root.handlers:
        handler.addFilter(redact)


def run(settings: Settings) -> None:
    """`newsbot telegram`: serve the bot until SIGINT/SIGTERM (polling or webhook, per config)."""
    from bot.service import Newsbot  # heavy: loads the index and models

    _setup_logging(settings)
    tg = settings.telegram
    if not tg.token.get_secret_value():
        raise ConfigError("telegram.token is empty: set TELEGRAM_BOT_TOKEN to the token from @BotFather")
    if tg.mode == "webhook" and not tg.webhook.url:
        raise ConfigError("telegram.webhook.url is empty: webhook mode needs the public https URL Telegram posts to")
    log.info("loading the index for the Telegram bot (%s mode, API %s)", tg.mode, tg.base_url)
    newsbot = Newsbot(settings)
    if not newsbot.store.exists():  # as `newsbot ask` does: a first run serves the bundled sample
        log.info("indexing %s into %s (first use)", settings.index.corpus, settings.index.dir)
        report = newsbot.ingest([settings.index.corpus])
        log.info("indexed: %s", report.summary())
    follower = _feed_follower(settings, newsbot)
    application = build_application(settings, newsbot, follower)
    if follower:
        follower.start(_log_poll)
        log.info("following %d feeds every %g s", len(settings.feeds.urls), settings.feeds.interval_s)
    try:
        _serve(application, settings)
    finally:
        if follower:
            follower.shutdown(wait_s=settings.feeds.timeout_s + 5)
    log.info("Telegram bot stopped")


def _feed_follower(settings: Settings, newsbot: NewsbotLike):
    """With feeds.urls set, the bot polls them itself: the loop of `newsbot watch`, in a thread of this
    process, ingesting through Newsbot.ingest_articles, which swaps the index under the answers in flight."""
    if not settings.feeds.urls:
        return None
    from index.feeds import FeedFollower

    return FeedFollower(settings.feeds, settings.feed_state_dir(), newsbot.ingest_articles)


def _log_poll(report) -> None:
    log.info("feeds: %s", report.summary())
    for failure in report.failures:
        log.warning("feed: %s", failure)


def _serve(application: Application, settings: Settings) -> None:
    tg = settings.telegram
    if tg.mode == "polling":
        application.run_polling(allowed_updates=Update.ALL_TYPES, bootstrap_retries=3)
        return
    secret = tg.webhook.secret_token.get_secret_value()
    if not secret:
        secret = secrets.token_urlsafe(32)
        log.info("telegram.webhook.secret_token is empty: using a random one for this run")
    application.run_webhook(listen=tg.webhook.listen, port=tg.webhook.port,
                            url_path=urlsplit(tg.webhook.url).path.lstrip("/"), webhook_url=tg.webhook.url,
                            secret_token=secret, allowed_updates=Update.ALL_TYPES, bootstrap_retries=3)
