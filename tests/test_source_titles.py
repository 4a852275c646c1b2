"""Each source document is named as a reader can look it up: its title, publisher and date
(the documents do not ship, so our file name for them means nothing to a reader) in
`rules`, `guidance`, the guidance pages and the report; the file name stays in the JSON
and in a page's small print. The facts ship as data (the [sources] table of
config/guidance.toml), are checked on load, and checked against the documents here."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from posturewatch.app.guidance_page import render, warning_signs_html
from posturewatch.cli.main import build_parser
from posturewatch.core.guidance import GuidanceError
from posturewatch.storage.catalog_file import load_catalog

CATALOG = load_catalog()
RAPID = "Rapid Relief Strategies for Back Spasms and Pain"
FILE_NAME = re.compile(r"\d{3}_[0-9a-f]{16}\.txt")
# what each document says of who put it out, as its text spells it
PUBLISHER_IN_TEXT = {"000_c5fac0d417a8ca6a.txt": "DR-HO'S Blog",
                     "001_2042b663b925d294.txt": "HealthDay",
                     "003_ae7d2296ab64cd8b.txt": "Holistiq Spine and Orthopedics",
                     "004_d5f48cbdaf88caef.txt": "Spinal Backrack"}


def invoke(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    args = build_parser().parse_args(list(argv))
    assert args.func(args) == 0
    return capsys.readouterr().out


def test_every_cited_document_has_a_title() -> None:
    cited = {s for entry in CATALOG.entries for s in entry.sources}
    assert cited <= set(CATALOG.documents)
    assert CATALOG.title_of("002_cfa01021598e5606.txt") == RAPID


def test_titles_publishers_and_dates_are_the_documents_own(seeds: Path) -> None:
    for name, document in CATALOG.documents.items():
        text = (seeds / name).read_text(encoding="utf-8")
        lines = [line.strip() for line in text.splitlines()]
        assert document.untitled or document.title in lines, name
        if name in PUBLISHER_IN_TEXT:
            assert PUBLISHER_IN_TEXT[name] in text, name
            assert document.publisher.split()[0].rstrip("'S").upper() in text.upper(), name
        else:
            assert document.publisher == "", f"{name} names no publisher"
        if document.published:
            day = document.published
            spelled = (f"{day:%B} {day.day}, {day.year}", f"{day:%B} {day.day} {day.year}")
            assert any(form in text for form in spelled), name


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
        ('[sources]\n"002_cfa01021598e5606.txt" = { title = "" }\n',
         "title must be non-empty text"),
        ('[sources]\n"002_cfa01021598e5606.txt" = "T"\n', "must be a table of"),
        ('[sources]\n"002_cfa01021598e5606.txt" = { title = "T", date = "June 2023" }\n',
         "date must be a day such as 2023-06-22"),
        ('[sources]\n"002_cfa01021598e5606.txt" = { title = "T" }\n"notes.txt" = { title = '
         '"N" }\n', "'notes.txt' is not a seed file name"),
    ],
)
def test_broken_sources_are_refused(tmp_path: Path, table: str, message: str) -> None:
    path = tmp_path / "guidance.toml"
    path.write_text(table + CITED_ONLY, encoding="utf-8")
    with pytest.raises(GuidanceError, match=re.escape(message)):
        load_catalog(path)


def test_a_citation_says_what_is_not_known() -> None:
    assert CATALOG.cite("002_cfa01021598e5606.txt") == \
        f"{RAPID} — publisher not named, undated"
    assert CATALOG.cite("001_2042b663b925d294.txt").endswith(", 22 June 2023")
    assert "(untitled; our description)" in CATALOG.cite("004_d5f48cbdaf88caef.txt")


def test_rules_and_guidance_text_cite_without_file_names(
    capsys: pytest.CaptureFixture[str]
) -> None:
    for argv in (["rules"], ["guidance", "wall_angel"], ["guidance", "sit_tall"]):
        text = invoke(capsys, *argv)
        assert f"{RAPID} — publisher not named, undated" in text
        assert not FILE_NAME.search(text), text


def test_the_json_keeps_the_file_with_title_publisher_and_date(
    capsys: pytest.CaptureFixture[str]
) -> None:
    for rule in json.loads(invoke(capsys, "rules", "--json"))["rules"]:
        assert [d["file"] for d in rule["documents"]] == rule["sources"]
        assert all(d["title"] == CATALOG.title_of(d["file"]) for d in rule["documents"])
    entry = json.loads(invoke(capsys, "guidance", "wall_angel", "--json"))
    assert entry["documents"] == [{"file": "002_cfa01021598e5606.txt", "title": RAPID,
                                   "publisher": None, "date": None, "untitled": False}]
    listing = json.loads(invoke(capsys, "guidance", "--json"))
    assert all(e["documents"] and len(e["documents"]) == len(e["sources"]) for e in listing)
    news = CATALOG.document("001_2042b663b925d294.txt")
    assert news["date"] == "2023-06-22" and news["publisher"].startswith("HealthDay")


def test_pages_and_the_report_cite_for_readers_with_the_file_in_small_print() -> None:
    page = render(CATALOG.get("cold_and_heat"), CATALOG)
    cited = re.findall(r"<li>([^<]*) <small class=\"file\">our copy: ([^<]*)</small></li>", page)
    assert cited and all(text == CATALOG.cite(name).replace("'", "&#x27;")
                         for text, name in cited)
    # outside the small print, no file name: the warning signs (pages and the report)
    visible = re.sub(r'<small class="file">[^<]*</small>', "", page)
    assert not FILE_NAME.search(visible)
    signs = warning_signs_html(CATALOG)
    assert not FILE_NAME.search(signs)
    assert all(CATALOG.cite(name).replace("'", "&#x27;") in signs
               for name in CATALOG.get("see_a_professional").sources)
