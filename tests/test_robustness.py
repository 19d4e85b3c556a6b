"""Hostile and careless input, as a fuzzer found it: one line and exit 2, or valid output.

Each case below is a reproducer from the robustness issue that used to end in a Python
traceback, a hang or a run out of memory. The assertions name the exact line printed,
so a regression shows up as a readable diff rather than as "it did not crash".
"""
import json
import math
import os
import subprocess
import sys

import mpmath
import pytest
from click.testing import CliRunner

from bptrace.cli import main
from bptrace.model.numbers import fmt
from bptrace.printing.json import dumps


def run(*args):
    return CliRunner().invoke(main, list(args))


def error_line(r) -> str:
    """The one line a bad input prints (exit 2, no traceback)."""
    assert r.exit_code == 2, (r.exit_code, r.output)
    assert "Traceback" not in r.output
    lines = r.output.strip().splitlines()
    assert len(lines) == 1, r.output
    return lines[0]


# ----- numbers ---------------------------------------------------------------------------
def test_decimals_beyond_decimals_default_precision():
    # decimal.InvalidOperation at --decimals ≥ 28: the quantize context was 28 digits
    r = run("forward", "mazur", "--decimals", "40")
    assert r.exit_code == 0
    assert "out_o1 = " in r.output
    assert "= 0.7513650695523157" in r.output      # 40 places of out_o1 start so


@pytest.mark.parametrize("value,decimals,shown", [
    ("3.42e70", 27, "3.42e+70"),        # beyond 1e60: e-notation, not 70 zeros then digits
    ("1e-50", 27, "0"),                 # rounds to 0 at 27 places
    ("123456.789", 28, "123456.789"),
    ("-0.0000000004", 9, "0"),
])
def test_fixed_point_display_stays_bounded(value, decimals, shown):
    assert fmt(mpmath.mpf(value), 9, decimals) == shown


def test_a_5000_digit_integer_in_a_spec(tmp_path):
    spec = tmp_path / "big.toml"
    spec.write_text("layers = " + "9" * 5000 + "\n")
    line = error_line(run("forward", str(spec)))
    assert line == (f"Error: {spec}: TOML: a number is too long "
                    "(Exceeds the limit (4300 digits) for integer string conversion)")


def test_a_literal_out_of_range_in_an_objective_names_the_column():
    line = error_line(run("optim", "adamw", "--objective", "sin(1e400)", "--init", "w=-2"))
    assert line.startswith("Error: --objective: column 5: '1E+400' is out of range")


def test_a_tower_of_powers_is_refused_not_expanded():
    r = run("optim", "sgd", "--objective", "w**w**w**w**w**w**w**w**w**w", "--init", "w=3", "--steps", "1")
    assert error_line(r) == ("Error: --objective: step 1: f has no real value at w = 3.0: "
                             "3.0^7.6256e+12 is beyond e^±1e+06")


def test_deep_nesting_in_an_objective():
    line = error_line(run("optim", "sgd", "--objective", "(" * 1500 + "w" + ")" * 1500, "--init", "w=1"))
    assert line.startswith("Error: --objective: ")


# ----- the torch check -----------------------------------------------------------------
def test_check_with_nothing_to_differentiate():
    pytest.importorskip("torch")
    r = run("optim", "adam", "--objective", "((((0))))", "--init", "w1=0.5", "--check")
    assert error_line(r) == ("Error: --check: the objective does not depend on w1: "
                             "torch has nothing to differentiate")


def test_batches_with_numbers_beyond_64_bits():
    r = run("batches", "--samples", "99999999999999999999999", "--batch-size", "1", "--check")
    assert error_line(r) == "Error: --samples: at most 1e+15 (torch's DataLoader counts in 64-bit integers)"


def test_schedule_epochs_are_capped():
    r = run("schedule", "exponential", "--lr", "1e300", "--gamma", "0.1", "--epochs", "1000000")
    assert error_line(r) == "Error: --epochs: expected a whole number from 1 to 100000, got 1000000"


# ----- files -----------------------------------------------------------------------------
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_fifo_as_the_spec_does_not_block(tmp_path):
    fifo = tmp_path / "spec.toml"
    os.mkfifo(fifo)
    assert error_line(run("forward", str(fifo))) == f"Error: {fifo}: not a regular file: a spec is a TOML file"


def test_a_device_and_a_directory_as_the_spec(tmp_path):
    assert error_line(run("forward", "/dev/zero")) == "Error: /dev/zero: not a regular file: a spec is a TOML file"
    assert error_line(run("forward", str(tmp_path))) == f"Error: {tmp_path}: a directory: a spec is a TOML file"


def test_a_huge_spec_file_is_refused_before_it_is_read(tmp_path):
    spec = tmp_path / "huge.toml"
    spec.write_text("# " + "x" * 3_000_000 + "\n")
    assert error_line(run("forward", str(spec))) == (
        f"Error: {spec}: larger than 2 MB: not a lecture-sized network")


@pytest.mark.parametrize("command", [["latex", "mazur"], ["slides", "mazur"], ["graph", "mazur"],
                                     ["plot", "losses"]])
def test_output_into_a_missing_folder_is_refused_before_work(tmp_path, command):
    target = tmp_path / "missing" / "out.tex"
    r = run(*command, "-o", str(target))
    assert r.exit_code == 2
    assert f"the folder {target.parent} does not exist" in r.output
    assert not target.parent.exists()


def test_output_onto_a_directory_is_refused(tmp_path):
    r = run("latex", "mazur", "-o", str(tmp_path))
    assert r.exit_code == 2 and f"{tmp_path} is a directory" in r.output


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full on this system")
def test_a_full_disk_is_one_line():
    assert error_line(run("latex", "mazur", "-o", "/dev/full")) == "Error: No space left on device"


