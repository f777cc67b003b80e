"""judge.py — the trusted evaluation of a run of agent code (SECURITY.md, "The judge").

The number that decides a verdict (final val loss and bpb, overall and per domain) is computed here, by
code the researcher cannot modify, in a process agent code never ran in, from data agent code never saw:

  * This process imports only the standard library, numpy and torch: never the agent's code. It loads
    the run's final weights (a private copy the orchestrator made without following links, size-capped)
    with torch.load(weights_only=True) — tensors only, never an arbitrary pickle — and only to measure
    their shapes (FLOPs per token, from the model the run actually trained).
  * The model is run by a *worker* (worker.py) in its own sandbox: the agent's code and the weights
    read-only, no dataset, no writable folder, no network, a cleared environment. The worker gets token
    ids and answers logits; this side checks the framing (magic, sizes, exact byte counts, a deadline),
    takes log_softmax itself and scores the targets, which the worker never sees as such. A worker that
    lies about logits can only make its own loss worse — except by peeking at the next input token,
    which the causality probe catches.
  * Causality probe: for P val windows a copy with token t+1 replaced (by a token from another window,
    so it looks like text) is scored too; the log-probs at positions <= t must not move. The windows are
    split over TWO fresh worker processes so that no worker ever sees both members of a pair: a stateful
    worker cannot memoise the original to answer its probe consistently (it has nowhere to keep state
    between processes). Originals and probes are shuffled together in equal-length batches.
  * Sanity bounds: val bpb below a physical floor, or far below the bpb of the same model on the live
    slice (held-out tail of the train shards: the same distribution, never sampled by the harness), fails
    the run as tampered: that is what a model which has seen the val data looks like.

Input: one JSON object on stdin (src/judge/judge.ts writes it); output: one JSON line on stdout,
{"ok": true, "valBpb", "valBpbSe", "valLoss", "byDomain", "byDomainSe", "live", "flopsPerToken", "probes", ...} or
{"ok": false, "tampered": bool, "reason": "..."}. Modes: "score" (the above), "shapes" (FLOPs per token
of the model the agent's build_model makes for a config, before any run: the admission cost; the runs
are then checked against the weights they really trained).
"""

import collections
import json
import math
import os
import select
import struct
import subprocess
import sys
import threading
import time

import numpy as np
import torch

MAX_REPLY_BYTES = 64 * 2 ** 20  # logits per batch


class Refused(Exception):
    def __init__(self, reason, tampered=False):
        super().__init__(reason)
        self.reason, self.tampered = reason, tampered


