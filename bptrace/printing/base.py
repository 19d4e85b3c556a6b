"""The printer base: SymPy-style dispatch on the trace's class, declared settings.

``Printer.doprint(obj)`` walks ``type(obj).__mro__`` and calls ``_print_<ClassName>``;
``emptyPrinter`` is the fallback. Settings are declared once in ``_default_settings``: an
unknown key raises ``TypeError``, a bad value ``ValueError`` (from ``_check_settings``).
"""
from __future__ import annotations


class Printer:
    _default_settings: dict = {}

    def __init__(self, **settings):
        unknown = set(settings) - set(self._default_settings)
        if unknown:
            raise TypeError(f"unknown setting(s) for {type(self).__name__}: {', '.join(sorted(unknown))}")
        self._settings = {**self._default_settings, **settings}
        self._check_settings(self._settings)

    def _check_settings(self, settings: dict) -> None:
        """Raise ValueError for a bad setting value."""

    def doprint(self, obj):
        for cls in type(obj).__mro__:
            method = getattr(self, f"_print_{cls.__name__}", None)
            if method is not None:
                return method(obj)
        return self.emptyPrinter(obj)

    def emptyPrinter(self, obj):
        return str(obj)
