"""Following RSS 2.0, RSS 1.0/RDF and Atom feeds: each new or changed entry becomes an `Article`.

One poll: fetch every feed (conditional GET with the ETag / Last-Modified it answered last time), parse
it with feedparser, keep the entries not seen before or changed since (by a hash of the entry), fetch
their linked pages and read the main text with trafilatura (the feed's own content:encoded / summary
when the page cannot be read or has no article text), hand the articles to `ingest`, and only then
record what was read. That record (`feeds.json` in the index dir, replaced atomically) is why a restart
does not fetch everything again. Anything that fails is reported as `url: reason`; the rest goes on.

`FeedFollower.run` is the polling loop that `newsbot watch` runs in the foreground and `newsbot
telegram` in a thread; both ingest through the callable they pass in (index/ never imports bot/).
"""

from __future__ import annotations

import calendar
import hashlib
import json
import logging
import os
import re
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator
from urllib.parse import urlsplit

from index.article import Article, MissingDependency, html_article
from index.clean import clean_text
from index.config import FeedSettings
from index.store import file_lock
from index.fetch import Fetcher, FetchError, decode_html, is_html

log = logging.getLogger(__name__)

STATE_FILE = "feeds.json"
STATE_VERSION = 1
ENTRIES_KEPT = 2000  # per feed; enough to remember every entry a feed still lists
MAX_ATTEMPTS = 3  # polls that try an unreadable entry (a PDF, a dead link) before it is left alone


@dataclass
class Failure:
    url: str
    reason: str

    def __str__(self) -> str:
        return f"{self.url}: {self.reason}"


@dataclass
class FeedHealth:
    """What an admin wants to know about one feed (shown by the Telegram bot's /stats)."""

    url: str
    title: str | None
    last_poll: str | None  # ISO 8601, UTC
    status: str  # "ok", "not modified", or the failure
    ok: bool
    ingested: int  # entries ingested from this feed since it was first followed


@dataclass
class PollReport:
    feeds: int = 0
    new: int = 0
    updated: int = 0
    failures: list[Failure] = field(default_factory=list)
    articles: list[Article] = field(default_factory=list)
    ingest_summary: str | None = None

    @property
    def failed(self) -> int:
        return len(self.failures)

    def summary(self) -> str:
        return f"{self.feeds} feeds, {self.new} new, {self.updated} updated, {self.failed} failed"


# ingest(articles) -> an object with `.rejected` (index.ingest.IngestReport): Newsbot.ingest_articles.
Ingest = Callable[[list[Article]], Any]


@dataclass
class _Candidate:
    """A feed entry to read: new, or changed since the last poll."""

    feed_url: str
    key: str
    fingerprint: str
    known: bool  # seen before (so this is an update)
    doc_id: str
    link: str | None
    title: str | None
    published_at: str | None
    source: str | None
    feed_text: str  # from content:encoded / summary, the fallback
    page_retry: int = 0  # unchanged entry read again because its page failed transiently this many times


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def doc_id_for(key: str) -> str:
    """Stable, filesystem- and ID-safe: a hash of the entry's guid (or link) and a readable slug of it."""
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:10]
    tail = urlsplit(key).path.rstrip("/").rsplit("/", 1)[-1] if "://" in key else key
    tail = re.sub(r"\.s?html?$", "", tail, flags=re.I)
    slug = re.sub(r"[^a-z0-9]+", "-", tail.lower()).strip("-")[:48].strip("-")
    return f"{digest}-{slug}" if slug else digest


def _entry_key(feed_url: str, entry: Any) -> str | None:
    guid = (entry.get("id") or "").strip()
    if guid:
        # A URL or URN guid is global; a bare one ("1234") is unique only within its feed.
        return guid if re.match(r"^[a-z][a-z0-9+.-]*:", guid, re.I) else f"{feed_url}#{guid}"
    link = (entry.get("link") or "").strip()
    if link:
        return link
    title = (entry.get("title") or "").strip()
    return f"{feed_url}#{title}" if title else None


