"""Apache Jena as a second judge: its parser on our Turtle, its SHACL engine on the shape fixtures.

Needs Debian's ``libapache-jena-java`` and java (see ``nkgraph.jena``); skipped otherwise.

Every JVM start costs about 1.5 s, so the files are batched:

- one ``riot --validate`` run checks the ontology, the shapes, every RDF file in ``data/`` and
  every fixture, and its messages are attributed to files;
- the shape fixtures are validated by Jena in two combined runs, one for all ``valid.ttl`` and one
  for all ``invalid.ttl``. Before they are combined, each fixture's data IRIs (``nkd:`` and others
  under ``https://w3id.org/nkgraph/``) get a suffix ``-fxNNN`` (still a valid slug, so the
  start-anchored IRI patterns of the shapes are unaffected), and so do its ``nk:citationLabel``
  values (compared across references), so fixtures cannot see each other. Each Jena result goes
  back to its fixture by the suffix of its focus node (or of its sh:value, for the class-level
  SPARQL shapes whose focus is the class). Data IRIs the shapes mention (the chapter, the source
  text) are left alone. Fixtures whose results have blank-node focus nodes get a Jena run of their
  own (two JVMs at a time).

Each fixture then gets its own test: Jena's verdict equals pySHACL's, and for invalid fixtures the
set of sh:sourceShape is the same.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, URIRef

from nkgraph import jena
from nkgraph.paths import DATA_DIR, ONTOLOGY_DIR, ROOT
from test_shapes import FIXTURE_DIRS, SHAPES_FILES, fixture_results, results, shapes_graph

pytestmark = [
    pytest.mark.jena,
    pytest.mark.skipif(
        not jena.available(),
        reason="Apache Jena is not installed (apt-get install libapache-jena-java; needs java)",
    ),
]

NK = "https://w3id.org/nkgraph/ontology#"
OURS = "https://w3id.org/nkgraph/"  # data IRIs: everything here but the ontology and the shapes
VOCABULARIES = ("https://w3id.org/nkgraph/ontology", "https://w3id.org/nkgraph/shapes")
# (JSON-LD would need --syntax=jsonld10: Debian's JSON-LD 1.1 parser is broken; none in data/.)
RDF_SUFFIXES = {".ttl", ".nt", ".nq", ".trig", ".rdf", ".owl"}
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
    proc = jena.riot_validate([str(f) for f in files])
    return proc.returncode, jena.riot_problems(proc.stderr), proc.stderr


@pytest.mark.parametrize("group", ["ontology", "shapes", "data", "fixtures"])
def test_riot_validates(group: str) -> None:
    """Jena's strict parser accepts the files (no error, no warning such as an ill-typed literal)."""
    files = rdf_files()[group]
    if not files:
        pytest.skip(f"no {group} files yet")
    code, problems, stderr = riot_run()
    mine = {rel(Path(f)): msgs for f, msgs in problems.items() if f in {str(p) for p in files}}
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
    """Data IRIs the shapes mention (sh:hasValue nkd:source-text...): not renamed."""
    return {t for triple in shapes_graph() for t in triple if isinstance(t, URIRef) and is_data_iri(t)}


def is_data_iri(t: URIRef) -> bool:
    return str(t).startswith(OURS) and not str(t).startswith(VOCABULARIES)


def tagged(g: Graph, i: int, keep: set[URIRef]) -> Graph:
    suffix = f"-fx{i:03d}"

    def term(t, p=None):
        if isinstance(t, URIRef) and is_data_iri(t) and t not in keep:
            return URIRef(str(t) + suffix)
        if isinstance(t, Literal) and p in TAGGED_LITERALS:
            return Literal(str(t) + suffix, datatype=t.datatype, lang=t.language)
        return t

    out = Graph()
    for s, p, o in g:
        out.add((term(s), p, term(o, p)))
    return out


def shapes_file(tmp: Path) -> Path:
    """The shapes as one file (Jena's shacl command reads one shapes file)."""
    if len(SHAPES_FILES) == 1:
        return SHAPES_FILES[0]
    path = tmp / "shapes.ttl"
    if not path.exists():
        shapes_graph().serialize(path, format="turtle")
    return path


def jena_results(shapes: Path, data: Path) -> list[tuple]:
    report = Graph().parse(data=jena.shacl_report(shapes, data), format="turtle")
    return results(report)


def fixture_key(folder: Path, kind: str) -> str:
    return f"{folder.name}/{kind}"


@pytest.fixture(scope="module")
def verdicts(tmp_path_factory: pytest.TempPathFactory) -> Verdicts:
    """pySHACL's and Jena's results for every fixture (Jena in a few batched runs)."""
    v = Verdicts()
    fixtures = [(d, k) for d in FIXTURE_DIRS for k in ("valid", "invalid") if (d / f"{k}.ttl").exists()]
    graphs = {fixture_key(d, k): Graph().parse(d / f"{k}.ttl", format="turtle") for d, k in fixtures}

    # pySHACL, one fixture at a time (shared with test_shapes.py when both run).
    blank_focus: list[str] = []
    for d, k in fixtures:
        key = fixture_key(d, k)
        conforms, rows, _ = fixture_results(d / f"{k}.ttl")
        v.pyshacl[key] = (conforms, {s for s, _, _ in rows})
        if any(isinstance(f, BNode) and not isinstance(val, URIRef) for _, f, val in rows):
            blank_focus.append(key)

    # Jena: combined runs, plus one run per fixture whose results are blank nodes.
    keep = kept_iris()
    tmp = tmp_path_factory.mktemp("jena-fixtures")
    shapes = shapes_file(tmp)
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
        outputs = list(pool.map(lambda job: jena_results(shapes, job[1]), jobs))

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


