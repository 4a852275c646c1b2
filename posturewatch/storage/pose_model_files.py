"""Pose model files: the pinned manifest, where a model is looked for, and its one download.

A managed model is used only once its size and SHA-256 match ``models/manifest.toml``: a
wrong or truncated file would otherwise fail later inside MediaPipe with a message that
names neither the file nor the fix. The explicit, verified download in :func:`fetch` is the
only network access posturewatch makes.

Environment:
  POSTUREWATCH_MODEL_DIR       a directory searched first for the variant's file
  POSTUREWATCH_MODEL_URL_BASE  a mirror: download BASE/<file> instead of the pinned URL
                               (the file must still match the pinned size and SHA-256)
"""

from __future__ import annotations

import hashlib
import http.client
import logging
import os
import sys
import tempfile
import tomllib
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from posturewatch.core.typed_settings import ModelSettings
from posturewatch.errors import Interrupted, ModelError
from posturewatch.storage import paths
from posturewatch.storage.private import ours, private_folder

ENV_MODEL_DIR = "POSTUREWATCH_MODEL_DIR"
ENV_URL_BASE = "POSTUREWATCH_MODEL_URL_BASE"
_CHUNK = 1 << 20
_TIMEOUT_S = 30.0

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModelSpec:
    """One pinned model file: where it comes from and the exact bytes it must be."""

    name: str
    file: str
    url: str
    size: int
    sha256: str


def load_manifest() -> dict[str, ModelSpec]:
    """The variants in ``models/manifest.toml``, by name (lite, full, heavy)."""
    path = paths.bundled_models("manifest.toml")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        return {
            name: ModelSpec(
                name, str(e["file"]), str(e["url"]), int(e["size"]), str(e["sha256"]).lower()
            )
            for name, e in data.items()
        }
    except KeyError as exc:
        problem = f"an entry lacks the key {exc}"
    except (OSError, tomllib.TOMLDecodeError, TypeError, ValueError) as exc:
        problem = str(exc)
    raise ModelError(f"cannot read the model manifest {path}: {problem}", "reinstall posturewatch")


def get_spec(name: str) -> ModelSpec:
    """The manifest entry called ``name``; an unknown name is refused with the known ones."""
    manifest = load_manifest()
    if name not in manifest:
        raise ModelError(f"unknown model variant {name!r}", f"use one of: {', '.join(manifest)}")
    return manifest[name]


def spec_for(path: Path) -> ModelSpec | None:
    """The manifest entry whose file name ``path`` has: a file so named must be that model."""
    return next((s for s in load_manifest().values() if s.file == path.name), None)


def identify(path: Path) -> ModelSpec:
    """The pinned variant a file is, byte for byte, whatever it is called (a copy carried
    over on a stick may have been renamed); a ModelError naming the fix if it is none."""
    manifest = load_manifest()
    try:
        size = path.stat().st_size
        digest = next((_sha256(path) for s in manifest.values() if s.size == size), None)
    except OSError as exc:
        raise ModelError(f"cannot read {path}: {exc.strerror or exc}", "check the path") \
            from None
    for spec in manifest.values():
        if spec.size == size and spec.sha256 == digest:
            return spec
    wanted = manifest.get("full") or next(iter(manifest.values()))
    raise ModelError(
        f"{path} ({size:,} bytes) is none of the pinned pose models "
        f"({', '.join(manifest)}): a wrong or damaged file",
        f"copy the file from {wanted.url} again (SHA-256 {wanted.sha256}), or load a "
        "model of your own with --model PATH",
    )


def download_url(spec: ModelSpec) -> str:
    """The pinned URL, or ``BASE/<file>`` when POSTUREWATCH_MODEL_URL_BASE names a mirror."""
    base = os.environ.get(ENV_URL_BASE, "").strip()
    return f"{base.rstrip('/')}/{spec.file}" if base else spec.url


def download_dir() -> Path:
    """Where downloads go: the user's cache, never the package or the working directory."""
    return paths.user_cache_dir() / "models"


def search_dirs() -> list[Path]:
    """The managed directories searched for a variant's file, in order (first match wins)."""
    env = os.environ.get(ENV_MODEL_DIR, "").strip()
    first = [Path(env).expanduser()] if env else []
    shipped = paths.bundled_models_dir()
    return [*first, *([shipped] if shipped else []), download_dir()]


def locate(spec: ModelSpec) -> Path | None:
    """The first managed copy of ``spec``'s file, not yet verified; None if there is none."""
    for directory in search_dirs():
        candidate = directory / spec.file
        if candidate.is_file():
            return candidate
    return None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def problem(path: Path, spec: ModelSpec) -> str | None:
    """What is wrong with ``path`` as ``spec``'s file, or None. Size first: it is free."""
    try:
        size = path.stat().st_size
        if size != spec.size:
            return f"has {size:,} bytes, expected {spec.size:,} bytes with SHA-256 {spec.sha256}"
        digest = _sha256(path)
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    if digest != spec.sha256:
        return f"has SHA-256 {digest}, expected {spec.sha256} ({spec.size:,} bytes)"
    return None


def verify(path: Path, spec: ModelSpec) -> None:
    """Refuse a file that is not byte for byte the pinned model, naming the fix."""
    found = problem(path, spec)
    if found:
        raise ModelError(
            f"model file {path} {found}",
            f"re-download it with `posturewatch model fetch {spec.name}`, or delete the file",
        )
    log.debug("verified %s (SHA-256 %s)", path, spec.sha256)


