"""train.py — the reference GPT trainer. This is the one file an agent may edit: model construction,
optimizers, LR schedule and the training loop. The metric, budget, data sampling and reporting live in
harness.py, which is fixed.

    FLYWHEEL_RUN_DIR=/path/to/run /usr/bin/python3 trainers/gpt/train.py

reads $FLYWHEEL_RUN_DIR/config.json (a resolved TrainConfig, see src/config/train-config.ts) and writes
events to $FLYWHEEL_RUN_DIR/events.jsonl. Runs on torch 1.13 CPU and torch 2.x CUDA (bf16 autocast,
torch.compile, flash attention through F.scaled_dot_product_attention).
"""

import inspect
import math
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402 - fixed: data, eval, budget, events
from model import GPT, GPTConfig  # noqa: E402


# ----------------------------------------------------------------------------------------- optimizers

def newton_schulz(G, steps):
    """Approximately orthogonalise G: push all its singular values to ~1 (U S V^T -> ~U V^T) with a
    quintic Newton–Schulz iteration. The coefficients (Keller Jordan's Muon) maximise the slope at 0,
    so small singular values grow fast; the result is only roughly orthogonal, which is enough."""
    a, b, c = 3.4445, -4.7750, 2.0315
    X = G.bfloat16() if G.is_cuda else G.float()  # bf16 tensor cores on GPU; bf16 matmul is slow on CPU
    tall = X.size(0) > X.size(1)
    if tall:
        X = X.T  # iterate on the smaller Gram matrix
    X = X / (X.norm() + 1e-7)  # spectral norm <= Frobenius norm <= 1: inside the iteration's basin
    for _ in range(steps):
        A = X @ X.T
        B = b * A + c * A @ A
        X = a * X + B @ X
    if tall:
        X = X.T
    return X.to(G.dtype)


