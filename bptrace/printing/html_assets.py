"""The web page's style sheet and script, inlined into every page (nothing is fetched).

Provides ``CSS`` and ``JS`` (constant text: the page's Content-Security-Policy allows exactly
these by their SHA-256 hashes, so no other script or style can run on a page) and
``csp_hash(text)``.

The script reveals the page's ``.step`` items one at a time: → or Space shows the next,
← goes back, Home starts again, End shows all; the position is kept in the URL fragment
(``#step-7``) so a lecturer can link to a step; the current step's ``data-hl`` ids are
highlighted on the network picture; a focused or hovered number shows its 50-digit and
torch float64 values. Without JavaScript none of this runs and every step is shown.
"""
from __future__ import annotations

import base64
import hashlib

CSS = """
:root { --ink: #111; --muted: #444; --rule: #bbb; --accent: #9a3c00; --now: #fff0b3;
        --hl: #c03c00; color-scheme: light; }
html { font-size: 18px; }
body { margin: 0; color: var(--ink); background: #fff; line-height: 1.45;
       font-family: "DejaVu Sans", "Noto Sans CJK SC", "Noto Sans SC", "PingFang SC",
                    "Microsoft YaHei", sans-serif; }
:lang(zh) body, body:lang(zh) { font-family: "Noto Sans CJK SC", "Noto Sans SC", "PingFang SC",
                                "Microsoft YaHei", "DejaVu Sans", sans-serif; }
math { font-family: "Latin Modern Math", "STIX Two Math", "Cambria Math", "DejaVu Serif", math;
       font-size: 1.12em; }
/* one line of working per step, left-aligned, in display style (fractions full size) */
.step > math[display="block"] { display: inline math; math-style: normal; }
.step { overflow-x: auto; overflow-y: hidden; scroll-margin: 4rem 0 30vh; }
/* a line too long for the column wraps before an "=", indented under the first part */
.step { padding-left: 2.5rem; text-indent: -2rem; }
.step > div, .step > p, .step td, .step th { text-indent: 0; }
.step > math + math { margin-left: -0.3em; }   /* the space between the parts: "=" has its own */
header { padding: 0.8rem 1.5rem 0.4rem; border-bottom: 1px solid var(--rule); }
h1 { font-size: 1.6rem; margin: 0; }
.subtitle { margin: 0.2rem 0 0; color: var(--muted); }
.controls { position: sticky; top: 0; z-index: 2; display: flex; flex-wrap: wrap; gap: 0.5rem;
            align-items: center; padding: 0.45rem 1.5rem; background: #f4f4f4;
            border-bottom: 1px solid var(--rule); }
.controls[hidden] { display: none; }
.controls button { font: inherit; padding: 0.25rem 0.9rem; border: 1px solid #555;
                   border-radius: 4px; background: #fff; color: var(--ink); cursor: pointer; }
.controls button:disabled { color: #777; border-color: #aaa; cursor: default; }
#counter { font-weight: bold; min-width: 9em; }
.keys { color: var(--muted); font-size: 0.85rem; }
.layout { display: grid; grid-template-columns: minmax(0, 1fr) minmax(18rem, 40%); gap: 0 1.5rem;
          padding: 0 1.5rem; }
.layout > main { grid-column: 1; grid-row: 1; min-width: 0; }
.layout.single { grid-template-columns: minmax(0, 60rem); }
.layout > aside { grid-column: 2; grid-row: 1; }
aside figure { position: sticky; top: 3.4rem; margin: 1rem 0; }
aside svg { width: 100%; height: auto; max-height: 70vh; }
figcaption { font-size: 0.85rem; color: var(--muted); }
h2 { font-size: 1.35rem; margin: 1.4rem 0 0.4rem; border-bottom: 2px solid var(--accent); }
h3 { font-size: 1.12rem; margin: 1.1rem 0 0.3rem; }
h4 { font-size: 1rem; margin: 0.7rem 0 0.2rem; color: var(--muted); }
ol.steps { list-style: none; margin: 0; padding: 0; }
.step { padding-top: 0.1rem; padding-bottom: 0.1rem; padding-right: 0.5rem;
        border-left: 4px solid transparent; }
.step > p, .step > div { margin: 0.3rem 0 0.3rem -2rem; }
.js .step { visibility: hidden; }
.js .step.shown { visibility: visible; }
.js .step.current { background: var(--now); border-left-color: var(--accent); }
.num:focus { outline: 2px solid var(--accent); outline-offset: 1px; }
.num:hover { background: #e8e8e8; }
dl.given { display: grid; grid-template-columns: max-content 1fr; gap: 0.1rem 1rem; }
dl.given dt { font-weight: bold; }
dl.given dd { margin: 0; }
table { border-collapse: collapse; margin: 0.4rem 0; }
caption { text-align: left; color: var(--muted); padding-bottom: 0.3rem; }
th, td { border-bottom: 1px solid var(--rule); padding: 0.15rem 0.6rem; text-align: right;
         font-variant-numeric: tabular-nums; }
th[scope="row"], th[scope="col"] { text-align: left; }
tr.bad td { color: #a00000; font-weight: bold; }
svg.curve .axis { stroke: #333; stroke-width: 1.2; }
svg.curve .line { stroke: var(--hl); stroke-width: 2.5; }
svg.curve .grid { stroke: #ddd; stroke-width: 1; }
svg.curve text { font-size: 13px; fill: #222; }
pre { white-space: pre-wrap; }
#tip { position: absolute; z-index: 3; max-width: 34rem; padding: 0.35rem 0.6rem;
       background: #222; color: #fff; border-radius: 4px; font-size: 0.8rem;
       font-family: "DejaVu Sans Mono", monospace; white-space: pre-wrap; overflow-wrap: anywhere; }
#tip[hidden] { display: none; }
footer { padding: 1rem 1.5rem 2rem; color: var(--muted); font-size: 0.85rem; }
/* the path being derived, on the picture */
.hl > ellipse, .hl > polygon, .hl > path { stroke: var(--hl); stroke-width: 3.5; }
.bp_edge.hl > polygon { fill: var(--hl); }
.hl > text { fill: var(--hl); font-weight: bold; }
@media (max-width: 900px) {
  .layout { display: block; }
  aside figure { position: static; }
}
@media print {
  html { font-size: 11pt; }
  .controls, #tip { display: none !important; }
  .js .step { visibility: visible !important; }
  .step.current { background: none !important; border-left-color: transparent !important; }
  .layout { display: block; padding: 0; }
  aside figure { position: static; }
  aside svg { max-height: none; max-width: 16cm; }
  .hl > ellipse, .hl > polygon, .hl > path { stroke-width: 1; }
  .hl > text { font-weight: normal; }
  h2, h3, h4 { break-after: avoid; }
  .step, table, figure { break-inside: avoid; }
  a { color: inherit; }
}
""".strip() + "\n"

