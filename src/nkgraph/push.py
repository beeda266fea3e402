"""Talking to an external SPARQL engine: load the build (Graph Store Protocol) and run library queries.

``push`` sends ``OUT/nkgraph.nt`` to a SPARQL 1.1 Graph Store Protocol endpoint — PUT replaces the
graph, POST adds to it — into a named graph (``?graph=IRI``) or the default graph (``?default``),
with HTTP Basic or Digest authentication (whichever the server asks for).

``remote_query`` runs a library query on a SPARQL 1.1 Protocol endpoint. The protocol has no way
to pass bindings, so parameter values travel in the query text, and only in one form: each value
is first typed and checked exactly as for a local query (:func:`nkgraph.queries.to_term`), then
written with the N-Triples serialisation of that RDF term (IRIs in ``<…>`` after checking they
hold no ``<>"{}|^`\\`` or spaces, literals quoted with every ``"``, ``\\`` and line break
escaped) inside a ``VALUES`` block placed at the start of the query's outermost ``WHERE`` group::

    SELECT … WHERE { VALUES (?holder) { (<https://w3id.org/nkgraph/id/luanhe-industrial-group>) } …

Raw user text never reaches the query. A VALUES block at the start of the group joins the value
with the rest of the group, which for our library queries (a parameter used in triple patterns and
FILTERs of the main group) gives the same answers as Oxigraph's substitution; the engine tests
check this for every parameterised query of the library. (The block at the end of the group was
tried on Virtuoso 7.2: there ``conflicts`` mixes up a row and ``production-vs-capacity`` crashes the
server, so it stays at the start.)

>>> from nkgraph.queries import Param
>>> with_values("SELECT ?s WHERE { ?s ?p ?o }", {"s": ox.NamedNode("https://w3id.org/nkgraph/id/x")})
'SELECT ?s WHERE { VALUES (?s) { (<https://w3id.org/nkgraph/id/x>) } ?s ?p ?o }'
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox

from nkgraph.errors import NkgraphError, QueryError
from nkgraph.queries import QueryResult, QuerySpec, bindings

_XSD = "http://www.w3.org/2001/XMLSchema#"
_SCAN = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\''
    r"|<[^<>\"{}|^`\\\s]*>|#[^\n]*|[?$][A-Za-z0-9_]+|[A-Za-z_][\w.-]*:[\w.:%-]*|[A-Za-z_]\w*|[{}]|\S",
    re.S,
)
_IRI_OK = re.compile(r"^[^\x00-\x20<>\"{}|^`\\]*$")


class RemoteError(NkgraphError):
    """The remote endpoint refused or failed a request."""


def term_text(term: ox.NamedNode | ox.Literal) -> str:
    """The N-Triples text of a checked parameter value (never raw user text).

    >>> term_text(ox.Literal('say "hi"\\n'))
    '"say \\\\"hi\\\\"\\\\n"'
    >>> term_text(ox.Literal("2007", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#gYear")))
    '"2007"^^<http://www.w3.org/2001/XMLSchema#gYear>'
    """
    if isinstance(term, ox.NamedNode):
        if not _IRI_OK.match(term.value):
            raise QueryError(f"not a usable IRI: {term.value!r}")
        return f"<{term.value}>"
    value = term.value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    if term.language:
        return f'"{value}"@{term.language}'
    if term.datatype.value == _XSD + "string":
        return f'"{value}"'
    return f'"{value}"^^<{term.datatype.value}>'


def _where_brace(query: str) -> int:
    """Offset of the ``{`` that opens the outermost WHERE group of ``query``."""
    depth = 0
    seen_where = False
    form = None
    for m in _SCAN.finditer(query):
        tok = m.group(0)
        upper = tok.upper()
        if tok.startswith("#"):
            continue
        if depth == 0 and form is None and upper in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"):
            form = upper
        elif depth == 0 and upper == "WHERE":
            seen_where = True
        elif tok == "{":
            if depth == 0 and (seen_where or form in ("SELECT", "ASK", "DESCRIBE")):
                return m.start()
            depth += 1
        elif tok == "}":
            depth -= 1
    raise QueryError("cannot find the WHERE clause of the query to bind its parameters remotely")


def with_values(query: str, values: dict[str, ox.NamedNode | ox.Literal]) -> str:
    """``query`` with a VALUES block binding ``values`` at the start of its outermost WHERE group."""
    if not values:
        return query
    names = sorted(values)
    block = "VALUES (" + " ".join(f"?{n}" for n in names) + ") { (" + " ".join(term_text(values[n]) for n in names) + ") }"
    at = _where_brace(query) + 1
    return query[:at] + " " + block + query[at:]


@dataclass
class Auth:
    """Credentials for an endpoint: Basic or Digest, whichever the server asks for."""

    user: str
    password: str


def _opener(url: str, auth: Auth | None) -> urllib.request.OpenerDirector:
    handlers: list[urllib.request.BaseHandler] = []
    if auth is not None:
        mgr = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        mgr.add_password(None, url, auth.user, auth.password)
        handlers += [urllib.request.HTTPDigestAuthHandler(mgr), urllib.request.HTTPBasicAuthHandler(mgr)]
    return urllib.request.build_opener(*handlers)


def _send(request: urllib.request.Request, auth: Auth | None, timeout: float) -> tuple[int, bytes, str]:
    try:
        with _opener(request.full_url, auth).open(request, timeout=timeout) as resp:
            return resp.status, resp.read(), resp.headers.get("Content-Type", "")
    except urllib.error.HTTPError as err:
        detail = err.read()[:500].decode("utf-8", "replace").strip()
        hint = "check --user/--password" if err.code in (401, 403) else "check the endpoint URL and that the server accepts this request"
        raise RemoteError(f"{request.get_method()} {request.full_url} answered {err.code} {err.reason}: {detail}", hint=hint) from None
    except (urllib.error.URLError, OSError) as err:
        reason = getattr(err, "reason", err)
        raise RemoteError(f"cannot reach {request.full_url}: {reason}", hint="is the server running, and is the URL right?") from None


def gsp_url(endpoint: str, graph: str | None) -> str:
    """The Graph Store Protocol URL of ``graph`` (or of the default graph) at ``endpoint``.

    >>> gsp_url("http://127.0.0.1:7878/store", "https://w3id.org/nkgraph/graph")
    'http://127.0.0.1:7878/store?graph=https%3A%2F%2Fw3id.org%2Fnkgraph%2Fgraph'
    """
    sep = "&" if "?" in endpoint else "?"
    return endpoint + sep + (urllib.parse.urlencode({"graph": graph}) if graph else "default")


def _authorization(request: urllib.request.Request, auth: Auth, timeout: float) -> str | None:
    """The Authorization header for ``request``, from the challenge a body-less probe receives.

    A server that refuses a large upload for want of credentials may close the connection before
    reading it (Virtuoso does), so the challenge is fetched first with the same method and an empty
    body (as curl does), and the upload is sent once, signed. Without credentials the probe changes
    nothing (401); on a server that asks for none, an empty PUT is followed at once by the real one.
    """
    import base64

    probe = urllib.request.Request(request.full_url, data=b"", method=request.get_method(), headers={"Content-Type": request.get_header("Content-type") or "text/plain"})
    try:
        with urllib.request.urlopen(probe, timeout=timeout):
            return None  # no credentials asked for
    except urllib.error.HTTPError as err:
        challenge = err.headers.get("WWW-Authenticate", "") if err.code == 401 else ""
    except (urllib.error.URLError, OSError) as err:
        reason = getattr(err, "reason", err)
        raise RemoteError(f"cannot reach {request.full_url}: {reason}", hint="is the server running, and is the URL right?") from None
    scheme, _, rest = challenge.partition(" ")
    if scheme.lower() == "digest":
        mgr = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        mgr.add_password(None, request.full_url, auth.user, auth.password)
        handler = urllib.request.HTTPDigestAuthHandler(mgr)
        chal = urllib.request.parse_keqv_list(urllib.request.parse_http_list(rest))
        value = handler.get_authorization(request, chal)
        return f"Digest {value}" if value else None
    token = base64.b64encode(f"{auth.user}:{auth.password}".encode("utf-8")).decode("ascii")
    return f"Basic {token}"


def push(graph_file: Path, endpoint: str, *, graph: str | None = None, replace: bool = True, auth: Auth | None = None, timeout: float = 600.0) -> int:
    """Send ``graph_file`` (N-Triples or Turtle) to a Graph Store Protocol endpoint; returns the HTTP status."""
    if graph is not None and not _IRI_OK.match(graph):
        raise QueryError(f"not a usable graph IRI: {graph!r}")
    ctype = "application/n-triples" if graph_file.suffix == ".nt" else "text/turtle"
    data = graph_file.read_bytes()
    request = urllib.request.Request(gsp_url(endpoint, graph), data=data, method="PUT" if replace else "POST", headers={"Content-Type": ctype})
    if auth is not None:
        header = _authorization(request, auth, timeout)
        if header:
            request.add_header("Authorization", header)
    status, _, _ = _send(request, None, timeout)
    return status


def _from_json(term: dict | None) -> object:
    if term is None:
        return None
    kind = term.get("type")
    if kind == "uri":
        return term["value"]
    if kind == "bnode":
        return "_:" + term["value"]
    dt = term.get("datatype", "")
    value = term["value"]
    if dt in (_XSD + "integer", _XSD + "nonNegativeInteger", _XSD + "positiveInteger", _XSD + "int", _XSD + "long"):
        return int(value)
    if dt == _XSD + "decimal":
        return Decimal(value)
    if dt in (_XSD + "double", _XSD + "float"):
        return float(value)
    if dt == _XSD + "boolean":
        return value in ("true", "1")
    return value


def sparql_select(endpoint: str, query: str, *, auth: Auth | None = None, timeout: float = 120.0) -> QueryResult:
    """POST ``query`` to a SPARQL 1.1 Protocol endpoint and read the JSON results as a :class:`QueryResult`."""
    body = urllib.parse.urlencode({"query": query}).encode("utf-8")
    request = urllib.request.Request(endpoint, data=body, method="POST", headers={
        "Content-Type": "application/x-www-form-urlencoded",
        "Accept": "application/sparql-results+json",
    })
    _, data, _ = _send(request, auth, timeout)
    try:
        doc = json.loads(data)
    except ValueError:
        raise RemoteError(f"{endpoint} did not answer with SPARQL JSON results: {data[:200]!r}") from None
    if "boolean" in doc:
        return QueryResult([], [], boolean=bool(doc["boolean"]))
    columns = doc["head"].get("vars", [])
    rows = [{c: _from_json(b.get(c)) for c in columns} for b in doc["results"]["bindings"]]
    return QueryResult(columns, rows)


def remote_query(spec: QuerySpec, endpoint: str, params: dict[str, str] | None = None, *, auth: Auth | None = None, timeout: float = 120.0) -> QueryResult:
    """Run a library query on a remote endpoint, its parameters bound by a VALUES block (see module docs)."""
    subs = bindings(spec, params or {})
    values = {var.value: term for var, term in subs.items()}
    return sparql_select(endpoint, with_values(spec.text, values), auth=auth, timeout=timeout)
