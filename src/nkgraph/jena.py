"""Run Apache Jena 4.5 command-line tools from Debian's ``libapache-jena-java``.

Debian ships Jena as jars only (no ``bin/`` scripts), and ``/usr/share/java/*`` cannot be used as
a classpath: it holds several conflicting SLF4J bindings and bridges. This module builds a clean
classpath from ``dpkg -L libapache-jena-java`` and the jars of its installed dependencies
(recursively), keeps the SLF4J API but drops every binding or bridge, and adds
``/usr/share/java/slf4j-simple.jar`` so that Jena's parse errors reach stderr (with no binding, or
``slf4j-nop``, they are silently dropped).

It also works around a Debian packaging bug: ``jena-core.jar`` has the Xerces classes relocated
to the package ``xerces.*`` but left their ``.properties`` message bundles under
``org/apache/jena/ext/xerces/``, so the first ill-typed literal (``"x"^^xsd:date``) ends in
``ExceptionInInitializerError: internal error``. The bundles are extracted once to a cache
folder under ``xerces/`` and that folder goes on the classpath.

The classpath and the bundles are cached in a temporary folder (``$NKGRAPH_JENA_CACHE``, else
``<tmp>/nkgraph-jena-<uid>``) keyed on the modification time of ``/var/lib/dpkg/status``, so
they are rebuilt after any package is installed or removed.

Every call starts a JVM (about 1.4 s): give many files to one call.

>>> from nkgraph import jena
>>> if jena.available():
...     proc = jena.riot_validate(["ontology/nkgraph.ttl"])
...     assert proc.returncode == 0, proc.stderr
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Union

__all__ = [
    "JenaError",
    "JenaNotAvailable",
    "available",
    "cache_dir",
    "classpath",
    "merge_to_ntriples",
    "qparse",
    "rdfcompare",
    "riot_problems",
    "riot_validate",
    "run",
    "shacl_report",
    "shacl_validate",
    "sparql",
]

StrPath = Union[str, "os.PathLike[str]"]

PACKAGE = "libapache-jena-java"
JAVA_DIR = Path("/usr/share/java")
JENA_CORE_JAR = JAVA_DIR / "jena-core.jar"
SLF4J_SIMPLE_JAR = JAVA_DIR / "slf4j-simple.jar"
DPKG_STATUS = Path("/var/lib/dpkg/status")
XERCES_IN_JAR = "org/apache/jena/ext/xerces/"

#: JVM options for short command-line runs (faster start; no effect on results).
DEFAULT_JAVA_OPTS: tuple[str, ...] = ("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss8m")

# SLF4J bindings and bridges to other logging APIs. With more than one binding SLF4J picks one at
# random; bridges such as log4j-over-slf4j next to slf4j-log4j12 loop forever. Only the API
# (slf4j-api) stays, and slf4j-simple is appended last, on purpose.
_LOGGING_CONFLICTS = re.compile(
    r"^(?:slf4j-(?:log4j12|reload4j|jcl|jdk14|jdk-platform-logging|nop|simple|android|migrator|ext)"
    r"|log4j-over-slf4j|jcl-over-slf4j|jul-to-slf4j|osgi-over-slf4j"
    r"|log4j-slf4j-impl|log4j-slf4j2-impl|log4j-to-slf4j|logback-classic)(?:[-.]|$)"
)


class JenaError(RuntimeError):
    """A Jena command failed; ``proc`` holds its exit status and output."""

    def __init__(self, message: str, proc: subprocess.CompletedProcess[str] | None = None) -> None:
        super().__init__(message)
        self.proc = proc


class JenaNotAvailable(JenaError):
    """Java or Debian's ``libapache-jena-java`` is not installed."""


# ---------------------------------------------------------------------------------------------
# Discovery and classpath
# ---------------------------------------------------------------------------------------------


def available() -> bool:
    """True when ``java`` is on the PATH and ``libapache-jena-java`` is installed.

    >>> isinstance(available(), bool)
    True
    """
    if shutil.which("java") is None or shutil.which("dpkg-query") is None:
        return False
    if not JENA_CORE_JAR.is_file():
        return False
    return _installed(PACKAGE)


