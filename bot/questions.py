"""Questions files: JSONL, one `{"question", ...}` object per line (`ask --batch`, `eval`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator


class QuestionsError(Exception):
    pass


def question_lines(path: Path) -> Iterator[tuple[int, dict | str]]:
    """(line number, the object) for each non-blank line, or (line number, "path:line: reason") for a
    line that is not an object with a non-empty "question". An unreadable file raises QuestionsError."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise QuestionsError(f"{path}: cannot read ({e})") from None
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as e:
            yield n, f"{path}:{n}: malformed JSON ({e.msg})"
            continue
        if not isinstance(item, dict) or not isinstance(item.get("question"), str) or not item["question"].strip():
            yield n, f'{path}:{n}: expected an object with a non-empty "question"'
            continue
        yield n, item