def resolve_model(
    settings: ModelSettings,
    cli_path: Path | None = None,
    *,
    variant: str | None = None,
    download: bool = True,
    progress: bool = True,
) -> Path:
    """The model file to load. In order: ``--model`` (``cli_path``), the config's
    ``model.path``, then the variant's file in POSTUREWATCH_MODEL_DIR, the package's
    ``models/`` and the user cache; if none has it and ``download`` is allowed, it is
    downloaded into the cache. ``variant`` overrides the config's ``model.variant``."""
    spec = get_spec(variant or settings.variant)
    if cli_path is not None:
        return _explicit(cli_path, "--model")
    if settings.path:
        return _explicit(Path(settings.path).expanduser(), "model.path in the config")
    found = locate(spec)
    if found is not None:
        verify(found, spec)  # a damaged copy is an error, never silently skipped
        return found
    if not download:
        where = ", ".join(str(d) for d in search_dirs())
        raise ModelError(
            f"the {spec.name} pose model ({spec.file}) is not in {where}",
            f"run `posturewatch model fetch {spec.name}`, or pass --model PATH",
        )
    return fetch(spec, download_dir(), progress=progress)


def _explicit(path: Path, origin: str) -> Path:
    """A file the user named: it must exist, and is verified if it is one of ours by name."""
    if not path.is_file():
        raise ModelError(
            f"no model file at {path} (from {origin})",
            "check the path, or leave it unset to use the managed model",
        )
    spec = spec_for(path)
    if spec is not None:
        verify(path, spec)
    else:
        log.info("using your own model %s (not in the manifest, so not verified)", path)
    return path


def fetch(
    spec: ModelSpec, dest_dir: Path, *, url: str | None = None, progress: bool = True
) -> Path:
    """Download ``spec`` into ``dest_dir`` (from ``url``, else :func:`download_url`).

    The bytes go to a temporary name beside the target and only a verified file is renamed
    into place, so a failed or interrupted download never leaves a half-written model."""
    source = url or download_url(spec)
    if urllib.parse.urlsplit(source).scheme not in ("http", "https", "file"):
        raise ModelError(
            f"cannot download {source}: not an http(s) or file URL", f"check {ENV_URL_BASE}"
        )
    try:
        private_folder(dest_dir)
        fd, name = tempfile.mkstemp(prefix=f".{spec.file}.", suffix=".part", dir=dest_dir)
    except OSError as exc:
        raise ModelError(
            f"cannot write to {dest_dir}: {exc.strerror or exc}",
            "check the directory's permissions and free space",
        ) from None
    temp, target = Path(name), dest_dir / spec.file
    log.info("downloading %s (%s bytes) from %s", spec.file, f"{spec.size:,}", source)
    try:
        _download(source, fd, temp, spec, progress, dest_dir)
        # kept private (mkstemp's 0600) in the user's cache; a model is not a secret,
        # so one kept beside the program (a checkout's models/) is for everyone to read
        if not ours(dest_dir):
            os.chmod(temp, 0o644)
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    log.info("downloaded and verified %s", target)
    return target


def _download(
    source: str, fd: int, temp: Path, spec: ModelSpec, progress: bool, dest_dir: Path
) -> None:
    """Stream ``source`` into the open temporary file ``fd`` and check the result; every
    failure becomes a one-line :class:`ModelError`."""
    failed = f"download of {source} failed"
    mirror = f" and {ENV_URL_BASE}" if os.environ.get(ENV_URL_BASE, "").strip() else \
        f" (or set {ENV_URL_BASE} to a mirror)"
    fix = (f"check the network{mirror}; with no internet here, download "
           f"{'that file' if source == spec.url else spec.url} on another machine, then "
           f"run `posturewatch model fetch PATH/{spec.file}` here")
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(
            source, timeout=_TIMEOUT_S
        ) as response:
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) != spec.size:
                raise ModelError(
                    f"{failed}: the server offers {int(declared):,} bytes, "
                    f"expected {spec.size:,} bytes with SHA-256 {spec.sha256}",
                    fix,
                )
            with tqdm(
                total=spec.size,
                unit="B",
                unit_scale=True,
                unit_divisor=1024,
                desc=spec.file,
                file=sys.stderr,
                leave=False,
                disable=not (progress and sys.stderr.isatty()),
            ) as bar:
                received = 0
                while chunk := response.read(_CHUNK):
                    received += len(chunk)
                    if received > spec.size:  # no Content-Length: stop a wrong file early
                        raise ModelError(
                            f"{failed}: the server sent more than the expected "
                            f"{spec.size:,} bytes (SHA-256 {spec.sha256})",
                            fix,
                        )
                    out.write(chunk)
                    bar.update(len(chunk))
        found = problem(temp, spec)
    except urllib.error.HTTPError as exc:
        raise ModelError(f"{failed}: HTTP {exc.code} {exc.reason}", fix) from None
    except urllib.error.URLError as exc:
        raise ModelError(f"{failed}: {_reason(exc.reason)}", fix) from None
    except (OSError, http.client.HTTPException) as exc:
        raise ModelError(f"{failed}: {_reason(exc)}", fix) from None
    except KeyboardInterrupt:
        raise Interrupted(
            f"download of {source} interrupted; nothing was kept",
            f"run `posturewatch model fetch {spec.name}` to start again",
        ) from None
    if found:
        raise ModelError(f"{failed}: the file {found}", fix)


def _reason(reason: object) -> str:
    """A short, one-line cause: ``Connection refused`` rather than ``[Errno 111] ...``."""
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror
    return " ".join(str(reason).split()) or type(reason).__name__
