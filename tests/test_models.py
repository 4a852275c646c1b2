"""The model manager on real bytes over real HTTP.

The real ``full`` model (the ``model`` fixture) is served, with a corrupted, a truncated
and a cut-off copy, by an ``http.server`` on 127.0.0.1; downloads go
to pytest's tmp directories, never to the home directory or the repository.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from posturewatch.core.typed_settings import ModelSettings
from posturewatch.errors import ModelError
from posturewatch.storage import paths
from posturewatch.storage import pose_model_files as models
from posturewatch.storage.config_file import load_settings

from conftest import Result, run_cli

FILE = "pose_landmarker_full.task"
PACKAGE_MODELS = paths.bundled_models_dir()  # the real one, before any test patches it


@pytest.fixture(scope="module")
def full_bytes(model: Path) -> bytes:
    return model.read_bytes()


@pytest.fixture(scope="module")
def server(full_bytes: bytes) -> Iterator[str]:
    """Base URL of a loopback server; its routes serve good and bad copies of the model."""
    half = len(full_bytes) // 2
    flipped = bytearray(full_bytes)
    flipped[half] ^= 0xFF
    stop = threading.Event()
    # route -> (body, Content-Length to announce or None, seconds to stall after the body)
    routes: dict[str, tuple[bytes, int | None, float]] = {
        "good": (full_bytes, len(full_bytes), 0),
        "corrupt": (bytes(flipped), len(full_bytes), 0),
        "truncated": (full_bytes[:half], half, 0),  # honest about its short length
        "cut": (full_bytes[:half], len(full_bytes), 0),  # connection drops mid-file
        "long": (full_bytes + b"x", None, 0),  # no Content-Length, one byte too many
        "slow": (full_bytes[:65536], len(full_bytes), 10.0),  # stalls: time to press Ctrl-C
    }

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            route, _, name = self.path.strip("/").partition("/")
            if route not in routes or name != FILE:
                self.send_error(404)
                return
            body, length, stall = routes[route]
            self.send_response(200)
            if length is not None:
                self.send_header("Content-Length", str(length))
            self.end_headers()
            try:
                self.wfile.write(body)
                self.wfile.flush()
            except ConnectionError:  # the client rightly hung up on a wrong file
                return
            stop.wait(stall)

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    stop.set()
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture()
def dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """Package ``models/`` and user cache moved into tmp; no model env vars, no proxy."""
    package, cache = tmp_path / "package", tmp_path / "cache"
    package.mkdir()
    (package / "manifest.toml").write_bytes((PACKAGE_MODELS / "manifest.toml").read_bytes())
    monkeypatch.setattr(paths, "bundled_models_dir", lambda: package)
    monkeypatch.setattr(paths, "user_cache_dir", lambda: cache)
    monkeypatch.delenv(models.ENV_MODEL_DIR, raising=False)
    monkeypatch.delenv(models.ENV_URL_BASE, raising=False)
    monkeypatch.setenv("no_proxy", "*")
    return {"package": package, "cache_models": cache / "models", "tmp": tmp_path}


@pytest.fixture()
def make_config(tmp_path: Path) -> Callable[..., ModelSettings]:
    """The [model] settings with ``model.path`` set as given, ignoring the real user's
    config file."""

    def make(model_path: str = "") -> ModelSettings:
        file = tmp_path / "config.toml"
        file.write_text(f"[model]\npath = '{model_path}'\n", encoding="utf-8")
        return load_settings(file, user_file=tmp_path / "no-user-config.toml").model

    return make


def _place(directory: Path, data: bytes, name: str = FILE) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).write_bytes(data)
    return directory / name


def _one_line(message: str) -> str:
    assert "\n" not in message and message.strip(), message
    return message


@pytest.fixture()
def full() -> models.ModelSpec:
    return models.get_spec("full")


def test_manifest_pins_every_variant_by_version() -> None:
    manifest = models.load_manifest()
    assert set(manifest) == {"lite", "full", "heavy"}
    for spec in manifest.values():
        assert "/1/" in spec.url and "/latest/" not in spec.url, spec.url
        assert spec.url.endswith("/" + spec.file)
        assert len(spec.sha256) == 64 and spec.size > 1_000_000


def test_manifest_matches_the_real_full_model(
    model: Path, full_bytes: bytes, full: models.ModelSpec
) -> None:
    assert full.file == FILE and full.size == len(full_bytes)
    models.verify(model, full)


def test_verify_names_file_hash_and_fix(
    tmp_path: Path, full_bytes: bytes, full: models.ModelSpec
) -> None:
    flipped = bytearray(full_bytes)
    flipped[1000] ^= 1
    for data, detail in ((bytes(flipped), "has SHA-256"), (full_bytes[:-1], "9,398,197 bytes")):
        path = _place(tmp_path, data)
        with pytest.raises(ModelError) as caught:
            models.verify(path, full)
        message = _one_line(str(caught.value))
        assert str(path) in message and full.sha256 in message and detail in message
        assert "posturewatch model fetch full" in message and "delete the file" in message


def test_fetch_through_mirror_lands_verified_file(
    server: str, dirs: dict[str, Path], monkeypatch: pytest.MonkeyPatch,
    full_bytes: bytes, full: models.ModelSpec,
) -> None:
    monkeypatch.setenv(models.ENV_URL_BASE, f"{server}/good/")
    dest = dirs["tmp"] / "downloads"
    assert models.download_url(full) == f"{server}/good/{FILE}"
    path = models.fetch(full, dest, progress=False)
    assert path == dest / FILE and path.read_bytes() == full_bytes
    assert os.listdir(dest) == [FILE]  # no temporary file left


@pytest.mark.parametrize(
    ("route", "detail"),
    [
        ("corrupt", "has SHA-256"),
        ("truncated", "the server offers 4,699,099 bytes"),
        ("cut", "has 4,699,099 bytes"),
        ("long", "sent more than the expected 9,398,198 bytes"),
    ],
)
def test_bad_download_is_refused_and_leaves_nothing(
    server: str, dirs: dict[str, Path], full: models.ModelSpec, route: str, detail: str
) -> None:
    dest = dirs["tmp"] / "downloads"
    with pytest.raises(ModelError) as caught:
        models.fetch(full, dest, url=f"{server}/{route}/{FILE}", progress=False)
    message = _one_line(str(caught.value))
    assert detail in message and full.sha256 in message and "failed" in message
    assert list(dest.iterdir()) == []


def test_http_404_and_refused_connection_are_one_line(
    server: str, dirs: dict[str, Path], full: models.ModelSpec
) -> None:
    dest = dirs["tmp"] / "downloads"
    with pytest.raises(ModelError) as caught:
        models.fetch(full, dest, url=f"{server}/nowhere/{FILE}", progress=False)
    assert "HTTP 404" in _one_line(str(caught.value))
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(ModelError) as caught:
        models.fetch(full, dest, url=f"http://127.0.0.1:{port}/{FILE}", progress=False)
    message = _one_line(str(caught.value))
    assert "refused" in message.lower() and "check the network" in message
    assert list(dest.iterdir()) == []


def test_resolution_order_each_level_wins_over_the_later_ones(
    server: str, dirs: dict[str, Path], make_config: Callable[..., ModelSettings],
    monkeypatch: pytest.MonkeyPatch, full_bytes: bytes,
) -> None:
    tmp = dirs["tmp"]
    cli = _place(tmp / "cli", b"the user's own model", "mine.task")  # taken as is
    from_config = _place(tmp / "config", full_bytes)  # manifest name: verified
    env_dir = tmp / "env"
    in_env = _place(env_dir, full_bytes)
    in_package = _place(dirs["package"], full_bytes)
    in_cache = _place(dirs["cache_models"], full_bytes)
    monkeypatch.setenv(models.ENV_MODEL_DIR, str(env_dir))

    assert models.resolve_model(make_config(str(from_config)), cli) == cli
    assert models.resolve_model(make_config(str(from_config))) == from_config
    assert models.resolve_model(make_config()) == in_env
    monkeypatch.delenv(models.ENV_MODEL_DIR)
    assert models.resolve_model(make_config()) == in_package
    in_package.unlink()
    assert models.resolve_model(make_config()) == in_cache
    in_cache.unlink()
    with pytest.raises(ModelError) as caught:
        models.resolve_model(make_config(), download=False)
    assert "posturewatch model fetch full" in _one_line(str(caught.value))
    monkeypatch.setenv(models.ENV_URL_BASE, f"{server}/good")
    assert models.resolve_model(make_config(), progress=False) == in_cache
    assert in_cache.read_bytes() == full_bytes


def test_corrupt_file_in_model_dir_is_refused_not_skipped(
    dirs: dict[str, Path], make_config: Callable[..., ModelSettings],
    monkeypatch: pytest.MonkeyPatch, full_bytes: bytes, full: models.ModelSpec,
) -> None:
    bad = _place(dirs["tmp"] / "env", full_bytes[:-10] + b"0123456789")
    _place(dirs["cache_models"], full_bytes)  # a good copy later in the order
    monkeypatch.setenv(models.ENV_MODEL_DIR, str(bad.parent))
    with pytest.raises(ModelError) as caught:
        models.resolve_model(make_config())
    message = _one_line(str(caught.value))
    assert str(bad) in message and full.sha256 in message


def test_explicit_paths(
    dirs: dict[str, Path], make_config: Callable[..., ModelSettings], full_bytes: bytes
) -> None:
    missing = dirs["tmp"] / "nope.task"
    with pytest.raises(ModelError, match=r"no model file at .*nope\.task \(from --model\)"):
        models.resolve_model(make_config(), missing)
    with pytest.raises(ModelError, match=r"from model\.path in the config"):
        models.resolve_model(make_config(str(missing)))
    damaged = _place(dirs["tmp"] / "mine", full_bytes[:100])  # named like ours: verified
    with pytest.raises(ModelError, match="has 100 bytes"):
        models.resolve_model(make_config(), damaged)
    with pytest.raises(ModelError, match="unknown model variant 'huge' — use one of: lite"):
        models.resolve_model(make_config(), variant="huge")
    with pytest.raises(ModelError, match="the lite pose model"):
        models.resolve_model(make_config(), variant="lite", download=False)


# --- the command line, end to end -------------------------------------------------------


@pytest.fixture()
def cli_env(tmp_path: Path, server: str) -> dict[str, str]:
    """The environment for the command: home, cache and config in tmp, the loopback mirror."""
    if (PACKAGE_MODELS / FILE).exists():
        pytest.skip(f"{PACKAGE_MODELS / FILE} exists, so nothing is ever downloaded here")
    env = {k: v for k, v in os.environ.items() if not k.startswith("POSTUREWATCH_")}
    for var in ("HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME"):
        env[var] = str(tmp_path / var.lower())
    env.update(no_proxy="*", POSTUREWATCH_MODEL_URL_BASE=f"{server}/good")
    return env


@pytest.fixture()
def cli(
    tmp_path: Path, cli_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> Callable[..., Result]:
    """Run ``posturewatch model ARGS`` in process (keyword arguments add to the env)."""
    monkeypatch.chdir(tmp_path)

    def run(*args: str, **extra_env: str) -> Result:
        with pytest.MonkeyPatch.context() as patch:
            for var in [v for v in os.environ if v.startswith("POSTUREWATCH_")]:
                patch.delenv(var)
            for var, value in {**cli_env, **extra_env}.items():
                patch.setenv(var, value)
            return run_cli("model", *args, check=False)

    return run


def _assert_one_line_error(result: Result, *parts: str) -> None:
    assert result.returncode == 4, result
    assert result.stdout == "" and "Traceback" not in result.stderr
    (line,) = result.stderr.splitlines()
    assert line.startswith("posturewatch: error: ")
    for part in parts:
        assert part in line, line


def test_cli_fetch_verify_path_list(
    cli: Callable[..., Result], tmp_path: Path, full_bytes: bytes
) -> None:
    _assert_one_line_error(cli("path"), "posturewatch model fetch full")

    fetched = cli("fetch", "--json")
    assert fetched.returncode == 0, fetched.stderr
    report = json.loads(fetched.stdout)
    path = Path(report["path"])
    assert report["downloaded"] and path.is_relative_to(tmp_path) and path.name == FILE
    assert path.read_bytes() == full_bytes and os.listdir(path.parent) == [FILE]

    again = cli("fetch")
    assert again.returncode == 0 and again.stdout.startswith("already present and verified")
    verified = cli("verify")
    assert verified.returncode == 0 and verified.stdout.startswith(f"OK: {path} is the full")
    located = cli("path")
    assert located.returncode == 0 and located.stdout.strip() == str(path)

    listed = cli("list", "--json")
    assert listed.returncode == 0, listed.stderr
    report = json.loads(listed.stdout)
    assert report["download_dir"] == str(path.parent)
    rows = {row["name"]: row for row in report["models"]}
    assert rows["full"]["present"] and rows["full"]["ok"] and rows["full"]["selected"]
    assert rows["full"]["path"] == str(path)
    assert not rows["lite"]["present"] and rows["lite"]["path"] is None


def test_cli_errors_are_one_line_and_fetch_repairs(
    cli: Callable[..., Result], server: str, tmp_path: Path,
    full_bytes: bytes,
) -> None:
    missing = tmp_path / "missing"
    _assert_one_line_error(cli("fetch", POSTUREWATCH_MODEL_URL_BASE=f"{server}/nowhere"),
                           "HTTP 404")
    _assert_one_line_error(cli("verify", "--model", str(missing)), str(missing))
    _assert_one_line_error(cli("fetch", "huge"), "unknown model variant 'huge'")

    damaged = _place(tmp_path / "models", full_bytes[:-1] + b"!")
    in_dir = {"POSTUREWATCH_MODEL_DIR": str(damaged.parent)}
    _assert_one_line_error(cli("verify", **in_dir), str(damaged), "posturewatch model fetch full")
    repaired = cli("fetch", **in_dir)  # the fix the error names: replaced where it lies
    assert repaired.returncode == 0 and repaired.stdout.strip().endswith(str(damaged))
    assert cli("verify", **in_dir).returncode == 0
    assert os.listdir(damaged.parent) == [FILE]


def test_cli_fetch_installs_a_carried_copy_offline(
    cli: Callable[..., Result], tmp_path: Path, full_bytes: bytes
) -> None:
    """No internet: `model fetch FILE` installs a copy brought over (renamed on the way),
    checked against the pinned hash; a damaged copy is refused and nothing is kept."""
    offline = {"POSTUREWATCH_MODEL_URL_BASE": "http://127.0.0.1:9/nowhere"}  # nothing listens
    stick = tmp_path / "stick"
    damaged = _place(stick, full_bytes[:-1] + b"!", "pose_landmarker_full (1).task")
    _assert_one_line_error(cli("fetch", str(damaged), **offline),
                           "is none of the pinned pose models", "copy the file from")
    assert not (tmp_path / "xdg_cache_home").exists() or not any(
        (tmp_path / "xdg_cache_home").rglob("*.task*"))

    carried = _place(stick, full_bytes, "pose_landmarker_full (1).task")
    installed = cli("fetch", str(carried), **offline)
    assert installed.returncode == 0, installed.stderr
    assert installed.stdout.startswith("copied and verified: ")
    path = Path(installed.stdout.split(": ", 1)[1].strip())
    assert path.name == FILE and path.is_relative_to(tmp_path / "xdg_cache_home")
    assert path.read_bytes() == full_bytes and os.listdir(path.parent) == [FILE]
    assert cli("path", **offline).stdout.strip() == str(path)  # what run will load
    _assert_one_line_error(cli("fetch", str(stick / "nope.task"), **offline), "no model file at")


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT is POSIX")
def test_cli_ctrl_c_during_download_leaves_nothing(
    cli: Callable[..., Result], cli_env: dict[str, str],
    server: str, tmp_path: Path,
) -> None:
    downloads = Path(json.loads(cli("list", "--json").stdout)["download_dir"])
    child = subprocess.Popen(
        [sys.executable, "-m", "posturewatch", "model", "fetch"],
        env={**cli_env, "POSTUREWATCH_MODEL_URL_BASE": f"{server}/slow"}, cwd=tmp_path,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    deadline = time.monotonic() + 20
    while not any(downloads.glob(".*.part")) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert any(downloads.glob(".*.part")), "the download never started"
    child.send_signal(signal.SIGINT)
    stdout, stderr = child.communicate(timeout=20)
    assert child.returncode == 130 and stdout == "" and "Traceback" not in stderr
    (line,) = stderr.splitlines()
    assert "interrupted; nothing was kept" in line
    assert list(downloads.iterdir()) == []
