"""`newsbot telegram` follows the feeds itself: the real command, a loopback Bot API server
(tests/botapi_server.py) and a news site on 127.0.0.1 (tests/feed_site.py)."""

from __future__ import annotations

import re
import signal
import sys
import time
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from feed_site import FeedSite  # noqa: E402
from test_feeds import FILLER, page, rss  # noqa: E402
from test_telegram import ADMIN, ALICE, REPO, _spawn, _stop, api, ask  # noqa: E402,F401 - api is a fixture

KITE = ("The mayor of Gwadar, Qandeel Marri, opened the first Zorblax kite festival on the city's east beach "
        "on Saturday, drawing thousands of families.")


@pytest.mark.slow  # spawns `newsbot telegram`, which loads the models: about 20 s
def test_the_bot_answers_about_an_entry_added_to_a_feed_after_start_up(api, tmp_path):  # noqa: F811
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "harbour.txt").write_text("Harbour dues\n\nThe harbour board of Brekkvik raised mooring dues by 3 percent "
                                        "for next year, chair Tove Nilsen said.", encoding="utf-8")
    with FeedSite() as site:
        items = [{"title": "Quay repairs begin", "link": site.url("/n/quay.html"), "date": "Fri, 21 Nov 2026 08:00:00 GMT"}]
        site.put("/n/quay.html", page("Quay repairs begin", "Repairs to the old north quay of Brekkvik began on Friday "
                                      "and will take six weeks, the harbour board said.", FILLER))
        feed = site.put("/rss.xml", rss("Gwadar Gazette", items), content_type="application/rss+xml", etag=True)
        config = tmp_path / "config.yaml"
        config.write_text(yaml.safe_dump({
            "index": {"dir": str(tmp_path / "index"), "corpus": str(corpus)},
            "llm": {"backend": "none"},
            "feeds": {"urls": [feed], "interval_s": 0.5, "timeout_s": 5},
            "telegram": {"token": "${TELEGRAM_BOT_TOKEN}", "base_url": api.base_url, "admin_user_ids": [ADMIN]}}))
        proc = _spawn([str(REPO / ".venv/bin/newsbot"), "--config", str(config), "telegram"], api, tmp_path)
        try:
            api.wait_until(lambda: len(site.hits("/rss.xml")) >= 2, 60, "two feed polls")  # running and polling
            site.put("/n/kite.html", page("Zorblax kite festival opens", KITE, FILLER))
            items.insert(0, {"title": "Zorblax kite festival opens", "link": site.url("/n/kite.html"),
                             "date": "Sat, 22 Nov 2026 10:00:00 GMT"})
            site.put("/rss.xml", rss("Gwadar Gazette", items), content_type="application/rss+xml", etag=True)
            api.wait_until(lambda: site.hits("/n/kite.html"), 20, "the new page fetched")
            deadline = time.monotonic() + 20
            while True:  # the page is fetched; its ingest takes a moment more
                [reply] = ask(api, ALICE, "Who opened the Zorblax kite festival?")
                if "Qandeel Marri" in reply.plain or time.monotonic() > deadline:
                    break
                time.sleep(0.5)
            assert "Qandeel Marri" in reply.plain and "Gwadar Gazette" in reply.plain, reply.plain
            [stats] = ask(api, ADMIN, "/stats")
            assert "Feeds" in stats.plain and "Gwadar Gazette" in stats.plain and "2 entries ingested" in stats.plain
            assert re.search(r"✅ Gwadar Gazette – last poll \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC: (ok|not modified); "
                             r"2 entries ingested", stats.plain), stats.plain
            # the conditional GETs go on: no page was fetched twice
            assert len(site.hits("/n/quay.html")) == 1 and len(site.hits("/n/kite.html")) == 1
            assert any(r.status == 304 for r in site.hits("/rss.xml"))
        finally:
            took, out = _stop(proc, signal.SIGINT, 15)
    assert proc.returncode == 0 and took < 5, (took, out[-3000:])
    assert "feeds: 1 feeds, 1 new, 0 updated, 0 failed" in out and api.token not in out


def test_feed_health_lines_escape_what_feeds_say():
    from botapi_server import html_errors

    from bot.telegram_format import format_feed_health
    from index.feeds import FeedHealth

    text = format_feed_health([
        FeedHealth("https://a.example/rss", "<b>Tom & Jerry</b> news", "2026-11-21T20:15:18+00:00", "ok", True, 12),
        FeedHealth("https://b.example/feed?x=1&y=<2>", None, None, "HTTP 503 <busy> after 3 attempts", False, 0)])
    assert html_errors(text) == []
    assert "✅ &lt;b&gt;Tom &amp; Jerry&lt;/b&gt; news – last poll 2026-11-21 20:15:18 UTC: ok; 12 entries ingested" in text
    assert "⚠️ https://b.example/feed?x=1&amp;y=&lt;2&gt; – last poll never: HTTP 503 &lt;busy&gt; after 3 attempts" in text
