"""The one typed config object, read from config.yaml with ${ENV_VAR} expansion."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import Field, SecretStr, ValidationError, model_validator

from index.config import FeedSettings, IndexSettings, RetrievalSettings, Strict, is_database_url

DEFAULT_CONFIG = Path(__file__).resolve().parent.parent / "config.yaml"
_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


class ConfigError(Exception):
    """A config file that cannot be used; the message is one line for the user."""


class LLMSettings(Strict):
    backend: Literal["local", "openai", "none"] = "local"
    model_path: str = "bundled:smollm2"
    base_url: str = "http://127.0.0.1:11434/v1"
    model: str = "llama3.2"
    api_key: SecretStr = SecretStr("")
    temperature: float = Field(0.0, ge=0, le=2)
    max_tokens: int = Field(96, ge=8)
    timeout_s: float = Field(30, gt=0)
    n_ctx: int = Field(2048, ge=512)
    n_threads: int | None = None


class AnswerSettings(Strict):
    max_passages: int = Field(4, ge=1)
    max_evidence: int = Field(3, ge=1)
    history_turns: int = Field(4, ge=0)
    llm_rewrites_followups: bool = False
    min_confidence: float = Field(0.15, ge=0, le=1)


class RateLimit(Strict):
    messages: int = Field(10, ge=1)
    per_seconds: float = Field(60, gt=0)


class WebhookSettings(Strict):
    url: str = ""
    listen: str = "0.0.0.0"
    port: int = Field(8443, ge=1, le=65535)
    secret_token: SecretStr = SecretStr("")


class TelegramSettings(Strict):
    token: SecretStr = SecretStr("")
    base_url: str = "https://api.telegram.org/bot"
    base_file_url: str | None = None
    allowed_user_ids: list[int] = []
    admin_user_ids: list[int] = []
    rate_limit: RateLimit = RateLimit()
    mode: Literal["polling", "webhook"] = "polling"
    webhook: WebhookSettings = WebhookSettings()
    max_upload_mb: float = Field(5, gt=0)
    answer_timeout_s: float = Field(60, gt=0)

    @model_validator(mode="after")
    def _token_from_env(self) -> "TelegramSettings":
        if not self.token.get_secret_value() and os.environ.get("TELEGRAM_BOT_TOKEN"):
            self.token = SecretStr(os.environ["TELEGRAM_BOT_TOKEN"])
        return self


class Settings(Strict):
    index: IndexSettings = IndexSettings()
    retrieval: RetrievalSettings = RetrievalSettings()
    llm: LLMSettings = LLMSettings()
    answer: AnswerSettings = AnswerSettings()
    telegram: TelegramSettings = TelegramSettings()
    feeds: FeedSettings = FeedSettings()
    log_level: str = "WARNING"

    def feed_state_dir(self, location: Path | str | None = None) -> Path:
        """Where feed state (feeds.json) lives for the index at `location`: feeds.state_dir if set, else the
        index folder; a postgresql:// index has no folder, so a folder per database under ~/.cache/newsbot/feeds."""
        location = location or self.index.dir
        if self.feeds.state_dir:
            return Path(self.feeds.state_dir)
        if not is_database_url(location):
            return Path(location)
        cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
        return cache / "newsbot" / "feeds" / hashlib.sha256(str(location).encode()).hexdigest()[:16]

    def redacted(self) -> dict[str, Any]:
        """For printing or logging: SecretStr fields show as '**********'."""
        data = self.model_dump(mode="json")
        if is_database_url(data["index"]["dir"]):
            data["index"]["dir"] = re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", data["index"]["dir"])
        return data


def _expand(value: Any) -> Any:
    if isinstance(value, str):
        def sub(m: re.Match) -> str:
            if m.group(1) in os.environ:
                return os.environ[m.group(1)]
            if m.group(2) is not None:
                return m.group(2)
            raise ConfigError(f"config refers to ${{{m.group(1)}}}, which is not set in the environment")
        return _ENV_REF.sub(sub, value)
    if isinstance(value, dict):
        return {k: _expand(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_expand(v) for v in value]
    return value


def load_settings(path: Path | None = None) -> Settings:
    """Read, expand and validate a config file; relative paths resolve against the file's folder."""
    path = Path(path) if path else DEFAULT_CONFIG
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except yaml.YAMLError as e:
        raise ConfigError(f"{path}: not valid YAML ({str(e).splitlines()[0]})") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping of sections at the top level")
    try:
        settings = Settings.model_validate(_expand(raw))
    except ValidationError as e:
        err = e.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        msg = "unknown key" if err["type"] == "extra_forbidden" else err["msg"]
        raise ConfigError(f"{path}: {where}: {msg}") from None
    base = path.resolve().parent
    for section, key in (("index", "dir"), ("index", "corpus"), ("feeds", "state_dir")):
        obj = getattr(settings, section)
        if getattr(obj, key) is None or is_database_url(getattr(obj, key)):
            continue
        p = Path(os.path.expanduser(str(getattr(obj, key))))
        setattr(obj, key, p if p.is_absolute() else base / p)
    return settings
