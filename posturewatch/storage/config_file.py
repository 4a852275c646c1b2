"""Settings: ``config/default.toml`` is both the documentation and the schema.

A user file (platform config dir) overrides it, ``--config PATH`` overrides both. A key the
defaults do not have, a value of the wrong type, or one outside the ``# range:`` or
``# choices:`` written in the comment above the default is refused with file, key and line;
so are two settings that pass one by one but contradict each other
(``core.settings.clashes``), naming both keys.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from posturewatch.core.settings import Config, clashes
from posturewatch.core.typed_settings import Settings
from posturewatch.errors import ConfigError
from posturewatch.storage.paths import bundled_config, user_config_file

_HEADER = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]\s*(#.*)?$")
_KEY = re.compile(r"^\s*([^=#\[\s][^=#]*?)\s*=")
_RANGE = re.compile(r"#\s*range:\s*(-?[\d.]+)\s*\.\.\s*(-?[\d.]+|inf)")
_CHOICES = re.compile(r"#\s*choices:\s*(.+)$")


@dataclasses.dataclass(frozen=True)
class Rule:
    """What a key accepts, read from the default file."""

    kind: type
    default: Any = None
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()


def _dotted(raw: str) -> tuple[str, ...]:
    """``a . "b.c"`` → ``("a", "b.c")``: a TOML key path, quotes and spaces removed."""
    parts = re.findall(r'"[^"]*"|\'[^\']*\'|[^.]+', raw)
    return tuple(part.strip().strip("\"'") for part in parts if part.strip())


def _line_of(text: str, section: str, key: str | None) -> int:
    """1-based line where ``section.key`` (or the section) is written, however it is
    spelled: under a ``[section]`` header, as a dotted key, or in an inline table.
    Falls back to the section's header; 0 if nothing fits."""
    wanted = (section,) if key is None else (section, key)
    current: tuple[str, ...] = ()
    fallback = 0
    for number, line in enumerate(text.splitlines(), 1):
        if header := _HEADER.match(line):
            current = _dotted(header.group(1))
            full, is_key = current, False
        elif found := _KEY.match(line):
            full, is_key = current + _dotted(found.group(1)), True
        else:
            continue
        if full[: len(wanted)] == wanted:
            return number
        if is_key and wanted[: len(full)] == full:
            return number  # an inline table that holds it
        if full == (section,):
            fallback = fallback or number
    return fallback


def _parse(path: Path | Traversable) -> tuple[dict[str, Any], str]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(
            f"cannot read config {path}: {exc.strerror or exc}",
            "check the path given to --config",
        ) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:  # TOML is UTF-8; a stray Latin-1 byte is common
        line = data.count(b"\n", 0, exc.start) + 1
        raise ConfigError(
            f"{path}:{line}: byte 0x{data[exc.start]:02x} is not UTF-8 text",
            "save the file as UTF-8 (or retype the character on that line)",
        ) from None
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}", "fix the syntax at that line") from None
    except RecursionError:  # the parser recurses once per level: [[[[... a thousand deep
        raise ConfigError(f"{path}: arrays or tables nested too deeply to read",
                          "a setting is a section and a key with a plain value; remove "
                          "the nesting") from None


def _rules(text: str, values: dict[str, Any]) -> dict[tuple[str, str], Rule]:
    """Each default key's type, plus any ``# range:``/``# choices:`` comment just above it."""
    rules: dict[tuple[str, str], Rule] = {}
    current = ""
    comments: list[str] = []
    for line in text.splitlines():
        header = _HEADER.match(line)
        key = _KEY.match(line)
        if header:
            current, comments = header.group(1), []
        elif line.strip().startswith("#"):
            comments.append(line)
        elif key and current in values:
            name = key.group(1)
            low = high = None
            choices: tuple[str, ...] = ()
            for comment in comments:
                if m := _RANGE.search(comment):
                    low, high = float(m.group(1)), float(m.group(2))
                if m := _CHOICES.search(comment):
                    choices = tuple(c.strip() for c in m.group(1).split("|"))
            default = values[current][name]
            rules[(current, name)] = Rule(type(default), default, low, high, choices)
            comments = []
        elif not line.strip():
            comments = []
    return rules


_KIND_WORDS = {
    float: "a number such as 1.5",
    int: "a whole number such as 10",
    bool: "true or false",
    str: "text in quotes",
}


