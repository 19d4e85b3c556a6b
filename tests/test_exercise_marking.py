"""Marking names the mistake: for every misconception of the catalogue and every kind where
it can happen, a simulated student who makes exactly that mistake (and carries their own
rounded values forward) on 20 seeded variants gets it named at the right first wrong step.

A correct sheet at the asked rounding gets full marks; one rounded a digit worse is flagged
as rounding, never as a misconception.
"""
from __future__ import annotations

from functools import lru_cache

import pytest

from bptrace.exercises.answers import Answers
from bptrace.exercises.generate import KINDS, variant
from bptrace.exercises.marking import mark
from bptrace.exercises.misconceptions import CATALOGUE
from bptrace.exercises.program import run
from bptrace.exercises.report import marking_text
from bptrace.exercises.rounding import rounded

SEED, VARIANTS, DIGITS = 2026, 20, 4


@lru_cache(maxsize=None)
def variants(kind: str) -> tuple:
    return tuple(variant(kind, SEED, n) for n in range(1, VARIANTS + 1))


def sheet(values: dict, digits: int = DIGITS) -> Answers:
    return Answers({n: rounded(x, digits) for n, x in values.items()})


def first_changed(v, key: str, student: dict):
    """The first blank, in order, where the mistake gives another number than the rule."""
    env = v.env
    for q in v.quantities:
        wrong = q.mistaken(key, env)
        if wrong is not None and abs(wrong - q.rule(env)) > 0:
            return q.name
        env[q.name] = student[q.name]
    return None


def applicable():
    """(kind, misconception) pairs where the mistake changes some answer of the variants."""
    pairs = []
    for kind in KINDS:
        for key in CATALOGUE:
            if any(first_changed(v, key, run(v.quantities, v.env, key, DIGITS)) for v in variants(kind)[:3]):
                pairs.append((kind, key))
    return pairs


PAIRS = applicable()


def test_the_catalogue_has_at_least_twelve_mistakes_each_with_a_fix():
    assert len(CATALOGUE) >= 12
    assert [m.number for m in CATALOGUE.values()] == list(range(1, len(CATALOGUE) + 1))
    assert all(m.title and m.fix for m in CATALOGUE.values())


def test_every_misconception_is_exercised_by_some_kind():
    covered = {key for _, key in PAIRS}
    assert covered == set(CATALOGUE), f"never exercised: {set(CATALOGUE) - covered}"


def test_every_kind_exercises_some_misconceptions():
    assert {kind for kind, _ in PAIRS} == set(KINDS)


@pytest.mark.parametrize("kind,key", PAIRS, ids=[f"{k}-{m}" for k, m in PAIRS])
def test_a_student_making_exactly_this_mistake_is_diagnosed(kind, key):
    checked = 0
    for v in variants(kind):
        student = run(v.quantities, v.env, mistake=key, digits=DIGITS)
        first = first_changed(v, key, student)
        assert first is not None, f"variant {v.number}: {key} changes nothing"
        m = mark(v, sheet(student))
        wrong = m.first_wrong
        assert wrong is not None, f"variant {v.number}: {key} not noticed"
        assert wrong.name == first, f"variant {v.number}: first wrong step {wrong.name}, expected {first}"
        assert key in wrong.mistakes, (f"variant {v.number}: {first} = {wrong.answer} diagnosed as "
                                       f"{wrong.mistakes}, expected {key}")
        checked += 1
    assert checked == VARIANTS


@pytest.mark.parametrize("kind", KINDS)
def test_a_correct_sheet_gets_full_marks(kind):
    for v in variants(kind):
        # rounded as asked, each value from the student's own rounded values …
        m = mark(v, sheet(run(v.quantities, v.env, digits=DIGITS)))
        assert m.score == len(m.rows), [(r.name, r.verdict) for r in m.rows if r.verdict != "right"]
        # … or every value from a calculator kept at full precision
        m = mark(v, sheet(v.key))
        assert m.count("right") == len(m.rows)


@pytest.mark.parametrize("kind", KINDS)
def test_one_digit_worse_is_rounding_not_a_misconception(kind):
    for v in variants(kind):
        for values in (v.key, run(v.quantities, v.env, digits=DIGITS - 1)):
            m = mark(v, sheet(values, DIGITS - 1))
            verdicts = {r.verdict for r in m.rows}
            assert verdicts <= {"right", "rounding"}, [(r.name, r.answer, r.verdict) for r in m.rows]
            assert "rounding" in verdicts


def test_an_error_that_carries_forward_is_not_punished_twice():
    v = variants("hidden-weight")[0]
    student = run(v.quantities, v.env, mistake="one-path", digits=DIGITS)
    m = mark(v, sheet(student))
    after = [r for r in m.rows[m.rows.index(m.first_wrong) + 1:]]
    assert [r.verdict for r in after] == ["carried"]        # ∂E/∂w from the wrong δ_h
    assert m.score == len(m.rows) - 1


def test_two_mistakes_giving_the_same_number_are_both_named():
    # with two outputs, −(target − out)/2 is the mean taken for the sum and also ½(…) kept
    v = variants("output-weight")[0]
    student = run(v.quantities, v.env, mistake="mean-sum", digits=DIGITS)
    right = run(v.quantities, v.env, digits=DIGITS)
    # only the gradient's reduction is wrong: E_total and everything before it is right
    student.update({k: right[k] for k in v.names[:v.names.index("dE_dout_o1")]})
    m = mark(v, sheet(student))
    assert m.first_wrong.name == "dE_dout_o1"
    assert set(m.first_wrong.mistakes) == {"half-or-two", "mean-sum"}
    assert "2 mistakes give this same number here" in marking_text(m)


def test_missing_answers_use_the_key_for_later_steps():
    v = variants("forward")[0]
    values = {n: x for n, x in v.key.items() if n != "out_h1"}
    m = mark(v, sheet(values))
    assert m.count("missing") == 1 and m.count("right") == len(m.rows) - 1


def test_an_unexplained_wrong_number_says_so():
    v = variants("forward")[0]
    values = dict(v.key)
    values["net_h1"] = values["net_h1"] + 1
    text = marking_text(mark(v, sheet(values)))
    assert "no catalogued mistake gives this number" in text


OPTIONS = [("hidden-weight", {"activation": "tanh"}), ("update", {"activation": "relu"}),
           ("train-round", {"activation": "leaky_relu"}), ("output-weight", {"loss": "mse"}),
           ("train-round", {"loss": "sse"}), ("update", {"shape": (3, 2, 1)}),
           ("hidden-weight", {"shape": (2, 3, 2)}), ("optimizer", {"optimizer": "rmsprop"}),
           ("optimizer", {"optimizer": "momentum"}), ("forward", {"digits": 3}),
           ("update", {"digits": 6})]


@pytest.mark.parametrize("kind,options", OPTIONS, ids=[f"{k}-{o}" for k, o in OPTIONS])
def test_other_activations_losses_shapes_and_digits(kind, options):
    """Every mistake that changes an answer is diagnosed at its first wrong step (6 variants)."""
    digits = options.get("digits", DIGITS)
    named = set()
    for n in range(1, 7):
        v = variant(kind, 77, n, **options)
        m = mark(v, sheet(run(v.quantities, v.env, digits=digits), digits))
        assert m.score == len(m.rows)
        for key in CATALOGUE:
            student = run(v.quantities, v.env, mistake=key, digits=digits)
            first = first_changed(v, key, student)
            if first is None:
                continue
            wrong = mark(v, sheet(student, digits)).first_wrong
            assert (wrong.name, key in wrong.mistakes) == (first, True), (n, key, wrong)
            named.add(key)
    assert named
