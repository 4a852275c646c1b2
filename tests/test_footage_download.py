"""How the tests get their footage: the pinned list, its verified download (against a
loopback server serving the real files) and CI's refusal to skip a footage test."""

from __future__ import annotations

import re
import shutil
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

import footage

PINS = footage.load_pins()
RAW = re.compile(r"^https://raw\.githubusercontent\.com/[\w.-]+/[\w.-]+/[0-9a-f]{40}/\S+$")


def test_every_pin_is_a_full_commit_url_or_our_own_text() -> None:
    assert len(PINS) == len({pin.path for pin in PINS}) >= 40
    for pin in PINS:
        assert (pin.url is None) != (pin.text is None), pin.path
        assert pin.url is None or RAW.match(pin.url), pin.url
        assert pin.text is None or pin.path.endswith("labels.csv"), pin.path
        assert len(pin.sha256) == 64 and pin.size > 0


@pytest.fixture(scope="module")
def server(testdata: Path) -> Iterator[str]:
    """A 127.0.0.1 server: ``/good/<path>`` serves the real file, ``/corrupt/<path>`` the
    same bytes with one flipped, anything else is a 404."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            route, _, rel = self.path.strip("/").partition("/")
            file = testdata / rel
            if route not in ("good", "corrupt") or ".." in rel or not file.is_file():
                self.send_error(404)
                return
            body = bytearray(file.read_bytes())
            if route == "corrupt":
                body[len(body) // 2] ^= 0xFF
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(bytes(body))

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    httpd.server_close()


def test_download_fills_the_folder_with_verified_files(server: str, tmp_path: Path) -> None:
    lines: list[str] = []
    root = footage.ensure(tmp_path / "testdata", PINS,
                          url_for=lambda pin: f"{server}/good/{pin.path}", progress=lines.append)
    footage.check_folder(root, PINS)  # every file byte for byte as pinned
    assert len(lines) == len(PINS) and lines[-1].startswith(f"posturewatch tests: fetching "
                                                             f"footage {len(PINS)}/{len(PINS)}")
    assert not list(root.rglob(".*.part"))
    again: list[str] = []
    footage.ensure(root, PINS, url_for=lambda pin: None, progress=again.append)
    assert again == []  # nothing fetched twice


def test_a_corrupted_download_is_refused_and_nothing_is_left(server: str, tmp_path: Path) -> None:
    pin = next(p for p in PINS if p.path.endswith("demo.gif"))
    with pytest.raises(footage.FootageError) as caught:
        footage.fetch(pin, tmp_path, url=f"{server}/corrupt/{pin.path}")
    message = str(caught.value)
    assert "refused" in message and pin.sha256 in message and "\n" not in message
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_a_missing_file_is_one_clear_error(server: str, tmp_path: Path) -> None:
    pin = PINS[0]
    with pytest.raises(footage.FootageError, match=r"^download of \S+/nowhere/\S+ failed: "
                                                   r"HTTP 404 [^\n]*$"):
        footage.fetch(pin, tmp_path, url=f"{server}/nowhere/{pin.path}")
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_no_server_at_all_says_how_to_fix_it(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(footage.FootageError, match="failed"):
        footage.ensure(tmp_path, PINS[:1], url_for=lambda pin: f"http://127.0.0.1:{port}/x")


def test_a_named_folder_with_a_wrong_file_is_refused_with_the_fix(
    testdata: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(testdata, copy)
    (copy / "side-view" / "recline.jpg").write_bytes(b"not the photo")
    with pytest.raises(footage.FootageError) as caught:
        footage.locate(copy, given=True)
    assert "recline.jpg has 13 bytes" in str(caught.value)
    assert footage.ENV_TESTDATA in str(caught.value)


def test_in_ci_a_test_without_footage_fails_instead_of_skipping(
    pytester: pytest.Pytester, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real conftest in a fresh pytest process, footage pointed at an empty folder."""
    here = Path(__file__).parent
    for name in ("conftest.py", "footage.py", "footage.toml"):
        shutil.copy(here / name, pytester.path / name)
    pytester.makepyfile(test_needs_footage="def test_x(testdata):\n    pass\n",
                        test_plain="def test_y():\n    pass\n")
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv(footage.ENV_TESTDATA, str(empty))
    monkeypatch.setenv("POSTUREWATCH_REQUIRE_FOOTAGE", "1")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-rA")
    result.assert_outcomes(passed=1, errors=1)  # the fixture's skip, reported as an error
    result.stdout.fnmatch_lines(["*skipped although POSTUREWATCH_REQUIRE_FOOTAGE=1*"])
