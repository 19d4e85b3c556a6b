"""A fuzz suite: mutated spec files, option strings, objectives and hostile names through
the commands, in process. Every run must end correctly: valid output (JSON that parses,
SVG that is well-formed XML), or one clean error line with exit status 2. Exit 1 (an
internal error) or a Python traceback fails the test, naming the input.

The examples are derandomized (tests/conftest.py), so CI sees the same cases every run.
A longer run for release checks: ``BPTRACE_FUZZ_EXAMPLES=4000 pytest tests/test_fuzz.py``
(the compiling test takes an eighth of that: each case runs pdflatex or xelatex and dot)
(examples per test; the README's reliability section gives the figures of one such run).
"""
from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest

from click.testing import CliRunner
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from bptrace.cli import main

EXAMPLES = int(os.environ.get("BPTRACE_FUZZ_EXAMPLES", "25"))
# the long run holds every case to 20 s (a hang fails it); the short one has no deadline, so a
# loaded CI machine cannot fail it by the clock
DEADLINE = timedelta(seconds=20) if EXAMPLES > 25 else None
FUZZ = settings(max_examples=EXAMPLES, deadline=DEADLINE,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

SPEC = """\
name = "fuzz"
inputs = [0.05, 0.10]
targets = [0.01, 0.99]
learning_rate = 0.5
[[layers]]
units = 2
activation = "sigmoid"
weights = [[0.15, 0.20], [0.25, 0.30]]
bias = 0.35
[[layers]]
units = 2
weights = [[0.40, 0.45], [0.50, 0.55]]
bias = 0.60
"""

# what a careless or hostile hand puts where a value goes
VALUES = st.sampled_from([
    "0", "-1", "1e300", "1e301", "1e-400", "nan", "inf", "-inf", '"x"', '""', "true", "[]", "{}",
    "[[1, 2], [3]]", "9" * 200, "0.1" * 50, '"\\u0000"', '"<script>&"', "1/0", "[0.5]", "3",
    "-0.0", "1_000", "0x10", '"\\\\' * 3 + '"', "[" * 50 + "]" * 50,
])
NAMES = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40)


def ended_correctly(r, fmt: str = "text"):
    assert r.exit_code in (0, 2), f"exit {r.exit_code}: {r.output[-500:]}"
    assert "Traceback" not in r.output
    if r.exit_code == 2:        # one error line (click adds its usage lines above it)
        lines = r.output.strip().splitlines()
        assert [line for line in lines if line.startswith("Error:")] == lines[-1:], r.output
        return
    if fmt == "json":
        json.loads(r.output)
    elif fmt == "svg":
        ET.fromstring(r.output.encode("utf-8"))


def invoke(tmp_path, text, *args):
    spec = tmp_path / "spec.toml"
    spec.write_text(text, encoding="utf-8")
    return CliRunner().invoke(main, [args[0], str(spec), *args[1:]])


@FUZZ
@given(data=st.data())
def test_mutated_specs(tmp_path, data):
    lines = SPEC.splitlines()
    for _ in range(data.draw(st.integers(1, 3))):
        k = data.draw(st.integers(0, len(lines) - 1))
        key = lines[k].split("=")[0].strip() if "=" in lines[k] else lines[k]
        action = data.draw(st.sampled_from(["value", "drop", "repeat", "key"]))
        if action == "value" and "=" in lines[k]:
            lines[k] = f"{key} = {data.draw(VALUES)}"
        elif action == "drop":
            lines.pop(k)
        elif action == "repeat":
            lines.insert(k, lines[k])
        else:
            lines.insert(k, f"{json.dumps(data.draw(NAMES), ensure_ascii=False)} = {data.draw(VALUES)}")
    text = "\n".join(lines) + "\n"
    command = data.draw(st.sampled_from([("forward", "json"), ("derive", "text"), ("update", "json"),
                                         ("check", "text"), ("graph", "svg")]))
    extra = ["--wrt", "w1"] if command[0] == "derive" else []
    fmt = ["--format", command[1]] if command[1] != "text" else []
    ended_correctly(invoke(tmp_path, text, command[0], *extra, *fmt), command[1])