def cache_dir() -> Path:
    """The folder holding the cached classpath and the extracted Xerces bundles.

    ``$NKGRAPH_JENA_CACHE`` when set, else ``<tmp>/nkgraph-jena-<uid>``; one sub-folder per state
    of the dpkg database (its modification time in nanoseconds).

    >>> cache_dir().name.startswith("dpkg-")
    True
    """
    base = os.environ.get("NKGRAPH_JENA_CACHE")
    root = Path(base) if base else Path(tempfile.gettempdir()) / f"nkgraph-jena-{_uid()}"
    try:
        key = DPKG_STATUS.stat().st_mtime_ns
    except OSError:
        key = 0
    return root / f"dpkg-{key}"


def classpath() -> str:
    """The Java classpath for Jena, built once per state of the dpkg database.

    Jars of ``libapache-jena-java`` and of its installed dependencies (recursively), conflicting
    SLF4J bindings dropped, then the cache folder (Xerces bundles) and ``slf4j-simple.jar``.

    >>> "jena-core" in classpath()  # doctest: +SKIP
    True
    """
    if not available():
        raise JenaNotAvailable(f"java or {PACKAGE} is not installed")
    folder = cache_dir()
    cp_file = folder / "classpath"
    if cp_file.is_file():
        return cp_file.read_text(encoding="utf-8").strip()
    folder.mkdir(parents=True, exist_ok=True)
    _extract_xerces_bundles(folder)
    entries = [*_jena_jars(), str(folder), str(SLF4J_SIMPLE_JAR)]
    value = os.pathsep.join(entries)
    _atomic_write(cp_file, value + "\n")
    return value


def _uid() -> str:
    getuid = getattr(os, "getuid", None)
    return str(getuid()) if getuid else os.environ.get("USERNAME", "user")


def _installed(package: str) -> bool:
    proc = subprocess.run(
        ["dpkg-query", "-W", "-f=${Status}", package],
        capture_output=True, text=True, check=False,
    )
    return proc.returncode == 0 and proc.stdout.strip().endswith("ok installed")


def _depends(package: str) -> list[str]:
    """Installed packages ``package`` depends on (for ``a | b`` the first installed one)."""
    proc = subprocess.run(
        ["dpkg-query", "-W", "-f=${Depends}, ${Pre-Depends}", package],
        capture_output=True, text=True, check=False,
    )
    if proc.returncode != 0:
        return []
    out: list[str] = []
    for clause in proc.stdout.split(","):
        for alternative in clause.split("|"):
            name = re.sub(r"\(.*?\)|\[.*?\]|<.*?>", "", alternative).strip()
            name = name.split(":", 1)[0]
            if name and _installed(name):
                out.append(name)
                break
    return out


def _package_jars(package: str) -> list[str]:
    proc = subprocess.run(["dpkg", "-L", package], capture_output=True, text=True, check=False)
    return [
        line.strip()
        for line in proc.stdout.splitlines()
        if line.startswith(str(JAVA_DIR) + "/") and line.strip().endswith(".jar")
        and "/" not in line.strip()[len(str(JAVA_DIR)) + 1:]
    ]


def _jena_jars() -> list[str]:
    """Jars of Jena and its dependencies, one path per distinct jar, without logging conflicts."""
    seen: set[str] = set()
    queue = [PACKAGE]
    jars: list[str] = []
    while queue:
        package = queue.pop(0)
        if package in seen:
            continue
        seen.add(package)
        jars.extend(_package_jars(package))
        queue.extend(d for d in _depends(package) if d not in seen)
    chosen: dict[str, str] = {}  # real file -> path on the classpath
    for jar in sorted(set(jars), key=lambda p: (len(p), p)):  # prefer unversioned names
        if _LOGGING_CONFLICTS.match(Path(jar).name):
            continue
        real = os.path.realpath(jar)
        if not os.path.isfile(real):
            continue
        chosen.setdefault(real, jar)
    return sorted(chosen.values())


def _extract_xerces_bundles(folder: Path) -> None:
    """Copy ``org/apache/jena/ext/xerces/**.properties`` of jena-core.jar to ``folder/xerces/``."""
    target = folder / "xerces"
    if target.is_dir():
        return
    staging = Path(tempfile.mkdtemp(prefix="xerces-", dir=folder))
    with zipfile.ZipFile(JENA_CORE_JAR) as jar:
        for name in jar.namelist():
            if name.startswith(XERCES_IN_JAR) and name.endswith(".properties"):
                dest = staging / name[len(XERCES_IN_JAR):]
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_bytes(jar.read(name))
    try:
        staging.rename(target)
    except OSError:  # another process got there first
        shutil.rmtree(staging, ignore_errors=True)


def _atomic_write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, path)


# ---------------------------------------------------------------------------------------------
# Running commands
# ---------------------------------------------------------------------------------------------