def live_tokens(n):
    """The live slice's length for a train shard of n tokens: the same rule as trainers/gpt/harness.py."""
    return min(16384, n // 8)


# ------------------------------------------------------------------------------------------------ data

def windows(tokens, T):
    """Rows of T+1 tokens overlapping by one (every token after the first a target once), then the tail;
    exactly trainers/gpt/harness.py ValSet."""
    tokens = np.asarray(tokens, dtype=np.int64)
    n_win = (len(tokens) - 1) // T if len(tokens) > 1 else 0
    rows = [tokens[i * T: (i + 1) * T + 1] for i in range(n_win)]
    rest = tokens[n_win * T:]
    if len(rest) > 1:
        rows.append(rest)
    return rows


def load_rows(spec):
    """[(row int64 (t+1,), domain index, set)] for set in {"val", "live", "also"}; the token byte table;
    domains. "also" is the val slice at `alsoTokensPerDomain` (a lower rung's run scored on the top
    rung's slice too, as trainers/gpt/harness.py does for train.alsoEvalTokensPerDomain): its own windows,
    since a shorter slice's tail window is not one of a longer slice's."""
    d = spec["dataDir"]
    with open(os.path.join(d, "meta.json")) as f:
        meta = json.load(f)
    domains = [x["name"] for x in meta["domains"]]
    token_bytes = np.fromfile(os.path.join(d, "token_bytes.u16"), dtype="<u2").astype(np.int64)
    T = int(spec["seqLen"])
    rows = []
    for i, name in enumerate(domains):
        val = np.fromfile(os.path.join(d, f"{name}.val.u16"), dtype="<u2", count=int(spec["tokensPerDomain"]))
        rows += [(r, i, "val") for r in windows(val, T)]
        if spec.get("alsoTokensPerDomain"):
            also = np.fromfile(os.path.join(d, f"{name}.val.u16"), dtype="<u2",
                               count=int(spec["alsoTokensPerDomain"]))
            rows += [(r, i, "also") for r in windows(also, T)]
        train = np.memmap(os.path.join(d, f"{name}.train.u16"), dtype="<u2", mode="r") \
            if os.path.getsize(os.path.join(d, f"{name}.train.u16")) else np.zeros(0, dtype="<u2")
        live = train[len(train) - live_tokens(len(train)):][: int(spec["liveTokensPerDomain"])]
        rows += [(r, i, "live") for r in windows(live, T)]
    return rows, token_bytes, domains


# ---------------------------------------------------------------------------------------------- worker

class Worker:
    """One sandboxed worker process (the command comes from the orchestrator: bwrap, limits, worker.py)."""

    def __init__(self, argv, deadline):
        self.deadline = deadline
        self.p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.err = collections.deque(maxlen=40)
        threading.Thread(target=self._drain, daemon=True).start()
        if self._read(4) != b"FWRD":
            raise Refused("the model worker did not start" + self.stderr_tail())

    def _drain(self):
        for line in self.p.stderr:
            self.err.append(line[:300].decode("utf-8", "replace").rstrip())

    def stderr_tail(self):
        time.sleep(0.2)
        tail = [ln for ln in self.err if ln.strip()][-6:]
        return (": " + " | ".join(tail)) if tail else ""

    def _read(self, n):
        fd, buf = self.p.stdout.fileno(), bytearray()
        while len(buf) < n:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise Refused("the model worker took too long (judge deadline)")
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                continue
            chunk = os.read(fd, min(n - len(buf), 1 << 20))
            if not chunk:
                raise Refused(f"the model worker exited mid-reply ({len(buf)}/{n} bytes){self.stderr_tail()}")
            buf += chunk
        return bytes(buf)

    def logits(self, x, V):
        """x: int64 (B, T) -> float32 (B, T, V); anything but exactly that is refused."""
        B, T = x.shape
        try:
            self.p.stdin.write(b"FWRQ" + struct.pack("<II", B, T) + x.astype(np.int32).tobytes())
            self.p.stdin.flush()
        except BrokenPipeError:
            raise Refused("the model worker exited" + self.stderr_tail())
        head = self._read(16)
        rb, rt, rv = struct.unpack("<III", head[4:])
        if head[:4] != b"FWRS" or (rb, rt, rv) != (B, T, V):
            raise Refused(f"the model worker answered a malformed reply (header {head[:4]!r} {rb}x{rt}x{rv}, "
                          f"expected {B}x{T}x{V})")
        return np.frombuffer(self._read(B * T * V * 4), dtype="<f4").reshape(B, T, V)

    def close(self):
        try:
            self.p.stdin.close()
        except OSError:
            pass
        try:
            self.p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()


def run_worker(argv, jobs, V, deadline):
    """jobs: [(key, int64 input row)]; returns {key: float32 (t, V) logits}. Same-length rows go in
    batches, in the (shuffled) order given."""
    out, w = {}, Worker(argv, deadline)
    try:
        by_len = collections.OrderedDict()
        for key, x in jobs:
            by_len.setdefault(len(x), []).append((key, x))
        for t, items in by_len.items():
            per = max(1, min(64, MAX_REPLY_BYTES // (t * V * 4)))
            for i in range(0, len(items), per):
                chunk = items[i: i + per]
                lg = w.logits(np.stack([x for _, x in chunk]), V)
                for j, (key, _) in enumerate(chunk):
                    out[key] = lg[j]
    finally:
        w.close()
    return out


# --------------------------------------------------------------------------------------------- scoring

def log_probs(logits):
    return torch.log_softmax(torch.from_numpy(np.array(logits, dtype=np.float32)), dim=-1)


def score(rows, results, token_bytes, domains):
    """Per set: one (nats, bytes, scored tokens, domain) row per window, like harness.evaluate (EOT
    targets, 0 bytes, skipped)."""
    acc = {s: [] for s in ("val", "live", "also")}
    for k, (row, d, which) in enumerate(rows):
        lp = log_probs(results[("row", k)])
        y = torch.from_numpy(row[1:])
        nats = -lp.gather(1, y[:, None])[:, 0]
        if not torch.isfinite(nats).all():
            raise Refused("the model's logits are not finite")
        b = torch.from_numpy(token_bytes[row[1:]])
        mask = (b > 0).float()
        acc[which].append((float((nats * mask).sum()), float(b.sum()), float(mask.sum()), d))
    return acc


def ratio_se(nats, nbytes):
    """Standard error of bpb over the scored windows: the delta method for a ratio of sums, exactly
    trainers/gpt/harness.py ratio_se. None below 2 windows."""
    n, total = len(nats), sum(nbytes)
    if n < 2 or not total > 0:
        return None
    r = sum(nats) / total
    return math.sqrt(n / (n - 1) * sum((a - r * b) ** 2 for a, b in zip(nats, nbytes))) / total / math.log(2)


def metrics(per_row, domains):
    ln2 = math.log(2)
    nats, nbytes, ntok = (sum(r[i] for r in per_row) for i in range(3))
    by, se, windows = {}, {}, {}
    for i, n in enumerate(domains):
        mine = [r for r in per_row if r[3] == i]
        b = sum(r[1] for r in mine)
        by[n] = sum(r[0] for r in mine) / (ln2 * b) if b else None
        se[n] = ratio_se([r[0] for r in mine], [r[1] for r in mine])
        windows[n] = len(mine)
    return {
        "valLoss": nats / ntok if ntok else None,
        "valBpb": nats / (ln2 * nbytes) if nbytes else None,
        "valBpbSe": ratio_se([r[0] for r in per_row], [r[1] for r in per_row]),
        "byDomain": by,
        "byDomainSe": se,
        "byDomainWindows": windows,
    }


# ----------------------------------------------------------------------------------------------- FLOPs

def flops_per_token(entries, vocab, width, depth, seq_len):
    """Training FLOPs per token of the model behind a state dict: 6 * N_matmul + 12 * L * C * T, the
    convention of trainers/gpt/harness.py. entries: [(name, shape, dtype)]. N_matmul = every floating
    tensor of 2+ dims, less the lookup-only tables: the token embedding `*wte.weight` when another
    (V, .) tensor is there to be the head (a tied head appears twice in a state dict and so counts once;
    an embedding used as the head without one is counted), and the position table `*wpe.weight`.
    Renaming cannot hide more than those two tables, which the reference excludes anyway. L and T are
    the config's, C the larger of the config's width and the embedding's.
    Limits (SECURITY.md): compute without parameters (a block looped twice, wider attention than the
    weights show) is not seen."""
    mats = [(k, tuple(s), int(np.prod(s))) for k, s, dt in entries if len(s) >= 2 and "float" in dt]
    n = sum(m for _, _, m in mats)
    wte = [(k, s, m) for k, s, m in mats if k == "wte.weight" or k.endswith(".wte.weight")][:1]
    if wte and sum(1 for _, s, _ in mats if s[0] == vocab) >= 2:
        n -= wte[0][2]
    wpe = [m for k, s, m in mats if k == "wpe.weight" or k.endswith(".wpe.weight")][:1]
    if wpe:
        n -= wpe[0]
    C = max([width] + [s[1] for _, s, _ in wte])
    return 6 * n + 12 * depth * C * seq_len, n


def weight_entries(path):
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except TypeError:
        raise Refused("the judge needs torch >= 1.13 (torch.load weights_only)")
    except Exception as e:  # noqa: BLE001 - anything but plain tensors is refused unexecuted
        raise Refused(f"final-weights.pt is not a plain state dict of tensors ({type(e).__name__}: "
                      f"{str(e).splitlines()[0][:200] if str(e) else ''})", tampered=True)
    if not isinstance(state, dict) or not all(torch.is_tensor(v) for v in state.values()):
        raise Refused("final-weights.pt is not a state dict of tensors", tampered=True)
    distinct = {(v.data_ptr(), tuple(v.shape)): v.numel() for v in state.values()}  # a tied matrix once
    return [(str(k), list(v.shape), str(v.dtype)) for k, v in state.items()], sum(distinct.values())


# ------------------------------------------------------------------------------------------------ main

def judge(spec):
    t0 = time.monotonic()
    deadline = t0 + float(spec.get("timeoutSeconds", 600))
    torch.set_num_threads(max(1, int(spec.get("threads", 1))))
    V, T = int(spec["vocab"]), int(spec["seqLen"])
    dims = dict(vocab=V, width=int(spec["width"]), depth=int(spec["depth"]), seq_len=T)
    if spec["mode"] == "shapes":
        w = Worker.__new__(Worker)  # the shapes answer is one JSON line, no ready marker
        w.deadline, w.err = deadline, collections.deque(maxlen=40)
        w.p = subprocess.Popen(spec["worker"], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        threading.Thread(target=w._drain, daemon=True).start()
        buf = b""
        while not buf.endswith(b"\n"):
            r = w.p.stdout.read(1 << 16)
            if not r:
                break
            buf += r
            if len(buf) > 4 << 20:
                raise Refused("the model worker's shape list is over 4 MiB")
        w.p.wait()
        try:
            desc = json.loads(buf)
            entries = [(str(k), list(v[:-1]), str(v[-1])) for k, v in desc.items()]
            assert all(all(isinstance(x, int) and x >= 0 for x in s) for _, s, _ in entries)
        except Exception:  # noqa: BLE001
            raise Refused("build_model did not produce a model" + w.stderr_tail())
        fpt, n = flops_per_token(entries, **dims)
        return {"ok": True, "flopsPerToken": fpt, "matmulParams": n, "seconds": time.monotonic() - t0}

    entries, params = weight_entries(spec["weights"])
    fpt, n_matmul = flops_per_token(entries, **dims)
    rows, token_bytes, domains = load_rows(spec)
    rng = np.random.Generator(np.random.PCG64(int(spec.get("seed", 0))))
    full = [k for k, (r, _, s) in enumerate(rows) if len(r) == T + 1]
    # two halves; each worker scores its half and probes the other half's windows
    half = {k: int(rng.integers(2)) for k in range(len(rows))}
    probe_rows = [k for k in full if rows[k][2] == "val"]
    probe_rows = list(rng.permutation(probe_rows)[: int(spec.get("probes", 32))]) if len(full) > 1 else []
    jobs = ([], [])
    probes = []
    for k, (row, _, _) in enumerate(rows):
        jobs[half[k]].append((("row", k), row[:-1]))
    for k in probe_rows:
        x = rows[k][0][:-1].copy()
        t = int(rng.integers(0, T - 1))  # positions <= t must not move when token t+1 changes
        other = rows[int(rng.choice([j for j in full if j != k]))][0]
        x[t + 1] = other[t + 1] if other[t + 1] != x[t + 1] else (x[t + 1] + 1) % V
        probes.append((k, t))
        jobs[1 - half[k]].append((("probe", k), x))
    results = {}
    for j in jobs:
        order = rng.permutation(len(j))
        results.update(run_worker(spec["worker"], [j[i] for i in order], V, deadline))
    worst = (0.0, None)
    for k, t in probes:
        diff = float((log_probs(results[("row", k)][: t + 1]) - log_probs(results[("probe", k)][: t + 1])).abs().max())
        if not diff <= worst[0]:
            worst = (diff, (k, t))
    tol = float(spec.get("causalityTolerance", 1e-3))
    if not worst[0] <= tol:
        raise Refused(f"causality: changing token {worst[1][1] + 1} of a val window moved the model's log-probs "
                      f"at position {worst[1][1]} by {worst[0]:.3g} (> {tol:g}): the model sees the future",
                      tampered=True)
    acc = score(rows, results, token_bytes, domains)
    val, live = metrics(acc["val"], domains), metrics(acc["live"], domains)
    if val["valBpb"] is None:
        raise Refused("no val tokens to score")
    also = metrics(acc["also"], domains) if acc["also"] else None
    # the sanity bounds hold for every number the judge gives out, the second slice's included
    for name, v in (("val bpb", val["valBpb"]), ("val bpb on the second slice", also["valBpb"] if also else None)):
        if v is not None:
            sane(name, v, live["valBpb"], spec)
    extra = {"also": {"tokensPerDomain": int(spec["alsoTokensPerDomain"]), "valBpb": also["valBpb"],
                      "valBpbSe": also["valBpbSe"]}} if also and also["valBpb"] is not None else {}
    return dict(ok=True, **val, live={"valBpb": live["valBpb"], "byDomain": live["byDomain"],
                                      "byDomainSe": live["byDomainSe"]},
                flopsPerToken=fpt, matmulParams=n_matmul, params=params,
                probes={"n": len(probes), "maxDiff": worst[0], "tolerance": tol},
                seconds=time.monotonic() - t0, **extra)


def sane(name, v, live_bpb, spec):
    """Refuse a val number below the physical floor, or far below the same model on held-out train data."""
    floor = float(spec.get("floorBpb", 0.3))
    if v < floor:
        raise Refused(f"{name} {v:.4f} is below the physical floor {floor:g}", tampered=True)
    ratio = float(spec.get("liveRatio", 0.75))
    if live_bpb is not None and v < ratio * live_bpb:
        raise Refused(f"{name} {v:.4f} is far below the same model's {live_bpb:.4f} on held-out "
                      f"train data (< {ratio:g}x): the model has seen the val data", tampered=True)


def main():
    spec = json.loads(sys.stdin.read())
    try:
        res = judge(spec)
    except Refused as e:
        res = {"ok": False, "tampered": e.tampered, "reason": e.reason}
    sys.stdout.write(json.dumps(res) + "\n")


if __name__ == "__main__":
    main()