@FUZZ
@given(name=NAMES, fmt=st.sampled_from(["json", "text", "svg", "dot", "latex"]))
def test_hostile_network_names_through_every_printer(tmp_path, name, fmt):
    text = SPEC.replace('name = "fuzz"', f"name = {json.dumps(name, ensure_ascii=False)}")
    if fmt in ("svg", "dot"):
        r = invoke(tmp_path, text, "graph", "--format", fmt)
    else:
        r = invoke(tmp_path, text, "forward", "--format", fmt)
    ended_correctly(r, fmt)


OBJECTIVE = st.text(alphabet="w12+-*/^().e0123456789 sincoexplgtahqr,", max_size=60)


@FUZZ
@given(objective=OBJECTIVE, optimizer=st.sampled_from(["sgd", "momentum", "adam", "rmsprop"]))
def test_typed_objectives(objective, optimizer):
    r = CliRunner().invoke(main, ["optim", optimizer, "--objective", objective, "--init", "w1=0.5",
                                  "--steps", "2", "--format", "json"])
    ended_correctly(r, "json")


OPTION = st.one_of(st.sampled_from(["0", "-1", "1e308", "1e-320", "nan", "inf", "", "abc", "1/3",
                                    "9" * 30, "0.5,0.5", "--format"]),
                   st.text(max_size=8))


@FUZZ
@given(lr=OPTION, steps=OPTION, momentum=OPTION)
def test_option_strings(lr, steps, momentum):
    r = CliRunner().invoke(main, ["optim", "momentum", "--objective", "w1**2", "--init", "w1=1",
                                  "--lr", lr, "--steps", steps, "--momentum", momentum,
                                  "--format", "json"])
    ended_correctly(r, "json")


@FUZZ
@given(samples=OPTION, batch=OPTION, epochs=OPTION)
def test_epoch_arithmetic_options(samples, batch, epochs):
    r = CliRunner().invoke(main, ["batches", "--samples", samples, "--batch-size", batch,
                                  "--epochs", epochs, "--format", "json"])
    ended_correctly(r, "json")


COMPILE = settings(max_examples=max(3, EXAMPLES // 8), deadline=DEADLINE,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


# names a spec may hold (no control characters, surrogates or unassigned code points)
SHOWN_NAMES = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cc", "Cs", "Co", "Cn"]),
                      max_size=40)


@pytest.mark.skipif(shutil.which("pdflatex") is None or shutil.which("dot") is None,
                    reason="pdflatex and Graphviz's dot are needed to compile what is printed")
@COMPILE
@given(name=SHOWN_NAMES)
def test_hostile_names_compile_in_latex_and_system_dot(tmp_path, name):
    """What is printed is also accepted: the article compiles (pdflatex, or xelatex where the
    name needs it) and system dot reads the DOT."""
    text = SPEC.replace('name = "fuzz"', f"name = {json.dumps(name, ensure_ascii=False)}")
    spec = tmp_path / "spec.toml"
    spec.write_text(text, encoding="utf-8")
    tex = tmp_path / "doc.tex"
    r = CliRunner().invoke(main, ["latex", str(spec), "--wrt", "w5", "--no-prove", "--no-picture",
                                  "-o", str(tex), "--pdf"])
    if r.exit_code == 2 and "xelatex" in r.output and shutil.which("xelatex") is None:
        pytest.skip("xelatex is needed for this name")
    ended_correctly(r)
    event("compiled" if r.exit_code == 0 else "refused in one line")
    if r.exit_code == 0:
        assert tex.with_suffix(".pdf").exists(), r.output
    r = CliRunner().invoke(main, ["graph", str(spec), "--format", "dot"])
    ended_correctly(r)
    if r.exit_code == 0:
        done = subprocess.run(["dot", "-Tsvg"], input=r.output.encode("utf-8"), capture_output=True)
        assert done.returncode == 0, done.stderr.decode(errors="replace")
        ET.fromstring(done.stdout)


def test_peak_memory_of_the_whole_run_stays_under_4_gib():
    """Run last: the process's peak resident memory bounds every case above (Linux: KiB)."""
    peak_gib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2 ** 20
    assert peak_gib < 4, f"peak {peak_gib:.2f} GiB"
