"""Telegram HTML for answers and sources, and splitting long HTML into messages Telegram accepts.

Every piece of article or user text goes through `html.escape`; the only markup is the tags written
here, all from Telegram's allowed set (https://core.telegram.org/bots/api#html-style).
"""

from __future__ import annotations

import re
from datetime import datetime
from html import escape

from typing import TYPE_CHECKING

from bot.answer import Answer, Citation

if TYPE_CHECKING:
    from index.feeds import FeedHealth
    from bot.service import CorpusStats

MAX_MESSAGE = 4096  # Telegram's limit for one message's text
MAX_URL = 1000  # a longer href is shown unlinked rather than risk one unsplittable tag


def esc(text: object) -> str:
    return escape(str(text), quote=True)


def format_date(published_at: str | None) -> str | None:
    """'2025-02-02T10:00:00Z' → '2 Feb 2025'; anything unparsable is shown as given."""
    if not published_at:
        return None
    try:
        d = datetime.fromisoformat(published_at.strip().replace("Z", "+00:00"))
    except ValueError:
        return published_at.strip()
    return f"{d.day} {d:%b %Y}"


def source_label(c: Citation) -> str:
    """`Outlet — Title`, with the doc id standing in for whichever is unknown (plain text)."""
    if c.source and c.title:
        return f"{c.source} — {c.title}"
    if c.source or c.title:
        return f"{c.source or c.title} — {c.doc_id}"
    return c.doc_id


def _linkable(url: str | None) -> bool:
    return bool(url and len(url) <= MAX_URL and re.match(r"https?://\S+$", url, re.I))


def _linked(text: str, url: str | None) -> str:
    if _linkable(url):
        return f'<a href="{esc(url)}">{esc(text)}</a>'
    return esc(text)


def source_line(c: Citation, disputed: "list[int] | tuple[int, ...]" = ()) -> str:
    """`n. Outlet — Title (date)`, linked when a url is known; marked when it gives a differing account."""
    date = format_date(c.published_at)
    return (f"{c.n}. {_linked(source_label(c), c.url)}" + (f" ({esc(date)})" if date else "")
            + (" — <i>differs</i>" if c.n in disputed else ""))


def format_answer(answer: Answer) -> str:
    """The reply to a question: answer with its [n] markers, notes, then the numbered sources."""
    if answer.refused:
        parts = ["The articles I have do not cover this, so I won't guess."]
        if answer.note:
            parts.append(f"<i>Why: {esc(answer.note)}</i>")
        return "\n\n".join(parts)
    parts = [esc(answer.answer.strip()) or "(empty answer)"]
    if answer.corroboration:
        parts.append(f"<i>{esc(answer.corroboration)}</i>")
    if answer.note:
        parts.append(f"<i>Note: {esc(answer.note)}</i>")
    if answer.citations:
        parts.append("<b>Sources</b>\n" + "\n".join(source_line(c, answer.disputed) for c in answer.citations))
    return "\n\n".join(parts)


def format_sources(answer: Answer) -> str:
    """Full sources of one answer: each citation with doc id and its verbatim quote."""
    question = answer.question if len(answer.question) <= 200 else answer.question[:200] + "…"
    if not answer.citations:
        return f"No sources: the answer to <i>{esc(question)}</i> cites no article."
    blocks = [f"<b>Sources for</b> <i>{esc(question)}</i>"]
    for c in answer.citations:
        lines = [f"<b>{source_line(c, answer.disputed)}</b>"]
        if c.url and not _linkable(c.url):
            lines.append(esc(c.url))
        if c.source and c.title:  # otherwise the label already shows the doc id
            lines.append(f"<code>{esc(c.doc_id)}</code>")
        lines.append(f"<blockquote expandable>{esc(c.quote.strip())}</blockquote>")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def format_corpus(stats: "CorpusStats") -> str:
    """One sentence on what the corpus covers, for /start and /stats."""
    n = stats.articles
    text = f"<b>{n}</b> article{'s' if n != 1 else ''}"
    if stats.outlets:
        shown = ", ".join(esc(o) for o in stats.outlets[:8])
        more = f" and {len(stats.outlets) - 8} more" if len(stats.outlets) > 8 else ""
        text += f" from {len(stats.outlets)} outlet{'s' if len(stats.outlets) != 1 else ''} ({shown}{more})"
    first, last = format_date(stats.first_published), format_date(stats.last_published)
    if first and last:
        text += f", published {esc(first)} – {esc(last)}" if first != last else f", published {esc(first)}"
    else:
        text += " (publication dates not stated)"
    return text


