"""torch as the oracle: float64 mirrors of networks and lessons, ``check``, ``from_torch``,
and the comparison tables that show bptrace's number beside torch's. torch is imported
lazily, inside the functions that need it.
"""
