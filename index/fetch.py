"""Polite HTTP for feeds and article pages: conditional GET, a size cap, retries on 429/5xx, charsets.

httpx does the HTTP; this module adds what a feed reader owes the sites it polls and what a page in the
wild needs: a body is streamed and reading stops at the size cap; a 429 or 5xx is retried after the
server's Retry-After (or a short backoff), never longer than `max_retry_after_s`; a page's charset comes
from the header, the BOM or the <meta> tag, else from charset_normalizer's detection.
"""

from __future__ import annotations

import codecs
import logging
import re
import threading
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

import httpx

from index.config import FeedSettings

log = logging.getLogger(__name__)

RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
HTML_TYPES = ("text/html", "application/xhtml+xml")
_LATIN_CODEPAGES = frozenset({
    "cp1250", "cp1252", "cp1254", "cp1257", "cp1258", "latin_1", "iso8859_2", "iso8859_3", "iso8859_4", "iso8859_9",
    "iso8859_10", "iso8859_13", "iso8859_14", "iso8859_15", "iso8859_16", "cp437", "cp775", "cp850", "cp858",
    "mac_latin2", "mac_roman", "mac_iceland", "hp_roman8"})
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.I)


class FetchError(Exception):
    """A URL that could not be read; the message is the one-line reason shown as `url: reason`.
    `transient`: the server or the network may well answer next time (429, 5xx, timeout, no connection)."""

    def __init__(self, reason: str, transient: bool = False) -> None:
        super().__init__(reason)
        self.transient = transient


@dataclass
class Fetched:
    url: str  # after redirects
    status: int
    headers: httpx.Headers
    content: bytes

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()


class Fetcher:
    """One httpx client shared by the threads of a poll (httpx.Client is thread-safe); `stop` cuts
    retry waits short when the program is asked to stop."""

    def __init__(self, settings: FeedSettings, stop: threading.Event | None = None) -> None:
        self.settings = settings
        self.stop = stop or threading.Event()
        self.max_bytes = int(settings.max_page_mb * 1e6)
        limits = httpx.Limits(max_connections=settings.concurrency, max_keepalive_connections=settings.concurrency)
        self.client = httpx.Client(timeout=settings.timeout_s, follow_redirects=True, limits=limits,
                                   headers={"User-Agent": settings.user_agent})

    def close(self) -> None:
        self.client.close()

    def get(self, url: str, headers: dict[str, str] | None = None) -> Fetched:
        """GET `url`; a 304 comes back as it is (empty body); any other answer but 2xx raises FetchError."""
        attempts = self.settings.retries + 1
        for attempt in range(attempts):
            try:
                with self.client.stream("GET", url, headers=headers) as r:
                    if r.status_code in RETRY_STATUS:
                        delay = self._retry_delay(r, attempt)
                        if delay is None or attempt == attempts - 1:
                            raise FetchError(_status_reason(r, attempts), transient=True)
                    else:
                        if r.status_code == 304:
                            return Fetched(str(r.url), 304, r.headers, b"")
                        if r.status_code >= 300:
                            raise FetchError(_status_reason(r))
                        return Fetched(str(r.url), r.status_code, r.headers, self._read_capped(r))
            except httpx.TimeoutException:
                raise FetchError(f"timed out after {self.settings.timeout_s:g} s", transient=True) from None
            except httpx.TooManyRedirects:
                raise FetchError("too many redirects") from None
            except httpx.HTTPError as e:
                transient = isinstance(e, httpx.TransportError) and not isinstance(e, httpx.UnsupportedProtocol)
                raise FetchError(f"cannot fetch ({type(e).__name__}: {str(e)[:200] or 'no detail'})", transient) from None
            log.info("%s: HTTP %d, retrying in %.1f s", url, r.status_code, delay)
            if self.stop.wait(delay):
                raise FetchError("stopped before a retry", transient=True)
        raise AssertionError("unreachable")

    def _retry_delay(self, r: httpx.Response, attempt: int) -> float | None:
        """Seconds to wait before retrying, or None when the server asks for longer than we wait."""
        cap = self.settings.max_retry_after_s
        value = r.headers.get("retry-after", "").strip()
        delay = None
        if value.isdigit():
            delay = float(value)
        elif value:
            try:
                delay = max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
            except (TypeError, ValueError, IndexError):
                delay = None
        if delay is None:
            delay = min(cap, 1.0 * 2 ** attempt)  # no (usable) Retry-After: short exponential backoff
        return delay if delay <= cap else None

    def _read_capped(self, r: httpx.Response) -> bytes:
        limit = f"over the {self.settings.max_page_mb:g} MB limit"
        length = r.headers.get("content-length", "")
        if length.isdigit() and int(length) > self.max_bytes:
            raise FetchError(f"{int(length) / 1e6:.1f} MB, {limit}")
        body = bytearray()
        for chunk in r.iter_bytes():  # decompressed bytes: the cap holds for gzip bombs too
            body += chunk
            if len(body) > self.max_bytes:
                raise FetchError(f"{limit} (stopped reading)")
        return bytes(body)


def _status_reason(r: httpx.Response, attempts: int = 1) -> str:
    reason = f"HTTP {r.status_code}" + (f" {r.reason_phrase}" if r.reason_phrase else "")
    if r.status_code in RETRY_STATUS:
        after = r.headers.get("retry-after")
        reason += f" (Retry-After {after})" if after else ""
        reason += f" after {attempts} attempts" if attempts > 1 else ""
    return reason


def is_html(page: Fetched) -> bool:
    if page.content_type:
        return page.content_type in HTML_TYPES
    return page.content.lstrip()[:1] == b"<"  # no Content-Type: sniff as browsers do


def _codec(label: str | None) -> str | None:
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().strip("\"'")).name
    except LookupError:
        return None
    # As browsers do (WHATWG Encoding): a page labelled latin-1 or ASCII is read as windows-1252, its superset.
    return "cp1252" if name in ("iso8859-1", "latin-1", "ascii") else name


def decode_html(content: bytes, header_charset: str | None) -> str:
    """A page's text: the declared charset (header, BOM, <meta>) when it decodes, else UTF-8, else the
    charset charset_normalizer detects, else windows-1252 (every byte maps to a character)."""
    if content.startswith(codecs.BOM_UTF8):
        return content[len(codecs.BOM_UTF8):].decode("utf-8", errors="replace")
    meta = _META_CHARSET.search(content[:4096])
    declared = [_codec(header_charset), _codec(meta.group(1).decode("ascii", "ignore") if meta else None)]
    for codec in [*dict.fromkeys(c for c in declared if c), "utf-8"]:
        try:
            return content.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
    from charset_normalizer import from_bytes  # an httpx dependency

    best = from_bytes(content).best()
    if best is None or best.encoding in _LATIN_CODEPAGES:
        # From a page's worth of text no detector tells the Latin code pages apart (charset_normalizer
        # reads French latin-1 as cp1250: "à" -> "ŕ"); undeclared legacy pages are windows-1252 in
        # browsers, so read them so. Other scripts (cp1251, Shift_JIS, GB18030...) keep their detection.
        return content.decode("cp1252", errors="replace")
    return str(best)
