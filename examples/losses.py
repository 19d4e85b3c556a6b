"""The course's five loss examples, derived by bptrace and checked against torch.

Run ``python examples/losses.py``. Each example is a ``bptrace loss`` trace (the same as
the command line's) whose value and gradient are compared with the torch loss of the same
name in float64; the course ran them in float32, so that figure is shown too.

The cross-entropy example also shows the common misreading of its input: torch's
CrossEntropyLoss takes *logits* and applies softmax itself. Read as probabilities, the
same rows would give −mean(log 0.6, log 0.1) — NLLLoss on their logarithms — a different
number.
"""
import mpmath

from bptrace.lessons.loss_trace import loss_trace
from bptrace.model.loss_table import LOSSES
from bptrace.oracle.lessons import check_loss

# (name, predictions, targets, what the course's script prints in float32)
EXAMPLES = [
    ("cross-entropy", "0.2,0.6,0.2;0.1,0.8,0.1", "0,1,0;0,0,1", "1.1200755"),
    ("bce", "0.6901,0.5459,0.2469", "0,1,0", "0.6867941"),
    ("l1", "1.0,1.0,1.9", "2.0,2.0,2.9", "1.0"),
    ("mse", "1.0,1.0,1.9", "2.0,2.0,2.0", "0.67"),
    ("smooth-l1", "0.6,0.4", "0,3", "1.14"),
]


def course_examples() -> dict:
    """name → (trace, torch check report, torch's float32 value)."""
    import torch

    out = {}
    for name, pred, target, _ in EXAMPLES:
        trace = loss_trace(name, pred, target)
        t = trace.values
        x = torch.tensor([float(v) for k, v in t.items() if k.startswith("x_")], dtype=torch.float32)
        y = torch.tensor([float(v) for k, v in t.items() if k.startswith("y_")], dtype=torch.float32)
        x, y = x.reshape(trace.shape), y.reshape(trace.shape)
        single = LOSSES[trace.loss].torch(torch, x, y, trace.options, "mean").item()
        out[name] = (trace, check_loss(trace), single)
    return out


def misreading() -> tuple:
    """(cross-entropy of the logits, NLL of the rows read as probabilities), both by bptrace."""
    logits = loss_trace("cross-entropy", "0.2,0.6,0.2;0.1,0.8,0.1", "1,2")
    rows = [[0.2, 0.6, 0.2], [0.1, 0.8, 0.1]]
    logs = [[mpmath.log(mpmath.mpf(str(v))) for v in row] for row in rows]
    as_probabilities = loss_trace("nll", logs, [1, 2])
    return logits.value, as_probabilities.value


if __name__ == "__main__":
    for name, (trace, report, single) in course_examples().items():
        grad = ", ".join(mpmath.nstr(g, 9) for g in trace.grad)
        print(f"{trace.torch_name:17} {mpmath.nstr(trace.value, 16):>18}   float32 {single:.8g}"
              f"   torch agrees: {report.ok}   ∂L/∂x = [{grad}]")
    ce, wrong = misreading()
    print(f"\nCrossEntropyLoss on the logits:           {mpmath.nstr(ce, 16)}")
    print(f"the rows read as probabilities (NLL of log): {mpmath.nstr(wrong, 16)}  "
          "(= -(log 0.6 + log 0.1)/2: not what torch computes)")
