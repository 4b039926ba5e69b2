"""shop.toml: the settings a workspace opens with, and clear errors for wrong ones."""

from __future__ import annotations

import pytest

from shopformer.core.errors import ConfigError
from shopformer.workspace import SETTINGS_FILE, Workspace


@pytest.fixture()
def shop(tmp_path):
    root = tmp_path / "shop"
    Workspace.init(root).close()
    return root


def _settings(shop, extra: str) -> None:
    (shop / SETTINGS_FILE).write_text('name = "x"\n' + extra, encoding="utf-8")


def test_a_new_workspace_has_no_rewrite_endpoint_and_says_how_to_set_one(shop):
    text = (shop / SETTINGS_FILE).read_text(encoding="utf-8")
    assert "# [rewrite]" in text and "# endpoint =" in text
    with Workspace.open(shop) as workspace:
        assert workspace.settings.rewrite.endpoint is None


def test_the_rewrite_table_sets_the_endpoint(shop):
    _settings(shop, '[rewrite]\nendpoint = "http://127.0.0.1:9/v1"\nmodel = "qwen"\n'
                    'api_key_env = "MY_KEY"\ntimeout_seconds = 5\n')
    with Workspace.open(shop) as workspace:
        rewrite = workspace.settings.rewrite
    assert (rewrite.endpoint, rewrite.model, rewrite.api_key_env, rewrite.timeout_seconds) \
        == ("http://127.0.0.1:9/v1", "qwen", "MY_KEY", 5)


@pytest.mark.parametrize(("extra", "message"), [
    ('[rewrite]\nendpoint = "ftp://x"\n', r"shop.toml \[rewrite\]: .*http\(s\) URL"),
    ('[rewrite]\nurl = "http://x/v1"\n', r"shop.toml \[rewrite\]: .*'url'.*keys: endpoint"),
    ('[rewrite]\ntimeout_seconds = 0\n', r"shop.toml \[rewrite\]: .*timeout_seconds"),
    ('rewrite = "http://x/v1"\n', r"rewrite must be a table"),
    ('colour = "red"\n', r"shop.toml: .*'colour'.*keys: name, store"),
])
def test_wrong_settings_name_the_file_and_the_key(shop, extra, message):
    _settings(shop, extra)
    with pytest.raises(ConfigError, match=message):
        Workspace.open(shop)
