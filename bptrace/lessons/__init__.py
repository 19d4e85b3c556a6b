"""The course's standalone lessons: one loss traced on its own, optimizer steps on a typed
objective (and the parser for it), moving averages, learning-rate schedules, dropout of
one layer, and epoch arithmetic. Each builds a trace of ``calculus.trace.Step`` lines.
"""
