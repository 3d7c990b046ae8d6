"""Typed settings for the corpus side (the `index:` and `retrieval:` sections of config.yaml)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

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
