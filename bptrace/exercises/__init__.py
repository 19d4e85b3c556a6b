"""Exercises with answer keys, and marking that names the student's mistake (issue 14).

Built on the traces (``calculus/``, ``lessons/``) and the printed documents (``printing/``,
``renderers/``); the layer between ``renderers`` and ``cli``.

- ``rounding.py`` — significant digits, the marking tolerance, answer text;
- ``misconceptions.py`` — the catalogue of mistakes marking can name, with their fixes;
- ``program.py`` — the blanks as quantities in dependency order, each with its rule and
  the perturbed rules that reproduce mistakes; the simulated student;
- ``network_rules.py``, ``lesson_rules.py`` — those rules for the network kinds and for the
  optimizer and loss kinds (keys from the lessons' traces);
- ``generate.py`` — variants drawn from a seed on ``random.Random``, with rejection; keys
  from the traces;
- ``answers.py`` — an ANSWERS file (TOML or CSV), read as untrusted text;
- ``marking.py`` — marking: right within the asked rounding, carried forward, rounding, or
  wrong with the first wrong step and the likely misconceptions;
- ``sheets.py``, ``sheet_latex.py``, ``sheet_html.py`` — question sheets and answer keys as
  text, JSON, LaTeX and web pages; ``classlist.py``, ``folder.py``, ``gradebook.py`` — class
  lists, the exercise folder, marking a class.
"""
