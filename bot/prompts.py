"""Prompt templates live in prompts/*.md with {named} placeholders; a missing or unknown one is an error."""

from __future__ import annotations

import string
from functools import lru_cache
from pathlib import Path

PROMPTS_DIR = Path(__file__).resolve().parent.parent / "prompts"


class PromptError(Exception):
    pass


@lru_cache(maxsize=None)
def _template(name: str, folder: Path) -> tuple[str, frozenset[str]]:
    path = folder / f"{name}.md"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PromptError(f"prompt file {path} is missing") from None
    fields = frozenset(f for _, f, _, _ in string.Formatter().parse(text) if f)
    return text, fields


def render(name: str, folder: Path = PROMPTS_DIR, **values: str) -> str:
    text, fields = _template(name, folder)
    missing = fields - values.keys()
    if missing:
        raise PromptError(f"prompt {name!r} needs {', '.join(sorted(missing))}")
    unused = values.keys() - fields
    if unused:
        raise PromptError(f"prompt {name!r} has no placeholder for {', '.join(sorted(unused))}")
    return text.format(**values).strip()
