"""Apache Jena as a second judge: its parser on our Turtle, its SHACL engine on the shape fixtures.

Needs Debian's ``libapache-jena-java`` and java (see ``nkgraph.jena``); skipped otherwise.

Every JVM start costs about 1.5 s, so the files are batched:

- one ``riot --validate`` run checks the ontology, the shapes, every RDF file in ``data/`` and
  every fixture, and its messages are attributed to files;
- the shape fixtures are validated by Jena in two combined runs, one for all ``valid.ttl`` and one
  for all ``invalid.ttl``. Before they are combined, each fixture's ``nkd:`` IRIs get a suffix
  ``-fxNNN`` (still a valid slug, so IRI patterns are unaffected) and its ``nk:citationLabel``
  values too, so fixtures cannot see each other; each Jena result goes back to its fixture by the
  suffix of its focus node (or of its sh:value, for the class-level SPARQL shapes whose focus is
  the class). ``nkd:`` IRIs the shapes mention (the chapter, the source text) are left alone.
  Fixtures whose expected results have blank-node focus nodes get a Jena run of their own.

Each fixture then gets its own test: Jena's verdict equals pySHACL's, and for invalid fixtures the
set of sh:sourceShape is the same.
"""

from __future__ import annotations

import re
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pytest
from rdflib import RDF, BNode, Graph, Literal, URIRef
from rdflib.namespace import SH

from nkgraph import jena
from nkgraph.paths import DATA_DIR, ONTOLOGY_DIR, ROOT
from test_shapes import FIXTURE_DIRS, SHAPES_FILES, results, run_pyshacl, shapes_graph, sparql_cache

pytestmark = [
    pytest.mark.jena,
    pytest.mark.skipif(
        not jena.available(),
        reason="Apache Jena is not installed (apt-get install libapache-jena-java; needs java)",
    ),
]

NKD = "https://w3id.org/nkgraph/id/"
NK = "https://w3id.org/nkgraph/ontology#"
RDF_SUFFIXES = {".ttl", ".nt", ".nq", ".trig", ".rdf", ".owl", ".jsonld"}
TAG = re.compile(r"-fx(\d{3})$")
# Literal-valued properties whose values are compared across nodes by a shape (uniqueness).
TAGGED_LITERALS = {URIRef(NK + "citationLabel")}


def rel(p: Path) -> str:
    return str(p.relative_to(ROOT)) if p.is_relative_to(ROOT) else str(p)


# ---------------------------------------------------------------------------------------------
# riot: one JVM for every file
# ---------------------------------------------------------------------------------------------


def rdf_files() -> dict[str, list[Path]]:
    return {
        "ontology": sorted(ONTOLOGY_DIR.glob("*.ttl")),
        "shapes": SHAPES_FILES,
        "data": sorted(p for p in DATA_DIR.rglob("*") if p.is_file() and p.suffix in RDF_SUFFIXES),
        "fixtures": sorted(f for d in FIXTURE_DIRS for f in d.glob("*.ttl")),
    }


@lru_cache(maxsize=1)
def riot_run() -> tuple[int, dict[str, list[str]], str]:
    files = [f for group in rdf_files().values() for f in group]
    proc = jena.riot_validate([rel(f) for f in files]) if files else None
    assert proc is not None
    return proc.returncode, jena.riot_problems(proc.stderr), proc.stderr


@pytest.mark.parametrize("group", ["ontology", "shapes", "data", "fixtures"])
def test_riot_validates(group: str) -> None:
    """Jena's strict parser accepts the files (no error, no warning such as an ill-typed literal)."""
    files = rdf_files()[group]
    if not files:
        pytest.skip(f"no {group} files yet")
    code, problems, stderr = riot_run()
    mine = {f: msgs for f, msgs in problems.items() if f in {rel(p) for p in files}}
    assert not mine, "\n".join(f"{f}:\n  " + "\n  ".join(m) for f, m in mine.items())
    if code != 0:  # a failure riot could not attribute to a file
        assert problems, stderr


# ---------------------------------------------------------------------------------------------
# SHACL: Jena vs pySHACL on every fixture, in combined runs
# ---------------------------------------------------------------------------------------------


@dataclass
class Verdicts:
    pyshacl: dict[str, tuple[bool, set[URIRef]]] = field(default_factory=dict)
    jena: dict[str, set[URIRef]] = field(default_factory=dict)  # fixture key -> source shapes
    unattributed: list[str] = field(default_factory=list)
    runs: list[str] = field(default_factory=list)


def kept_iris() -> set[URIRef]:
    """nkd: IRIs the shapes mention (sh:hasValue nkd:source-text...): not renamed."""
    return {t for triple in shapes_graph() for t in triple if isinstance(t, URIRef) and str(t).startswith(NKD)}


def tagged(g: Graph, i: int, keep: set[URIRef]) -> Graph:
    suffix = f"-fx{i:03d}"

    def term(t, p=None):
        if isinstance(t, URIRef) and str(t).startswith(NKD) and t not in keep:
            return URIRef(str(t) + suffix)
        if isinstance(t, Literal) and p in TAGGED_LITERALS:
            return Literal(str(t) + suffix, datatype=t.datatype, lang=t.language)
        return t

    out = Graph()
    for s, p, o in g:
        out.add((term(s), p, term(o, p)))
    return out


