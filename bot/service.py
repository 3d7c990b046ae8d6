"""The Newsbot facade: one loaded index + LLM, used by every front-end (CLI, chat, Telegram, eval)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.answer import Answer
from bot.config import Settings
from bot.conversation import Conversation


@dataclass
class CorpusStats:
    articles: int
    chunks: int
    outlets: list[str]
    first_published: str | None
    last_published: str | None


class Newsbot:
    """Thread-safe: `ask` may run in several threads at once; `ingest` swaps the index atomically."""

    def __init__(self, settings: Settings, index_dir: Path | None = None) -> None:
        raise NotImplementedError  # being written

    def ask(self, question: str, conversation: Conversation | None = None) -> Answer:
        """Answer from the articles; records the turn in `conversation` when one is given."""
        raise NotImplementedError

    def ingest(self, paths: list[Path]):
        """Ingest files/folders into the index and make them answerable at once; returns an IngestReport
        with .added .updated .unchanged .duplicates (ints) and .rejected (list of 'path[:line]: reason')."""
        raise NotImplementedError

    def stats(self) -> CorpusStats:
        raise NotImplementedError
