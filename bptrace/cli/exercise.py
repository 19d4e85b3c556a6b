"""``bptrace exercise``: exercises with answer keys (``new``), marking one answers file
(``mark``) and a class's (``mark-class``). Parse, call ``bptrace.exercises``, print."""
from __future__ import annotations

import click

from ..errors import SpecError
from .main import BadInput, OutputPath, main

KINDS = ("forward", "output-weight", "hidden-weight", "update", "train-round", "loss", "optimizer")


def generation_options(f):
    f = click.option("--digits", type=click.IntRange(1, 12), default=4, show_default=True,
                     help="Significant digits the answers must have.")(f)
    f = click.option("--shape", default="2-2-2", show_default=True,
                     help="Layer widths of drawn networks: inputs-hidden-outputs, each 1 to 4.")(f)
    f = click.option("--optimizer", type=click.Choice(["adam", "rmsprop", "momentum"]), default="adam",
                     show_default=True, help="The optimizer of --kind optimizer.")(f)
    f = click.option("--loss", type=click.Choice(["half_sse", "sse", "mse"]), default="half_sse",
                     show_default=True, help="The error of drawn networks.")(f)
    f = click.option("--activation", type=click.Choice(["sigmoid", "tanh", "relu", "leaky_relu"]),
                     default="sigmoid", show_default=True,
                     help="The hidden layer's activation of drawn networks (outputs: sigmoid).")(f)
    f = click.option("--kind", type=click.Choice(KINDS), default="hidden-weight", show_default=True,
                     help="What the exercise asks for.")(f)
    return f


def _shape(text: str) -> tuple:
    parts = text.split("-")
    if not all(p.strip().isdigit() for p in parts):
        raise SpecError("--shape", f"expected widths such as 2-2-2, got {text[:30]!r}")
    return tuple(int(p) for p in parts)


def _settings(spec, kind, seed, variants, activation, loss, optimizer, shape, digits, lang="en"):
    from ..exercises.folder import Settings, spec_source
    text, name = spec_source(spec) if spec else (None, None)
    return Settings(kind, seed, variants, digits, activation, loss, _shape(shape), optimizer,
                    text, name, lang)


@main.group("exercise")
def exercise():
    """Exercises with answer keys, one variant per student, and marking that names the mistake."""


@exercise.command("new")
@click.argument("spec", required=False)
@click.option("--seed", type=click.IntRange(0, 10**12), required=True,
              help="The seed every variant is drawn from (print it: it reprints the sheets).")
@click.option("--variants", type=click.IntRange(1, 500), default=None,
              help="How many variants [default: 1; with a class list one per student, or these cycled].")
@generation_options
@click.option("-o", "--output", type=click.Path(file_okay=False), default=None,
              help="Write the exercise folder here (sheets, keys, templates); default: print.")
@click.option("--class-list", type=click.Path(dir_okay=False), default=None,
              help="A CSV with id and name columns: one sheet per student and a roster (needs -o).")
@click.option("--pdf", is_flag=True, help="Also compile every .tex (pdflatex; xelatex for Chinese).")
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True,
              help="The language of the LaTeX and HTML sheets and keys (zh: xelatex with ctex).")
@click.option("--key", is_flag=True, help="Print the answer key instead of the sheets (without -o).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="What to print without -o.")
def new(spec, seed, variants, kind, activation, loss, optimizer, shape, digits, output,
        class_list, pdf, lang, key, fmt):
    """Draw exercise variants from a seed (on SPEC's structure, or a drawn 2-2-2 network)."""
    from ..exercises import sheets
    from ..exercises.folder import make_variants, write_folder
    if (class_list or pdf) and not output:
        raise BadInput("--class-list and --pdf need -o DIR (the folder to write)")
    s = _settings(spec, kind, seed, variants or 1, activation, loss, optimizer, shape, digits, lang)
    if output:
        students = None
        if class_list:
            from ..exercises.classlist import read_class_list
            students = read_class_list(class_list)
            if variants is None:       # one variant per student
                from dataclasses import replace
                s = replace(s, variants=min(len(students), 500))
        from ..renderers.pdflatex import LatexFailed, LatexMissing
        try:
            files = write_folder(output, s, students, pdf)
        except (LatexMissing, LatexFailed) as e:
            raise BadInput(str(e)) from None
        click.echo(f"wrote {output}: {s.variants} variant{'s' * (s.variants > 1)} of {kind}"
                   + (f" for {len(students)} students" if students else "") + f", {len(files)} files",
                   err=True)
        return
    vs = make_variants(s)
    if fmt == "json":
        click.echo(sheets.to_json([(sheets.key_dict if key else sheets.sheet_dict)(v) for v in vs]), nl=False)
    else:
        click.echo("\n\n".join((sheets.key_text if key else sheets.sheet_text)(v) for v in vs))


@exercise.command("mark")
@click.argument("answers", type=click.Path(dir_okay=False))
@click.option("-e", "--exercise", "folder", type=click.Path(file_okay=False), default=None,
              help="The folder 'exercise new -o' wrote (it knows the seed and options).")
@click.option("--seed", type=click.IntRange(0, 10**12), default=None,
              help="Without -e: the seed the sheet shows (with the same --kind and options).")
@click.option("--variant", type=click.IntRange(1, 10_000), default=None,
              help="The variant the sheet shows (default: the answers file's 'variant').")
@generation_options
@click.option("--spec", default=None, help="Without -e: the spec the exercise was drawn on.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="json: for a learning-management system.")
def mark_cmd(answers, folder, seed, variant, kind, activation, loss, optimizer, shape, digits, spec, fmt):
    """Mark an ANSWERS file (TOML or CSV of named quantities): the first wrong step and the likely mistake."""
    from ..exercises.answers import check_names, read_answers
    from ..exercises.folder import make_variants, read_folder
    from ..exercises.marking import mark
    from ..exercises.report import marking_text
    from ..exercises.sheets import to_json
    if folder:
        s, _ = read_folder(folder)
    elif seed is None:
        raise BadInput("mark needs -e DIR (the exercise folder) or --seed N with the sheet's options")
    else:
        s = _settings(spec, kind, seed, 1, activation, loss, optimizer, shape, digits)
    given = read_answers(answers)
    number = variant or given.variant
    if number is None:
        raise BadInput(f"{answers}: variant: not given (add 'variant = N' to the file, or --variant N)")
    if folder and number > s.variants:
        raise BadInput(f"{answers}: variant: {number} does not exist (the exercise in {folder} "
                       f"has variants 1 to {s.variants})")
    v = make_variants(s, [number])[0]
    result = mark(v, check_names(given, v.names, answers), answers)
    click.echo(to_json(result.to_dict()) if fmt == "json" else marking_text(result), nl=fmt != "json")


@exercise.command("mark-class")
@click.argument("folder", type=click.Path(file_okay=False, exists=True))
@click.option("-o", "--output", type=OutputPath(), default=None,
              help="The gradebook CSV (default: FOLDER/gradebook.csv).")
def mark_class(folder, output):
    """Mark every FOLDER/answers/<id>.toml (or .csv) and write a gradebook CSV."""
    from ..exercises.folder import read_folder
    from ..exercises.gradebook import mark_folder
    s, roster = read_folder(folder)
    target, rows = mark_folder(folder, s, roster, output)
    for r in rows:
        click.echo(f"{r['student_id']}: {r['score']}/{r['out_of']}"
                   + (f", first wrong step {r['first_wrong_step']}" if r["first_wrong_step"] else ""))
    click.echo(f"wrote {target} ({len(rows)} students)", err=True)
