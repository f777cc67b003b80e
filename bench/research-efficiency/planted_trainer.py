"""The planted trainer of bench/research-efficiency regime (b): a real trainer process that speaks the run
protocol (README "Run protocol") and trains nothing. Its val bpb is a known function of the config plus
seed noise, so a benchmark knows every change's true effect. The function, its numbers and why they are
what they are: planted-world.ts beside this file (the same truth in TypeScript, for the accounting;
planted.test.ts checks the two agree). The world comes as JSON in FLYWHEEL_PLANTED_WORLD.

Noise: z0 from a hash of (seed, the knobs: model, optim, schedule, batch, mixture) is shared by every
budget of one (config, seed); z_t from the same hash and the token count is not. The deviation at t tokens
is sigma(t) (rho z0 + sqrt(1 - rho^2) z_t), the same whether t is a run's end or a mid-run eval.
Supports tokens / FLOPs budgets, periodic evals, WSD stable checkpoints, exact resume and SIGTERM.
FLYWHEEL_PLANTED_STEP_SECONDS paces the steps (the bench uses 0.03 s) so that a monitor or a pruner
watching the curve can stop a run before it ends, as it can a real one. Stdlib only (any python3).
"""
import hashlib
import json
import math
import os
import random
import signal
import sys
import time

run_dir = os.environ["FLYWHEEL_RUN_DIR"]
cfg = json.load(open(os.path.join(run_dir, "config.json")))
world = json.loads(os.environ["FLYWHEEL_PLANTED_WORLD"])
step_sleep = float(os.environ.get("FLYWHEEL_PLANTED_STEP_SECONDS", "0"))
events = open(os.path.join(run_dir, "events.jsonl"), "a")
stop = []
signal.signal(signal.SIGTERM, lambda *a: stop.append("SIGTERM"))


def emit(**ev):
    line = json.dumps(ev)
    events.write(line + "\n")
    events.flush()


def get(path):
    cur = cfg
    for k in path.split("."):
        cur = cur.get(k) if isinstance(cur, dict) else None
    return cur