def test_a_write_that_fails_leaves_no_half_file(tmp_path, monkeypatch):
    from bptrace.cli.main import write_output

    target = tmp_path / "deck.tex"

    def fail(self, data):
        self.open("wb").write(data[:10])
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(type(target), "write_bytes", fail)
    with pytest.raises(OSError):
        write_output(str(target), "\\documentclass{beamer}" * 10)
    assert list(tmp_path.iterdir()) == []


# ----- output ----------------------------------------------------------------------------
def test_an_option_given_twice_is_refused():
    r = run("check", "mazur", "--format", "json", "--format", "latex")
    assert r.exit_code == 2
    assert r.output.strip().splitlines()[-1] == "Error: --format is given more than once: give it once"


def test_an_option_value_that_looks_like_an_option_is_a_value():
    # "--momentum --format": click reads "--format" as μ's value, so --format is given once
    r = run("optim", "momentum", "--objective", "w1**2", "--init", "w1=1", "--momentum", "--format",
            "--format", "json")
    assert error_line_of_usage(r) == "Error: --momentum: '--format' is not a number (write e.g. 0.15, -2, 1e-3 or 1/3)"


def error_line_of_usage(r) -> str:
    assert r.exit_code == 2, r.output
    return r.output.strip().splitlines()[-1]


def test_json_never_holds_bare_nan_or_infinity():
    text = dumps({"loss": math.inf, "grads": [math.nan, -math.inf, 1.5]})
    assert json.loads(text) == {"loss": "inf", "grads": ["nan", "-inf", 1.5]}


def test_control_characters_in_a_field_name_are_escaped(tmp_path):
    spec = tmp_path / "ctrl.toml"
    spec.write_text('inputs = [0.1]\ntargets = [0.2]\n[[layers]]\nunits = 1\nweights = [[0.5]]\n'
                    '"a\\nb\\u001b[31m" = 3\n')
    line = error_line(run("forward", str(spec)))
    assert line.startswith(f"Error: {spec}: layers[0].a\\nb\\x1b[31m: unknown field")


def test_an_unexpected_error_is_one_line_with_exit_1(monkeypatch):
    import bptrace.calculus.forward as forward

    def broken(net):
        raise ZeroDivisionError("boom")
    monkeypatch.setattr(forward, "forward", broken)
    r = run("forward", "mazur")
    assert r.exit_code == 1
    assert r.output.strip() == ("Error: internal error (ZeroDivisionError: boom); rerun with "
                                "BPTRACE_DEBUG=1 and report the traceback")


def test_the_help_still_imports_neither_sympy_nor_torch():
    code = "import sys, bptrace.cli; assert 'sympy' not in sys.modules and 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("name,shown", [("a\uffffb", "U+FFFF"), ("line\nbreak", "U+000A"),
                                        ("\x1b[31mred", "U+001B"), ("x\ufdd0", "U+FDD0")])
def test_a_name_no_document_can_carry_is_refused(tmp_path, name, shown):
    spec = tmp_path / "n.toml"
    spec.write_text(f"name = {json.dumps(name)}\ninputs = [0.1]\ntargets = [0.2]\n"
                    "[[layers]]\nunits = 1\nweights = [[0.5]]\n")
    assert error_line(run("graph", str(spec))) == (
        f"Error: {spec}: name: contains {shown}, which a document cannot show: remove it")


def test_a_long_name_is_refused_and_a_hostile_printable_one_is_escaped(tmp_path):
    import xml.etree.ElementTree as ET
    spec = tmp_path / "n.toml"
    base = "inputs = [0.1]\ntargets = [0.2]\n[[layers]]\nunits = 1\nweights = [[0.5]]\n"
    spec.write_text(f"name = {json.dumps('x' * 201)}\n" + base)
    assert error_line(run("forward", str(spec))) == f"Error: {spec}: name: longer than 200 characters (201)"
    spec.write_text(f"name = {json.dumps('<svg>&amp;' + chr(92) * 150)}\n" + base)
    r = run("graph", str(spec), "--format", "svg")
    assert r.exit_code == 0
    ET.fromstring(r.output.encode("utf-8"))


def test_a_long_name_is_cut_in_pictures_not_widening_them(tmp_path):
    spec = tmp_path / "n.toml"
    base = "inputs = [0.1, 0.2]\ntargets = [0.2, 0.3]\n[[layers]]\nunits = 2\nweights = [[0.5, 0.1], [0.2, 0.3]]\n"
    long_name = "A very long lecture title " * 7
    spec.write_text(f"name = {json.dumps(long_name)}\n" + base)
    wide = run("graph", str(spec), "--format", "svg")
    cut = long_name[:79].rstrip() + "…"         # what an 80-character title shows
    spec.write_text(f"name = {json.dumps(cut)}\n" + base)
    short = run("graph", str(spec), "--format", "svg")
    assert wide.exit_code == short.exit_code == 0
    assert long_name.strip() not in wide.output and "A very long lecture title A very long" in wide.output
    assert "…" in wide.output
    width = lambda svg: svg.split('<svg width="', 1)[1].split('"', 1)[0]      # noqa: E731
    assert width(wide.output) == width(short.output)


def test_a_5000_digit_integer_in_an_answers_file(tmp_path):
    # answers files are read as untrusted TOML the way spec files are (model.spec.read_toml)
    answers = tmp_path / "a.toml"
    answers.write_text("variant = 1\nnet_h1 = " + "9" * 5000 + "\n")
    line = error_line(run("exercise", "mark", str(answers), "--kind", "forward", "--seed", "1"))
    assert line == (f"Error: {answers}: TOML: a number is too long "
                    "(Exceeds the limit (4300 digits) for integer string conversion)")
