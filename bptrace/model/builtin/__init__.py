"""Built-in spec files (``bptrace.load("mazur")``)."""
