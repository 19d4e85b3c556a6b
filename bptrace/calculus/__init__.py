"""Computing on a network, shown step by step: the trace dataclasses, the forward pass,
every chain-rule path, the δ form and the symbolic proof, gradient-descent updates,
the optimizers' update rules and training, and the operation-level computation graph.
"""
