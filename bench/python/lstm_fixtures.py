"""Writes the PyTorch reference fixture for test/ml/nn/torch-reference.test.ts.

Run from the repository root with Debian's Python (python3-torch 1.13, CPU):
    /usr/bin/python3 bench/python/lstm_fixtures.py                 # writes test/fixtures/nn/lstm-torch.json
    /usr/bin/python3 bench/python/lstm_fixtures.py OUT_FILE        # somewhere else
then `npx biome format --write` on the file (the script does this itself when npx is on PATH), since the
repository's formatter checks every .json file.

Everything runs in float64 on one thread with a fixed seed, so a rerun with the same torch writes the same numbers.
Each case is a stack of nn.LSTM modules (batch_first) and an nn.Linear head on the last step's hidden state:
  single          LSTM(3 -> 4) + Linear(4 -> 2), MSE
  stacked         LSTM(3 -> 5), LSTM(5 -> 3) + Linear(3 -> 1): two modules, so the widths differ; Huber (delta 0.5)
  two_layer       one nn.LSTM(2 -> 4, num_layers=2) + Linear(4 -> 3): torch's own stacking (weight_*_l1); MAE
Weights are torch's default initialisation under the seed; h0 = c0 = 0. Parameters are named as Slipway's
SequenceNetwork.parameterLayout() names them (lstm.<layer>.weight_ih | weight_hh | bias_ih | bias_hh, head.weight,
head.bias), each a flat row-major list in torch's layout (gate rows i, f, g, o). Per case the JSON holds:
  inputSize, layers, outputSize, batch, steps, loss, huberDelta,
  parameters {name: [..]}, X [batch*steps*inputSize] (batch-major, as Slipway's X), y [batch*outputSize],
  predictions [batch*outputSize], topOutput [batch*steps*units of the top layer] (its whole output sequence),
  lossValue, gradients {name: [..]} (autograd of the loss), inputGradient [like X],
  adam {learningRate, steps, parameters}: the parameters after `steps` torch.optim.Adam steps on the same batch,
  sgd {learningRate, momentum, clipNorm, steps, parameters}: the same with SGD + momentum and
      torch.nn.utils.clip_grad_norm_ before each step.
"""

import json
import os
import shutil
import subprocess
import sys

import torch

OUT_FILE = sys.argv[1] if len(sys.argv) > 1 else os.path.join("test", "fixtures", "nn", "lstm-torch.json")

torch.set_num_threads(1)
torch.set_default_dtype(torch.float64)


class Net(torch.nn.Module):
    """LSTM modules in sequence, then a Linear head on the last step."""

    def __init__(self, lstms, head):
        super().__init__()
        self.lstms = torch.nn.ModuleList(lstms)
        self.head = head

    def forward(self, x):
        for lstm in self.lstms:
            x, _ = lstm(x)
        self.top = x
        return self.head(x[:, -1, :])


def named(net):
    """(Slipway name, tensor) for every parameter, in SequenceNetwork's order."""
    out = []
    layer = 0
    for lstm in net.lstms:
        for k in range(lstm.num_layers):
            for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                out.append((f"lstm.{layer}.{kind}", getattr(lstm, f"{kind}_l{k}")))
            layer += 1
    out.append(("head.weight", net.head.weight))
    out.append(("head.bias", net.head.bias))
    return out


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def loss_fn(name, delta):
    if name == "mse":
        return torch.nn.MSELoss()
    if name == "mae":
        return torch.nn.L1Loss()
    return torch.nn.HuberLoss(delta=delta)


def make_case(name, seed, input_size, lstm_specs, output_size, batch, steps, loss, delta=1.0):
    torch.manual_seed(seed)
    lstms = [torch.nn.LSTM(i, h, num_layers=k, batch_first=True) for (i, h, k) in lstm_specs]
    head = torch.nn.Linear(lstm_specs[-1][1], output_size)
    net = Net(lstms, head)
    X = torch.empty(batch, steps, input_size).uniform_(-2, 2)
    y = torch.empty(batch, output_size).uniform_(-1, 1)
    initial = [(n, p.detach().clone()) for n, p in named(net)]

    Xg = X.clone().requires_grad_(True)
    pred = net(Xg)
    L = loss_fn(loss, delta)(pred, y)
    L.backward()
    case = {
        "name": name,
        "inputSize": input_size,
        "layers": [h for (_, h, k) in lstm_specs for _ in range(k)],
        "outputSize": output_size,
        "batch": batch,
        "steps": steps,
        "loss": loss,
        "huberDelta": delta,
        "parameters": {n: flat(p) for n, p in initial},
        "X": flat(X),
        "y": flat(y),
        "predictions": flat(pred),
        "topOutput": flat(net.top),
        "lossValue": float(L),
        "gradients": {n: flat(p.grad) for n, p in named(net)},
        "inputGradient": flat(Xg.grad),
    }

    def run(make_optimizer, clip=None, n_steps=3):
        with torch.no_grad():
            for (n, p), (_, p0) in zip(named(net), initial):
                p.copy_(p0)
        opt = make_optimizer(net.parameters())
        for _ in range(n_steps):
            opt.zero_grad()
            loss_fn(loss, delta)(net(X), y).backward()
            if clip is not None:
                torch.nn.utils.clip_grad_norm_(net.parameters(), clip)
            opt.step()
        return {n: flat(p) for n, p in named(net)}

    case["adam"] = {
        "learningRate": 0.01,
        "steps": 3,
        "parameters": run(lambda ps: torch.optim.Adam(ps, lr=0.01)),
    }
    case["sgd"] = {
        "learningRate": 0.05,
        "momentum": 0.9,
        "clipNorm": 0.5,
        "steps": 3,
        "parameters": run(lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.9), clip=0.5),
    }
    return case


def main():
    cases = [
        make_case("single", 11, 3, [(3, 4, 1)], 2, batch=3, steps=5, loss="mse"),
        make_case("stacked", 12, 3, [(3, 5, 1), (5, 3, 1)], 1, batch=4, steps=6, loss="huber", delta=0.5),
        make_case("two_layer", 13, 2, [(2, 4, 2)], 3, batch=2, steps=7, loss="mae"),
    ]
    doc = {"generator": "bench/python/lstm_fixtures.py", "torch": torch.__version__, "dtype": "float64", "cases": cases}
    os.makedirs(os.path.dirname(OUT_FILE) or ".", exist_ok=True)
    with open(OUT_FILE, "w") as f:
        json.dump(doc, f)
        f.write("\n")
    if shutil.which("npx"):
        subprocess.run(["npx", "biome", "format", "--write", OUT_FILE], check=False, capture_output=True)
    print(f"wrote {OUT_FILE} ({len(cases)} cases)", file=sys.stderr)


if __name__ == "__main__":
    main()