# --- splitting ---------------------------------------------------------------------------------

_ATOM = re.compile(r"<[^>]*>|&#?\w+;|[\s\S]")  # one tag, one entity or one character
_TAG = re.compile(r"<(/?)([a-zA-Z][\w-]*)")
_PARA, _LINE, _SENTENCE, _WORD = 3, 2, 1, 0


def format_feed_health(feeds: "list[FeedHealth]") -> str:
    """/stats lines on the followed feeds: per feed its last poll, its status and what it brought."""
    lines = [f"<b>Feeds</b>: {len(feeds)} followed"]
    for f in feeds:
        when = f.last_poll.replace("T", " ").replace("+00:00", " UTC") if f.last_poll else "never"
        mark = "✅" if f.ok else "⚠️"
        lines.append(f"{mark} {esc(f.title or f.url)} – last poll {esc(when)}: {esc(f.status)}; "
                     f"{f.ingested} entries ingested")
    return "\n".join(lines)


def utf16_len(text: str) -> int:
    """Telegram counts message length in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def html_to_plain(html: str) -> str:
    """What the user sees of an HTML message: tags dropped, entities decoded."""
    from html import unescape

    return unescape(re.sub(r"<[^>]*>", "", html))


def split_html(html: str, limit: int = MAX_MESSAGE) -> list[str]:
    """Split into parts of at most `limit` UTF-16 units, each valid HTML on its own.

    Cuts prefer a paragraph break, then a line break, a sentence end, a space, and only then any
    character; never inside a tag or an entity. Tags open at a cut are closed at the end of the part
    and reopened at the start of the next one.
    """
    if utf16_len(html) <= limit:
        return [html]
    atoms = _ATOM.findall(html)
    sizes = [utf16_len(a) for a in atoms]
    parts: list[str] = []
    i, stack = 0, []  # stack: (tag name, opening tag) still open where this part starts
    while i < len(atoms):
        prefix = "".join(tag for _, tag in stack)
        cur = list(stack)
        used = utf16_len(prefix)
        closing = sum(len(name) + 3 for name, _ in cur)
        visible = 0
        best: dict[int, tuple[int, list]] = {}
        hard: tuple[int, list] | None = None
        j = i
        while j < len(atoms):
            atom, m = atoms[j], _TAG.match(atoms[j])
            new_closing = closing
            if m:
                new_closing += -(len(m.group(2)) + 3) if m.group(1) else len(m.group(2)) + 3
            if used + sizes[j] + new_closing > limit:
                break
            used += sizes[j]
            closing = new_closing
            if m and m.group(1):
                if cur and cur[-1][0] == m.group(2).lower():
                    cur.pop()
            elif m:
                cur.append((m.group(2).lower(), atom))
            else:
                visible += not atom.isspace()
            j += 1
            if not visible:
                continue
            hard = (j, list(cur))
            prev = atoms[j - 2] if j - 2 >= i else ""
            if atom == "\n":
                best[_PARA if prev == "\n" else _LINE] = (j, list(cur))
            elif atom.isspace():
                best[_SENTENCE if prev in (".", "!", "?", "…") else _WORD] = (j, list(cur))
        if j == len(atoms):
            parts.append(prefix + "".join(atoms[i:]))
            break
        if hard is None:  # a single tag longer than the limit: drop it rather than loop forever
            i += 1
            continue
        cut, after = best[max(best)] if best else hard
        body = "".join(atoms[i:cut]).rstrip()
        parts.append(prefix + body + "".join(f"</{name}>" for name, _ in reversed(after)))
        i, stack = cut, after
        # The next part starts at its first word; tags that close right at the cut are not reopened.
        while i < len(atoms):
            m = _TAG.match(atoms[i])
            if atoms[i].isspace():
                i += 1
            elif m and m.group(1) and stack and stack[-1][0] == m.group(2).lower():
                stack = stack[:-1]
                i += 1
            else:
                break
    return [p for p in parts if html_to_plain(p).strip()]