def jena_results(data: Path) -> list[tuple]:
    shapes = SHAPES_FILES[0] if len(SHAPES_FILES) == 1 else merged_shapes()
    report = Graph().parse(data=jena.shacl_report(shapes, data), format="turtle")
    return results(report)


@lru_cache(maxsize=1)
def merged_shapes() -> Path:
    path = Path(tempfile.mkdtemp(prefix="nkgraph-shapes-")) / "shapes.ttl"
    shapes_graph().serialize(path, format="turtle")
    return path


def fixture_key(folder: Path, kind: str) -> str:
    return f"{folder.name}/{kind}"


@lru_cache(maxsize=1)
def verdicts() -> Verdicts:
    v = Verdicts()
    fixtures = [(d, k) for d in FIXTURE_DIRS for k in ("valid", "invalid") if (d / f"{k}.ttl").exists()]
    graphs = {fixture_key(d, k): Graph().parse(d / f"{k}.ttl", format="turtle") for d, k in fixtures}

    # pySHACL, one fixture at a time (as in test_shapes.py).
    blank_focus: list[str] = []
    with sparql_cache():
        for key, g in graphs.items():
            conforms, report, _ = run_pyshacl(g)
            rows = results(report)
            v.pyshacl[key] = (conforms, {s for s, _, _ in rows})
            if any(isinstance(f, BNode) and not isinstance(val, URIRef) for _, f, val in rows):
                blank_focus.append(key)

    # Jena: combined runs, plus one run per fixture whose results are blank nodes.
    keep = kept_iris()
    tmp = Path(tempfile.mkdtemp(prefix="nkgraph-jena-fixtures-"))
    index = {key: i for i, key in enumerate(graphs)}
    batches: dict[str, list[str]] = {"valid": [], "invalid": []}
    for key in graphs:
        if key not in blank_focus:
            batches[key.rsplit("/", 1)[1]].append(key)
    jobs: list[tuple[str, Path, list[str]]] = []
    for kind, keys in batches.items():
        combined = Graph()
        for key in keys:
            combined += tagged(graphs[key], index[key], keep)
        path = tmp / f"combined-{kind}.nt"
        combined.serialize(path, format="nt", encoding="utf-8")
        jobs.append((f"combined {kind} ({len(keys)} fixtures)", path, keys))
    for key in blank_focus:
        path = tmp / (key.replace("/", "-") + ".ttl")
        graphs[key].serialize(path, format="turtle")
        jobs.append((f"alone {key}", path, [key]))

    with ThreadPoolExecutor(max_workers=2) as pool:
        outputs = list(pool.map(lambda job: jena_results(job[1]), jobs))

    for (name, _, keys), rows in zip(jobs, outputs):
        v.runs.append(name)
        for key in keys:
            v.jena.setdefault(key, set())
        by_index = {index[k]: k for k in keys}
        for shape, focus, value in rows:
            if len(keys) == 1:
                v.jena[keys[0]].add(shape)
                continue
            owner = None
            for node in (focus, value):
                m = TAG.search(str(node)) if isinstance(node, URIRef) else None
                if m and int(m.group(1)) in by_index:
                    owner = by_index[int(m.group(1))]
                    break
            if owner is None:
                v.unattributed.append(f"{name}: {shape} focus={focus} value={value}")
            else:
                v.jena[owner].add(shape)
    return v


def all_fixture_params() -> list:
    return [
        pytest.param(d, k, id=f"{d.name}-{k}")
        for d in FIXTURE_DIRS for k in ("valid", "invalid") if (d / f"{k}.ttl").exists()
    ]


def test_jena_results_are_all_attributed() -> None:
    """Every result of a combined Jena run belongs to one fixture (else the combining leaks)."""
    v = verdicts()
    assert not v.unattributed, "\n".join(v.unattributed)


@pytest.mark.parametrize(("folder", "kind"), all_fixture_params())
def test_jena_agrees_with_pyshacl(folder: Path, kind: str) -> None:
    v = verdicts()
    key = fixture_key(folder, kind)
    py_conforms, py_shapes = v.pyshacl[key]
    jena_shapes = v.jena[key]
    assert (not jena_shapes) == py_conforms, (
        f"{key}: pySHACL conforms={py_conforms} ({sorted(py_shapes)}), Jena results from {sorted(jena_shapes)}"
    )
    assert jena_shapes == py_shapes, f"{key}: pySHACL {sorted(py_shapes)} vs Jena {sorted(jena_shapes)}"
    if kind == "valid":
        assert py_conforms, f"{key} should conform"


def test_jena_shacl_text_says_conforms() -> None:
    """shacl_validate returns Jena's text, exactly "Conforms" for conforming data (exit status is 0 either way)."""
    valid = next((d / "valid.ttl" for d in FIXTURE_DIRS if d.name == "SectionShape"), None)
    invalid = next((d / "invalid.ttl" for d in FIXTURE_DIRS if d.name == "SectionShape"), None)
    if valid is None or invalid is None:
        pytest.skip("SectionShape fixtures missing")
    shapes = SHAPES_FILES[0] if len(SHAPES_FILES) == 1 else merged_shapes()
    with ThreadPoolExecutor(max_workers=2) as pool:
        ok, bad = pool.map(lambda p: jena.shacl_validate(shapes, p), [valid, invalid])
    assert ok == "Conforms"
    assert bad != "Conforms" and "SectionShape" not in bad or "copper-section" in bad