def run(
    main_class: str,
    *args: StrPath,
    timeout: float | None = 600,
    java_opts: Iterable[str] | None = None,
    cwd: StrPath | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run the ``main`` of a Jena class with ``args``; return the finished process (not checked).

    ``stdout``/``stderr`` are captured as text. ``java_opts`` defaults to
    :data:`DEFAULT_JAVA_OPTS` plus ``$JAVA_OPTS`` (split on whitespace).

    >>> proc = run("riotcmd.riot", "--validate", "ontology/nkgraph.ttl")  # doctest: +SKIP
    >>> proc.returncode  # doctest: +SKIP
    0
    """
    if java_opts is None:
        java_opts = [*DEFAULT_JAVA_OPTS, *os.environ.get("JAVA_OPTS", "").split()]
    cmd = ["java", *java_opts, "-cp", classpath(), main_class, *(os.fspath(a) for a in args)]
    return subprocess.run(
        cmd, capture_output=True, text=True, encoding="utf-8", errors="replace",
        timeout=timeout, check=False, cwd=cwd,
    )


def _checked(proc: subprocess.CompletedProcess[str], what: str) -> subprocess.CompletedProcess[str]:
    if proc.returncode != 0:
        raise JenaError(f"{what} failed (exit {proc.returncode}):\n{proc.stderr or proc.stdout}", proc)
    return proc


def riot_validate(paths: Iterable[StrPath], syntax: str | None = None) -> subprocess.CompletedProcess[str]:
    """Strictly parse RDF files with ``riot --validate`` (one JVM for all of them).

    Exit status 0 when every file parses without error or warning (ill-typed literals such as
    ``"2007-13"^^xsd:gYearMonth`` are warnings and fail too); messages are on ``stderr``.
    ``syntax`` forces a syntax (e.g. ``"jsonld10"``; Debian's JSON-LD 1.1 parser is broken).

    >>> proc = riot_validate(["ontology/nkgraph.ttl", "data/units.ttl"])  # doctest: +SKIP
    >>> proc.returncode, proc.stderr  # doctest: +SKIP
    (0, '')
    """
    files = [os.fspath(p) for p in paths]
    if not files:
        raise ValueError("riot_validate needs at least one file")
    opts = [f"--syntax={syntax}"] if syntax else []
    return run("riotcmd.riot", "--validate", *opts, *files)


_RIOT_FILE = re.compile(r"\bINFO\b.*? - File: (.+)$")
_RIOT_PROBLEM = re.compile(r"\b(WARN|ERROR|FATAL)\b")


def riot_problems(stderr: str) -> dict[str, list[str]]:
    """Group the warnings and errors of a ``riot --validate`` run by file.

    riot announces each file with an INFO line ``File: <path>`` and goes on after a bad file, so
    one run can check many files; this maps each file with problems to its messages.

    >>> riot_problems("[main] INFO org.apache.jena.riot - File: a.ttl\\n"
    ...               "[main] ERROR org.apache.jena.riot - [line: 3, col: 1 ] Triples not terminated by DOT\\n"
    ...               "[main] INFO org.apache.jena.riot - File: b.ttl\\n")
    {'a.ttl': ['[line: 3, col: 1 ] Triples not terminated by DOT']}
    """
    out: dict[str, list[str]] = {}
    current = "?"
    for line in stderr.splitlines():
        m = _RIOT_FILE.search(line)
        if m:
            current = m.group(1).strip()
            continue
        if _RIOT_PROBLEM.search(line):
            message = line.split(" - ", 1)[1] if " - " in line else line
            out.setdefault(current, []).append(message.strip())
        elif line.strip() and current in out:  # continuation of a multi-line message
            out[current].append(line.strip())
    return out


def qparse(query_path: StrPath) -> subprocess.CompletedProcess[str]:
    """Parse a SPARQL query file with ``arq.qparse``; exit status non-zero on a syntax error.

    >>> qparse("queries/checks/claims-without-quote.rq").returncode  # doctest: +SKIP
    0
    """
    return run("arq.qparse", "--query", query_path)


def sparql(data_path: StrPath | Iterable[StrPath], query_path: StrPath, results: str = "csv") -> str:
    """Run a SPARQL query over one or more data files with ARQ; return the results text.

    ``results`` is an ARQ result format (``csv``, ``tsv``, ``json``, ``xml``, ``text``, or an RDF
    syntax for CONSTRUCT). Raises :class:`JenaError` when ARQ fails.

    >>> print(sparql("build/nkgraph.ttl", "queries/count.rq"))  # doctest: +SKIP
    n
    4211
    """
    datas = [data_path] if isinstance(data_path, (str, os.PathLike)) else list(data_path)
    data_args: list[StrPath] = []
    for d in datas:
        data_args += ["--data", d]
    proc = run("arq.sparql", *data_args, "--query", query_path, f"--results={results}")
    return _checked(proc, "arq.sparql").stdout


def merge_to_ntriples(paths: Iterable[StrPath], out: StrPath) -> Path:
    """Merge RDF files into one N-Triples file with ``riot`` (blank nodes kept apart per file).

    >>> merge_to_ntriples(["ontology/nkgraph.ttl", "build/nkgraph.ttl"], "/tmp/all.nt")  # doctest: +SKIP
    PosixPath('/tmp/all.nt')
    """
    files = [os.fspath(p) for p in paths]
    proc = _checked(run("riotcmd.riot", "--output=nt", *files), "riot --output=nt")
    target = Path(out)
    target.write_text(proc.stdout, encoding="utf-8")
    return target


def _one_file(paths: StrPath | Iterable[StrPath], folder: Path, name: str) -> StrPath:
    if isinstance(paths, (str, os.PathLike)):
        return paths
    files = list(paths)
    if len(files) == 1:
        return files[0]
    return merge_to_ntriples(files, folder / f"{name}.nt")


def _shacl(shapes: StrPath | Iterable[StrPath], data: StrPath | Iterable[StrPath], *opts: str) -> str:
    with tempfile.TemporaryDirectory(prefix="nkgraph-shacl-") as tmp:
        shapes_file = _one_file(shapes, Path(tmp), "shapes")
        data_file = _one_file(data, Path(tmp), "data")
        proc = run("shacl.shacl", "validate", *opts, "--shapes", shapes_file, "--data", data_file)
    return _checked(proc, "shacl validate").stdout


def shacl_validate(shapes: StrPath | Iterable[StrPath], data: StrPath | Iterable[StrPath]) -> str:
    """Validate ``data`` against ``shapes`` with Jena's SHACL engine; return the text report.

    Jena's ``shacl validate`` always exits 0, so the verdict is in the text: exactly
    ``"Conforms"`` when the data conforms, else one block per violation. Raises
    :class:`JenaError` only when the command itself fails (unreadable file, syntax error).
    ``shapes`` and ``data`` are a file each, or lists of files merged first with
    :func:`merge_to_ntriples` (one more JVM), e.g. the ontology and the compiled graph.

    >>> report = shacl_validate("ontology/shapes/nkgraph-shapes.ttl",
    ...                         ["ontology/nkgraph.ttl", "build/nkgraph.ttl"])  # doctest: +SKIP
    >>> report  # doctest: +SKIP
    'Conforms'
    """
    out = _shacl(shapes, data, "--text").strip()
    if not out:
        raise JenaError("shacl validate printed nothing")
    return out


def shacl_report(shapes: StrPath | Iterable[StrPath], data: StrPath | Iterable[StrPath]) -> str:
    """Like :func:`shacl_validate` but return the validation report as Turtle (for rdflib).

    >>> ttl = shacl_report("shapes.ttl", "data.ttl")  # doctest: +SKIP
    >>> "sh:conforms" in ttl  # doctest: +SKIP
    True
    """
    return _shacl(shapes, data)


def rdfcompare(a: StrPath, b: StrPath, lang_a: str | None = None, lang_b: str | None = None) -> bool:
    """True when the two RDF files hold isomorphic graphs (``jena.rdfcompare``).

    ``lang_a``/``lang_b`` are Jena language names (``"TURTLE"``, ``"N-TRIPLE"``, ``"RDF/XML"``);
    by default Jena guesses from the file extension.

    >>> rdfcompare("build/nkgraph.ttl", "build/nkgraph.nt")  # doctest: +SKIP
    True
    """
    args: list[StrPath] = [a, b]
    if lang_a or lang_b:
        args += [lang_a or "TURTLE", lang_b or lang_a or "TURTLE"]
    proc = run("jena.rdfcompare", *args)
    out = proc.stdout.lower()
    if "models are unequal" in out:
        return False
    if proc.returncode == 0 and "models are equal" in out:
        return True
    raise JenaError(f"rdfcompare failed (exit {proc.returncode}):\n{proc.stderr or proc.stdout}", proc)
