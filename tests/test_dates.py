"""Dates: published_at travels into citations, and "the latest ..." prefers the newest report."""

from __future__ import annotations

import json

from conftest import make_settings


def reports(tmp_path):
    path = tmp_path / "reports.jsonl"
    rows = [
        {"id": f"rate-{month}", "source": "Norland Times", "published_at": f"2023-{month:02d}-05",
         "title": f"Norland jobless rate, month {month}",
         "text": f"Norland's unemployment rate was {rate} percent, the statistics office said in its monthly report. "
                 f"Economists had expected a figure of about {rate} percent for the month."}
        for month, rate in ((3, "4.5"), (9, "3.4"), (6, "3.9"))
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return path


def test_the_latest_report_is_preferred_and_its_date_is_cited(tmp_path):
    from bot.service import Newsbot

    bot = Newsbot(make_settings(tmp_path / "index"))
    bot.ingest([reports(tmp_path)])

    answer = bot.ask("What is the latest unemployment rate in Norland?")

    assert not answer.refused
    first = answer.citations[0]
    assert (first.doc_id, first.published_at) == ("rate-9", "2023-09-05")
    assert answer.answer.startswith("Norland's unemployment rate was 3.4 percent")
    # Without "latest", retrieval order decides, not the date.
    plain = bot.ask("What was Norland's unemployment rate?")
    assert {c.published_at for c in plain.citations} <= {"2023-03-05", "2023-06-05", "2023-09-05"}
