"""CSV node and relationship files for ``neo4j-admin database import``: ``render`` and ``read``.

Headers follow the import tool's conventions: ``id:ID`` and ``:LABEL`` (kind and type, e.g.
``Facility;Mine``) for nodes; ``:START_ID``, ``:END_ID`` and ``:TYPE`` (the rule, e.g.
``HOLDS_STAKE``) for relationships; typed columns (``percentage:float``, ``disputed:boolean``) and
arrays (``claims:string[]``, items separated by ``;``, the tool's default array delimiter)::

    neo4j-admin database import full --nodes=nodes.csv --relationships=relationships.csv nkgraph

>>> import networkx as nx
>>> g = nx.MultiDiGraph(); g.add_node("nkd:a", label="A", kind="place", type="city"); g.add_node("nkd:b", label="B", kind="place", type="province")
>>> _ = g.add_edge("nkd:a", "nkd:b", key="located_in", rule="located_in", disputed=False)
>>> render(g)["relationships.csv"].splitlines()[0]
':START_ID,:END_ID,:TYPE,key,rule,disputed:boolean'
"""

from __future__ import annotations

import csv
import io

import networkx as nx

NODES, RELATIONSHIPS = "nodes.csv", "relationships.csv"
ARRAY = ";"
#: Typed columns (anything else is a string column).
TYPES: dict[str, str] = {
    "alt_labels": "string[]", "commodities": "string[]", "claims": "string[]", "citations": "string[]",
    "modality": "string[]", "status": "string[]", "date": "string[]", "value": "string[]",
    "percentage": "float", "value_usd": "float", "term_years": "int", "disputed": "boolean",
}
NODE_FIRST = ("label", "kind", "type", "iri", "country")
EDGE_FIRST = ("key", "id", "rule", "label", "layer")


def _camel(text: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in str(text).replace("-", " ").split())


def _columns(keys: set[str], first: tuple[str, ...]) -> list[str]:
    return [k for k in first if k in keys] + sorted(keys - set(first))


def _header(name: str) -> str:
    return f"{name}:{TYPES[name]}" if name in TYPES else name


def _cell(value: object, where: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list):
        for item in value:
            if ARRAY in str(item):
                raise ValueError(f"{where}: array item {item!r} contains the array delimiter {ARRAY!r}")
        return ARRAY.join(str(v) for v in value)
    return str(value)


def _table(header: list[str], rows: list[list[str]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


def render(graph: nx.MultiDiGraph) -> dict[str, str]:
    """``{"nodes.csv": …, "relationships.csv": …}`` for the projection."""
    ncols = _columns({k for _, d in graph.nodes(data=True) for k in d}, NODE_FIRST)
    nrows = [[n, ";".join(_camel(x) for x in dict.fromkeys((d.get("kind", ""), d.get("type", ""))) if x)] + [_cell(d.get(c), f"{n} {c}") for c in ncols] for n, d in graph.nodes(data=True)]
    ecols = _columns({k for *_, d in graph.edges(data=True) for k in d} | {"key"}, EDGE_FIRST)
    erows = [[u, v, str(d.get("rule", k)).upper()] + [_cell(k if c == "key" else d.get(c), f"{u}->{v} {c}") for c in ecols] for u, v, k, d in graph.edges(keys=True, data=True)]
    return {
        NODES: _table(["id:ID", ":LABEL"] + [_header(c) for c in ncols], nrows),
        RELATIONSHIPS: _table([":START_ID", ":END_ID", ":TYPE"] + [_header(c) for c in ecols], erows),
    }


def _value(kind: str | None, text: str) -> object:
    if kind == "string[]":
        return text.split(ARRAY)
    if kind == "float":
        return float(text)
    if kind == "int":
        return int(text)
    if kind == "boolean":
        return text == "true"
    return text


def _records(text: str) -> list[dict[str, object]]:
    reader = csv.reader(io.StringIO(text))
    header = next(reader)
    out = []
    for row in reader:
        record: dict[str, object] = {}
        for name, cell in zip(header, row):
            column, _, kind = name.partition(":") if not name.startswith(":") else (name, "", "")
            if cell != "":
                record[column] = _value(kind or None, cell)
        out.append(record)
    return out


def read(files: dict[str, str]) -> nx.MultiDiGraph:
    """The two CSV texts (as :func:`render` returns them) as a MultiDiGraph; ``:LABEL``/``:TYPE`` dropped."""
    graph = nx.MultiDiGraph()
    for record in _records(files[NODES]):
        record.pop(":LABEL", None)
        graph.add_node(record.pop("id"), **record)
    for record in _records(files[RELATIONSHIPS]):
        u, v, _ = record.pop(":START_ID"), record.pop(":END_ID"), record.pop(":TYPE")
        graph.add_edge(u, v, key=record.pop("key"), **record)
    return graph
