"""The course's small torch model, traced end to end by bptrace.

    python examples/course_model.py                       # derive, check, update
    bptrace check --torch-script examples/course_model.py # the check table alone

Two linear layers, ReLU between them, a sigmoid on the output, MSELoss (mean) and plain
SGD — with the classic example's weights, so the numbers can be compared with the
sigmoid version. The model is float64 and the weights are set from float64 tensors:
float32 literals would make 0.15 into 0.15000000596…
"""
import torch
from torch import nn


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear1 = nn.Linear(2, 2)
        self.linear2 = nn.Linear(2, 2)

    def forward(self, x):
        return torch.sigmoid(self.linear2(torch.relu(self.linear1(x))))


model = Model().double()
with torch.no_grad():
    model.linear1.weight.copy_(torch.tensor([[0.15, 0.20], [0.25, 0.30]], dtype=torch.float64))
    model.linear1.bias.fill_(0.35)
    model.linear2.weight.copy_(torch.tensor([[0.40, 0.45], [0.50, 0.55]], dtype=torch.float64))
    model.linear2.bias.fill_(0.60)
inputs = torch.tensor([0.05, 0.10], dtype=torch.float64)
targets = torch.tensor([0.01, 0.99], dtype=torch.float64)
loss = "mse"            # nn.MSELoss(), the mean over the outputs
learning_rate = 0.5


if __name__ == "__main__":
    import bptrace

    net = bptrace.from_torch(model, inputs, targets, loss=loss, learning_rate=learning_rate)
    print(bptrace.to_text(net.derive("linear1.weight[0,0]")))
    print()
    report = net.check_torch()
    print(bptrace.to_text(report))
    print()
    update = net.step()
    print(bptrace.to_text(update))

    # the same step in torch: nn.MSELoss + torch.optim.SGD
    opt = torch.optim.SGD(model.parameters(), lr=learning_rate)
    opt.zero_grad()
    nn.MSELoss()(model(inputs), targets).backward()
    opt.step()
    theirs = {f"{name}[{','.join(map(str, idx))}]": float(p.detach()[idx])
              for name, p in model.named_parameters()
              for idx in ([(j, k) for j in range(p.shape[0]) for k in range(p.shape[1])]
                          if p.dim() == 2 else [(j,) for j in range(p.shape[0])])}
    worst = max(abs(float(update.network.parameters[k]) - v) for k, v in theirs.items())
    print(f"\nafter one step, largest difference from torch.optim.SGD: {worst:.1e}")
    raise SystemExit(0 if report.ok and worst < 1e-15 else 1)