def choice_key(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def u(e, x):
    if e["scale"] == "log":
        return math.log(max(x, 1e-12))
    if e["scale"] == "log1p":
        return math.log(1 + max(x, 0) / e.get("unit", 1))
    return x


def contribution(e):
    for p, v in (e.get("when") or {}).items():
        if get(p) != v:
            return 0.0
    v = get(e["path"])
    if v is None:
        return 0.0
    if e["kind"] == "choice":
        return e["deltas"].get(choice_key(v), 0.0)
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return 0.0
    return e["curvature"] * (u(e, v) - u(e, e["optimum"])) ** 2


def truth(tokens):
    r = tokens / world["refTokens"]
    v = world["E"] + world["A"] * r ** -world["alpha"]
    for e in world["effects"]:
        v += contribution(e) * r ** e.get("gamma", 0)
    return v


def flops_per_token():
    # src/runs/flops.ts: 6 * matmul params + 12 * L * C * T
    m = cfg["model"]
    C, L = m["width"], m["depth"]
    vocab = cfg["data"].get("vocabSize") or 2048
    matmul = L * (4 * C * C + 2 * C * round(m["mlpRatio"] * C)) + C * vocab
    return 6 * matmul + 12 * L * C * m["seqLen"]


ident = json.dumps(
    {k: cfg.get(k) for k in ("model", "optim", "schedule", "seed")}
    | {"batch": cfg["train"]["batchTokens"], "mixture": cfg["data"].get("mixture")},
    sort_keys=True,
)


def gauss(*salt):
    h = hashlib.sha256("|".join([ident, *map(str, salt)]).encode()).hexdigest()
    return random.Random(int(h[:15], 16)).gauss(0, 1)


z0 = gauss("shared")


def deviation(tokens):
    sigma = world["sigma"] * (world["refTokens"] / max(tokens, 1)) ** world["sigmaExp"]
    rho = world["rho"]
    return sigma * (rho * z0 + math.sqrt(1 - rho * rho) * gauss("tokens", int(tokens)))


fpt = flops_per_token()
S = cfg["schedule"]
batch = cfg["train"]["batchTokens"]
b = cfg["budget"]
budget_tokens = b.get("tokens") or (b["flops"] / fpt if b.get("flops") else 10 * batch)
steps_total = max(1, int(math.ceil(budget_tokens / batch)))
end_tokens = steps_total * batch
every = cfg["train"].get("evalEveryTokens") or budget_tokens / 8
wsd = S["name"] == "wsd"
decay_at = int(steps_total * (1 - S["warmdownFrac"])) if wsd else steps_total


def lr_frac(tokens):
    # trainers/gpt/train.py lr_multiplier: linear warmup in tokens, then cosine / WSD decay over the run
    warm = min(1.0, tokens / S["warmupTokens"]) if S["warmupTokens"] > 0 else 1.0
    p, lo = min(1.0, tokens / end_tokens), S["minLrFrac"]
    if not wsd:
        return warm * (lo + (1 - lo) * 0.5 * (1 + math.cos(math.pi * p)))
    start = 1 - S["warmdownFrac"]
    frac = 0.0 if p < start else (p - start) / max(S["warmdownFrac"], 1e-9)
    return warm * (1 - (1 - lo) * min(1.0, frac))


def val_at(tokens):
    """Val bpb at `tokens` of this run: the truth of a run that ends there, plus the un-annealed LR."""
    return truth(tokens) + world["lrBump"] * (lr_frac(tokens) - lr_frac(end_tokens)) + deviation(tokens)


step = 0
if cfg.get("resume"):
    step = json.load(open(cfg["resume"]["checkpoint"]))["step"]
params = fpt // 6
emit(kind="start", params=params, flopsPerToken=fpt, device="cpu", torch="planted", resumedFrom=(cfg.get("resume") or {}).get("checkpoint"))
t0 = time.time()
rng = random.Random(int(hashlib.sha256((ident + "|train").encode()).hexdigest()[:15], 16))
next_eval = (step * batch // every + 1) * every
while step < steps_total:
    if stop:
        tokens = step * batch
        emit(kind="end", status="stopped", reason="SIGTERM", step=step, tokens=tokens, flops=tokens * fpt, elapsed=time.time() - t0)
        sys.exit(0)
    if wsd and cfg["train"].get("checkpointAtStable") and step == decay_at:
        path = os.path.join(run_dir, "stable.json")
        json.dump({"step": step}, open(path, "w"))
        emit(kind="checkpoint", step=step, tokens=step * batch, path=path, phase="stable")
    step += 1
    tokens = step * batch
    if step_sleep:
        time.sleep(step_sleep)
    loss = val_at(tokens) * 1.6 + world["trainNoise"] * rng.gauss(0, 1)
    emit(kind="train", step=step, tokens=tokens, flops=tokens * fpt, elapsed=time.time() - t0, loss=loss, lr=lr_frac(tokens), gradNorm=1.0, tokPerSec=1e5)
    if tokens >= next_eval and step < steps_total:
        next_eval += every
        v = val_at(tokens)
        emit(kind="eval", step=step, tokens=tokens, flops=tokens * fpt, valLoss=v * 1.6, valBpb=v, byDomain={"planted": v})
tokens = step * batch
final = val_at(tokens)
emit(kind="eval", step=step, tokens=tokens, flops=tokens * fpt, valLoss=final * 1.6, valBpb=final, byDomain={"planted": final}, final=True)
emit(kind="end", status="completed", reason="tokens budget reached", valBpb=final, valLoss=final * 1.6, byDomain={"planted": final}, step=step, tokens=tokens, flops=tokens * fpt, elapsed=time.time() - t0, tokPerSec=1e5)
