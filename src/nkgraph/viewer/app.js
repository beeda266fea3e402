/* nkgraph network view: filters, search by any spelling, claims with quotes in a side panel.
   Reads the JSON in <script id="nk-data">; needs the Cytoscape.js library loaded before it. */
(function () {
  "use strict";
  var DATA = JSON.parse(document.getElementById("nk-data").textContent);
  var CONTEXT = new Set(DATA.rules.context);
  var INVESTMENT = new Set(DATA.rules.investment);
  var REFERENCE_KINDS = new Set(["claim", "reference"]);

  function $(id) { return document.getElementById(id); }
  function esc(text) {
    return String(text == null ? "" : text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function fold(text) {
    return String(text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
      .replace(/[\u2018\u2019`]/g, "'").replace(/[-\s]+/g, " ").trim();
  }
  function list(value) { return Array.isArray(value) ? value : (value == null ? [] : [value]); }

  // ---- styles ------------------------------------------------------------------------------
  var style = [
    { selector: "node", style: {
      "label": "data(short)", "font-size": 13, "color": "#1d2329", "text-valign": "bottom", "text-halign": "center",
      "text-margin-y": 3, "text-wrap": "wrap", "text-max-width": 120, "width": "data(size)", "height": "data(size)",
      "border-width": 1, "border-color": "#ffffff", "text-background-color": "#ffffff", "text-background-opacity": 0.75,
      "text-background-padding": 1, "min-zoomed-font-size": 7 } },
    { selector: "edge", style: {
      "curve-style": "bezier", "width": 1.4, "line-color": "#a9b4bf", "target-arrow-color": "#a9b4bf",
      "target-arrow-shape": "triangle", "arrow-scale": 0.8, "font-size": 9, "color": "#39434d",
      "text-rotation": "autorotate", "text-background-color": "#f6f7f9", "text-background-opacity": 1,
      "text-background-padding": 1 } },
    { selector: "edge[?investment]", style: { "width": 3.2, "line-color": "#4e5d6c", "target-arrow-color": "#4e5d6c", "font-size": 11, "font-weight": 600 } },
    { selector: "edge[rule = 'holds_stake'], edge[rule = 'deal']", style: { "label": "data(label)" } },
    { selector: "edge[rule = 'exports'], edge[rule = 'operates'], edge[rule = 'owns']", style: { "font-size": 10, "width": 2, "line-color": "#7d8c99", "target-arrow-color": "#7d8c99" } },
    { selector: "edge.hover", style: { "label": "data(label)", "z-index": 10 } },
    { selector: "edge[?disputed]", style: { "line-style": "dashed", "line-color": "#c0392b", "target-arrow-color": "#c0392b", "color": "#a3261b" } },
    { selector: "edge[layer = 'references']", style: { "width": 0.8, "line-color": "#cfd5db", "target-arrow-color": "#cfd5db", "arrow-scale": 0.5 } },
    { selector: "node[kind = 'place']", style: { "font-size": 11, "color": "#3c4650" } },
    { selector: "node[kind = 'organization'], node[kind = 'country']", style: { "font-size": 15, "font-weight": 600 } },
    { selector: "node[kind = 'claim']", style: { "font-size": 7, "text-max-width": 90 } },
    { selector: ".hidden", style: { "display": "none" } },
    { selector: ".faded", style: { "opacity": 0.18 } },
    { selector: ".match", style: { "border-width": 4, "border-color": "#f5b700" } },
    { selector: "node:selected", style: { "border-width": 4, "border-color": "#1f5fa8" } },
    { selector: "edge:selected", style: { "width": 5, "line-color": "#1f5fa8", "target-arrow-color": "#1f5fa8", "label": "data(label)" } }
  ];
  DATA.kinds.forEach(function (k) {
    style.splice(2, 0, { selector: "node[kind = '" + k.kind + "']", style: { "background-color": k.colour, "shape": k.shape } });
  });

  // ---- elements: sizes, short labels, flags ---------------------------------------------------
  var degree = {};
  DATA.elements.edges.forEach(function (e) {
    var d = e.data;
    d.investment = INVESTMENT.has(d.rule);
    if (d.layer !== "references") { degree[d.source] = (degree[d.source] || 0) + 1; degree[d.target] = (degree[d.target] || 0) + 1; }
  });
  DATA.elements.nodes.concat(DATA.elements.edges).forEach(function (el) { el.classes = "hidden"; });
  DATA.elements.nodes.forEach(function (n) {
    var d = n.data;
    var label = d.label || d.id;
    d.short = label.length > 48 ? label.slice(0, 46) + "…" : label;
    d.size = REFERENCE_KINDS.has(d.kind) ? 12 : Math.round(16 + 7 * Math.sqrt(degree[d.id] || 0));
    d.names = [label].concat(list(d.alt_labels)).map(fold);
  });

  if (window.cytoscapeFcose) { cytoscape.use(window.cytoscapeFcose); }
  var cy = cytoscape({
    container: $("cy"), elements: DATA.elements, style: style, layout: { name: "preset" },
    minZoom: 0.2, maxZoom: 3, boxSelectionEnabled: false
  });

  // ---- filters --------------------------------------------------------------------------------
  function fill(select, values) {
    values.forEach(function (v) { var o = document.createElement("option"); o.value = v; o.textContent = v; select.appendChild(o); });
  }
  fill($("f-commodity"), DATA.choices.commodities);
  fill($("f-country"), DATA.choices.countries);
  fill($("f-status"), DATA.choices.statuses);
  var datalist = $("names");
  DATA.choices.names.forEach(function (name) { var o = document.createElement("option"); o.value = name; datalist.appendChild(o); });

  function current() {
    return { commodity: $("f-commodity").value, country: $("f-country").value, status: $("f-status").value,
             disputed: $("f-disputed").value, references: $("f-references").checked };
  }
  function matches(edge, f) {
    var d = edge.data();
    if (f.commodity) {
      var ok = list(d.commodities).some(function (c) { return (DATA.broader[c] || [c]).indexOf(f.commodity) >= 0; });
      if (!ok) { return false; }
    }
    if (f.country) {
      var src = edge.source().data();
      if (!d.investment || !(src.country === f.country || (src.kind === "country" && src.label === f.country))) { return false; }
    }
    if (f.status && list(d.status).indexOf(f.status) < 0) { return false; }
    if (f.disputed && String(!!d.disputed) !== f.disputed) { return false; }
    return true;
  }

  function apply() {
    var f = current();
    var active = !!(f.commodity || f.country || f.status || f.disputed);
    var network = cy.edges("[layer = 'network']");
    var kept = network.filter(function (e) { return !(active && CONTEXT.has(e.data("rule"))) && matches(e, f); });
    var nodes = kept.connectedNodes();
    if (active) {
      var frontier = nodes;
      while (frontier.length) {
        var more = frontier.outgoers("edge").filter(function (e) { return e.data("layer") === "network" && CONTEXT.has(e.data("rule")); }).difference(kept);
        kept = kept.union(more);
        frontier = more.targets().difference(nodes);
        nodes = nodes.union(frontier);
      }
    }
    var keep = kept.union(nodes);
    if (f.references) {
      var claims = new Set();
      kept.forEach(function (e) { list(e.data("claims")).forEach(function (c) { claims.add(c); }); });
      var claimNodes = cy.nodes("[kind = 'claim']").filter(function (n) { return claims.has(n.id()); });
      var about = claimNodes.outgoers("edge[rule = 'about']").filter(function (e) { return nodes.contains(e.target()); });
      var cited = claimNodes.incomers("edge[rule = 'cited_by']");
      keep = keep.union(claimNodes).union(about).union(cited).union(cited.sources());
    }
    cy.batch(function () {
      cy.elements().addClass("hidden");
      keep.removeClass("hidden");
    });
    search();
  }
  // What is shown is what is not .hidden: ":visible" reads computed styles, which lag class changes.
  function shown() { return cy.elements().not(".hidden"); }
  function showCounts() {
    var eles = shown();
    $("status").textContent = eles.nodes().length + " nodes · " + eles.edges().length + " edges";
  }
  function counts() {  // what the browser renders (for tests): computed styles, read after a layout
    return { nodes: cy.nodes(":visible").length, edges: cy.edges(":visible").length };
  }

  // ---- layout ---------------------------------------------------------------------------------
  var view = { ready: false, layouts: 0, cy: cy, counts: counts };
  window.nkView = view;
  function layout() {
    view.ready = false;
    var eles = shown();
    var seed = 20071;  // a fixed seed: the same graph gets the same picture
    var random = Math.random;
    Math.random = function () { seed = (seed * 16807) % 2147483647; return (seed - 1) / 2147483646; };
    var cose = eles.layout({
      name: "fcose", quality: "proof", animate: false, randomize: true, fit: true, padding: 30,
      nodeDimensionsIncludeLabels: true, uniformNodeDimensions: false, packComponents: true, tile: true,
      idealEdgeLength: function (e) {
        if (e.data("layer") === "references") { return 30; }
        return 45 + 3 * Math.min(e.source().degree(), e.target().degree(), 10);
      },
      edgeElasticity: function () { return 0.45; },
      nodeRepulsion: function (n) { return 5000 + 1500 * Math.min(n.degree(), 30); },
      nodeSeparation: 45, gravity: 0.25, gravityRange: 3.8, numIter: 4000
    });
    cose.one("layoutstop", function () { Math.random = random; stretch(eles); view.layouts += 1; view.ready = true; });
    cose.run();
  }

  // Stretch the layout to the shape of the window (cose packs into a square), then fit it.
  function stretch(eles) {
    var box = eles.nodes().boundingBox({ includeLabels: false });
    var width = cy.width() - 80, height = cy.height() - 80;
    if (box.w < 1 || box.h < 1 || width < 1 || height < 1) { cy.fit(eles, 40); return; }
    var want = width / height, have = box.w / box.h;
    var sx = want > have ? Math.min(want / have, 2.2) : 1, sy = want < have ? Math.min(have / want, 2.2) : 1;
    var cx = box.x1 + box.w / 2, cyy = box.y1 + box.h / 2;
    eles.nodes().positions(function (n) { var p = n.position(); return { x: cx + (p.x - cx) * sx, y: cyy + (p.y - cyy) * sy }; });
    cy.fit(eles, 30);
  }

  // ---- search ---------------------------------------------------------------------------------
  function search(select) {
    var q = fold($("search").value);
    cy.elements().removeClass("match faded");
    view.hits = [];
    showCounts();
    if (q.length < 2) { return; }
    var hits = shown().nodes().filter(function (n) { return n.data("names").some(function (name) { return name.indexOf(q) >= 0; }); });
    view.hits = hits.map(function (n) { return n.id(); });
    if (!hits.length) { $("status").textContent = "no visible node is named “" + $("search").value + "”"; return; }
    var near = hits.union(hits.connectedEdges().not(".hidden"));
    shown().difference(near).difference(near.connectedNodes()).addClass("faded");
    hits.addClass("match");
    cy.fit(hits.closedNeighborhood().not(".hidden"), 80);
    var exact = hits.filter(function (n) { return n.data("names").indexOf(q) >= 0; });
    if (select || hits.length === 1 || exact.length === 1) { show((exact.length ? exact : hits)[0]); }
  }

  // ---- side panel -------------------------------------------------------------------------------
  function claimHtml(id) {
    var c = DATA.claims[id];
    if (!c) { return ""; }
    var meta = [c.modality + (c.hedge ? " (“" + c.hedge + "”)" : ""), c.date, c.section, c.line ? "source line " + c.line : ""].filter(Boolean);
    var cites = c.citations.length ? "cites " + c.citations.map(esc).join("; ") : "cites nothing (the chapter alone)";
    var notes = c.conflicts.map(function (x) { return "<div class='note'>conflicts with " + esc(x[0]) + (x[1] ? ": " + esc(x[1]) : "") + "</div>"; }).join("");
    return "<div class='claim" + (c.disputed ? " disputed" : "") + "' data-claim='" + esc(id) + "'>" +
      "<div class='statement'>" + (c.disputed ? "<span class='badge disputed'>disputed</span>" : "") + esc(c.statement) + "</div>" +
      "<blockquote>“" + esc(c.quote) + "”</blockquote>" +
      "<div class='cites'>" + cites + "</div><div class='meta'>" + esc(meta.join(" · ")) + "</div>" + notes + "</div>";
  }
  function facts(d, keys) {
    return keys.filter(function (k) { return d[k] != null && d[k] !== "" && !(Array.isArray(d[k]) && !d[k].length); }).map(function (k) {
      var v = Array.isArray(d[k]) ? d[k].join(", ") : d[k];
      if (k === "percentage") { v = v + "%"; }
      return "<div class='meta'><b>" + esc(k.replace(/_/g, " ")) + "</b>: " + esc(v) + "</div>";
    }).join("");
  }
  function show(ele) {
    var d = ele.data(), html;
    cy.elements().unselect();
    ele.select();
    if (ele.isNode()) {
      html = "<h2>" + esc(d.label) + "</h2><div><span class='badge'>" + esc(d.type || d.kind) + "</span><span class='badge'>" + esc(d.kind) + "</span></div>";
      if (list(d.alt_labels).length) { html += "<div class='meta'>also printed as: " + list(d.alt_labels).map(esc).join(" · ") + "</div>"; }
      html += facts(d, ["country", "commodities", "date", "status", "value", "term_years"]);
      if (d.quote) { html += "<blockquote>“" + esc(d.quote) + "”</blockquote>"; }
      var edges = ele.connectedEdges().not(".hidden");
      if (edges.length) {
        html += "<h3>Connections</h3>" + edges.map(function (e) {
          var out = e.source().id() === ele.id();
          var other = out ? e.target() : e.source();
          return "<div class='meta'><span class='link' data-edge='" + esc(e.id()) + "'>" + (out ? esc(e.data("label")) + " → " : "← " + esc(e.data("label")) + " ") + "</span>" + esc(other.data("label")) + "</div>";
        }).join("");
      }
      html += "<h3>Claims about it</h3>" + (list(d.claims).map(claimHtml).join("") || "<div class='meta'>none</div>");
    } else {
      html = "<h2>" + esc(ele.source().data("label")) + " — " + esc(d.label) + " → " + esc(ele.target().data("label")) + "</h2>" +
        "<div>" + (d.disputed ? "<span class='badge disputed'>disputed</span>" : "") + "<span class='badge'>" + esc(d.rule) + "</span></div>" +
        facts(d, ["percentage", "value", "term_years", "date", "status", "commodities", "modality", "citations"]) +
        "<h3>Claims</h3>" + list(d.claims).map(claimHtml).join("");
    }
    $("panel").innerHTML = html;
  }
  $("panel").addEventListener("click", function (ev) {
    var id = ev.target.getAttribute("data-edge");
    if (id) { show(cy.getElementById(id)); }
  });
  cy.on("tap", "node, edge", function (ev) { show(ev.target); });
  cy.on("mouseover", "edge", function (ev) { ev.target.addClass("hover"); });
  cy.on("mouseout", "edge", function (ev) { ev.target.removeClass("hover"); });
  cy.on("mouseover", "node", function (ev) { ev.target.connectedEdges().addClass("hover"); });
  cy.on("mouseout", "node", function (ev) { ev.target.connectedEdges().removeClass("hover"); });

  ["f-commodity", "f-country", "f-status", "f-disputed", "f-references"].forEach(function (id) {
    $(id).addEventListener("change", function () { apply(); layout(); });
  });
  $("search").addEventListener("input", function () { search(false); });
  $("search").addEventListener("keydown", function (ev) { if (ev.key === "Enter") { search(true); } });
  $("relayout").addEventListener("click", layout);
  $("reset").addEventListener("click", function () {
    var dirty = ["f-commodity", "f-country", "f-status", "f-disputed"].some(function (id) { return $(id).value !== ""; }) || $("f-references").checked;
    ["f-commodity", "f-country", "f-status", "f-disputed"].forEach(function (id) { $(id).value = ""; });
    $("f-references").checked = false;
    $("search").value = "";
    cy.elements().unselect();
    if (dirty) { apply(); layout(); } else { search(); cy.fit(shown(), 30); }
  });
  $("fit").addEventListener("click", function () { cy.fit(shown(), 30); });

  // ---- legend ---------------------------------------------------------------------------------
  $("legend").innerHTML = DATA.kinds.map(function (k) {
    return "<div><span class='swatch' style='background:" + k.colour + "'></span>" + esc(k.label) + "</div>";
  }).join("") + "<div><span class='line invest'></span>stake or deal</div><div><span class='line'></span>other relation</div>" +
    "<div><span class='line disputed'></span>disputed (conflicting claims)</div>";

  apply();
  layout();
})();
