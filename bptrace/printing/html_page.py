"""The worked example as one self-contained web page, revealed one step at a time.

Provides:
- ``Page`` — what the page shows, as data gathered by the library (``bptrace.webpage``
  gathers it: this module computes nothing and renders no picture);
- ``PagePrinter`` / ``to_page(page, **settings)`` — the HTML document: the network picture
  (inline SVG, its nodes and edges named by ``dot.py``'s ``ids`` setting), the given
  values, the forward pass layer by layer, each chosen parameter's derivation (every path
  factor by factor, the sum, the δ form, the proof), the update, optionally training with
  its error curve, and the torch check table;
- ``path_ids(net, nodes)`` — the SVG ids of one chain-rule path on the network picture.

Every formula is MathML; the style and the script are inlined (``html_assets.py``) and a
Content-Security-Policy allows only them, by hash: the page fetches nothing, and no
script a spec might smuggle in could run even if escaping failed. Settings are the HTML
printer's (``digits``, ``decimals``, ``lang``); the output is the same bytes on every run.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import sympy

from .html import check_values
from .html_assets import CSS, JS, csp_hash
from .html_tables import TablesHtmlPrinter
from .mathml import escape, math
from .picture import Name, network_picture
from .words import word


@dataclass(frozen=True)
class Page:
    """The traces a page walks through, computed by the library; only printed here."""

    network: object
    forward: object
    derivations: tuple            # Derivation per chosen parameter
    proofs: tuple                 # Proof per chosen parameter (may be empty)
    update: object
    svg: str                      # the network picture, rendered with ids=True
    check: Optional[object] = None    # CheckReport, or None without torch
    train: Optional[object] = None    # TrainTrace, or None


def _picture_index(net):
    """Names → positional picture ids: neurons and biases → node, weights → (tail, head)."""
    pic = network_picture(net, values=False)
    nodes, weights = {}, {}
    for n in pic.nodes:
        first = n.lines[0][0] if n.lines and n.lines[0] else None
        if isinstance(first, Name):
            nodes[first.name] = n.id
    for e in pic.edges:
        first = e.lines[0][0] if e.lines and e.lines[0] else None
        if isinstance(first, Name):
            weights[first.name] = (e.tail, e.head)
    return nodes, weights


def path_ids(net, nodes) -> str:
    """The SVG element ids (space-separated) of a path param → net/out … → E_total."""
    by_name, weights = _picture_index(net)
    neurons = []
    for q in nodes[1:]:
        head, _, rest = q.partition("_")
        if head in ("net", "out") and by_name.get(rest) and by_name[rest] not in neurons:
            neurons.append(by_name[rest])
    param = nodes[0]
    ids = []
    if param in weights:
        tail, head = weights[param]
        ids += [tail, f"e_{tail}_{head}"]
    elif param in by_name and neurons:
        ids += [by_name[param], f"e_{by_name[param]}_{neurons[0]}"]
    for a, b in zip(neurons, neurons[1:]):
        ids += [a, f"e_{a}_{b}"]
    if neurons:
        ids += [neurons[-1], f"e_{neurons[-1]}_E", "E"]
    return " ".join(f"bp_{i}" for i in ids)


def _inline_svg(svg: str, label: str) -> str:
    """Graphviz's SVG without its XML prolog, labelled for screen readers."""
    start = svg.index("<svg")
    body = svg[start:]
    return body.replace("<svg", f'<svg role="img" aria-label="{label}"', 1)