def _entry_date(entry: Any) -> str | None:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed") or entry.get("created_parsed")
    if not parsed:
        return None
    return datetime.fromtimestamp(calendar.timegm(parsed), timezone.utc).isoformat()  # feedparser gives UTC


def _feed_html(entry: Any) -> str:
    """The entry's own text as HTML: the fullest content:encoded/<content>, else the summary."""
    contents = [c.get("value") or "" for c in entry.get("content") or []]
    best = max(contents, key=len, default="")
    return best if len(best) >= len(entry.get("summary") or "") else entry.get("summary") or ""


_BLOCKS = ("p", "br", "div", "li", "blockquote", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "section", "article")


def html_fragment_text(fragment: str) -> str:
    """Plain text of a feed's HTML snippet, one line per block. Hand-written on lxml because trafilatura
    judges a whole page's structure and discards a short snippet as not being an article."""
    if "<" not in fragment:
        return fragment
    from lxml import html as lxml_html

    try:
        root = lxml_html.fragment_fromstring(fragment, create_parent="div")
    except Exception:  # lxml raises several types on broken markup; a snippet is never worth failing on
        return re.sub(r"<[^>]+>", " ", fragment)
    for el in root.iter(*_BLOCKS):
        el.tail = "\n" + (el.tail or "")
    return root.text_content()


def _fingerprint(entry: Any) -> str:
    """Changes when the entry does (a correction, a new date, new text): the page is read again then."""
    parts = [entry.get(k) for k in ("title", "link", "updated", "published", "summary")]
    parts += [c.get("value") for c in entry.get("content") or []]
    return hashlib.sha256(json.dumps(parts, default=str).encode("utf-8")).hexdigest()[:16]


