"""Methods a lower layer's class offers but a higher layer implements.

``net.derive("w1")``, ``net.check_torch()`` and a trace's picture in Jupyter are methods
users expect on the objects they hold, but the code for them lives in the layers above
the class (``calculus/``, ``oracle/``, ``printing/``, ``renderers/``), which import it. The
class declares such a method with ``upward(name, doc)``; the package facade
(``bptrace/__init__.py``) says, once, which function implements each name. So imports
only ever point down the layers (``tests/test_layout.py`` checks it, wiring included),
and a method imports its layer only when it is called: ``bptrace --help`` pays for none.
"""
from importlib import import_module

IMPLEMENTATIONS: dict[str, str] = {}   # method name → "module:function" (bptrace-relative)


def implement(**where: str) -> None:
    """Declare, e.g., ``derive="calculus.derive:derive"``; called by the package facade."""
    IMPLEMENTATIONS.update(where)


def implementation(name: str):
    """The function implementing ``name``, its module imported on first use."""
    module, _, function = IMPLEMENTATIONS[name].partition(":")
    return getattr(import_module(f"bptrace.{module}"), function)


def upward(name: str, doc: str, display: bool = False):
    """A method whose body is the function wired as ``name``, called with the instance first.

    ``display=True`` marks a notebook display hook (``_repr_html_``, ``_repr_svg_``, …):
    what cannot be shown is not offered (None), it never raises into the notebook.
    """
    def method(self, *args, **kwargs):
        if not display:
            return implementation(name)(self, *args, **kwargs)
        try:
            return implementation(name)(self, *args, **kwargs)
        except Exception:
            return None
    method.__name__ = method.__qualname__ = name
    method.__doc__ = doc
    return method