def _described(value: Any) -> str:
    """A value as a person reads it in their file: ``the text "fast"``, ``true``, ``2.5``."""
    if isinstance(value, str):
        return f'the text "{value}"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return f"{value:g}" if isinstance(value, float) else str(value)
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return f"a {type(value).__name__}"  # a TOML date or time


def _toml(value: Any) -> str:
    """``value`` as it is written in TOML."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return f'"{value}"' if isinstance(value, str) else str(value)


def _fits(text: str, kind: type) -> bool:
    """Whether quoted ``text`` would be right without its quotes (``fps = "2"``)."""
    try:
        value = tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return False
    if isinstance(value, bool):
        return kind is bool
    return isinstance(value, kind) or (kind is float and isinstance(value, int))


def _check(
    path: Path | Traversable, text: str, section: str, key: str, value: Any, rule: Rule
) -> Any:
    def fail(problem: str, fix: str) -> ConfigError:
        line = _line_of(text, section, key)
        return ConfigError(f"{path}:{line}: {section}.{key} {problem}", fix)

    kind = rule.kind
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        unquoted = isinstance(value, str) and _fits(value, kind)
        raise fail(
            f"must be {_KIND_WORDS.get(kind, kind.__name__)}, not {_described(value)}",
            f"write {key} = {value}, without the quotes" if unquoted
            else f"write e.g. {key} = {_toml(rule.default)} (the default)",
        )
    if rule.low is not None and isinstance(value, (int, float)):
        if not rule.low <= value <= (rule.high if rule.high is not None else float("inf")):
            high = "" if rule.high is None or rule.high == float("inf") else f"{rule.high:g}"
            raise fail(
                f"is {value}, outside {rule.low:g}..{high}",
                "use a value in that range",
            )
    if rule.choices and value not in rule.choices:
        raise fail(f"is {value!r}", f"use one of: {', '.join(rule.choices)}")
    return value


def _overlay(
    base: dict[str, dict[str, Any]],
    rules: dict[tuple[str, str], Rule],
    path: Path,
    origins: dict[str, str],
) -> None:
    data, text = _parse(path)
    for section, table in data.items():
        if section not in base:
            raise ConfigError(
                f"{path}:{_line_of(text, section, None)}: unknown section [{section}]",
                f"valid sections: {', '.join(sorted(base))}",
            )
        if not isinstance(table, dict):
            raise ConfigError(
                f"{path}:{_line_of(text, section, None)}: {section} must be a [{section}] "
                "table of settings",
                f"write its keys under a [{section}] header",
            )
        for key, value in table.items():
            if (section, key) not in rules:
                raise ConfigError(
                    f"{path}:{_line_of(text, section, key)}: unknown key {section}.{key}",
                    "remove it or fix its spelling (`posturewatch config show` lists every key)",
                )
            base[section][key] = _check(path, text, section, key, value, rules[(section, key)])
            origins[f"{section}.{key}"] = f"{path}:{_line_of(text, section, key)}"


def _refuse_clashes(merged: dict[str, dict[str, Any]], origins: dict[str, str]) -> None:
    """Settings that pass one by one but not together, refused naming both keys and where
    the one set last was written."""
    for clash in clashes(merged):
        where = next((origins[k] for k in reversed(list(origins)) if k in clash.keys), "")
        raise ConfigError(f"{where}: {clash.problem}", clash.fix)


def load_config(path: Path | None = None, *, user_file: Path | None = None,
                user: bool = True) -> Config:
    """Defaults, then the user's file if it exists (and ``user``), then ``path`` (which
    must exist)."""
    defaults_file = bundled_config("default.toml")
    defaults, default_text = _parse(defaults_file)
    rules = _rules(default_text, defaults)
    merged = {section: dict(table) for section, table in defaults.items()}
    files = [str(defaults_file)]
    mine = user_file if user_file is not None else user_config_file()
    origins: dict[str, str] = {}
    if user and mine.is_file():
        _overlay(merged, rules, mine, origins)
        files.append(str(mine))
    if path is not None:
        if not path.is_file():
            raise ConfigError(f"config file not found: {path}", "check the path given to --config")
        _overlay(merged, rules, path, origins)
        files.append(str(path))
    _refuse_clashes(merged, origins)
    return Config(merged, tuple(files))


def load_settings(path: Path | None = None, *, user_file: Path | None = None,
                  user: bool = True) -> Settings:
    """:func:`load_config`, typed (what every command but ``config`` works with)."""
    return Settings.from_config(load_config(path, user_file=user_file, user=user))
