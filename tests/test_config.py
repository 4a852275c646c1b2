"""config/default.toml is the documentation and the schema; overrides are checked against it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from posturewatch.capture.pose import PoseSettings
from posturewatch.core.judgement import ClassifierSettings
from posturewatch.core.settings import settings
from posturewatch.errors import ConfigError
from posturewatch.storage.config_file import load_config
from posturewatch.storage.paths import bundled_config, user_config_file

from conftest import assert_one_line_error, run_cli


def test_every_default_key_is_documented_right_above() -> None:
    lines = bundled_config("default.toml").read_text().splitlines()
    for number, line in enumerate(lines):
        if re.match(r"^\s*[a-z_]+\s*=", line):
            assert lines[number - 1].lstrip().startswith("#"), f"line {number + 1}: {line}"


def test_settings_dataclasses_match_their_sections() -> None:
    config = load_config()
    assert settings(ClassifierSettings, config.section("classifier")).head_drop == 0.08
    assert settings(PoseSettings, config.section("pose")).min_detection_confidence == 0.5


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_user_file_then_explicit_file_override_defaults(tmp_path: Path) -> None:
    user = write(tmp_path / "user.toml", "[source]\nfps = 2\n[classifier]\nsettle_s = 3\n")
    explicit = write(tmp_path / "x.toml", "[source]\nfps = 1.5\n")
    config = load_config(explicit, user_file=user)
    assert config.section("source")["fps"] == 1.5
    assert config.section("classifier")["settle_s"] == 3.0  # int accepted for a float
    assert config.files[1:] == (str(user), str(explicit))


def test_user_config_is_read_from_the_xdg_config_folder(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """The file the XDG spec names is the one read: ``config path`` shows it and a value set
    there reaches every command (the path is built here from the spec, not by the code)."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    spec_path = tmp_path / "xdg" / "posturewatch" / "config.toml"
    assert run_cli("config", "path").stdout.strip() == str(spec_path)
    write(spec_path, "[source]\nfps = 2.5\n")
    assert json.loads(run_cli("config", "show", "--json").stdout)["source"]["fps"] == 2.5


@pytest.mark.parametrize(
    ("text", "needles"),
    [
        ("[classifier]\n\nhed_drop = 0.2\n", [":3:", "unknown key classifier.hed_drop"]),
        ("[clasifier]\nhead_drop = 0.2\n", [":1:", "unknown section [clasifier]"]),
        ("[source]\nfps = \"fast\"\n", [":2:", "source.fps must be a number such as 1.5, "
                                         'not the text "fast"', "e.g. fps = 5.0"]),
        ("[source]\nfps = \"2\"\n", [":2:", "write fps = 2, without the quotes"]),
        ("[reminders]\ndaily_cap = 2.5\n", [":2:", "a whole number such as 10, not 2.5"]),
        ("[stretch]\nfloor = \"yes\"\n", [":2:", 'true or false, not the text "yes"',
                                         "floor = false"]),
        ("[model]\nvariant = 3\n", [":2:", "text in quotes, not 3", 'variant = "full"']),
        ("[classifier]\nhead_drop = 1.5\n", [":2:", "outside 0.01..1"]),
        ("[classifier]\nhead_drop = 0\n", [":2:", "outside 0.01..1"]),
        ("classifier.head_drop = 0.5\nclassifier.settle_s = -1\n", [":2:", "classifier.settle_s"]),
        ("classifier = { head_drop = 2 }\n", [":1:", "classifier.head_drop"]),
        ("[ classifier ]\n\"settle_s\" = \"x\"\n", [":2:", "must be a number such as 1.5"]),
        ("classifier = 5\n", [":1:", "must be a [classifier] table"]),
        ("[model]\nvariant = \"huge\"\n", [":2:", "lite, full, heavy"]),
        ("[source]\nfps = = 3\n", ["invalid TOML", "line 2"]),
    ],
)
def test_bad_config_names_file_line_and_key(tmp_path: Path, text: str, needles: list[str]) -> None:
    path = write(tmp_path / "bad.toml", text)
    with pytest.raises(ConfigError) as error:
        load_config(path, user_file=tmp_path / "none.toml")
    message = str(error.value)
    assert str(path) in message and "\n" not in message
    for needle in needles:
        assert needle in message


def test_config_check_command(tmp_path: Path) -> None:
    good = write(tmp_path / "good.toml", "[source]\nfps = 2\n")
    assert "config OK" in run_cli("config", "check", "--config", good).stdout
    bad = write(tmp_path / "bad.toml", "[pose]\nmin_detection_confidence = 2\n")
    assert_one_line_error(run_cli("config", "check", "--config", bad, check=False),
                          f"{bad}:2", "pose.min_detection_confidence")
    missing = run_cli("config", "check", "--config", tmp_path / "nope.toml", check=False)
    assert_one_line_error(missing, "config file not found")


def test_bad_user_file_stops_every_command(isolated_home: Path) -> None:
    user = write(user_config_file(), "[source]\nfps = -1\n")
    try:
        assert_one_line_error(run_cli("analyze", "x.mp4", check=False), f"{user}:2", "source.fps")
    finally:
        user.unlink()
