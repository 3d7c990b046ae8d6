"""Typed settings for the corpus side (the `index:`, `retrieval:` and `feeds:` sections of config.yaml)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator


def index_location(value: str | Path) -> Path | str:
    """An index location: a `postgresql://` URL stays a string (a Path would fold its `//`), anything else
    is a folder."""
    text = str(value)
    return text if is_database_url(text) else Path(text)


def is_database_url(value: object) -> bool:
    return isinstance(value, str) and value.startswith(("postgresql://", "postgres://"))


class Strict(BaseModel):
    """Base for every config section: an unknown key is an error that names it."""

    model_config = ConfigDict(extra="forbid")


class IndexSettings(Strict):
    dir: Path | str = Path(".newsbot/index")  # a folder (embedded engine) or a postgresql:// URL
    corpus: Path = Path("corpus")
    embed_model: str = "bundled:all-MiniLM-L6-v2"
    embed_batch_size: int = Field(32, ge=1)
    chunk_size: int = Field(128, ge=32, description="tokens per chunk")
    chunk_overlap: int = Field(32, ge=0)
    vector_store: Literal["faiss"] = "faiss"
    max_file_mb: float = Field(20, gt=0)
    refresh_s: float = Field(5, ge=0, description="how often a running front-end checks for another process's writes")

    @field_validator("dir", mode="before")
    @classmethod
    def _location(cls, value: object) -> object:
        return index_location(value) if isinstance(value, (str, Path)) else value


class RetrievalSettings(Strict):
    top_k: int = Field(8, ge=1)
    dense_k: int = Field(20, ge=1)
    bm25_k: int = Field(20, ge=1)
    rrf_k: int = Field(60, ge=1)
    bm25_weight: float = Field(1.5, ge=0)
    min_dense_score: float = Field(0.25, ge=-1, le=1)
    literal_boost: float = Field(0.5, ge=0)
    near_duplicate_threshold: float = Field(0.8, gt=0, le=1)
    reranker: str | None = None
    rerank_top: int = Field(20, ge=1)
    # Questions about the present ("this week", "recently", "the latest"): hits from articles published more
    # than this many days before the newest retrieved article rank after the rest. None: off.
    recent_days: int | None = Field(90, ge=1)


class FeedSettings(Strict):
    """The `feeds:` section: RSS/Atom feeds that `newsbot watch` and `newsbot telegram` follow."""

    urls: list[str] = []
    interval_s: float = Field(300, gt=0, description="poll period")
    timeout_s: float = Field(20, gt=0, description="per HTTP request")
    user_agent: str = "newsbot/0.1 (feed reader)"
    outlets: dict[str, str] = {}  # feed url -> outlet name shown in citations (default: the feed's title)
    max_entries: int = Field(50, ge=1, description="newest entries read per feed per poll")
    concurrency: int = Field(4, ge=1, le=32, description="HTTP requests in flight at once")
    max_page_mb: float = Field(5, gt=0, description="larger pages (and feeds) are not read")
    retries: int = Field(2, ge=0, le=5, description="retries after a 429 or 5xx answer")
    max_retry_after_s: float = Field(60, ge=0, description="longest wait a Retry-After header may ask for")
    state_dir: Path | None = None  # where feeds.json lives; null: the index folder (.newsbot/feeds for a postgresql:// index)

    @field_validator("urls")
    @classmethod
    def _http_urls(cls, urls: list[str]) -> list[str]:
        for url in urls:
            if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc:
                raise ValueError(f"{url!r} is not an http(s) URL")
        return list(dict.fromkeys(urls))