JS = """
(function () {
  "use strict";
  var doc = document, root = doc.documentElement;
  var steps = Array.prototype.slice.call(doc.querySelectorAll(".step"));
  var total = steps.length, shown = 0;
  var nav = doc.getElementById("controls"), counter = doc.getElementById("counter");
  var prev = doc.getElementById("prev"), next = doc.getElementById("next");
  var tip = doc.getElementById("tip");
  root.classList.add("js");
  nav.hidden = false;

  function fromHash() {
    var m = /^#step-(\\d+)$/.exec(window.location.hash);
    return m ? Math.min(parseInt(m[1], 10), total) : null;
  }
  function highlight(ids) {
    Array.prototype.forEach.call(doc.querySelectorAll(".hl"), function (e) { e.classList.remove("hl"); });
    (ids || "").split(" ").forEach(function (id) {
      var e = id && doc.getElementById(id);
      if (e) { e.classList.add("hl"); }
    });
  }
  function show(k, scroll) {
    shown = Math.max(0, Math.min(total, k));
    steps.forEach(function (s, i) {
      s.classList.toggle("shown", i < shown);
      s.classList.toggle("current", i === shown - 1);
      if (i < shown) { s.removeAttribute("aria-hidden"); } else { s.setAttribute("aria-hidden", "true"); }
    });
    counter.textContent = nav.getAttribute("data-counter")
      .replace("{k}", String(shown)).replace("{n}", String(total));
    highlight(shown > 0 ? steps[shown - 1].getAttribute("data-hl") : "");
    prev.disabled = shown === 0;
    next.disabled = shown === total;
    var hash = "#step-" + shown;
    if (window.location.hash !== hash) {
      try { history.replaceState(null, "", hash); } catch (err) { window.location.replace(hash); }
    }
    if (scroll && shown > 0) { steps[shown - 1].scrollIntoView({block: "nearest"}); }
  }
  next.addEventListener("click", function () { show(shown + 1, true); });
  prev.addEventListener("click", function () { show(shown - 1, true); });
  doc.getElementById("all").addEventListener("click", function () { show(total, false); });
  doc.getElementById("reset").addEventListener("click", function () { show(0, false); window.scrollTo(0, 0); });
  doc.addEventListener("keydown", function (e) {
    if (e.altKey || e.ctrlKey || e.metaKey) { return; }
    var onButton = e.target && e.target.tagName === "BUTTON";
    if (e.key === "ArrowRight" || e.key === "PageDown" || (e.key === " " && !onButton)) {
      show(shown + 1, true);
    } else if (e.key === "ArrowLeft" || e.key === "PageUp") {
      show(shown - 1, true);
    } else if (e.key === "Home") {
      show(0, false); window.scrollTo(0, 0);
    } else if (e.key === "End") {
      show(total, false);
    } else {
      return;
    }
    e.preventDefault();
  });
  window.addEventListener("hashchange", function () {
    var k = fromHash();
    if (k !== null && k !== shown) { show(k, true); }
  });

  function explain(e) {
    var num = e.target && e.target.closest ? e.target.closest(".num") : null;
    if (!num) { return; }
    var f64 = num.getAttribute("data-f64");
    tip.textContent = tip.getAttribute("data-exact") + ": " + num.getAttribute("data-exact") + "\\n" +
      (f64 ? tip.getAttribute("data-f64") + ": " + f64 : tip.getAttribute("data-none"));
    var r = num.getBoundingClientRect();
    tip.style.left = Math.max(4, r.left + window.scrollX) + "px";
    tip.style.top = (r.bottom + window.scrollY + 6) + "px";
    tip.hidden = false;
  }
  function hide(e) {
    if (e.target && e.target.closest && e.target.closest(".num")) { tip.hidden = true; }
  }
  doc.addEventListener("mouseover", explain);
  doc.addEventListener("focusin", explain);
  doc.addEventListener("mouseout", hide);
  doc.addEventListener("focusout", hide);

  var start = fromHash();
  show(start === null ? 0 : start, start !== null);
}());
""".strip() + "\n"


def csp_hash(text: str) -> str:
    """The Content-Security-Policy source for an inline ``<script>``/``<style>`` holding ``text``."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"
