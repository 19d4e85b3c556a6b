"""The ``bptrace`` command line: parse, call the library, print — one module per group.

``main.py`` holds the group and what the commands share; ``network.py`` the commands on
a network, ``documents.py`` the article, slides and pictures, ``html.py`` the web page
and ``--lang``, ``lessons.py`` the optimizer, EMA, schedule and dropout lessons,
``losses.py`` the loss lessons, ``expr.py`` backpropagation through a typed expression.
Importing a command module registers its commands on ``main``. Nothing heavy is imported
until a command runs.
"""
from . import documents, expr, html, lessons, losses, network  # noqa: F401  (register the commands)
from .main import main

main.add_command(html.html)

__all__ = ["main"]
