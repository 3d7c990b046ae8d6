"""The typed config: unknown keys named, ${ENV} expansion, --config, relative paths, redacted secrets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import DEFAULT_CONFIG, ConfigError, Settings, load_settings

SECRETS = {"OPENAI_API_KEY": "sk-test-0123456789abcdef", "TELEGRAM_BOT_TOKEN": "123456:AAE-telegram-secret-token",
           "TELEGRAM_WEBHOOK_SECRET": "webhook-secret-xyz"}


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_the_project_config_loads_and_points_the_index_at_the_test_dir(isolated_data):
    settings = load_settings()
    assert settings.index.dir == isolated_data  # ${NEWSBOT_INDEX_DIR} from the autouse fixture, never the repo
    assert settings.index.corpus == DEFAULT_CONFIG.parent / "corpus"
    assert settings.llm.backend == "local" and settings.index.embed_model == "bundled:all-MiniLM-L6-v2"


@pytest.mark.parametrize("yaml_text,where", [
    ("index:\n  dirr: /tmp/x\n", "index.dirr: unknown key"),
    ("telegram:\n  webhook:\n    prot: 80\n", "telegram.webhook.prot: unknown key"),
    ("retreival:\n  top_k: 3\n", "retreival: unknown key"),
    ("retrieval:\n  top_k: 0\n", "retrieval.top_k: Input should be greater than or equal to 1"),
    ("llm:\n  backend: gpt\n", "llm.backend: Input should be 'local', 'openai' or 'none'"),
])
def test_a_bad_key_or_value_is_one_line_that_names_it(tmp_path, yaml_text, where):
    path = write(tmp_path / "c.yaml", yaml_text)
    with pytest.raises(ConfigError) as e:
        load_settings(path)
    assert str(e.value) == f"{path}: {where}"


def test_the_cli_exits_2_on_a_bad_config(tmp_path, capsys):
    path = write(tmp_path / "c.yaml", "index:\n  dirr: /tmp/x\n")
    for argv in (["--config", str(path), "config"], ["--config", str(path), "ask", "Who?"],
                 ["--config", str(tmp_path / "missing.yaml"), "config"]):
        assert main(argv) == 2
        out, err = capsys.readouterr()
        assert out == "" and err.count("\n") == 1 and err.startswith("newsbot: error: ")
    assert "missing.yaml: config file not found" in err


def test_invalid_yaml_and_non_mapping_are_config_errors(tmp_path):
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_settings(write(tmp_path / "a.yaml", "index: [unclosed\n"))
    with pytest.raises(ConfigError, match="expected a mapping"):
        load_settings(write(tmp_path / "b.yaml", "- just\n- a list\n"))


def test_env_references_expand_with_defaults_and_unset_ones_are_named(tmp_path, monkeypatch):
    monkeypatch.setenv("NB_TEST_MODEL", "qwen2.5:7b")
    monkeypatch.setenv("NB_TEST_ADMIN", "42")
    path = write(tmp_path / "c.yaml", "llm:\n  model: ${NB_TEST_MODEL}\n  base_url: http://${NB_TEST_HOST:-127.0.0.1}:8080/v1\n"
                                     "telegram:\n  admin_user_ids: ['${NB_TEST_ADMIN}']\n")
    settings = load_settings(path)
    assert settings.llm.model == "qwen2.5:7b"
    assert settings.llm.base_url == "http://127.0.0.1:8080/v1"
    assert settings.telegram.admin_user_ids == [42]

    with pytest.raises(ConfigError, match=r"\$\{NB_TEST_UNSET\}, which is not set"):
        load_settings(write(tmp_path / "d.yaml", "llm:\n  api_key: ${NB_TEST_UNSET}\n"))


def test_relative_paths_resolve_against_the_config_files_folder(tmp_path, monkeypatch):
    (tmp_path / "conf").mkdir()
    monkeypatch.chdir(tmp_path)
    settings = load_settings(write(tmp_path / "conf/c.yaml", "index:\n  dir: data/index\n  corpus: ../articles\n"))
    assert settings.index.dir == tmp_path / "conf/data/index"
    assert settings.index.corpus.resolve() == tmp_path / "articles"


def test_config_option_selects_another_file(tmp_path, capsys):
    path = write(tmp_path / "other.yaml", "retrieval:\n  top_k: 3\nanswer:\n  max_evidence: 2\n")
    assert main(["--config", str(path), "config"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["retrieval"]["top_k"] == 3 and shown["answer"]["max_evidence"] == 2
    assert shown["index"]["dir"] == str(tmp_path / ".newsbot/index")  # the default, relative to that file


def test_newsbot_config_redacts_every_secret(tmp_path, capsys, monkeypatch):
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)

    assert main(["config"]) == 0  # the project's config.yaml reads all three from the environment
    out = capsys.readouterr().out

    for value in SECRETS.values():
        assert value not in out
    shown = json.loads(out)
    assert shown["llm"]["api_key"] == shown["telegram"]["token"] == shown["telegram"]["webhook"]["secret_token"] == "**********"
    settings = load_settings()
    assert settings.llm.api_key.get_secret_value() == SECRETS["OPENAI_API_KEY"]  # redacted in print only
    assert SECRETS["OPENAI_API_KEY"] not in repr(settings) and SECRETS["OPENAI_API_KEY"] not in str(settings.redacted())


def test_telegram_token_falls_back_to_the_environment_and_stays_redacted(monkeypatch):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", SECRETS["TELEGRAM_BOT_TOKEN"])
    settings = Settings.model_validate({"telegram": {"mode": "polling"}})
    assert settings.telegram.token.get_secret_value() == SECRETS["TELEGRAM_BOT_TOKEN"]
    assert SECRETS["TELEGRAM_BOT_TOKEN"] not in json.dumps(settings.redacted())
    unset = Settings.model_validate({"telegram": {"token": "from-file"}})
    assert unset.telegram.token.get_secret_value() == "from-file"  # the file wins over the environment


def test_feed_state_lives_in_the_index_folder_or_a_cache_folder_per_database(tmp_path, monkeypatch):
    from conftest import make_settings

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    folder = make_settings(tmp_path / "idx")
    assert folder.feed_state_dir() == tmp_path / "idx"
    a, b = folder.feed_state_dir("postgresql://u@h/news"), folder.feed_state_dir("postgresql://u@h/other")
    assert a.parent == b.parent == tmp_path / "cache" / "newsbot" / "feeds" and a != b
    chosen = make_settings(tmp_path / "idx", feeds={"state_dir": str(tmp_path / "state")})
    assert chosen.feed_state_dir("postgresql://u@h/news") == tmp_path / "state"
