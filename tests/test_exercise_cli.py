"""``bptrace exercise``: new, mark, mark-class through the command line — reproducible
sheets, one-line errors for hostile input with nothing half-written, and LaTeX that compiles
with students' names in it."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from bptrace.cli import main
from bptrace.exercises.folder import make_variants, read_folder
from bptrace.exercises.program import run
from bptrace.exercises.rounding import rounded

HOSTILE = "Zoë O'Brien & {co} \\\\ 100% $x$ #1 ~ ^_ \\input{/etc/passwd}"


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def one_line_error(r, *parts):
    assert r.exit_code == 2, r.output
    assert r.exception is None or isinstance(r.exception, SystemExit), r.exception
    lines = r.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), r.output
    for p in parts:
        assert p in lines[0], lines[0]
    assert "Traceback" not in r.output


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("ex")
    (root / "class.csv").write_text(f'id,name\ns01,"{HOSTILE}"\ns02,张三\ns03,=HYPERLINK("x")\n', "utf-8")
    r = invoke("exercise", "new", "--kind", "update", "--seed", 7, "-o", root / "ex",
               "--class-list", root / "class.csv")
    assert r.exit_code == 0, r.output
    assert r.output == f"wrote {root / 'ex'}: 3 variants of update for 3 students, 18 files\n"
    return root / "ex"


def answers_for(folder, number, mistake=None, digits=4):
    s, _ = read_folder(folder)
    v = make_variants(s, [number])[0]
    values = run(v.quantities, v.env, mistake=mistake, digits=digits)
    return f"variant = {number}\n" + "".join(f"{k} = {rounded(x, digits)}\n" for k, x in values.items())


# ----- reproducible ----------------------------------------------------------------------
def _sheets(hashseed: str, args) -> bytes:
    env = {**os.environ, "PYTHONHASHSEED": hashseed}
    code = "from bptrace.cli import main; main()"
    return subprocess.run([sys.executable, "-c", code, *args], env=env, capture_output=True,
                          check=True).stdout


@pytest.mark.parametrize("kind", ["train-round", "optimizer", "loss"])
def test_same_seed_same_bytes_under_any_hash_seed(kind):
    args = ["exercise", "new", "--kind", kind, "--seed", "31", "--variants", "3", "--format", "json"]
    a, b, c = (_sheets(h, args) for h in ("0", "1", "4242"))
    assert a == b == c and json.loads(a)[2]["variant"] == 3
    key = _sheets("99", args + ["--key"])
    assert key == _sheets("7", args + ["--key"])


def test_the_folder_is_byte_identical_on_two_runs(tmp_path):
    for name in ("a", "b"):
        r = invoke("exercise", "new", "--kind", "hidden-weight", "--seed", 3, "--variants", 2,
                   "-o", tmp_path / name)
        assert r.exit_code == 0, r.output
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    assert len(files) == 10
    for f in files:
        assert (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes(), f


@pytest.mark.parametrize("args", [["--kind", "loss"], ["--kind", "optimizer", "--optimizer", "rmsprop"],
                                  ["--kind", "update", "--activation", "tanh", "--shape", "3-2-1",
                                   "--loss", "mse", "--digits", "5"]])
def test_the_reprint_line_prints_the_variant_again(args):
    r = invoke("exercise", "new", "--seed", 12, "--variants", 3, *args)
    third = r.output.split("\n\n")[2]
    command = third.splitlines()[-1].removeprefix("Reprint: bptrace ").split()
    again = invoke(*command)
    assert again.output.split("\n\n")[-1] == third


def test_a_variant_is_the_same_whatever_else_is_drawn():
    one = invoke("exercise", "new", "--kind", "forward", "--seed", 5, "--variants", 3)
    assert one.exit_code == 0
    third = one.output.split("\n\n")[2]
    assert third.startswith("Exercise (forward, seed 5, variant 3)")


# ----- marking ----------------------------------------------------------------------------
def test_mark_names_the_mistake_and_its_fix(folder, tmp_path):
    f = tmp_path / "s.toml"
    f.write_text(answers_for(folder, 2, "updated-weights"), "utf-8")
    r = invoke("exercise", "mark", f, "-e", folder)
    assert r.exit_code == 0, r.output
    assert "first wrong step: δ_h" in r.output
    assert "likely mistake 6 (updated-weights): the already-updated output weights" in r.output
    assert "fix: every gradient of a round is taken at the old weights" in r.output
    data = json.loads(invoke("exercise", "mark", f, "-e", folder, "--format", "json").output)
    assert data["first_wrong_step"].startswith("delta_h")
    wrong = [row for row in data["rows"] if row["verdict"] == "wrong"][0]
    assert wrong["misconceptions"][0]["key"] == "updated-weights"


def test_mark_with_seed_and_options_instead_of_the_folder(tmp_path):
    r = invoke("exercise", "new", "--kind", "optimizer", "--optimizer", "momentum", "--seed", 4, "--key",
               "--format", "json")
    key = json.loads(r.output)[0]["answers"]
    f = tmp_path / "a.csv"
    f.write_text("quantity,answer\n" + "".join(f"{a['name']},{a['rounded']}\n" for a in key), "utf-8")
    r = invoke("exercise", "mark", f, "--kind", "optimizer", "--optimizer", "momentum", "--seed", 4,
               "--variant", 1)
    assert r.exit_code == 0 and "score 6/6 (6 right)" in r.output, r.output


def test_mark_class_writes_a_gradebook(folder):
    answers = folder / "answers"
    (answers / "s01.toml").write_text(answers_for(folder, 1), "utf-8")
    (answers / "s02.toml").write_text(answers_for(folder, 2, "sign-flip"), "utf-8")
    (answers / "s03.csv").write_text(answers_for(folder, 3, digits=3).replace(" = ", ","), "utf-8")
    r = invoke("exercise", "mark-class", folder)
    assert r.exit_code == 0, r.output
    rows = (folder / "gradebook.csv").read_text("utf-8").splitlines()
    assert rows[0] == ("student_id,name,variant,score,out_of,right,carried,rounding,wrong,missing,"
                       "first_wrong_step,misconceptions")
    assert rows[1].startswith("s01,") and ",24,24,24,0,0,0,0,," in rows[1]
    assert rows[2].startswith("s02,张三,2,") and rows[2].endswith(",dE_dout_o1,sign-flip")
    # a name that would run as a formula is quoted; 3 digits where 4 were asked: rounding only
    assert rows[3].startswith('s03,"\'=HYPERLINK') and ",0,0,," in rows[3]
    for f in answers.iterdir():
        f.unlink()


# ----- bad input: one line, exit 2, nothing written ----------------------------------------
@pytest.mark.parametrize("text,parts", [
    ("out_h1 = 0.5\nout_h1 = 0.6\n", ["TOML: malformed"]),
    ("variant = 1\nout_h9 = 0.5\n", ["out_h9: unknown quantity"]),
    ("variant = 1\nout_h1 = \"abc\"\n", ["out_h1: expected a number such as 0.5933, got 'abc'"]),
    ("variant = 1\nout_h1 = nan\n", ["out_h1: NaN is not a finite number"]),
    ("variant = 1\nout_h1 = true\n", ["out_h1: expected a number, got true/false"]),
    ("variant = 1\n[out_h1]\nx = 1\n", ["out_h1: expected one number, not a table or list"]),
    ("variant = 9\nout_h1 = 0.5\n", ["variant: 9 does not exist", "variants 1 to 3"]),
    ("variant = 0\n", ["variant: expected a variant number from 1"]),
    ("out_h1 = 0.5\n", ["variant: not given"]),
    ("variant = 1\nout_h1 = 1e99999\n", ["out_h1: expected a number such as 0.5933"]),
])
def test_bad_answers_files(folder, tmp_path, text, parts):
    f = tmp_path / "answers.toml"
    f.write_text(text, "utf-8")
    one_line_error(invoke("exercise", "mark", f, "-e", folder), str(f), *parts)


def test_hostile_answers_files(folder, tmp_path):
    f = tmp_path / "deep.toml"
    f.write_text("variant = 1\nx = " + "[" * 5000 + "]" * 5000 + "\n", "utf-8")
    one_line_error(invoke("exercise", "mark", f, "-e", folder), str(f))
    f = tmp_path / "wide.csv"
    f.write_text("variant,1\nout_h1," + "9" * 200_000 + "\n", "utf-8")
    one_line_error(invoke("exercise", "mark", f, "-e", folder), f"{f}: CSV: malformed")
    f = tmp_path / "esc.toml"
    f.write_text('variant = 1\nstudent = "\\u001b[31mred"\n', "utf-8")
    one_line_error(invoke("exercise", "mark", f, "-e", folder), "student: control characters")
    f = tmp_path / "big.toml"
    f.write_bytes(b"#" * 1_000_001)
    one_line_error(invoke("exercise", "mark", f, "-e", folder), "larger than 1000 kB")


def test_bad_csv_and_bytes(folder, tmp_path):
    f = tmp_path / "a.csv"
    f.write_text("variant,1\nout_h1,0.5,extra\n", "utf-8")
    one_line_error(invoke("exercise", "mark", f, "-e", folder), f"{f}: row 2: expected two cells")
    f.write_bytes(b"variant,1\n\xff\xfe,1\n")
    one_line_error(invoke("exercise", "mark", f, "-e", folder), "not UTF-8")
    one_line_error(invoke("exercise", "mark", tmp_path / "none.toml", "-e", folder), "cannot read")
    one_line_error(invoke("exercise", "mark", f), "needs -e DIR")


@pytest.mark.parametrize("text,parts", [
    ("name\nAna\n", ["header: expected columns id and name"]),
    ("id,name\n../x,Ana\n", ["row 2: id: '../x' is not 1-40 of letters"]),
    ("id,name\na,Ana\na,Bo\n", ["row 3: id: 'a' already used in row 2"]),
    ("id,name\na,\"An\x07a\"\n", ["row 2: name: control characters"]),
    ("id,name\n", ["rows: no students listed"]),
])
def test_bad_class_lists_write_nothing(tmp_path, text, parts):
    f = tmp_path / "class.csv"
    f.write_text(text, "utf-8")
    r = invoke("exercise", "new", "--seed", 1, "-o", tmp_path / "out", "--class-list", f)
    one_line_error(r, str(f), *parts)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["class.csv"]


def test_bad_options_and_folders(tmp_path):
    one_line_error(invoke("exercise", "new", "--seed", 1, "--shape", "2-9-2"), "--shape")
    one_line_error(invoke("exercise", "new", "--seed", 1, "--class-list", "x.csv"), "need -o DIR")
    one_line_error(invoke("exercise", "new", "nope.toml", "--seed", 1), "nope.toml: no such file")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("mine")
    one_line_error(invoke("exercise", "new", "--seed", 1, "-o", tmp_path / "full"), "not an empty folder")
    assert [p.name for p in (tmp_path / "full").iterdir()] == ["keep.txt"]
    one_line_error(invoke("exercise", "mark-class", tmp_path / "full"), "no exercise.json")


def test_a_bad_file_in_a_class_leaves_no_gradebook(folder):
    (folder / "answers" / "s01.toml").write_text(answers_for(folder, 1), "utf-8")
    (folder / "answers" / "s02.toml").write_text("variant = 2\nE_total = \"x\"\n", "utf-8")
    gradebook = folder / "gradebook.csv"
    if gradebook.exists():
        gradebook.unlink()
    one_line_error(invoke("exercise", "mark-class", folder), "s02.toml: E_total: expected a number")
    assert not gradebook.exists()
    for f in (folder / "answers").iterdir():
        f.unlink()


def test_spec_structure(tmp_path):
    r = invoke("exercise", "new", "mazur", "--kind", "output-weight", "--seed", 2)
    assert r.exit_code == 0 and "Mazur" not in r.output.splitlines()[0]
    assert "weights into o1: w5 = " in r.output
    spec = tmp_path / "deep.toml"
    layer = '[[layers]]\nunits = 2\nactivation = "sigmoid"\nweights = [[0.1, 0.2], [0.3, 0.4]]\n'
    spec.write_text('inputs = [0.1, 0.2]\ntargets = [0.5, 0.5]\n' + layer * 3, "utf-8")
    one_line_error(invoke("exercise", "new", spec, "--seed", 2),
                   f"{spec}: exercises are drawn on one sample and one hidden layer (this spec has 3 layers)")


# ----- LaTeX ------------------------------------------------------------------------------
needs_pdflatex = pytest.mark.skipif(shutil.which("pdflatex") is None,
                                    reason="pdflatex is not installed (apt-get install texlive-latex-base …)")
needs_xelatex = pytest.mark.skipif(shutil.which("xelatex") is None,
                                   reason="xelatex is not installed (apt-get install texlive-xetex texlive-lang-chinese)")


def test_names_are_escaped_in_latex(folder):
    tex = (folder / "students" / "s01.tex").read_text("utf-8")
    assert r"Zoë O'Brien \& \{co\} \textbackslash{}\textbackslash{} 100\% \$x\$ \#1" in tex
    assert r"\input{/etc" not in tex
    assert "张三" in (folder / "students" / "s02.tex").read_text("utf-8")


@needs_pdflatex
@needs_xelatex
def test_sheets_keys_and_class_pdfs_compile(tmp_path):
    (tmp_path / "class.csv").write_text(f'id,name\na,"{HOSTILE}"\nb,李四\n', "utf-8")
    r = invoke("exercise", "new", "--kind", "train-round", "--seed", 8, "-o", tmp_path / "ex", "--pdf",
               "--class-list", tmp_path / "class.csv")
    assert r.exit_code == 0, r.output
    for name in ("sheets", "key", "students/a", "students/b"):
        assert (tmp_path / "ex" / f"{name}.pdf").stat().st_size > 1000, name
    r = invoke("exercise", "new", "--kind", "loss", "--seed", 8, "-o", tmp_path / "zh", "--pdf", "--lang", "zh")
    assert r.exit_code == 0, r.output
    text = subprocess.run(["pdftotext", tmp_path / "zh" / "sheets.pdf", "-"], capture_output=True,
                          text=True).stdout if shutil.which("pdftotext") else "答案"
    assert "答案" in text


@needs_pdflatex
def test_pdflatex_sheets_are_reproducible(tmp_path):
    for name in ("a", "b"):
        assert invoke("exercise", "new", "--seed", 3, "--kind", "optimizer", "-o", tmp_path / name,
                      "--pdf").exit_code == 0
    for f in ("sheets.pdf", "key.pdf"):
        assert (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes(), f


# ----- HTML -------------------------------------------------------------------------------
def test_html_sheets_and_keys(tmp_path):
    html5lib = pytest.importorskip("html5lib")
    for lang in ("en", "zh"):
        r = invoke("exercise", "new", "--kind", "update", "--seed", 6, "--variants", 2, "--lang", lang,
                   "-o", tmp_path / lang)
        assert r.exit_code == 0, r.output
        for name in ("sheets.html", "key.html"):
            page = (tmp_path / lang / name).read_text("utf-8")
            html5lib.HTMLParser(strict=True).parse(page)          # raises on a parse error
            assert "Content-Security-Policy" in page and "<script src" not in page
        sheet = (tmp_path / lang / "sheets.html").read_text("utf-8")
        assert sheet.count('<td class="blank"></td>') == 2 * 24 and "<script" not in sheet
        key = (tmp_path / lang / "key.html").read_text("utf-8")
        assert key.count('<li class="step"') > 40 and "<math" in key
    assert "偏置（h1、h2 共用）" in (tmp_path / "zh" / "sheets.html").read_text("utf-8")


def test_a_spec_name_is_escaped_in_html(tmp_path):
    spec = tmp_path / "evil.toml"
    text = (Path(__file__).parent.parent / "bptrace/model/builtin/mazur.toml").read_text("utf-8")
    spec.write_text(text.replace('name = "Mazur\'s 2-2-2 example"', 'name = "<script>alert(1)</script>"'),
                    "utf-8")
    r = invoke("exercise", "new", spec, "--kind", "forward", "--seed", 1, "-o", tmp_path / "ex")
    assert r.exit_code == 0, r.output
    key = (tmp_path / "ex" / "key.html").read_text("utf-8")
    assert "<script>alert" not in key and "&lt;script&gt;alert(1)&lt;/script&gt;" in key


@needs_pdflatex
@pytest.mark.parametrize("args", [["--kind", "train-round", "--seed", "6", "--variants", "8"],
                                  ["--kind", "loss", "--seed", "4", "--variants", "3"],
                                  ["--kind", "optimizer", "--seed", "4", "--variants", "3"],
                                  ["--kind", "update", "--shape", "3-3-2", "--activation", "tanh",
                                   "--seed", "4", "--variants", "3"]])
def test_no_box_sticks_out_more_than_2pt(tmp_path, args):
    """Keys print the traces as they are; a row wider than the page would be cut off."""
    import re
    assert invoke("exercise", "new", *args, "-o", tmp_path / "ex").exit_code == 0
    for name in ("sheets", "key"):
        subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", f"{name}.tex"],
                       cwd=tmp_path / "ex", capture_output=True, check=True)
        log = (tmp_path / "ex" / f"{name}.log").read_text("utf-8", "replace")
        widths = [float(w) for w in re.findall(r"Overfull \\hbox \(([\d.]+)pt too wide", log)]
        assert all(w <= 2 for w in widths), (name, widths)
