#!/usr/bin/env bash
# The course's PyTorch snippets, step by step and checked against torch (each line exits 1
# if bptrace and torch.optim / lr_scheduler / nn.Dropout disagree beyond 1e-12).
# w = 1, f(w) = w²/2, lr = 0.01, two steps:
set -euo pipefail
bptrace optim momentum --objective "w**2/2" --init w=1.0 --lr 0.01 --momentum 0.9 --steps 2 --check   # w = 0.99, 0.9711
bptrace optim adagrad --objective "w**2/2" --init w=1.0 --lr 0.01 --steps 2 --check
bptrace optim rmsprop --objective "w**2/2" --init w=1.0 --lr 0.01 --alpha 0.9 --steps 2 --check
bptrace optim adam --objective "w**2/2" --init w=1.0 --lr 0.01 --betas 0.9,0.99 --steps 2 --digits 12 --check   # 0.9900000001, 0.980002518775
# learning-rate decay over 200 epochs
bptrace schedule step --lr 0.1 --step-size 50 --gamma 0.5 --epochs 200 --check
bptrace schedule multistep --lr 0.1 --milestones 50,125,160 --gamma 0.5 --epochs 200 --check
bptrace schedule exponential --lr 0.1 --gamma 0.95 --epochs 200 --check
# dropout with p = 0.4 on four outputs, the mask drawn by torch's own generator
bptrace dropout --p 0.4 --input 1,2,3,4 --seed 1 --check
