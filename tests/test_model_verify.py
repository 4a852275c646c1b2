"""`model verify --model FILE` for a file not in the manifest: it must at least load."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from posturewatch.cli.main import build_parser
from posturewatch.errors import ModelError


def invoke(*argv: str | Path) -> int:
    args = build_parser().parse_args([str(a) for a in argv])
    return args.func(args)


def test_unloadable_unpinned_file_fails(tmp_path: Path) -> None:
    junk = tmp_path / "mine.task"
    junk.write_bytes(b"PK\x03\x04 not really a model" * 64)
    with pytest.raises(ModelError, match="cannot load pose model .*mine.task"):
        invoke("model", "verify", "--model", junk)


def test_loadable_unpinned_file_is_reported_as_loadable_but_unpinned(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], model: Path
) -> None:
    mine = tmp_path / "mine.task"
    shutil.copyfile(model, mine)
    assert invoke("model", "verify", "--model", mine) == 0
    text = capsys.readouterr().out
    assert "loads" in text and "unpinned" in text
    assert invoke("model", "verify", "--model", mine, "--json") == 0
    report = json.loads(capsys.readouterr().out)
    assert report["verified"] is False and report["loadable"] is True