def test_jena_results_are_all_attributed(verdicts: Verdicts) -> None:
    """Every result of a combined Jena run belongs to one fixture (else the combining leaks)."""
    v = verdicts
    assert not v.unattributed, "\n".join(v.unattributed)


@pytest.mark.parametrize(("folder", "kind"), all_fixture_params())
def test_jena_agrees_with_pyshacl(verdicts: Verdicts, folder: Path, kind: str) -> None:
    v = verdicts
    key = fixture_key(folder, kind)
    py_conforms, py_shapes = v.pyshacl[key]
    jena_shapes = v.jena[key]
    assert (not jena_shapes) == py_conforms, (
        f"{key}: pySHACL conforms={py_conforms} ({sorted(py_shapes)}), Jena results from {sorted(jena_shapes)}"
    )
    assert jena_shapes == py_shapes, f"{key}: pySHACL {sorted(py_shapes)} vs Jena {sorted(jena_shapes)}"
    if kind == "valid":
        assert py_conforms, f"{key} should conform"


def test_jena_shacl_text_says_conforms(tmp_path: Path) -> None:
    """shacl_validate returns Jena's text, exactly "Conforms" for conforming data (exit status is 0 either way)."""
    valid = next((d / "valid.ttl" for d in FIXTURE_DIRS if d.name == "SectionShape"), None)
    invalid = next((d / "invalid.ttl" for d in FIXTURE_DIRS if d.name == "SectionShape"), None)
    if valid is None or invalid is None:
        pytest.skip("SectionShape fixtures missing")
    shapes = shapes_file(tmp_path)
    with ThreadPoolExecutor(max_workers=2) as pool:
        ok, bad = pool.map(lambda p: jena.shacl_validate(shapes, p), [valid, invalid])
    assert ok == "Conforms"
    assert bad != "Conforms"
    assert "copper-section" in bad and "Message: A section must be an IRI" in bad


# ---------------------------------------------------------------------------------------------
# The helper itself
# ---------------------------------------------------------------------------------------------


def test_classpath_is_clean() -> None:
    """One SLF4J binding (slf4j-simple, last), the API, Jena's jars, the extracted Xerces bundles."""
    entries = jena.classpath().split(":")
    names = [Path(e).name for e in entries]
    assert "jena-core.jar" in names and "jena-shacl.jar" in names and "jena-cmds.jar" in names
    assert any(n.startswith("slf4j-api") for n in names)
    assert entries[-1] == str(jena.SLF4J_SIMPLE_JAR)
    bindings = [n for n in names[:-1] if re.match(r"(slf4j-(?!api)|log4j-over-slf4j|jcl-over-slf4j|jul-to-slf4j)", n)]
    assert not bindings, bindings
    assert len({Path(e).resolve() for e in entries}) == len(entries), "a jar is on the classpath twice"
    bundles = Path(entries[-2]) / "xerces" / "impl" / "msg"
    assert list(bundles.glob("*.properties")), f"Xerces message bundles missing under {bundles}"


def test_helpers(tmp_path: Path) -> None:
    """qparse, sparql and rdfcompare on tiny inputs (five JVMs, two at a time)."""
    (tmp_path / "a.ttl").write_text('@prefix x: <http://example.org/> .\nx:a x:b [ x:c 1 ] .\n')
    (tmp_path / "a.nt").write_text(
        '_:z <http://example.org/c> "1"^^<http://www.w3.org/2001/XMLSchema#integer> .\n'
        "<http://example.org/a> <http://example.org/b> _:z .\n"
    )
    (tmp_path / "b.nt").write_text("<http://example.org/a> <http://example.org/b> <http://example.org/d> .\n")
    (tmp_path / "count.rq").write_text("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }\n")
    (tmp_path / "bad.rq").write_text("SELEC * WHERE { ?s ?p ?o }\n")
    calls = {
        "good query": lambda: jena.qparse(tmp_path / "count.rq").returncode,
        "bad query": lambda: jena.qparse(tmp_path / "bad.rq").returncode,
        "count": lambda: jena.sparql([tmp_path / "a.ttl", tmp_path / "b.nt"], tmp_path / "count.rq").split(),
        "isomorphic": lambda: jena.rdfcompare(tmp_path / "a.ttl", tmp_path / "a.nt"),
        "different": lambda: jena.rdfcompare(tmp_path / "a.ttl", tmp_path / "b.nt"),
    }
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {name: pool.submit(fn) for name, fn in calls.items()}
        got = {name: f.result() for name, f in futures.items()}
    assert got == {
        "good query": 0, "bad query": 2, "count": ["n", "3"], "isomorphic": True, "different": False,
    }
