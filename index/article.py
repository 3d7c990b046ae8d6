"""Reading articles from files: .txt, .md, .html/.htm, .jsonl (one article per line), and folders.

Each input becomes an `Article` (cleaned text + metadata) or a `Rejection` ("path[:line]: reason").
A folder may carry a `metadata.yaml` sidecar mapping doc_id -> {title, source, url, published_at, dateline}.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Iterator

import yaml

from index.clean import clean_text, normalize

TEXT_SUFFIXES = {".txt", ".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm"}
SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | {".jsonl"}
SIDECAR = "metadata.yaml"
META_KEYS = ("title", "source", "url", "published_at", "dateline")


@dataclass
class Article:
    doc_id: str
    text: str  # cleaned; citation quotes and chunk offsets refer to this exact string
    origin: str  # where it came from, for messages
    title: str | None = None
    source: str | None = None
    url: str | None = None
    published_at: str | None = None
    dateline: str | None = None

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()[:32]

    @property
    def meta_hash(self) -> str:
        return hashlib.sha256(json.dumps(self.metadata(), sort_keys=True).encode()).hexdigest()[:16]

    def metadata(self) -> dict[str, str | None]:
        return {k: getattr(self, k) for k in META_KEYS}


@dataclass
class Rejection:
    origin: str
    reason: str

    def __str__(self) -> str:
        return f"{self.origin}: {self.reason}"


@dataclass
class ReadResult:
    articles: list[Article] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)


def headline(metadata: dict) -> str | None:
    """The text embedded as an article's headline vector (index/ingest.py stores it, index/retrieve.py
    embeds it for articles stored without one): its title, stripped; None when it has none."""
    title = metadata.get("title")
    return (title.strip() or None) if isinstance(title, str) else None


def _iso_date(value: object) -> str | None:
    """published_at as ISO 8601 (date or datetime); raises ValueError for anything else."""
    if value in (None, ""):
        return None
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    text = str(value).strip()
    return datetime.fromisoformat(text.replace("Z", "+00:00")).isoformat() if "T" in text else date.fromisoformat(text).isoformat()


def _decode(path: Path, max_bytes: int) -> str:
    size = path.stat().st_size
    if size > max_bytes:
        raise ValueError(f"file is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB limit")
    data = path.read_bytes()
    if b"\x00" in data[:8192]:
        raise ValueError("binary file, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise ValueError(f"not UTF-8 text (undecodable byte at offset {e.start})") from None


_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_MARK = re.compile(r"(\*\*|__|\*|`)")
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+")


def _markdown_to_text(text: str) -> tuple[str, str | None]:
    """Plain text and the first heading (as title) of a Markdown article."""
    title = None
    lines = []
    for line in text.split("\n"):
        if _MD_HEADING.match(line):
            line = _MD_HEADING.sub("", line)
            if title is None:
                title = _MD_MARK.sub("", _MD_LINK.sub(r"\1", line)).strip()
                continue
        line = re.sub(r"^\s*([-*+]|>)\s+", "", line)
        lines.append(_MD_MARK.sub("", _MD_LINK.sub(r"\1", line)))
    return "\n".join(lines), title


class MissingDependency(Exception):
    """A library an input needs is not installed; the message is one line for the user."""


def html_article(html: str) -> tuple[str, dict]:
    """Main text and metadata (title, source, url, published_at) of an HTML page, by trafilatura.
    Raises MissingDependency when a library it needs cannot import (lxml 5.2+ without lxml_html_clean,
    as a pip 23 install leaves it), so the caller rejects the one input instead of crashing."""
    try:
        import trafilatura  # heavy import, only when HTML is read

        # No extensive date search: it guesses from any year on the page ("Copyright 2024" -> 2024-01-01),
        # and a citation must not carry a date the page does not state.
        doc = trafilatura.bare_extraction(html, with_metadata=True, include_comments=False, include_tables=False,
                                          date_extraction_params={"extensive_search": False, "original_date": True})
    except ImportError as e:
        first = (str(e).strip().splitlines() or [type(e).__name__])[0]
        raise MissingDependency(f"cannot read HTML: {first} (pip install lxml_html_clean)") from None
    if doc is None:
        return "", {}
    d = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
    meta = {"title": d.get("title"), "source": d.get("sitename"), "url": d.get("url"), "published_at": d.get("date")}
    return d.get("text") or "", meta


def _load_sidecar(folder: Path, cache: dict[Path, dict]) -> dict:
    if folder not in cache:
        path = folder / SIDECAR
        data: dict = {}
        if path.is_file():
            try:
                data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            except yaml.YAMLError:
                data = {}
        cache[folder] = data if isinstance(data, dict) else {}
    return cache[folder]


def _with_meta(article: Article, meta: dict, origin: str) -> Article | Rejection:
    for key in META_KEYS:
        value = meta.get(key)
        if value in (None, ""):
            continue
        if key == "published_at":
            try:
                value = _iso_date(value)
            except ValueError:
                return Rejection(origin, f"published_at {value!r} is not an ISO 8601 date")
        setattr(article, key, str(value).strip())
    return article


def _finish(article: Article) -> Article | Rejection:
    if not re.search(r"\w", article.text):
        return Rejection(article.origin, "no article text (empty after cleaning)")
    return article


def read_file(path: Path, max_bytes: int, sidecars: dict[Path, dict] | None = None) -> Iterator[Article | Rejection]:
    sidecars = {} if sidecars is None else sidecars
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        yield Rejection(str(path), f"unsupported file type {suffix or '(none)'}; use {', '.join(sorted(SUFFIXES))}")
        return
    try:
        raw = _decode(path, max_bytes)
    except (OSError, ValueError) as e:
        yield Rejection(str(path), str(e))
        return
    if suffix == ".jsonl":
        yield from _read_jsonl(path, raw)
        return
    meta = dict(_load_sidecar(path.parent, sidecars).get(path.stem) or {})
    if suffix in HTML_SUFFIXES:
        try:
            text, found = html_article(raw)
        except MissingDependency as e:
            yield Rejection(str(path), str(e))
            return
        meta = {**{k: v for k, v in found.items() if v}, **{k: v for k, v in meta.items() if v}}
    elif suffix in {".md", ".markdown"}:
        text, title = _markdown_to_text(normalize(raw))
        meta.setdefault("title", title)
    else:
        text = raw
    article = _with_meta(Article(doc_id=path.stem, text=clean_text(text), origin=str(path)), meta, str(path))
    yield article if isinstance(article, Rejection) else _finish(article)


def _read_jsonl(path: Path, raw: str) -> Iterator[Article | Rejection]:
    for lineno, line in enumerate(raw.split("\n"), 1):
        if not line.strip():
            continue
        origin = f"{path}:{lineno}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            yield Rejection(origin, f"malformed JSON ({e.msg} at column {e.colno})")
            continue
        if not isinstance(obj, dict):
            yield Rejection(origin, "expected a JSON object per line")
            continue
        text = obj.get("text")
        if not isinstance(text, str):
            yield Rejection(origin, 'missing "text"' if text is None else '"text" must be a string')
            continue
        doc_id = str(obj.get("id") or f"{path.stem}-{lineno}").strip()
        if not doc_id or len(doc_id) > 200 or any(c in doc_id for c in "\n\r\t"):
            yield Rejection(origin, f"unusable id {doc_id!r}")
            continue
        article = _with_meta(Article(doc_id=doc_id, text=clean_text(text), origin=origin), obj, origin)
        yield article if isinstance(article, Rejection) else _finish(article)


def read_paths(paths: list[Path], max_bytes: int) -> ReadResult:
    """Every article under `paths` (folders recursively, supported suffixes only), with rejections."""
    result = ReadResult()
    sidecars: dict[Path, dict] = {}
    seen: dict[str, str] = {}
    for root in paths:
        root = Path(root)
        if not root.exists():
            result.rejected.append(Rejection(str(root), "no such file or folder"))
            continue
        files = (
            sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES and not p.name.startswith("."))
            if root.is_dir()
            else [root]
        )
        for path in files:
            for item in read_file(path, max_bytes, sidecars):
                if isinstance(item, Article):
                    if item.doc_id in seen:
                        item = Rejection(item.origin, f"duplicate doc_id {item.doc_id!r} (already read from {seen[item.doc_id]})")
                    else:
                        seen[item.doc_id] = item.origin
                (result.articles if isinstance(item, Article) else result.rejected).append(item)
    return result
