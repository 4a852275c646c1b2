"""`rules` and `guidance` name each source document by its title as well as its file name;
the titles ship as data (the [sources] table of config/guidance.toml), checked on load."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from posturewatch.cli.main import build_parser
from posturewatch.core.guidance import GuidanceError
from posturewatch.storage.catalog_file import load_catalog

CATALOG = load_catalog()
RAPID = "Rapid Relief Strategies for Back Spasms and Pain"
OURS = {"004_d5f48cbdaf88caef.txt"}  # its first line is a sentence: the title is our words


def invoke(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    args = build_parser().parse_args(list(argv))
    assert args.func(args) == 0
    return capsys.readouterr().out


def test_every_cited_document_has_a_title() -> None:
    cited = {s for entry in CATALOG.entries for s in entry.sources}
    assert cited <= set(CATALOG.documents)
    assert CATALOG.documents["002_cfa01021598e5606.txt"] == RAPID


def test_titles_are_the_documents_own_headings(seeds: Path) -> None:
    for name, title in CATALOG.documents.items():
        if name in OURS:
            continue
        lines = [line.strip() for line in (seeds / name).read_text(encoding="utf-8").splitlines()]
        assert title in lines, f"{name}: {title!r} is not a line of the document"


CITED_ONLY = """
[[entry]]
id = "x"
title = "X"
kind = "habit"
steps = ["do it"]
duration = "a while"
why = "because"
brief = "because, briefly"
cautions = ["gently"]
sources = ["002_cfa01021598e5606.txt"]
"""


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("", "cites 002_cfa01021598e5606.txt, which has no title"),
        ('[sources]\n"002_cfa01021598e5606.txt" = ""\n', "title must be non-empty text"),
        ('[sources]\n"002_cfa01021598e5606.txt" = "T"\n"notes.txt" = "N"\n',
         "'notes.txt' is not a seed file name"),
    ],
)
def test_broken_titles_are_refused(tmp_path: Path, table: str, message: str) -> None:
    path = tmp_path / "guidance.toml"
    path.write_text(table + CITED_ONLY, encoding="utf-8")
    with pytest.raises(GuidanceError, match=re.escape(message)):
        load_catalog(path)


def test_rules_text_shows_title_and_file(capsys: pytest.CaptureFixture[str]) -> None:
    text = invoke(capsys, "rules")
    assert f"{RAPID} (002_cfa01021598e5606.txt)" in text
    for name in re.findall(r"\d{3}_[0-9a-f]{16}\.txt", text):
        assert f"{CATALOG.documents[name]} ({name})" in text


def test_rules_json_has_file_and_title(capsys: pytest.CaptureFixture[str]) -> None:
    for rule in json.loads(invoke(capsys, "rules", "--json"))["rules"]:
        assert [d["file"] for d in rule["documents"]] == rule["sources"]
        assert all(d["title"] == CATALOG.documents[d["file"]] for d in rule["documents"])


def test_guidance_shows_title_and_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert f"{RAPID} (002_cfa01021598e5606.txt)" in invoke(capsys, "guidance", "wall_angel")
    entry = json.loads(invoke(capsys, "guidance", "wall_angel", "--json"))
    assert entry["documents"] == [{"file": "002_cfa01021598e5606.txt", "title": RAPID}]
    listing = json.loads(invoke(capsys, "guidance", "--json"))
    assert all(e["documents"] and len(e["documents"]) == len(e["sources"]) for e in listing)
