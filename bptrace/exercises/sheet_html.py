"""Question sheets and answer keys as self-contained web pages.

Provides ``sheets_html(variants, lang)`` — a printable page: per variant the task, the
conventions, the given numbers and a table of the blanks with their answer names and room
for the answer (its own small style; no script: nothing to reveal on a question sheet); and
``key_html(variants, lang)`` — per variant every blank at the asked digits, then the worked
solution: bptrace's traces printed by ``printing.html_tables.to_html`` (MathML, each line a
step) inside ``printing.html_page.document``, so the key reveals its steps one by one like
the web page. Both pages carry a content-security policy that lets nothing load or run from
elsewhere. Every string that is not markup passes through ``printing.mathml.escape``.
"""
from __future__ import annotations

from ..printing.html_assets import csp_hash
from ..printing.html_page import document
from ..printing.mathml import escape
from .rounding import shown
from .sheet_latex import TASKS_ZH, ZH_PHRASES, heading_zh, worked_traces
from .sheets import given_groups, reprint_command, rules, task

WORDS = {
    "en": {"exercise": "Exercise", "given": "Given", "conventions": "Conventions",
           "blanks": "Answer to {d} significant digits; the answers file uses the names in the "
                     "second column (out_h1 = 0.5933).",
           "quantity": "quantity", "name": "name in the answers file", "answer": "your answer",
           "key": "Answer key", "every": "Every blank", "worked": "Worked solution",
           "value": "value", "reprint": "Reprint", "seed": "seed", "variant": "variant"},
    "zh": {"exercise": "练习", "given": "已知", "conventions": "约定",
           "blanks": "答案保留 {d} 位有效数字；答案文件使用第二列的名称（out_h1 = 0.5933）。",
           "quantity": "量", "name": "答案文件中的名称", "answer": "你的答案",
           "key": "答案", "every": "所有空格", "worked": "完整解答", "value": "值",
           "reprint": "重印", "seed": "种子", "variant": "变体"},
}

CSS = """body { font-family: "DejaVu Sans", "Noto Sans CJK SC", sans-serif; max-width: 52rem;
  margin: 2rem auto; padding: 0 1rem; line-height: 1.45; color: #111; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.25rem; border-bottom: 2px solid #8a2c0d; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; }
th, td { text-align: left; padding: 0.25rem 0.75rem 0.25rem 0; vertical-align: bottom; }
table.blanks td.blank { width: 14rem; border-bottom: 1px solid #111; }
table.blanks tr { height: 2.2rem; }
code { font-family: "DejaVu Sans Mono", monospace; }
section { page-break-after: always; margin-bottom: 3rem; }
small { color: #444; }
"""


def _text(s: str) -> str:
    return s.replace("e^−x", "e⁻ˣ")


def _zh(s: str) -> str:
    for en, zh in ZH_PHRASES:
        s = s.replace(en, zh)
    return s


def _title(v, lang: str, what: str) -> str:
    w = WORDS[lang]
    return f"{w[what]}: {v.kind}, {w['seed']} {v.seed}, {w['variant']} {v.number}"


def _given(v, lang: str) -> str:
    rows = []
    for heading, items in given_groups(v):
        heading = heading_zh(heading) if lang == "zh" else heading
        cells = ", ".join(f"{lab} = {val}" for _, lab, _, val in items)
        rows.append(f'<tr><th scope="row">{escape(heading)}</th><td>{escape(cells)}</td></tr>')
    return '<table class="given">\n' + "\n".join(rows) + "\n</table>"


def _sheet(v, lang: str) -> str:
    w = WORDS[lang]
    conventions = "; ".join(_text(_zh(r) if lang == "zh" else r) for r in rules(v))
    out = [f'<section class="exercise" id="variant-{v.number}">',
           f"<h2>{escape(_title(v, lang, 'exercise'))}</h2>",
           f"<p>{escape(TASKS_ZH[v.kind] if lang == 'zh' else task(v))}</p>",
           f"<p><strong>{escape(w['conventions'])}.</strong> {escape(conventions)}.</p>",
           f"<h3>{escape(w['given'])}</h3>", _given(v, lang),
           f"<p>{escape(w['blanks'].format(d=v.digits))}</p>",
           '<table class="blanks">',
           f"<tr><th></th><th>{escape(w['quantity'])}</th><th>{escape(w['name'])}</th>"
           f"<th>{escape(w['answer'])}</th></tr>"]
    for i, q in enumerate(v.quantities, start=1):
        out.append(f"<tr><td>{i}.</td><td>{escape(q.label)}</td><td><code>{escape(q.name)}</code></td>"
                   '<td class="blank"></td></tr>')
    out += ["</table>", f"<p><small>{escape(w['reprint'])}: <code>{escape(reprint_command(v))}</code>"
            "</small></p>", "</section>"]
    return "\n".join(out)


def sheets_html(variants, lang: str = "en") -> str:
    first = variants[0]
    title = f"{WORDS[lang]['exercise']}: {first.kind}, {WORDS[lang]['seed']} {first.seed}"
    csp = f"default-src 'none'; style-src {csp_hash(CSS)}; base-uri 'none'; form-action 'none'"
    return "\n".join([
        "<!DOCTYPE html>", f'<html lang="{"zh-Hans" if lang == "zh" else "en"}">', "<head>",
        '<meta charset="utf-8">', f'<meta http-equiv="Content-Security-Policy" content="{csp}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title>", f"<style>{CSS}</style>", "</head>", "<body>",
        *(_sheet(v, lang) for v in variants), "</body>", "</html>"]) + "\n"


def key_html(variants, lang: str = "en") -> str:
    from ..printing.html_tables import to_html
    w = WORDS[lang]
    parts = []
    for v in variants:
        rows = "\n".join(f"<tr><td>{escape(q.label)}</td><td><code>{escape(q.name)}</code></td>"
                         f"<td>{escape(shown(v.key[q.name], v.digits))}</td></tr>" for q in v.quantities)
        parts += [f'<section class="key" id="variant-{v.number}">',
                  f"<h2>{escape(_title(v, lang, 'key'))}</h2>",
                  f"<h3>{escape(w['given'])}</h3>", _given(v, lang),
                  f"<h3>{escape(w['every'])}</h3>",
                  f'<table class="blanks">\n<tr><th>{escape(w["quantity"])}</th><th>'
                  f"{escape(w['name'])}</th><th>{escape(w['value'])}</th></tr>\n{rows}\n</table>",
                  f"<h3>{escape(w['worked'])}</h3>",
                  to_html(worked_traces(v), lang=lang), "</section>"]
    first = variants[0]
    return document("\n".join(parts), lang,
                    subtitle=escape(f"{w['key']}: {first.kind}, {w['seed']} {first.seed}"))