class FeedState:
    """feeds.json: per feed its validators (etag, last_modified), health, and the entries already read."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.data: dict[str, Any] = {"version": STATE_VERSION, "feeds": {}}
        try:
            loaded = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(loaded, dict) and loaded.get("version") == STATE_VERSION:
                self.data = loaded
        except FileNotFoundError:
            pass
        except (OSError, ValueError) as e:  # unreadable state costs one full re-read, nothing more
            log.warning("%s: unreadable (%s); every feed is read afresh", path, e)

    def feed(self, url: str) -> dict[str, Any]:
        return self.data["feeds"].setdefault(url, {"entries": {}, "ingested": 0})

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".feeds-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(self.data, f, ensure_ascii=False, indent=1)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            with suppress(OSError):
                os.unlink(tmp)
            raise


class FeedFollower:
    """Polls `settings.urls` and ingests what is new; state lives in `state_dir` (the index dir)."""

    def __init__(self, settings: FeedSettings, state_dir: Path, ingest: Ingest,
                 fetcher: Fetcher | None = None) -> None:
        self.settings = settings
        self.state_dir = Path(state_dir)
        self.ingest = ingest
        self.stop = threading.Event()
        self.fetcher = fetcher or Fetcher(settings, self.stop)
        self._health_lock = threading.Lock()
        self._health: list[FeedHealth] = self._read_health(FeedState(self.state_dir / STATE_FILE))
        self._thread: threading.Thread | None = None

    def close(self) -> None:
        self.fetcher.close()

    def start(self, on_poll: Callable[[PollReport], None]) -> None:
        """Run the polling loop in a daemon thread (how the Telegram bot follows feeds beside answering)."""
        self._thread = threading.Thread(target=self.run, args=(on_poll,), name="feeds", daemon=True)
        self._thread.start()

    def shutdown(self, wait_s: float) -> None:
        """Stop the loop: a poll in progress finishes (its ingest is atomic anyway), the next does not start."""
        self.stop.set()
        if self._thread is not None:
            self._thread.join(wait_s)
            if self._thread.is_alive():
                log.warning("the feed poll in progress did not finish within %.0f s; leaving it", wait_s)
        self.close()

    def health(self) -> list[FeedHealth]:
        with self._health_lock:
            return list(self._health)

    # --- the loop ---------------------------------------------------------------------------------

    def run(self, on_poll: Callable[[PollReport], None]) -> None:
        """Poll every `interval_s` until `self.stop` is set; a poll in progress finishes first."""
        while not self.stop.is_set():
            started = time.monotonic()
            try:
                on_poll(self.poll())
            except Exception:  # a bug must not end the following of feeds in a long-running bot: log it, go on
                log.exception("feed poll failed")
            self.stop.wait(max(0.0, self.settings.interval_s - (time.monotonic() - started)))

    # --- one poll ---------------------------------------------------------------------------------

    def poll(self) -> PollReport:
        """Read every feed once and ingest its new and changed entries. Bad input never raises: it is
        reported in `PollReport.failures` as `url: reason`, and the rest is ingested."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        with self._exclusive():  # `newsbot watch` and a bot on the same index take turns
            state = FeedState(self.state_dir / STATE_FILE)
            report = PollReport(feeds=len(self.settings.urls))
            validators = {url: (state.feed(url).get("etag"), state.feed(url).get("last_modified")) for url in self.settings.urls}
            with ThreadPoolExecutor(self.settings.concurrency, thread_name_prefix="feeds") as pool:
                feeds = list(pool.map(lambda url: self._read_feed(url, *validators[url]), self.settings.urls))
                candidates = self._new_entries(feeds, state, report)
                read = list(pool.map(self._read_entry, candidates))
            done: list[tuple[_Candidate, Article]] = []
            unreadable: list[tuple[_Candidate, Failure]] = []
            entry_failures: dict[str, int] = {}
            page_failed: set[str] = set()  # keys whose page failed transiently: tried again next poll
            for cand, (article, failure, transient) in zip(candidates, read):
                if failure:
                    report.failures.append(failure)
                    entry_failures[cand.feed_url] = entry_failures.get(cand.feed_url, 0) + 1
                if article:
                    done.append((cand, article))
                    if transient:
                        page_failed.add(cand.key)
                elif failure:
                    unreadable.append((cand, failure))
            report.articles = [a for _, a in done]
            accepted = self._ingest(report)
            self._give_up(state, unreadable)
            self._record(state, report, feeds, candidates, done, accepted, entry_failures, page_failed)
            state.save()
            self._set_health(state)
            return report

    @contextmanager
    def _exclusive(self) -> Iterator[None]:
        with file_lock(self.state_dir / "feeds.lock"):
            yield

    def _read_feed(self, url: str, etag: str | None, last_modified: str | None) -> "_FeedRead":
        import feedparser

        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        try:
            got = self.fetcher.get(url, headers)
        except FetchError as e:
            return _FeedRead(url, failure=Failure(url, str(e)))
        if got.not_modified:
            return _FeedRead(url, status="not modified", etag=etag, last_modified=last_modified)
        try:
            # content-location: feedparser resolves relative links against it, as if it had fetched the feed
            parsed = feedparser.parse(got.content, response_headers={
                "content-type": got.headers.get("content-type", "application/xml"), "content-location": got.url})
        except Exception as e:  # feedparser is lenient; should it still fail, it is this feed's problem only
            log.debug("feedparser failed on %s", url, exc_info=True)
            return _FeedRead(url, failure=Failure(url, f"cannot parse the feed ({type(e).__name__})"))
        if not parsed.entries and (parsed.bozo or not parsed.version):
            why = str(parsed.get("bozo_exception") or "no RSS or Atom elements").strip().splitlines()[0][:160]
            return _FeedRead(url, failure=Failure(url, f"not a readable RSS or Atom feed ({why})"))
        if parsed.bozo:
            log.info("%s: feed has errors but is readable (%s)", url, parsed.get("bozo_exception"))
        return _FeedRead(url, status="ok", etag=got.headers.get("etag"), last_modified=got.headers.get("last-modified"),
                         title=(parsed.feed.get("title") or "").strip() or None,
                         entries=list(parsed.entries[: self.settings.max_entries]))

    def _new_entries(self, feeds: list["_FeedRead"], state: FeedState, report: PollReport) -> list[_Candidate]:
        """The entries never read, or changed since they were: only their pages are fetched."""
        out: list[_Candidate] = []
        keys: set[str] = set()
        for f in feeds:
            if f.failure:
                report.failures.append(f.failure)
                continue
            seen = state.feed(f.url)["entries"]
            source = self.settings.outlets.get(f.url) or f.title or urlsplit(f.url).hostname
            for entry in f.entries:
                key = _entry_key(f.url, entry)
                if key is None:
                    report.failures.append(Failure(f.url, "an entry without id, link or title was skipped"))
                    continue
                if key in keys:  # the same story in two of the followed feeds
                    continue
                keys.add(key)
                fingerprint = _fingerprint(entry)
                old = seen.get(key)
                retry = old.get("page_retries", 0) if old else 0
                if old and old.get("hash") == fingerprint and not 0 < retry < MAX_ATTEMPTS:
                    continue
                out.append(_Candidate(page_retry=retry if old and old.get("hash") == fingerprint else 0,
                    feed_url=f.url, key=key, fingerprint=fingerprint, known=old is not None, doc_id=doc_id_for(key),
                    link=(entry.get("link") or "").strip() or None, title=(entry.get("title") or "").strip() or None,
                    published_at=_entry_date(entry), source=source, feed_text=html_fragment_text(_feed_html(entry))))
        return out

    def _read_entry(self, cand: _Candidate) -> tuple[Article | None, Failure | None, bool]:
        """The entry as an article: its page's main text, else the feed's own text for it; and whether
        the page failed in a way worth retrying (a 5xx, a timeout)."""
        if self.stop.is_set():
            return None, Failure(cand.link or cand.feed_url, "stopped before it was read"), False
        text, meta, problem, transient = "", {}, None, False
        if cand.link:
            try:
                page = self.fetcher.get(cand.link)
                if not is_html(page):
                    problem = f"not an HTML page ({page.content_type or 'no Content-Type'})"
                else:
                    charset = re.search(r"charset=([^;\s]+)", page.headers.get("content-type", ""), re.I)
                    text, meta = html_article(decode_html(page.content, charset.group(1) if charset else None))
                    text = clean_text(text)
                    if not re.search(r"\w", text):
                        problem = "no article text on the page"
            except (FetchError, MissingDependency) as e:
                problem, transient = str(e), getattr(e, "transient", False)
            except Exception as e:  # a page that breaks the extractor is that entry's problem only
                log.debug("reading %s failed", cand.link, exc_info=True)
                problem = f"cannot extract the text ({type(e).__name__})"
        feed_text = clean_text(cand.feed_text)
        # A teaser page ("subscribe to read") loses to the feed's full content:encoded.
        if problem or len(feed_text) > 2 * len(text):
            if not re.search(r"\w", feed_text):
                why = f"{problem}; " if problem else ""
                return None, Failure(cand.link or cand.feed_url, f"{why}the feed has no text for it either"), transient
            text = feed_text
        failure = Failure(cand.link or cand.feed_url, f"{problem}; used the feed's own text") if problem else None
        published = cand.published_at or (str(meta["published_at"]) if meta.get("published_at") else None)
        return Article(doc_id=cand.doc_id, text=text, origin=cand.link or cand.feed_url,
                       title=cand.title or meta.get("title"), source=cand.source, url=cand.link,
                       published_at=published), failure, transient

    def _ingest(self, report: PollReport) -> set[str]:
        """doc_ids the index accepted; rejections and a failed ingest become failures."""
        if not report.articles:
            return set()
        try:
            result = self.ingest(report.articles)
        except Exception as e:  # e.g. an index built with other settings: nothing is marked read
            log.warning("feed ingest failed", exc_info=True)
            report.failures.append(Failure(str(self.state_dir), f"ingest failed: {str(e).splitlines()[0] if str(e) else type(e).__name__}"))
            return set()
        rejected = {r.origin for r in getattr(result, "rejected", [])}
        report.failures += [Failure(r.origin, r.reason) for r in getattr(result, "rejected", [])]
        report.ingest_summary = result.summary() if hasattr(result, "summary") else None
        return {a.doc_id for a in report.articles if a.origin not in rejected}

    def _give_up(self, state: FeedState, unreadable: list[tuple[_Candidate, Failure]]) -> None:
        """An entry that yields no article is tried again on the next polls, MAX_ATTEMPTS in all (unless it
        changes); then it is recorded as read, so that its page stops being fetched and its feed's
        conditional GET resumes."""
        for cand, failure in unreadable:
            st = state.feed(cand.feed_url)
            tries = st.setdefault("failing", {})
            prev = tries.get(cand.key) or {}
            attempts = prev.get("attempts", 0) + 1 if prev.get("hash") == cand.fingerprint else 1
            if attempts >= MAX_ATTEMPTS:
                tries.pop(cand.key, None)
                st["entries"][cand.key] = {"hash": cand.fingerprint, "doc_id": None, "read": _now(), "gave_up": failure.reason}
                failure.reason += f"; gave up after {attempts} attempts"
            else:
                tries[cand.key] = {"hash": cand.fingerprint, "attempts": attempts}

    def _record(self, state: FeedState, report: PollReport, feeds: list["_FeedRead"], candidates: list[_Candidate],
                done: list[tuple[_Candidate, Article]], accepted: set[str], entry_failures: dict[str, int],
                page_failed: set[str]) -> None:
        """Remember what was read. A feed whose entries were not all ingested, or whose page of an entry
        failed transiently (the feed's text stands in for it meanwhile), keeps its old validators, so the
        next poll reads it in full again and retries those (the others are skipped by their hash)."""
        now = _now()
        for cand, article in done:
            if article.doc_id not in accepted:
                continue
            st = state.feed(cand.feed_url)
            st["entries"].pop(cand.key, None)  # re-inserted last: the oldest are pruned first
            st["entries"][cand.key] = {"hash": cand.fingerprint, "doc_id": cand.doc_id, "read": now}
            if cand.key in page_failed:
                st["entries"][cand.key]["page_retries"] = cand.page_retry + 1
            st.get("failing", {}).pop(cand.key, None)
            if cand.page_retry and cand.key in page_failed:
                continue  # the page failed again: the same feed text as before, nothing new
            st["ingested"] = st.get("ingested", 0) + (not cand.page_retry)
            report.new += not cand.known
            report.updated += cand.known
        settled = {c.key for c, a in done if a.doc_id in accepted}
        settled |= {c.key for c in candidates if c.key in state.feed(c.feed_url)["entries"]
                    and state.feed(c.feed_url)["entries"][c.key]["hash"] == c.fingerprint}  # incl. given up
        incomplete = {c.feed_url for c in candidates if c.key not in settled}
        incomplete |= {url for url, st in state.data["feeds"].items()
                       if any(0 < e.get("page_retries", 0) < MAX_ATTEMPTS for e in st["entries"].values())}
        for f in feeds:
            st = state.feed(f.url)
            st["last_poll"] = now
            if f.failure:
                st.update(status=f.failure.reason, ok=False)
                continue
            st["title"] = f.title or st.get("title")
            if f.url not in incomplete:
                st["etag"], st["last_modified"] = f.etag, f.last_modified
            bad = entry_failures.get(f.url, 0) + (f.url in incomplete and not entry_failures.get(f.url))
            st.update(status=f"{f.status}, {bad} entries failed" if bad else f.status, ok=not bad)
            entries = st["entries"]
            for key in list(entries)[: max(0, len(entries) - ENTRIES_KEPT)]:
                del entries[key]
            failing = st.get("failing", {})
            for key in list(failing)[: max(0, len(failing) - ENTRIES_KEPT)]:
                del failing[key]

    def _read_health(self, state: FeedState) -> list[FeedHealth]:
        out = []
        for url in self.settings.urls:
            st = state.data["feeds"].get(url) or {}
            out.append(FeedHealth(url, st.get("title"), st.get("last_poll"), st.get("status", "not polled yet"),
                                  bool(st.get("ok", True)), int(st.get("ingested", 0))))
        return out

    def _set_health(self, state: FeedState) -> None:
        health = self._read_health(state)
        with self._health_lock:
            self._health = health


@dataclass
class _FeedRead:
    url: str
    status: str = ""
    etag: str | None = None
    last_modified: str | None = None
    title: str | None = None
    entries: list = field(default_factory=list)
    failure: Failure | None = None
