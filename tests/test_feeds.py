"""Feeds end to end: `newsbot watch` against a news site on 127.0.0.1 (tests/feed_site.py).

The site serves RSS 2.0, RSS 1.0/RDF and Atom feeds and article pages with page furniture, a 404, a
latin-1 page, a 429 then success, a huge page, a PDF, a malformed feed and an unreachable one. The real
CLI (`bot.cli.main`) polls it into a real index (real embedder, real FAISS).
"""

from __future__ import annotations

import socket
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bot.cli import main  # noqa: E402
from conftest import make_settings, write_config  # noqa: E402
from feed_site import FeedSite  # noqa: E402

FURNITURE = ("Most read", "Celebrity chef", "Subscribe to our newsletter", "All rights reserved", "Cookie policy")


def page(title: str, *paragraphs: str, charset: str | None = "utf-8") -> str:
    meta = f'<meta charset="{charset}">' if charset else ""
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html><html><head>{meta}<title>{title} | Harbour Times</title></head><body>
<header><nav><a href="/">Home</a> | <a href="/world">World</a> | <a href="/sport">Sport</a></nav></header>
<aside class="sidebar"><h3>Most read</h3><ul><li><a href="/x1">Celebrity chef opens a new restaurant</a></li>
<li><a href="/x2">Ten things to do this weekend</a></li></ul></aside>
<main><article><h1>{title}</h1>
{body}
</article></main>
<div class="newsletter"><p>Subscribe to our newsletter for the latest news from the harbour.</p></div>
<footer><p>© 2026 Harbour Times. All rights reserved. Cookie policy. Privacy.</p></footer>
</body></html>"""


def rss(title: str, items: list[dict]) -> str:
    out = []
    for it in items:
        extra = f"<description>{it['summary']}</description>" if it.get("summary") else ""
        extra += f"<content:encoded><![CDATA[{it['content']}]]></content:encoded>" if it.get("content") else ""
        guid = it.get("guid", it["link"])
        perma = "true" if guid == it["link"] else "false"
        out.append(f"<item><title>{it['title']}</title><link>{it['link']}</link>"
                   f"<guid isPermaLink=\"{perma}\">{guid}</guid><pubDate>{it['date']}</pubDate>{extra}</item>")
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
            f"<channel><title>{title}</title><link>http://127.0.0.1/</link><description>news</description>"
            + "".join(out) + "</channel></rss>")


LIGHTHOUSE = ("The Varnholm lighthouse reopened on Tuesday after a two-year restoration costing 4.2 million kroner, "
              "harbour master Ingrid Solberg said.")
FERRY = "Ferry crews on the Skarvik route began a 48-hour strike on Wednesday over pay, the Skarvik Seafarers Union said."
CAFE = "The Café Brännvin in Tromsø won the national bakery award for its cardamom buns, the judges said on Thursday."
BRIDGE = "The town council voted 7 to 2 to build a pedestrian bridge over the Lysaker canal, mayor Odd Haugen announced."
FROST = ("A late frost destroyed about a third of the apple blossom in the Hardanger orchards, "
         "the growers' cooperative Fruktlaget said.")
SOLAR = ("The first solar-powered ferry on the fjord, the MS Solvinden, completed its maiden crossing on Sunday "
         "carrying 140 passengers.")
FILLER = ("Residents gathered along the quay to watch, and local businesses said they expected more visitors "
          "in the coming months as a result.")


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def site():
    with FeedSite() as s:
        yield s


def build_site(site: FeedSite) -> dict[str, str]:
    """Every kind of feed and page; returns the feed URLs by name."""
    u = site.url
    site.put("/news/lighthouse.html", page("Varnholm lighthouse reopens", LIGHTHOUSE, FILLER,
                                           "The light will be switched on every evening from November."))
    site.put("/news/cafe.html", page("Café wins bakery award", CAFE, FILLER, charset=None).encode("latin-1"),
             content_type="text/html; charset=ISO-8859-1")
    site.put("/news/bridge.html", page("Council backs canal bridge", BRIDGE, FILLER))
    site.script("/news/bridge.html", (429, {"Retry-After": "1"}))
    feeds = {
        "rss": site.put("/rss.xml", rss("Harbour Times", [
            {"title": "Varnholm lighthouse reopens", "link": u("/news/lighthouse.html"), "date": "Tue, 18 Nov 2026 09:15:00 GMT",
             "content": "<p>The lighthouse is open again.</p>"},
            {"title": "Ferry crews strike", "link": u("/news/ferry.html"), "date": "Wed, 19 Nov 2026 07:00:00 GMT",
             "summary": f"<p>{FERRY}</p>"},
            {"title": "Café wins bakery award", "link": u("/news/cafe.html"), "date": "Thu, 20 Nov 2026 16:40:00 GMT"},
            {"title": "Council backs canal bridge", "link": u("/news/bridge.html"), "date": "Thu, 20 Nov 2026 18:00:00 GMT"},
        ]), content_type="application/rss+xml", etag=True),
    }
    site.put("/wire/frost.html", page("Frost hits orchards", FROST, FILLER))
    feeds["rdf"] = site.put("/rdf.xml", f"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
         xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="{u('/rdf.xml')}"><title>wire-feed-7</title><link>{u('/')}</link><description>wire</description>
    <items><rdf:Seq><rdf:li rdf:resource="{u('/wire/frost.html')}"/></rdf:Seq></items></channel>
  <item rdf:about="{u('/wire/frost.html')}"><title>Frost hits orchards</title><link>{u('/wire/frost.html')}</link>
    <dc:date>2026-11-20T08:30:00Z</dc:date></item>
</rdf:RDF>""", content_type="application/rdf+xml", etag=True)
    site.put("/blog/solar-ferry", page("Solar ferry crosses the fjord", SOLAR, FILLER))
    feeds["atom"] = site.put("/atom.xml", f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Fjord Notes</title><id>urn:uuid:fjord-notes</id>
  <updated>2026-11-19T12:00:00Z</updated>
  <entry><title>Solar ferry crosses the fjord</title><id>urn:uuid:0b1c2d3e-solar</id>
    <link href="/blog/solar-ferry"/><updated>2026-11-19T12:00:00Z</updated>
    <summary>The solar ferry made its first trip.</summary></entry>
</feed>""", content_type="application/atom+xml", last_modified=time.time() - 3600)
    site.put("/odd/huge.html", b"<html><body>" + b"<p>" + b"spam " * 60_000 + b"</p></body></html>", chunked=True)
    site.put("/odd/report.pdf", b"%PDF-1.4 not a page", content_type="application/pdf")
    feeds["odd"] = site.put("/odd.xml", rss("Odd Feed", [
        {"title": "Huge page", "link": u("/odd/huge.html"), "date": "Fri, 21 Nov 2026 10:00:00 GMT"},
        {"title": "A PDF", "link": u("/odd/report.pdf"), "date": "Fri, 21 Nov 2026 11:00:00 GMT"},
    ]), content_type="application/rss+xml", etag=True)
    feeds["broken"] = site.put("/broken.xml", '<?xml version="1.0"?><rss version="2.0"><channel><title>Broken</title></chan',
                               content_type="application/rss+xml")
    feeds["down"] = f"http://127.0.0.1:{_closed_port()}/feed.xml"
    return feeds


def watch_config(tmp_path: Path, feeds: list[str], **extra: object) -> Path:
    section = {"urls": feeds, "interval_s": 1, "max_page_mb": 0.1, "timeout_s": 5, **extra}
    return write_config(tmp_path / "config.yaml", tmp_path / "index", feeds=section)


def watch(capsys, config: Path, *args: str) -> tuple[int, list[str], str]:
    code = main(["--config", str(config), "watch", "--once", *args])
    out, err = capsys.readouterr()
    return code, out.splitlines(), err


def docs_by_url(tmp_path: Path):
    from bot.service import Newsbot

    bot = Newsbot(make_settings(tmp_path / "index"), llm=None)
    return bot, {r.metadata["url"]: (d, r) for d, r in bot.corpus.docs.items()}


def test_watch_once_ingests_every_feed_kind_and_reports_each_failure(site, tmp_path, capsys):
    feeds = build_site(site)
    config = watch_config(tmp_path, list(feeds.values()), outlets={feeds["rdf"]: "Valley Wire"})

    code, lines, err = watch(capsys, config)

    assert code == 1, (lines, err)
    assert lines[0] == "6 feeds, 6 new, 0 updated, 5 failed", lines
    failures = "\n".join(lines[1:])
    assert len(lines) == 6
    assert f"{site.url('/news/ferry.html')}: HTTP 404 Not Found; used the feed's own text" in failures
    assert f"{site.url('/odd/huge.html')}: over the 0.1 MB limit (stopped reading)" in failures
    assert f"{site.url('/odd/report.pdf')}: not an HTML page (application/pdf)" in failures
    assert f"{feeds['broken']}: not a readable RSS or Atom feed" in failures
    assert f"{feeds['down']}: cannot fetch (ConnectError" in failures

    bot, by_url = docs_by_url(tmp_path)
    assert len(by_url) == 6
    texts = bot.corpus.texts

    doc, rec = by_url[site.url("/news/lighthouse.html")]
    assert rec.metadata["title"] == "Varnholm lighthouse reopens" and rec.metadata["source"] == "Harbour Times"
    assert rec.metadata["published_at"] == "2026-11-18T09:15:00+00:00"
    assert LIGHTHOUSE in texts[doc] and FILLER in texts[doc]  # the page, not the feed's one-line teaser
    assert not any(f in texts[doc] for f in FURNITURE), texts[doc]
    assert doc.endswith("-lighthouse") and doc.replace("-", "").isalnum()

    doc, rec = by_url[site.url("/news/ferry.html")]
    assert texts[doc] == FERRY and rec.metadata["title"] == "Ferry crews strike"  # 404: the feed's summary

    doc, _ = by_url[site.url("/news/cafe.html")]
    assert CAFE in texts[doc]  # latin-1 page, decoded

    doc, _ = by_url[site.url("/news/bridge.html")]
    assert BRIDGE in texts[doc]  # after the 429 was waited out
    assert [r.status for r in site.hits("/news/bridge.html")] == [429, 200]

    doc, rec = by_url[site.url("/wire/frost.html")]
    assert rec.metadata["source"] == "Valley Wire" and rec.metadata["published_at"] == "2026-11-20T08:30:00+00:00"
    assert FROST in texts[doc]

    doc, rec = by_url[site.url("/blog/solar-ferry")]  # a relative Atom link, resolved against the feed
    assert rec.metadata["source"] == "Fjord Notes" and rec.metadata["published_at"] == "2026-11-19T12:00:00+00:00"
    assert rec.metadata["title"] == "Solar ferry crosses the fjord" and SOLAR in texts[doc]

    answer = bot.ask("Who said the Varnholm lighthouse reopened?")
    assert not answer.refused and "Ingrid Solberg" in answer.answer
    assert answer.citations[0].url == site.url("/news/lighthouse.html")
    assert answer.citations[0].source == "Harbour Times"

    # A second run (a restart: state comes from feeds.json) asks conditionally and reads no page again.
    pages = {p: len(site.hits(p)) for p in ("/news/lighthouse.html", "/news/cafe.html", "/news/bridge.html",
                                            "/news/ferry.html", "/wire/frost.html", "/blog/solar-ferry")}
    code, lines, err = watch(capsys, config)
    assert code == 1 and lines[0] == "6 feeds, 0 new, 0 updated, 4 failed", lines
    assert "ferry.html" not in "\n".join(lines)  # read once, from the feed; not retried
    for path in ("/rss.xml", "/rdf.xml"):
        last = site.hits(path)[-1]
        assert last.headers.get("if-none-match") and last.status == 304
    last = site.hits("/atom.xml")[-1]
    assert last.headers.get("if-modified-since") and last.status == 304
    assert {p: len(site.hits(p)) for p in pages} == pages
    # The feed with unreadable entries is read in full again, to retry them.
    assert "if-none-match" not in site.hits("/odd.xml")[-1].headers
    assert all(r.headers.get("user-agent", "").startswith("newsbot/") for r in site.requests)

    # An unreadable entry is tried on three polls in all, then left alone; its feed is then asked conditionally.
    code, lines, err = watch(capsys, config)
    assert lines[0] == "6 feeds, 0 new, 0 updated, 4 failed" and "odd/huge.html: over the 0.1 MB limit (stopped " \
        "reading); the feed has no text for it either; gave up after 3 attempts" in "\n".join(lines), lines
    huge = len(site.hits("/odd/huge.html"))
    code, lines, err = watch(capsys, config)
    assert lines[0] == "6 feeds, 0 new, 0 updated, 2 failed", lines
    assert len(site.hits("/odd/huge.html")) == huge and site.hits("/odd.xml")[-1].status == 304


def test_an_updated_entry_replaces_its_old_text_and_unchanged_pages_are_not_fetched_again(site, tmp_path, capsys):
    u = site.url
    first = {"title": "Crane count at the port", "link": u("/live/cranes.html"), "guid": "live-1",
             "date": "Fri, 21 Nov 2026 08:00:00 GMT", "summary": "Cranes."}
    old = "The port of Brekkvik now operates 12 container cranes, port director Siri Lunde said."
    new = "The port of Brekkvik now operates 14 container cranes after two arrived from Rotterdam, port director Siri Lunde said."
    site.put("/live/cranes.html", page("Crane count at the port", old, FILLER))
    feed = site.put("/live.xml", rss("Brekkvik Port News", [first]), content_type="application/rss+xml", etag=True)
    config = watch_config(tmp_path, [feed])

    assert watch(capsys, config)[:2] == (0, ["1 feeds, 1 new, 0 updated, 0 failed"])

    second = {"title": "Tug boat named", "link": u("/live/tug.html"), "guid": "live-2",
              "date": "Fri, 21 Nov 2026 09:00:00 GMT"}
    site.put("/live/tug.html", page("Tug boat named", "The harbour's new tug boat was named Bjørnar by pupils of Brekkvik school.", FILLER))
    site.put("/live.xml", rss("Brekkvik Port News", [second, first]), content_type="application/rss+xml", etag=True)
    assert watch(capsys, config)[:2] == (0, ["1 feeds, 1 new, 0 updated, 0 failed"])
    assert len(site.hits("/live/cranes.html")) == 1  # unchanged entry: its page is not fetched again

    site.put("/live/cranes.html", page("Crane count at the port", new, FILLER))
    corrected = {**first, "date": "Fri, 21 Nov 2026 12:00:00 GMT", "summary": "Cranes (corrected)."}
    site.put("/live.xml", rss("Brekkvik Port News", [second, corrected]), content_type="application/rss+xml", etag=True)
    assert watch(capsys, config)[:2] == (0, ["1 feeds, 0 new, 1 updated, 0 failed"])

    bot, by_url = docs_by_url(tmp_path)
    doc, rec = by_url[u("/live/cranes.html")]
    assert len(by_url) == 2 and rec.metadata["published_at"] == "2026-11-21T12:00:00+00:00"
    assert new in bot.corpus.texts[doc]
    assert not any("12 container cranes" in t for t in bot.corpus.texts.values())
    answer = bot.ask("How many container cranes does the port of Brekkvik operate?")
    assert "14 container cranes" in answer.answer and "12 container cranes" not in answer.answer
    assert all("12 container" not in c.quote for c in answer.citations)


def test_watch_without_feeds_is_a_usage_error(tmp_path, capsys):
    config = write_config(tmp_path / "config.yaml", tmp_path / "index")
    code = main(["--config", str(config), "watch", "--once"])
    _, err = capsys.readouterr()
    assert code == 2 and err.strip() == ("newsbot: error: no feeds to watch: list them under feeds: urls: in the "
                                         "config (see README, Live news)")


def test_a_bad_feed_url_in_the_config_is_named(tmp_path, capsys):
    config = watch_config(tmp_path, ["ftp://example.org/feed"])
    code = main(["--config", str(config), "watch", "--once"])
    _, err = capsys.readouterr()
    assert code == 2 and "feeds.urls" in err and "not an http(s) URL" in err and len(err.strip().splitlines()) == 1


def test_watch_polls_every_interval_and_stops_cleanly_on_sigterm(site, tmp_path):
    import os
    import signal
    import subprocess

    from conftest import REPO

    site.put("/odd/report.pdf", b"%PDF-1.4", content_type="application/pdf")
    feed = site.put("/odd.xml", rss("Odd Feed", [{"title": "A PDF", "link": site.url("/odd/report.pdf"),
                                                  "date": "Fri, 21 Nov 2026 11:00:00 GMT"}]),
                    content_type="application/rss+xml", etag=True)
    config = watch_config(tmp_path, [feed], interval_s=0.3)
    proc = subprocess.Popen([str(REPO / ".venv/bin/newsbot"), "--config", str(config), "watch"], cwd=REPO,
                            env={**os.environ, "PYTHONPATH": str(REPO)}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 20
        while len(site.hits("/odd.xml")) < 4 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(site.hits("/odd.xml")) >= 4
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    lines = out.splitlines()
    pdf = f"{site.url('/odd/report.pdf')}: not an HTML page (application/pdf); the feed has no text for it either"
    assert [l[20:] for l in lines[0:6:2]] == ["1 feeds, 0 new, 0 updated, 1 failed"] * 3, lines
    assert lines[1:6:2] == [pdf, pdf, pdf + "; gave up after 3 attempts"], lines
    assert lines[6:] and all(l[20:] == "1 feeds, 0 new, 0 updated, 0 failed" for l in lines[6:]), lines
    assert all(l[:4].isdigit() and l[10] == "T" for l in lines[0::2] if not l.startswith("http"))
    assert "Traceback" not in err and "1 feeds every 0.3 s" in err
