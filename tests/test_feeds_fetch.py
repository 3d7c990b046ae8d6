"""The polite HTTP under the feeds (index/fetch.py) and the parts of an entry (index/feeds.py), against a
real server on 127.0.0.1."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from feed_site import FeedSite  # noqa: E402
from index.config import FeedSettings  # noqa: E402
from index.feeds import STATE_FILE, FeedFollower, doc_id_for, html_fragment_text  # noqa: E402
from index.fetch import Fetcher, FetchError, decode_html  # noqa: E402

LATIN = "Le Café Brännvin à Tromsø a gagné le prix national de la pâtisserie pour ses brioches à la cardamome, " \
        "selon le jury réuni jeudi à Bodø. Les propriétaires ont déclaré être très émus et reconnaissants."


@pytest.fixture
def site():
    with FeedSite() as s:
        yield s


def fetcher(**kw: object) -> Fetcher:
    return Fetcher(FeedSettings(**{"timeout_s": 5, **kw}))


def test_a_page_without_any_charset_is_detected_not_rejected():
    html = f"<html><body><p>{LATIN}</p></body></html>"
    assert LATIN in decode_html(html.encode("latin-1"), None)
    assert LATIN in decode_html(html.encode("utf-8"), None)


def test_declared_charsets_win_and_latin1_reads_as_windows_1252():
    quoted = "“Nous sommes ravis”, a déclaré la propriétaire – 3 € le café."
    data = f"<p>{quoted}</p>".encode("cp1252")
    assert quoted in decode_html(data, "ISO-8859-1")  # what servers say; the bytes are windows-1252
    assert quoted in decode_html(b'<html><head><meta charset="windows-1252"></head>' + data, None)
    assert quoted in decode_html(b'<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">' + data, None)
    # a wrong declaration that cannot decode the bytes falls back to detection
    assert "Tromsø" in decode_html(f"<p>{LATIN}</p>".encode("latin-1"), "utf-8")


def test_doc_ids_are_stable_safe_and_distinct():
    a = doc_id_for("https://news.example/2026/11/Lighthouse Reopens!.html?utm=x")
    assert a == doc_id_for("https://news.example/2026/11/Lighthouse Reopens!.html?utm=x")
    assert a.endswith("-lighthouse-reopens") and all(c.isalnum() or c == "-" for c in a)
    assert doc_id_for("https://other.example/2026/11/lighthouse-reopens") != a
    assert doc_id_for("urn:uuid:0b1c2d3e-solar").endswith("-0b1c2d3e-solar")
    assert len(doc_id_for("x" * 500)) < 70 and "/" not in doc_id_for("http://a/b/../../etc/passwd")


def test_feed_html_becomes_text_one_line_per_block():
    assert html_fragment_text("<p>One &amp; two.</p><p>Three<br>four</p>").split() == ["One", "&", "two.", "Three", "four"]
    assert "\n" in html_fragment_text("<p>a</p><p>b</p>").strip()
    assert html_fragment_text("plain text") == "plain text"


def test_retry_after_is_waited_out_but_a_long_one_is_not(site):
    url = site.put("/p.html", "<p>ok</p>")
    site.script("/p.html", (503, {"Retry-After": "0"}), (429, {"Retry-After": "3600"}))
    with pytest.raises(FetchError, match=r"HTTP 429 Too Many Requests \(Retry-After 3600\)"):
        fetcher().get(url)
    assert [r.status for r in site.hits("/p.html")] == [503, 429]  # asked to wait an hour: not retried now
    assert fetcher().get(url).content == b"<p>ok</p>"


def test_5xx_is_retried_a_bounded_number_of_times(site):
    url = site.put("/p.html", "<p>ok</p>")
    site.script("/p.html", *[(500, {"Retry-After": "0"})] * 5)
    with pytest.raises(FetchError, match=r"HTTP 500 .* after 2 attempts"):
        fetcher(retries=1).get(url)
    assert len(site.hits("/p.html")) == 2


def test_size_cap_with_and_without_content_length(site):
    big = b"<p>" + b"x" * 300_000 + b"</p>"
    with_length = site.put("/big.html", big)
    streamed = site.put("/stream.html", big, chunked=True)
    for url in (with_length, streamed):
        with pytest.raises(FetchError, match="over the 0.1 MB limit"):
            fetcher(max_page_mb=0.1).get(url)


def test_state_is_written_atomically_and_a_corrupt_one_costs_only_a_re_read(site, tmp_path):
    feed = site.put("/f.xml", '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
                              f'<item><title>A</title><link>{site.url("/gone")}</link><description>Alpha beta gamma.'
                              '</description></item></channel></rss>', content_type="application/rss+xml", etag=True)
    ingested = []

    def ingest(articles):
        ingested.extend(articles)
        return type("Report", (), {"rejected": []})()

    follower = FeedFollower(FeedSettings(urls=[feed], timeout_s=2), tmp_path, ingest)
    report = follower.poll()
    assert report.new == 1 and ingested[0].text == "Alpha beta gamma."  # page 404: the feed's text
    state = json.loads((tmp_path / STATE_FILE).read_text())
    assert state["feeds"][feed]["etag"] and len(state["feeds"][feed]["entries"]) == 1
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".feeds-")] == []  # no temp file left
    [health] = follower.health()
    assert health.ingested == 1 and health.last_poll and health.status.startswith("ok")
    (tmp_path / STATE_FILE).write_text("{not json")
    report = FeedFollower(FeedSettings(urls=[feed], timeout_s=2), tmp_path, ingest).poll()
    assert report.new == 1  # read afresh; ingest sees the same doc_id and text, so nothing changes there
    assert ingested[0].doc_id == ingested[1].doc_id
    follower.close()


def test_a_page_that_failed_transiently_is_fetched_again_and_replaces_the_feed_text(site, tmp_path):
    feed = site.put("/f.xml", '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
                              f'<item><title>A</title><link>{site.url("/a.html")}</link><description>Short teaser.'
                              '</description></item></channel></rss>', content_type="application/rss+xml", etag=True)
    full = ("The Brekkvik ferry timetable changes on Monday, with two extra departures on weekday mornings, "
            "the operator said in a statement.")
    site.put("/a.html", f"<html><body><article><h1>Timetable</h1><p>{full}</p><p>{full}</p></article></body></html>")
    site.script("/a.html", *[(503, {"Retry-After": "0"})] * 2)
    ingested = []

    def ingest(articles):
        ingested.append(articles)
        return type("Report", (), {"rejected": []})()

    follower = FeedFollower(FeedSettings(urls=[feed], timeout_s=2, retries=1), tmp_path, ingest)
    first = follower.poll()
    assert (first.new, first.updated) == (1, 0) and ingested[-1][0].text == "Short teaser."
    assert [str(f) for f in first.failures] == [f"{site.url('/a.html')}: HTTP 503 Service Unavailable (Retry-After 0) "
                                               "after 2 attempts; used the feed's own text"]
    second = follower.poll()  # the feed is read in full again (no 304) to retry the page
    assert (second.new, second.updated, second.failures) == (1 - 1, 1, []) and full in ingested[-1][0].text
    assert site.hits("/f.xml")[-1].status == 200
    third = follower.poll()
    assert (third.new, third.updated, third.failures, len(ingested)) == (0, 0, [], 2)
    assert site.hits("/f.xml")[-1].status == 304 and len(site.hits("/a.html")) == 3
    follower.close()
