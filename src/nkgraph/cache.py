"""Content-hash caches for the build: the input fingerprint and cached SHACL reports.

* :func:`input_fingerprint` hashes everything a build reads (``data/``, ``ontology/`` with its
  shapes, nkgraph's own code and the versions of rdflib, pySHACL and pyoxigraph). The build stores
  it in ``manifest.json``; when it is unchanged and the outputs are intact, ``nkgraph build`` does
  nothing (the no-op rebuild).
* :class:`ValidationCache` keeps SHACL reports keyed by the SHA-256 of the validated graph's
  sorted N-Triples, the shapes and the engine (``fast`` or ``pyshacl``, with its code and
  versions), in ``$NKGRAPH_CACHE_DIR`` (default
  ``$XDG_CACHE_HOME/nkgraph`` or ``~/.cache/nkgraph``). A graph validated once is never validated
  again, whichever folder it is built into.

``NKGRAPH_NO_CACHE=1`` (or ``build(..., use_cache=False)``, ``--no-cache``) turns both off for one run:
nothing earlier is reused, but the fresh reports are still recorded (:class:`RecordOnlyCache`), so the
next ordinary build reuses them.

>>> fp = input_fingerprint(ROOT)
>>> len(fp)
64
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import tempfile
from importlib import metadata
from pathlib import Path

from nkgraph.paths import PACKAGE_DIR, ROOT

__all__ = ["input_fingerprint", "ValidationCache", "cache_enabled", "cache_dir", "ROOT"]

_VERSIONED = ("nkgraph", "rdflib", "pyshacl", "pyoxigraph")


def cache_enabled(flag: bool | None = None) -> bool:
    """Whether caches may be used: ``flag`` when given, else not when ``NKGRAPH_NO_CACHE`` is set."""
    if flag is not None:
        return flag
    return os.environ.get("NKGRAPH_NO_CACHE", "").strip().lower() in ("", "0", "false", "no")


def cache_dir() -> Path:
    """Where cached reports live (``$NKGRAPH_CACHE_DIR``, else the XDG cache folder)."""
    env = os.environ.get("NKGRAPH_CACHE_DIR")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "nkgraph"


def versions() -> dict[str, str]:
    """Versions of the packages whose behaviour shapes the build's output (looked up once per process).

    >>> sorted(versions()) == sorted(_VERSIONED)
    True
    """
    return dict(_versions())


@functools.cache
def _versions() -> tuple[tuple[str, str], ...]:
    out = []
    for name in _VERSIONED:
        try:
            out.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            out.append((name, "?"))
    return tuple(out)


def _files(root: Path) -> list[Path]:
    found: list[Path] = []
    for sub in ("data", "ontology"):
        folder = root / sub
        if folder.is_dir():
            found += [p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")]
    found += [p for p in PACKAGE_DIR.rglob("*.py")]
    return sorted(set(found))


def input_fingerprint(root: Path) -> str:
    """SHA-256 over every input of a build from ``root``: paths, contents, code and versions."""
    h = hashlib.sha256()
    h.update(json.dumps(versions(), sort_keys=True).encode())
    root = root.resolve()
    for path in _files(root):
        rel = path.relative_to(root).as_posix() if path.is_relative_to(root) else "pkg:" + path.relative_to(PACKAGE_DIR).as_posix()
        h.update(rel.encode("utf-8") + b"\0")
        h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


class ValidationCache:
    """SHACL reports stored as JSON files named by a content key.

    >>> cache = ValidationCache(Path(tempfile.mkdtemp()))
    >>> cache.get("ab" * 32) is None
    True
    """

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = (folder or cache_dir()) / "validation"

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def get(self, key: str) -> dict | None:
        """The stored report for ``key``, or None."""
        try:
            return json.loads(self._path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def put(self, key: str, value: dict) -> None:
        """Store ``value`` under ``key`` (atomically; errors are ignored: a cache is optional)."""
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".tmp.", dir=path.parent)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(value, fh)
            os.replace(tmp, path)
        except OSError:
            pass



class RecordOnlyCache(ValidationCache):
    """The report cache of a run that reuses nothing: no report is found, fresh ones are stored.

    >>> cache = RecordOnlyCache(Path(tempfile.mkdtemp()))
    >>> cache.put("ab" * 32, {"conforms": True, "violations": []})
    >>> cache.get("ab" * 32) is None, ValidationCache(cache.folder.parent).get("ab" * 32)
    (True, {'conforms': True, 'violations': []})
    """

    def get(self, key: str) -> dict | None:
        return None


def report_key(data_digest: str, shapes_digest: str, engine: str = "fast") -> str:
    """The cache key of one validation: what was validated, against what, by which engine."""
    v = versions()
    text = f"nkgraph-validation-3|{engine}|{v['nkgraph']}|{v['pyshacl']}|{v['rdflib']}|{v['pyoxigraph']}|{_validation_code()}|{shapes_digest}|{data_digest}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@functools.cache
def _validation_code() -> str:
    """Digest of the validation code (read once per process: a corpus build asks for every document)."""
    h = hashlib.sha256()
    for name in ("validation.py", "shacl_engine.py"):
        h.update((PACKAGE_DIR / name).read_bytes())
    return h.hexdigest()[:16]
