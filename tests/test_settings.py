"""Settings: one object, env + TOML + explicit arguments, every field documented."""

from pathlib import Path

import pytest

from medora.errors import ConfigError
from medora.settings import Settings, get_settings


def test_precedence_defaults_toml_env_arguments(tmp_path):
    (tmp_path / "medora.toml").write_text("[retrieve]\nk = 7\nrrf_k = 30\n")
    env = {"MEDORA_RETRIEVE__K": "12"}
    s = get_settings(tmp_path, env=env)
    assert (s.retrieve.k, s.retrieve.rrf_k, s.data_dir) == (12, 30, tmp_path)
    s = get_settings(tmp_path, env=env, retrieve={"k": 3})
    assert (s.retrieve.k, s.retrieve.rrf_k) == (3, 30)


def test_data_dir_and_corpus_from_environment(tmp_path):
    env = {"MEDORA_DATA": str(tmp_path / "d"), "MEDORA_CORPUS": f"{tmp_path}/a:{tmp_path}/b"}
    s = get_settings(env=env)
    assert s.data_dir == tmp_path / "d"
    assert s.corpus_paths() == [tmp_path / "a", tmp_path / "b"]


@pytest.mark.parametrize(
    "env, message",
    [
        ({"MEDORA_RETRIEVE__K": "many"}, "retrieve.k"),
        ({"MEDORA_RETRIEVE__NO_SUCH": "1"}, "retrieve.no_such"),
        ({"MEDORA_INDEX__EMBED_WORKERS": "-1"}, r"index\.embed_workers: Input should be greater than or equal to 0"),
        ({"MEDORA_CONFIG": "/nonexistent/medora.toml"}, "does not exist"),
    ],
)
def test_bad_settings_are_clear_errors(env, message):
    with pytest.raises(ConfigError, match=message):
        get_settings(env=env)


def test_index_name_depends_on_index_shaping_settings_only():
    a = get_settings(env={})
    b = get_settings(env={}, retrieve={"k": 99})
    c = get_settings(env={}, corpus={"target_words": 120})
    assert a.index_name() == b.index_name() != c.index_name()


def _fields(model, prefix=""):
    for name, field in model.model_fields.items():
        yield f"{prefix}{name}", field
        annotation = field.annotation
        if isinstance(annotation, type) and hasattr(annotation, "model_fields"):
            yield from _fields(annotation, f"{prefix}{name}.")


def test_every_setting_is_described_and_in_the_readme():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    for name, field in _fields(Settings):
        assert field.description, name
        if "." in name:
            assert f"`{name}`" in readme, f"{name} is not documented in README.md"