class Muon(torch.optim.Optimizer):
    """MomentUm Orthogonalized by Newton–Schulz: SGD with Nesterov momentum whose update, per 2-D
    matrix, is orthogonalised. Every direction of the update moves by the same amount, which lets
    rare directions learn as fast as common ones. Only for hidden matrices; embeddings, the head and
    1-D params go to AdamW."""

    def __init__(self, params, lr, momentum=0.95, ns_steps=5, weight_decay=0.0):
        super().__init__(params, dict(lr=lr, momentum=momentum, ns_steps=ns_steps, weight_decay=weight_decay))

    @torch.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            lr, mom, wd = group["lr"], group["momentum"], group["weight_decay"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if "momentum_buffer" not in state:
                    state["momentum_buffer"] = torch.zeros_like(p.grad)
                buf = state["momentum_buffer"]
                buf.lerp_(p.grad, 1 - mom)  # EMA of gradients
                g = p.grad.lerp(buf, mom)  # Nesterov: look ahead along the momentum
                update = newton_schulz(g, group["ns_steps"])
                # (out, in) matrices: an orthogonal update has RMS ~ 1/sqrt(max dim); rescale tall ones
                scale = max(1.0, p.size(0) / p.size(1)) ** 0.5
                if wd > 0:
                    p.mul_(1 - lr * wd)  # decoupled weight decay, as in AdamW
                p.add_(update, alpha=-lr * scale)


def build_optimizers(model, O, device):
    """Parameter groups: hidden 2-D matrices (decayed), embeddings (decayed, embedLr), an untied head
    (decayed, headLr) and 1-D scalars: norm weights and biases (no decay, scalarLr). Decay shrinks
    matrices towards 0; on norm gains and biases it would only fight their purpose.
    adamw: everything in AdamW, per-group LRs default to optim.lr.
    muon: hidden matrices in Muon at optim.lr, the rest in AdamW at optim.adamLr."""
    embed, head, hidden, scalars = [], [], [], []
    for name, p in model.named_parameters():  # a tied head is the same tensor as wte: listed once
        if name.startswith(("wte.", "wpe.")):
            embed.append(p)
        elif name.startswith("lm_head."):
            head.append(p)
        elif p.dim() >= 2:
            hidden.append(p)
        else:
            scalars.append(p)
    muon = O["name"] == "muon"
    other_lr = O["adamLr"] if muon else O["lr"]
    wd = O["weightDecay"]
    groups = [
        dict(name="embed", params=embed, lr=O.get("embedLr") or other_lr, weight_decay=wd),
        dict(name="head", params=head, lr=O.get("headLr") or other_lr, weight_decay=wd),
        dict(name="scalar", params=scalars, lr=O.get("scalarLr") or other_lr, weight_decay=0.0),
    ]
    if not muon:
        groups.insert(0, dict(name="hidden", params=hidden, lr=O["lr"], weight_decay=wd))
    groups = [g for g in groups if g["params"]]
    for g in groups:
        g["base_lr"] = g["lr"]  # the schedule scales every group's LR from its own base
    adam_kw = dict(betas=(O["beta1"], O["beta2"]), eps=O["eps"])
    if device.type == "cuda" and "fused" in inspect.signature(torch.optim.AdamW).parameters:
        adam_kw["fused"] = True  # one kernel for all params (torch >= 2.0)
    opts = {"adamw": torch.optim.AdamW(groups, **adam_kw)}
    if muon:
        opts["muon"] = Muon([dict(name="hidden", params=hidden, base_lr=O["lr"])], lr=O["lr"],
                            momentum=O["muonMomentum"], ns_steps=O["muonNsSteps"], weight_decay=wd)
    return opts


# ------------------------------------------------------------------------------------------- schedule

def lr_multiplier(S, tokens, step_tokens, progress):
    """Multiplier on every group's base LR. Warmup is linear in absolute tokens (so a resumed WSD run
    keeps the warmup it had); the decay is a function of budget progress in [0, 1], which works for any
    budget unit. cosine: from 1 to minLrFrac over the whole run. wsd: 1 (stable) until the last
    warmdownFrac of the run, then linear to minLrFrac."""
    warm = min(1.0, (tokens + step_tokens) / S["warmupTokens"]) if S["warmupTokens"] > 0 else 1.0
    lo = S["minLrFrac"]
    if S["name"] == "cosine":
        decay = lo + (1 - lo) * 0.5 * (1 + math.cos(math.pi * progress))
    else:
        wd_start = 1.0 - S["warmdownFrac"]
        frac = 0.0 if progress < wd_start else (progress - wd_start) / max(S["warmdownFrac"], 1e-9)
        decay = 1.0 - (1.0 - lo) * min(1.0, frac)
    return warm * decay


# ------------------------------------------------------------------------------------------- training

def build_model(M, vocab_size):
    """The model this trainer trains, from the config's `model` section: the one entry point the trusted
    judge's model worker calls (python/judge/worker.py) to rebuild it around final-weights.pt. model(idx)
    must return (logits, _) or logits, (B, T, V), with position t depending on idx[:, :t+1] only."""
    return GPT(GPTConfig.from_train_config(M, vocab_size))


def compiled(model, run, B, T, strict):
    """torch.compile(model), compiled now: one forward+backward on a dummy (B, T) batch, outside the
    timed loop (the compile takes tens of seconds; the 'start' event just written is the last event
    before it), with the RNG forked and the grads dropped so training is unchanged. If it fails and
    compile is 'auto' (not strict), the run goes on eager."""
    print(f"train: torch.compile warm-up on a ({B}, {T}) batch", file=sys.stderr, flush=True)
    try:
        fwd = torch.compile(model)
        with run.paused(), harness.fork_rng(run.device):
            x = torch.zeros(B, T, dtype=torch.long, device=run.device)
            with run.autocast():
                _, loss = fwd(x, x)
            loss.backward()
        return fwd
    except Exception as e:  # noqa: BLE001 - any compiler failure: eager is always correct
        if strict:
            raise
        print(f"train: torch.compile failed, training eager: {type(e).__name__}: {e}", file=sys.stderr, flush=True)
        return model
    finally:
        model.zero_grad(set_to_none=True)


def train(run):
    cfg = run.cfg
    M, O, S, L = cfg["model"], cfg["optim"], cfg["schedule"], cfg["train"]

    model = build_model(M, run.data.vocab_size).to(run.device)
    opts = build_optimizers(model, O, run.device)
    # fp16 needs loss scaling (its range is too small for gradients); bf16 and fp32 do not
    scaler = None
    if run.dtype == torch.float16:
        amp = torch.amp if hasattr(torch.amp, "GradScaler") else torch.cuda.amp  # torch >= 2.3 moved it
        scaler = amp.GradScaler(run.device.type) if amp is torch.amp else amp.GradScaler()
    stateful = dict(opts, **({"scaler": scaler} if scaler else {}))
    run.start(model, stateful)  # 'start' event; restores model/optimizers when resuming

    T = M["seqLen"]
    B = L["batchTokens"] // T  # sequences per optimizer step
    micro_B = min(B, max(1, (L.get("microBatchTokens") or L["batchTokens"]) // T))  # per forward pass
    use_compile = L["compile"] == "on" or (L["compile"] == "auto" and run.device.type == "cuda")
    use_compile = use_compile and hasattr(torch, "compile")  # torch 1.13 has none: eager
    fwd = compiled(model, run, micro_B, T, strict=L["compile"] == "on") if use_compile else model
    step_tokens = B * T
    params = [p for p in model.parameters()]
    # a resumed wsd run whose checkpoint is already in the warmdown must not save another 'stable' one
    stable_saved = S["name"] != "wsd" or not L["checkpointAtStable"] or run.progress() >= 1 - S["warmdownFrac"]

    while run.should_continue():
        progress = run.progress()
        if not stable_saved and progress >= 1 - S["warmdownFrac"]:
            run.save_checkpoint("stable")  # the end of the stable phase: a longer run can resume here
            stable_saved = True
        mult = lr_multiplier(S, run.tokens, step_tokens, progress)
        for opt in opts.values():
            for g in opt.param_groups:
                g["lr"] = g["base_lr"] * mult

        x, y = run.next_batch(B)  # (B, T) each
        loss_sum = 0.0
        for xm, ym in zip(x.split(micro_B), y.split(micro_B)):
            with run.autocast():
                _, loss = fwd(xm, ym)
            loss = loss * (xm.size(0) / B)  # grad accumulation: the mean over the whole batch
            (scaler.scale(loss) if scaler else loss).backward()
            loss_sum = loss_sum + loss.detach()

        if scaler:
            for opt in opts.values():
                scaler.unscale_(opt)
        # clip_grad_norm_ returns the pre-clip norm; max_norm=inf just measures it (gradNorm is logged)
        grad_norm = torch.nn.utils.clip_grad_norm_(params, O["gradClip"] if O["gradClip"] > 0 else float("inf"))
        for opt in opts.values():
            scaler.step(opt) if scaler else opt.step()
        if scaler:
            scaler.update()
        model.zero_grad(set_to_none=True)

        run.after_step(loss_sum, O["lr"] * mult, grad_norm, step_tokens)

    run.finish()


if __name__ == "__main__":
    harness.main(train)