class PagePrinter(TablesHtmlPrinter):
    """The page: header, controls, picture beside the steps, footer, inlined style/script."""

    def _sub(self, level: int, **extra) -> TablesHtmlPrinter:
        return TablesHtmlPrinter(**{**self._settings, "level": level, **extra})

    def given(self, net) -> str:
        vals, names, p = net.values, net.names, self._sub(3)

        def assign(ns):
            return ", ".join(math(f"{p.f(sympy.Symbol(n))}<mo>=</mo>{p.v(vals[n], n)}", display="inline")
                             for n in ns)
        weights = [w for layer in names.weights for row in layer for w in row]
        biases = [b for layer in names.biases for b in layer]
        rows = [("inputs", names.inputs), ("weights", weights), ("biases", biases),
                ("targets", [f"target_{o}" for o in net.outputs])]
        out = [f"<dt>{self.w(k)}</dt><dd>{assign(ns)}</dd>" for k, ns in rows if ns]
        eta = math(f"<mi>η</mi><mo>=</mo>{p.v(net.learning_rate)}", display="inline")
        out.append(f"<dt>{self.w('learning_rate')}</dt><dd>{eta}</dd>")
        return '<dl class="given">' + "".join(out) + "</dl>"

    def forward_section(self, page: Page) -> list[str]:
        p = self._sub(3)
        steps = list(page.forward.steps)
        out = [f'<section id="forward">\n<h2>{self.w("forward")}</h2>']
        layers = page.network.names.neurons
        for l, names in enumerate(layers):
            k = 2 * len(names)
            title = self.w("output_layer") if l == len(layers) - 1 else self.w("hidden_layer", l=l + 1)
            out += [f"<h3>{title}</h3>", p.steps(p.forward_items(page.forward, steps[:k]))]
            steps = steps[k:]
        out += [f"<h3>{self.w('error')}</h3>", p.steps(p.forward_items(page.forward, steps)), "</section>"]
        return out

    def backward_section(self, page: Page) -> list[str]:
        net = page.network
        p = self._sub(4, highlight=lambda param, nodes: path_ids(net, nodes))
        proofs = {pr.param: pr for pr in page.proofs}
        out = [f'<section id="backward">\n<h2>{self.w("backward")}</h2>']
        for d in page.derivations:
            out.append(f'<section class="derivation">\n<h3>{p.heading(d)}</h3>')
            out += p.derivation_parts(d)
            if d.param in proofs:
                out.append(p.steps([p.proof_item(proofs[d.param])]))
            out.append("</section>")
        out.append("</section>")
        return out

    def _print_Page(self, page: Page) -> str:
        s = self._settings
        net = page.network
        lang = s["lang"]
        name = escape(net.name)
        settings = {**s, "f64": check_values(page.check) if page.check is not None else {}}
        self._settings = settings
        sub = self._sub(3)
        picture = _inline_svg(page.svg, self.w("picture_label", name=name))
        main = [f'<section id="network">\n<h2>{self.w("network")}</h2>\n<h3>{self.w("given")}</h3>',
                self.given(net), f'<p class="hint">{self.w("hover")}</p>', "</section>"]
        main += self.forward_section(page)
        main += self.backward_section(page)
        main += [f'<section id="update">\n<h2>{self.w("update")}</h2>\n<h3>{sub.update_heading(page.update)}</h3>',
                 sub.steps(sub.update_items(page.update)), "</section>"]
        if page.train is not None:
            main += [f'<section id="train">\n<h2>{self.w("training", n=page.train.rounds)}</h2>',
                     sub.steps([sub.step(text="\n".join(x for x in sub.train_parts(page.train) if x),
                                         cls="table")]), "</section>"]
        main.append(f'<section id="check">\n<h2>{self.w("check")}</h2>')
        if page.check is not None:
            main.append(sub.steps([sub.step(text=sub.check_table(page.check), cls="table")]))
        else:
            main.append(f"<p>{self.w('no_torch')}</p>")
        main.append("</section>")
        aside = (f'<aside>\n<figure>\n{picture}\n<figcaption>{self.w("picture_label", name=name)}'
                 "</figcaption>\n</figure>\n</aside>")
        self._settings = s
        return document("\n".join(main), lang, subtitle=name, aside=aside)


def document(body: str, lang: str = "en", subtitle: str = "", aside: str = "") -> str:
    """A complete, self-contained HTML document around ``body`` (HTML with ``.step`` items):
    the style, the step controls, the script, and a policy that lets nothing else run or load.

    ``subtitle`` and ``aside`` are markup the caller has escaped; ``aside`` goes beside the
    steps (the network picture), sticky on a wide screen.
    """
    def w(key, **slots):
        return word(lang, key, **slots)

    csp = (f"default-src 'none'; style-src {csp_hash(CSS)}; script-src {csp_hash(JS)}; "
           "img-src data:; base-uri 'none'; form-action 'none'")
    controls = (f'<nav id="controls" class="controls" aria-label="{w("controls")}" '
                f'data-counter="{w("counter", k="{k}", n="{n}")}" hidden>'
                f'<button type="button" id="prev">← {w("prev")}</button>'
                f'<button type="button" id="next">{w("next")} →</button>'
                f'<button type="button" id="all">{w("all")}</button>'
                f'<button type="button" id="reset">{w("reset")}</button>'
                f'<output id="counter" aria-live="polite"></output>'
                f'<span class="keys">{w("keys")}</span></nav>')
    title = w("title") + (f" — {subtitle}" if subtitle else "")
    doc = [
        "<!DOCTYPE html>",
        f'<html lang="{w("html_lang")}">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{title}</title>",
        f"<style>{CSS}</style>",
        "</head>",
        "<body>",
        f'<header>\n<h1>{w("title")}</h1>' + (f'\n<p class="subtitle">{subtitle}</p>' if subtitle else "")
        + "\n</header>",
        controls,
        f'<div class="layout{"" if aside else " single"}">',
        aside,
        "<main>",
        body,
        "</main>",
        "</div>",
        f'<footer><p>{w("footer")}</p></footer>',
        f'<div id="tip" role="tooltip" data-exact="{w("tip_exact")}" '
        f'data-f64="{w("tip_f64")}" data-none="{w("tip_none")}" hidden></div>',
        f"<script>{JS}</script>",
        "</body>",
        "</html>",
    ]
    return "\n".join(x for x in doc if x) + "\n"


def to_page(page: Page, **settings) -> str:
    """The HTML document for ``page`` (settings: ``digits``, ``decimals``, ``lang``)."""
    return PagePrinter(**settings).doprint(page)
