"""harness.py — the FIXED part of the reference trainer. An agent edits train.py, never this file.

It owns everything that defines the metric or the run protocol, so that no change to train.py can move
the goalposts:
  * reading $FLYWHEEL_RUN_DIR/config.json (the resolved TrainConfig) and the prepared dataset;
  * the training data sampler (random seqLen+1 windows drawn from the train shards by mixture weight,
    with its own seeded generator whose state goes into checkpoints);
  * evaluation: val loss and val bits-per-byte, overall and per domain, each with its standard error over
    the scored windows, on a fixed prefix of each val set (in-process; the number that judges a run of
    agent code comes from the trusted judge, python/judge/);
  * the live slice: the tail of each train shard, never sampled, on which the periodic evals run so a
    sandbox without the val shards can still be monitored (events say `source: live`); the final eval
    scores that same sample once more (`curve`), so a domain's curve has no jump at its last point;
  * the final weights (final-weights.pt, tensors only) that the judge scores;
  * the budget (seconds of training loop / tokens / FLOPs, whichever is reached first) and progress();
  * FLOP accounting, the device's peak FLOP/s (measured once, cached) and MFU;
  * divergence detection, SIGTERM handling, failure reporting, checkpoints, and the event stream.

FLOP convention (per token, one training step = forward + backward):
    flopsPerToken = 6 * N_matmul + 12 * L * C * T
N_matmul counts the weights of every nn.Linear (qkv, attention output, MLP, and the lm_head, which is a
real V x C matmul even when it shares its matrix with the embedding); embedding lookups and norm scales
are not matmuls and are excluded. 6 = 2 FLOPs per multiply-add x (1 forward + 2 backward). The attention
term is the score and value matmuls (QK^T and AV: 2 * 2 * T * C per token per layer, x3 for fwd+bwd),
counted over the full T x T matrix although the causal mask makes half of it unnecessary. This is the
convention of PaLM (Chowdhery et al. 2022, appendix B) and of nanoGPT's estimate_mfu, so our MFU
compares with published numbers; it slightly overstates the work a causal kernel really does.

Time: `elapsed` counts seconds inside the training loop only. Evals and checkpoint writes are excluded,
so a run that evaluates more often does not train less, and tokPerSec is pure training throughput.
"""

import contextlib
import json
import math
import os
import platform
import signal
import sys
import threading
import time
import traceback

import numpy as np
import torch


def _keep_freed_memory():
    """glibc malloc hands every block over its mmap threshold straight back to the kernel on free, so a
    CPU training step that allocates the same large activations every time pays a page fault per 4 KiB,
    each time (measured: ~40k faults and up to half the step time for the small preset on a VM). Serve
    every allocation from the heap and never trim it: the process keeps its peak footprint, which a
    training process reaches on its first step anyway. No-op off glibc."""
    try:
        import ctypes
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-1, ctypes.c_int(2 ** 30))  # M_TRIM_THRESHOLD: don't give the top of the heap back
        libc.mallopt(-4, ctypes.c_int(0))  # M_MMAP_MAX = 0: no mmap-backed blocks
    except (OSError, AttributeError):
        pass


_keep_freed_memory()


def _import_flywheel_log():
    """Events go through python/flywheel_log.py, the same writer any foreign trainer uses, so the
    NaN->null rule, line atomicity and stdout mirroring exist once. The trainer may run from a code
    snapshot, so the folder comes from FLYWHEEL_PYTHON_DIR first, then the repository layout."""
    here = os.path.dirname(os.path.abspath(__file__))
    for d in (os.environ.get("FLYWHEEL_PYTHON_DIR"), os.path.join(here, "..", "..", "python"), here):
        if d and os.path.isfile(os.path.join(d, "flywheel_log.py")):
            sys.path.insert(0, os.path.abspath(d))
            break
    try:
        import flywheel_log
    except ImportError:
        sys.exit("harness: cannot find flywheel_log.py; set FLYWHEEL_PYTHON_DIR to the repository's python/ folder")
    return flywheel_log


flywheel_log = _import_flywheel_log()


def _openblas_libs():
    """Debian's torch does its matmuls in OpenBLAS, whose own thread pool ignores torch.set_num_threads."""
    import ctypes
    libs = []
    for name in ("libopenblas.so.0", "libblas.so.3"):
        try:
            lib = ctypes.CDLL(name)
            lib.openblas_get_num_threads()
            libs.append(lib)
        except (OSError, AttributeError):
            pass
    return libs


def _set_cpu_threads(configured):
    """CPU cores for this run: train.threads, else the executor's slot (FLYWHEEL_THREADS / OMP_NUM_THREADS),
    else every core we may run on. Returns {torch, blas}: the threads each pool got.
    With OpenBLAS (Debian's torch), the cores go to BLAS and torch's own OpenMP pool keeps 1 thread:
    when both pools have 2 threads, OpenMP's spinning workers and OpenBLAS's threads fight over the same
    cores (measured on 2 cores: 5.5k tok/s vs 14k for the `small` model, and 10k with everything on one
    core); the elementwise ops left to OpenMP are too small to gain from a second thread. Without
    OpenBLAS (MKL builds, where torch's setting covers BLAS too) torch gets all n threads."""
    n = configured
    for var in ("FLYWHEEL_THREADS", "OMP_NUM_THREADS"):
        if not n and os.environ.get(var, "").isdigit():
            n = int(os.environ[var])
    if not n:
        n = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    n = max(1, int(n))
    blas = _openblas_libs()
    for lib in blas:
        lib.openblas_set_num_threads(n)
    torch.set_num_threads(1 if blas else n)
    return {"torch": torch.get_num_threads(), "blas": n if blas else torch.get_num_threads()}


# --------------------------------------------------------------------------------------------- data

class Dataset:
    """A prepared dataset (src/data/format.ts): meta.json, token_bytes.u16, <domain>.{train,val}.u16."""

    def __init__(self, data_dir):
        with open(os.path.join(data_dir, "meta.json")) as f:
            self.meta = json.load(f)
        self.dir = data_dir
        self.vocab_size = int(self.meta["vocabSize"])
        self.eot = int(self.meta["eotToken"])
        self.domains = [d["name"] for d in self.meta["domains"]]
        self.token_bytes = np.fromfile(os.path.join(data_dir, "token_bytes.u16"), dtype="<u2")

    def shard(self, domain, split):
        path = os.path.join(self.dir, f"{domain}.{split}.u16")
        if os.path.getsize(path) == 0:
            return np.zeros(0, dtype="<u2")
        return np.memmap(path, dtype="<u2", mode="r")

    def has_val(self):
        """False inside the training sandbox, which binds the train shards only."""
        return all(os.path.exists(os.path.join(self.dir, f"{d}.val.u16")) for d in self.domains)

    def split(self, domain):
        """(train, live): the train shard without its tail, and the tail (live_tokens(n) tokens)."""
        shard = self.shard(domain, "train")
        cut = len(shard) - live_tokens(len(shard))
        return shard[:cut], shard[cut:]


def live_tokens(n):
    """Length of the live slice held out from the end of a train shard of n tokens (python/judge/judge.py
    computes the same)."""
    return min(16384, n // 8)


def mixture_weights(dataset, mixture):
    """Normalised sampling weight per domain. {} = proportional to train tokens (every token equally
    likely). Otherwise the given weights; a domain left out of a non-empty mixture gets weight 0."""
    unknown = sorted(set(mixture) - set(dataset.domains))
    if unknown:
        raise ValueError(f"data.mixture names unknown domain(s) {unknown}; the dataset has {dataset.domains}")
    if mixture:
        w = np.array([float(mixture.get(d, 0.0)) for d in dataset.domains])
    else:
        w = np.array([float(d["trainTokens"]) for d in dataset.meta["domains"]])
    if not w.sum() > 0:
        raise ValueError(f"data.mixture gives every domain weight 0: {mixture}")
    return w / w.sum()


class Sampler:
    """Draws B windows of seqLen+1 tokens: a domain by mixture weight, then a uniform offset in its
    train shard. Its generator is separate from torch's and checkpointable, so resume is exact."""

    def __init__(self, dataset, weights, seq_len, seed):
        self.T = seq_len
        self.shards, self.weights = [], []
        for name, w in zip(dataset.domains, weights):
            shard = dataset.split(name)[0]  # the live slice at the end is never sampled
            if w > 0 and len(shard) < seq_len + 1:
                print(f"harness: domain {name} has {len(shard)} train tokens < seqLen+1; not sampled", file=sys.stderr)
                w = 0.0
            self.shards.append(shard)
            self.weights.append(w)
        self.weights = np.array(self.weights) / sum(self.weights)
        self.rng = np.random.Generator(np.random.PCG64(seed))
        self.arange = np.arange(seq_len + 1)

    def sample(self, B):
        """(B, T+1) int64 token ids."""
        out = np.empty((B, self.T + 1), dtype=np.int64)
        dom = self.rng.choice(len(self.shards), size=B, p=self.weights)
        for d in np.unique(dom):  # sorted, so the draw order is fixed
            rows = np.nonzero(dom == d)[0]
            starts = self.rng.integers(0, len(self.shards[d]) - self.T, size=len(rows))
            out[rows] = self.shards[d][starts[:, None] + self.arange]
        return out

    def state_dict(self):
        return self.rng.bit_generator.state

    def load_state_dict(self, state):
        self.rng.bit_generator.state = state


# ---------------------------------------------------------------------------------------- evaluation

class ValSet:
    """The first n tokens of every domain's val shard (source "val") or live slice (source "live"), cut
    into windows of seqLen+1 that overlap by one token, so every token after the first is a target
    exactly once. Fixed: no randomness. python/judge/judge.py cuts the same windows."""

    def __init__(self, dataset, tokens_per_domain, seq_len, device, source="val"):
        self.domains = dataset.domains
        self.source = source
        self.token_bytes = torch.from_numpy(dataset.token_bytes.astype(np.int64)).to(device)
        self.full, self.tails = [], []  # full: (rows (N, T+1), domain id per row); tails: [(row (1, t+1), d)]
        full_rows, full_dom = [], []
        for d, name in enumerate(self.domains):
            src = dataset.shard(name, "val") if source == "val" else dataset.split(name)[1]
            val = np.asarray(src[:tokens_per_domain], dtype=np.int64)
            n_win = (len(val) - 1) // seq_len if len(val) > 1 else 0
            for i in range(n_win):
                full_rows.append(val[i * seq_len: (i + 1) * seq_len + 1])
                full_dom.append(d)
            rest = val[n_win * seq_len:]
            if len(rest) > 1:
                self.tails.append((torch.from_numpy(rest[None, :].copy()).to(device), d))
        if full_rows:
            self.full = (torch.from_numpy(np.stack(full_rows)).to(device), torch.tensor(full_dom, device=device))


def ratio_se(nats, nbytes):
    """Standard error of bpb = sum(nats) / (ln 2 * sum(bytes)) over the windows that were scored (the
    sampled units), by the delta method for a ratio of sums: sqrt(n/(n-1) * sum((a - R b)^2)) / sum(b).
    Windows cut from one document are not independent, so this is a floor on the sampling error of the
    eval sample, not of the training run (seed-to-seed spread is measured by rerunning). None below 2
    windows. python/judge/judge.py uses the same formula."""
    n, total = len(nats), sum(nbytes)
    if n < 2 or not total > 0:
        return None
    r = sum(nats) / total
    ss = sum((a - r * b) ** 2 for a, b in zip(nats, nbytes))
    return math.sqrt(n / (n - 1) * ss) / total / math.log(2)


@torch.no_grad()
def evaluate(model, valset, rows_per_batch, autocast):
    """Returns {valLoss, valBpb, valBpbSe, byDomain, byDomainSe, byDomainWindows}. Loss and bytes skip
    targets whose token has 0 bytes (EOT). valLoss = nats per scored token; bpb = nats / (ln 2 * bytes),
    pooled over all domains' tokens; *Se: standard errors over windows (ratio_se)."""
    was_training = model.training
    model.eval()
    dev = valset.token_bytes.device
    parts = []  # per batch: (nats, bytes, scored tokens, domain) per row

    def score(rows, dom):
        x, y = rows[:, :-1], rows[:, 1:]
        with autocast():
            _, loss = model(x, y, reduction="none")  # (b, t) nats
        b = valset.token_bytes[y]  # (b, t) bytes of each target
        mask = (b > 0).to(loss.dtype)
        parts.append(torch.stack([(loss.float() * mask).sum(1).double(), b.sum(1).double(),
                                  mask.sum(1).double(), dom.double()], 1))  # (b, 4)

    if valset.full:
        rows, dom = valset.full
        for i in range(0, rows.size(0), rows_per_batch):
            score(rows[i: i + rows_per_batch], dom[i: i + rows_per_batch])
    for row, d in valset.tails:
        score(row, torch.tensor([d], device=dev))
    model.train(was_training)
    per_row = torch.cat(parts).tolist() if parts else []  # one device sync
    ln2 = math.log(2)
    by_domain, by_domain_se, windows = {}, {}, {}
    for d, name in enumerate(valset.domains):
        mine = [r for r in per_row if int(r[3]) == d]
        nbytes = sum(r[1] for r in mine)
        by_domain[name] = sum(r[0] for r in mine) / (ln2 * nbytes) if nbytes > 0 else None
        by_domain_se[name] = ratio_se([r[0] for r in mine], [r[1] for r in mine])
        windows[name] = len(mine)
    total_nats = sum(r[0] for r in per_row)
    total_bytes, total_tok = sum(r[1] for r in per_row), sum(r[2] for r in per_row)
    return {
        "valLoss": total_nats / total_tok if total_tok else None,
        "valBpb": total_nats / (ln2 * total_bytes) if total_bytes else None,
        "valBpbSe": ratio_se([r[0] for r in per_row], [r[1] for r in per_row]),
        "byDomain": by_domain,
        "byDomainSe": by_domain_se,
        "byDomainWindows": windows,
    }


# ------------------------------------------------------------------------------------- FLOPs and MFU

def flops_per_token(model, seq_len):
    """Training FLOPs per token: 6 * N_matmul + 12 * L * C * T (see the module docstring)."""
    n_matmul = sum(m.weight.numel() for m in model.modules() if isinstance(m, torch.nn.Linear))
    L, C = model.cfg.depth, model.cfg.width
    return 6 * n_matmul + 12 * L * C * seq_len


def device_name(device):
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def threads_desc():
    libs = _openblas_libs()
    blas = libs[0].openblas_get_num_threads() if libs else torch.get_num_threads()
    return f"{torch.get_num_threads()}+blas{blas}" if libs else str(blas)


def fork_rng(device):
    """Code inside draws no numbers from the training stream: torch's CPU generator and, on CUDA, the
    training device's are restored on exit (a cached vs a measured peak must not change the run)."""
    cuda = [device.index if device.index is not None else torch.cuda.current_device()] if device.type == "cuda" else []
    return torch.random.fork_rng(devices=cuda)


def measure_peak_flops(device, dtype):
    """Best observed FLOP/s of a large square matmul in the training dtype: the ceiling MFU is against."""
    n, reps = (8192, 20) if device.type == "cuda" else (1024, 8)
    with fork_rng(device):
        a = torch.randn(n, n, device=device, dtype=dtype)
        b = torch.randn(n, n, device=device, dtype=dtype)
    best = float("inf")
    for i in range(reps + 2):
        if device.type == "cuda":
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        a @ b
        if device.type == "cuda":
            torch.cuda.synchronize()
        if i >= 2:  # the first two are warm-up
            best = min(best, time.perf_counter() - t0)
    return 2 * n ** 3 / best


def device_peak_flops(device, dtype):
    """Measured once per (device, torch, threads, dtype) and cached in $FLYWHEEL_HOME/device-peak.json.
    Without FLYWHEEL_HOME it is measured every run (a fraction of a second)."""
    threads = f"threads {torch.get_num_threads()}" if device.type == "cuda" else f"threads {threads_desc()}"
    key = f"{device_name(device)}|torch {torch.__version__}|{threads}|{str(dtype).replace('torch.', '')}"
    home = os.environ.get("FLYWHEEL_HOME")
    path = os.path.join(home, "device-peak.json") if home else None
    cache = {}
    if path and os.path.exists(path):
        try:
            with open(path) as f:
                cache = json.load(f)
        except (OSError, ValueError):
            cache = {}
    if key in cache:
        return float(cache[key]["peakFlops"])
    peak = measure_peak_flops(device, dtype)
    if path:
        cache[key] = {"peakFlops": peak, "measuredAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        os.makedirs(home, exist_ok=True)
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "w") as f:
            json.dump(cache, f, indent=1)
        os.replace(tmp, path)  # atomic: concurrent runs never read half a file
    return peak


# --------------------------------------------------------------------------------------------- the run

class Stop(Exception):
    """Raised inside the harness to end the run early with a status (diverged)."""

    def __init__(self, status, reason):
        super().__init__(reason)
        self.status, self.reason = status, reason


def _torch_load(path, device):
    try:  # our own file: it holds the sampler's numpy state, so not weights-only
        return torch.load(path, map_location=device, weights_only=False)
    except TypeError:  # torch < 1.13 has no weights_only
        return torch.load(path, map_location=device)


class Run:
    """One training run. train.py drives the loop; the Run counts, budgets, evaluates and reports:

        run = Run()                               # config, device, seed, data, SIGTERM handler
        run.start(model, {"adamw": opt})          # FLOPs, peak, 'start' event, resume from a checkpoint
        while run.should_continue():
            x, y = run.next_batch(B)              # (B, T) inputs and targets, on the device
            ...forward, backward, optimizer step...
            run.after_step(loss, lr, grad_norm)   # counts; logs, checks divergence, evaluates, checkpoints
        run.finish()                              # final eval and the 'end' event
    """

    def __init__(self):
        run_dir = os.environ.get("FLYWHEEL_RUN_DIR")
        if not run_dir:
            sys.exit("harness: FLYWHEEL_RUN_DIR is not set")
        self.run_dir = run_dir
        with open(os.path.join(run_dir, "config.json")) as f:
            self.cfg = cfg = json.load(f)
        tc = cfg["train"]
        self.stop_requested = None  # set by SIGTERM/SIGINT: finish this step, then stop
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)
        self._watch_parent(os.environ.get("FLYWHEEL_PARENT_PID", ""))

        self.threads = _set_cpu_threads(tc.get("threads"))
        want = tc.get("device", "auto")
        if want == "auto":
            want = "cuda" if torch.cuda.is_available() else "cpu"
        self.device = torch.device(want)
        if self.device.type == "cuda":
            torch.backends.cuda.matmul.allow_tf32 = True  # fp32 matmuls on tensor cores where fp32 remains
            torch.backends.cudnn.allow_tf32 = True
        dt = tc.get("dtype", "auto")
        if dt == "auto":
            cuda_bf16 = self.device.type == "cuda" and torch.cuda.is_bf16_supported()
            dt = "bfloat16" if cuda_bf16 else "float32"
        self.dtype = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}[dt]

        seed = int(cfg.get("seed", 0))
        torch.manual_seed(seed)
        if not cfg["data"].get("dir"):
            raise ValueError("config.data.dir is not set (the prepared dataset directory)")
        self.data = Dataset(cfg["data"]["dir"])
        self.T = int(cfg["model"]["seqLen"])
        weights = mixture_weights(self.data, cfg["data"].get("mixture") or {})
        # a different stream from torch's (seed + 1 hashed through SeedSequence): the data order doesn't
        # change when a model change consumes more or fewer torch random numbers
        self.sampler = Sampler(self.data, weights, self.T, np.random.SeedSequence([seed, 1]))
        self.mixture = {d: float(w) for d, w in zip(self.data.domains, self.sampler.weights)}
        self._valsets = {}

        self.step, self.tokens, self.flops, self.elapsed = 0, 0, 0.0, 0.0
        self.initial_loss = None
        self.resumed_step = None
        self.last_eval = None
        self._t_mark = None
        self._unchecked = None  # (loss, grad_norm) of the last step, not yet read from the device

    def _on_signal(self, signum, frame):
        if self.stop_requested is None:
            self.stop_requested = f"{signal.Signals(signum).name} at step {self.step}"

    def _watch_parent(self, pid):
        """The orchestrator passes its pid: if it dies (SIGKILL, crash), stop like on SIGTERM instead of
        training on as an orphan nobody reads. Only watched when that pid is visible at start (inside a
        sandbox's PID namespace it is not, and the sandbox dies with its parent anyway)."""
        if not pid.isdigit():
            return
        pid = int(pid)
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        except PermissionError:
            pass  # exists, owned by someone else

        direct = os.getppid() == pid  # then a dead (even unreaped) parent shows as re-parenting

        def gone():
            if direct and os.getppid() != pid:
                return True
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return True
            except PermissionError:
                pass
            return False

        def watch():
            while self.stop_requested is None:
                time.sleep(2.0)
                if gone():
                    self.stop_requested = f"orchestrator (pid {pid}) exited, at step {self.step}"

        threading.Thread(target=watch, name="flywheel-parent-watch", daemon=True).start()

    # -- setup -------------------------------------------------------------------------------------

    def autocast(self):
        """Mixed precision context for forward passes (bf16/fp16 autocast), or a no-op in fp32."""
        if self.dtype == torch.float32:
            return contextlib.nullcontext()
        return torch.autocast(device_type=self.device.type, dtype=self.dtype)

    def start(self, model, stateful):
        """model: the GPT (a compiled one is unwrapped, so checkpoint keys never carry `_orig_mod.`);
        stateful: name -> object with state_dict() (optimizers, a GradScaler): all of it goes into
        checkpoints. Emits 'start'; restores config.resume.checkpoint."""
        model = getattr(model, "_orig_mod", model)
        self.model, self.stateful = model, stateful
        # with a GradScaler an inf/NaN grad norm is routine (the step is skipped); without one it poisons the weights
        self._check_grad_norm = not any(hasattr(v, "get_scale") for v in stateful.values())
        cfg, tc, bc = self.cfg, self.cfg["train"], self.cfg["budget"]
        self.flops_per_token = flops_per_token(model, self.T)
        self.peak_flops = device_peak_flops(self.device, self.dtype)
        # budget: every given limit, in its own unit; progress = the largest fraction used
        self.budget_seconds = bc.get("seconds")
        self.budget_tokens = bc.get("tokens")
        self.budget_flops = bc.get("flops")
        known = [t for t in (self.budget_tokens, self.budget_flops and self.budget_flops / self.flops_per_token) if t]
        self.eval_every_tokens = tc.get("evalEveryTokens") or (min(known) / 8 if known else None)
        self.eval_every_seconds = None if self.eval_every_tokens or not self.budget_seconds else self.budget_seconds / 8
        self.log_every_tokens = tc.get("logEveryTokens") or 0
        self.ckpt_every_tokens = tc.get("checkpointEveryTokens")
        resumed = (cfg.get("resume") or {}).get("checkpoint")
        if resumed:
            self._load_checkpoint(resumed)
        self._next_eval = self._next_multiple(self.eval_every_tokens, self.tokens)
        self._next_eval_s = self._next_multiple(self.eval_every_seconds, self.elapsed)
        self._next_log = self.tokens
        self._next_ckpt = self._next_multiple(self.ckpt_every_tokens, self.tokens)
        self._log_mark = (self.tokens, self.elapsed)
        extra = {"resumedFrom": resumed} if resumed else {}
        flywheel_log.start(
            params=model.num_params(), paramsNonEmbedding=model.num_params(non_embedding=True),
            flopsPerToken=self.flops_per_token, device=self.device.type, deviceName=device_name(self.device),
            torch=torch.__version__, python=platform.python_version(), peakFlops=self.peak_flops,
            dtype=str(self.dtype).replace("torch.", ""), threads=self.threads["blas"], torchThreads=self.threads["torch"],
            mixture=self.mixture,
            vocabSize=self.data.vocab_size, step=self.step, tokens=self.tokens, **extra)
        self._t_mark = time.perf_counter()

    @staticmethod
    def _next_multiple(every, now):
        return None if not every else (math.floor(now / every) + 1) * every

    # -- the loop ----------------------------------------------------------------------------------

    def progress(self):
        """Fraction of the budget used, in [0, 1]: the max over seconds, tokens and FLOPs. The LR
        schedule is a function of this, which is what lets a time budget have a schedule at all."""
        fr = [0.0]
        if self.budget_seconds:
            fr.append(self.elapsed / self.budget_seconds)
        if self.budget_tokens:
            fr.append(self.tokens / self.budget_tokens)
        if self.budget_flops:
            fr.append(self.flops / self.budget_flops)
        return min(1.0, max(fr))

    def should_continue(self):
        return self.stop_requested is None and self.progress() < 1.0

    def next_batch(self, B):
        """B random windows: x (B, T) inputs and y (B, T) next-token targets, on the device."""
        t = torch.from_numpy(self.sampler.sample(B))
        if self.device.type == "cuda":
            t = t.pin_memory().to(self.device, non_blocking=True)  # async copy overlaps the running step
        else:
            t = t.to(self.device)
        return t[:, :-1], t[:, 1:]

    def after_step(self, loss, lr, grad_norm, tokens):
        """Call after each optimizer step. loss/grad_norm may be device tensors: on CUDA they are read
        (one sync) only when a 'train' event, a checkpoint or an eval is due, so a step isn't stalled by
        the harness; a non-finite one ends the run 'diverged' before anything saves or scores its weights."""
        now = time.perf_counter()
        self.elapsed += now - self._t_mark
        self._t_mark = now
        self.step += 1
        self.tokens += tokens
        self.flops = self.tokens * float(self.flops_per_token)
        self._unchecked = (loss, grad_norm)
        if self.initial_loss is None or self.tokens >= self._next_log or self.progress() >= 1.0:
            self._log(loss, lr, grad_norm)
        elif self.device.type != "cuda":
            self._check_finite()  # reading a CPU tensor costs nothing: stop at the first bad step
        if self.progress() >= 1.0 or self.stop_requested:
            return  # finish() evaluates; don't evaluate twice
        if self._next_ckpt is not None and self.tokens >= self._next_ckpt:
            self._next_ckpt = self._next_multiple(self.ckpt_every_tokens, self.tokens)
            self.save_checkpoint("periodic")
        due_tokens = self._next_eval is not None and self.tokens >= self._next_eval
        due_seconds = self._next_eval_s is not None and self.elapsed >= self._next_eval_s
        if due_tokens or due_seconds:
            self._next_eval = self._next_multiple(self.eval_every_tokens, self.tokens)
            self._next_eval_s = self._next_multiple(self.eval_every_seconds, self.elapsed)
            with self.paused():
                self._eval(self.cfg["train"]["evalTokensPerDomain"], final=False)

    @staticmethod
    def _read(loss, grad_norm):
        as_t = lambda v: v.detach().float().reshape(()) if torch.is_tensor(v) else torch.tensor(float(v))  # noqa: E731
        loss_t, gn_t = as_t(loss), as_t(grad_norm)
        return torch.stack([loss_t, gn_t.to(loss_t.device)]).tolist()  # the only device sync of a step

    def _check_finite(self, loss_f=None, gn=None):
        """Stop('diverged') if the last step's loss, or (without a GradScaler) its grad norm, is not
        finite. Reads the device only if after_step left the values unread."""
        if loss_f is None:
            if self._unchecked is None:
                return
            loss_f, gn = self._read(*self._unchecked)
        self._unchecked = None
        if not math.isfinite(loss_f):
            raise Stop("diverged", f"loss={loss_f} at step {self.step}")
        if self._check_grad_norm and not math.isfinite(gn):
            raise Stop("diverged", f"gradNorm={gn} at step {self.step}")

    def _log(self, loss, lr, grad_norm):
        loss_f, gn = self._read(loss, grad_norm)
        if self.initial_loss is None and math.isfinite(loss_f):
            self.initial_loss = loss_f
        dt = self.elapsed - self._log_mark[1]
        tps = (self.tokens - self._log_mark[0]) / dt if dt > 0 else 0.0
        self._log_mark = (self.tokens, self.elapsed)
        self._next_log = self.tokens + self.log_every_tokens
        flywheel_log.log(step=self.step, tokens=self.tokens, flops=self.flops, elapsed=self.elapsed, loss=loss_f,
                         lr=lr, gradNorm=gn, tokPerSec=tps, mfu=tps * self.flops_per_token / self.peak_flops)
        factor = float(self.cfg["train"].get("divergenceFactor", 3))
        self._check_finite(loss_f, gn)
        if self.initial_loss is not None and loss_f > factor * self.initial_loss:
            raise Stop("diverged", f"loss={loss_f:.4g} > {factor:g} x initial {self.initial_loss:.4g} at step {self.step}")

    @contextlib.contextmanager
    def paused(self):
        """Time spent inside is not training time (evals, checkpoint writes, a compile warm-up)."""
        now = time.perf_counter()
        self.elapsed += now - self._t_mark
        try:
            yield
        finally:
            self._t_mark = time.perf_counter()

    def _eval(self, tokens_per_domain, final, also=None):
        """Periodic evals (live monitoring) score the live slice, the same for every run; the final one
        the val shards when this process may read them (not inside the sandbox: there the judge does).
        The final event also carries `curve`: the live slice scored on exactly the sample of the periodic
        evals, so every point of a run's per-domain curve, the last included, is the same windows (the
        final val number is another sample: comparable across runs, not along the curve). With `also`
        (train.alsoEvalTokensPerDomain), it carries `also`: the same source scored on that many tokens per
        domain, so a run can be compared with runs whose final eval has that size."""
        self._check_finite()
        source = "val" if final and self.data.has_val() else "live"
        res = self._score(tokens_per_domain, source)
        self.last_eval = res
        extra = {}
        if final and also and also != tokens_per_domain:
            extra["also"] = dict(source=source, evalTokensPerDomain=also, **self._score(also, source))
        if final:
            curve_tokens = self.cfg["train"]["evalTokensPerDomain"]
            same = (curve_tokens, "live") == (tokens_per_domain, source)
            extra["curve"] = dict(source="live", evalTokensPerDomain=curve_tokens,
                                  **(res if same else self._score(curve_tokens, "live")))
        flywheel_log.eval(step=self.step, tokens=self.tokens, flops=self.flops, elapsed=self.elapsed, final=final,
                          evalTokensPerDomain=tokens_per_domain, source=source, **res, **extra)
        return res

    def _score(self, tokens_per_domain, source):
        if (tokens_per_domain, source) not in self._valsets:
            self._valsets[tokens_per_domain, source] = ValSet(self.data, tokens_per_domain, self.T, self.device, source)
        mb = self.cfg["train"].get("microBatchTokens") or self.cfg["train"]["batchTokens"]
        return evaluate(self.model, self._valsets[tokens_per_domain, source], max(1, mb // self.T), self.autocast)

    def save_final_weights(self):
        """final-weights.pt: the model's tensors only (a state dict; torch.save keeps tied tensors shared),
        what the trusted judge loads with weights_only=True and scores (python/judge/)."""
        path = os.path.join(self.run_dir, "final-weights.pt")
        torch.save({k: v.detach().cpu() for k, v in self.model.state_dict().items()}, path + ".tmp")
        os.replace(path + ".tmp", path)

    # -- the end -----------------------------------------------------------------------------------

    def finish(self):
        """Final eval (the one that defines valBpb) and the 'end' event. After SIGTERM the eval is the
        cheaper intermediate size, so a stopped run still reports a number within its grace period."""
        tc = self.cfg["train"]
        stopped = self.stop_requested is not None and self.progress() < 1.0
        with self.paused():
            if self.ckpt_every_tokens:
                self.save_checkpoint("final")
            self._check_finite()
            self.save_final_weights()
            res = self._eval(tc["evalTokensPerDomain"] if stopped else tc["finalEvalTokensPerDomain"], final=True,
                             also=None if stopped else tc.get("alsoEvalTokensPerDomain"))
        status, reason = ("stopped", self.stop_requested) if stopped else ("completed", self._budget_reason())
        self._end(status, reason, **res)

    def _budget_reason(self):
        parts = []
        if self.budget_seconds and self.elapsed >= self.budget_seconds:
            parts.append(f"seconds budget {self.budget_seconds:g} reached")
        if self.budget_tokens and self.tokens >= self.budget_tokens:
            parts.append(f"tokens budget {self.budget_tokens:g} reached")
        if self.budget_flops and self.flops >= self.budget_flops:
            parts.append(f"flops budget {self.budget_flops:g} reached")
        return "; ".join(parts) or "budget reached"

    def _end(self, status, reason, **metrics):
        tps = self.tokens / self.elapsed if self.elapsed > 0 else 0.0
        mfu = tps * getattr(self, "flops_per_token", 0) / self.peak_flops if getattr(self, "peak_flops", None) else None
        flywheel_log.end(status=status, reason=reason, step=self.step, tokens=self.tokens, flops=self.flops,
                         elapsed=self.elapsed, tokPerSec=tps, mfu=mfu, **metrics)

    # -- checkpoints -------------------------------------------------------------------------------

    def save_checkpoint(self, phase):
        """Everything needed to continue bit-for-bit: model, optimizers, counters, RNG states.
        Written to checkpoints/step<N>-<phase>.pt (atomic rename); emits a 'checkpoint' event."""
        self._check_finite()
        with self.paused():
            state = {
                "model": self.model.state_dict(),
                "stateful": {k: v.state_dict() for k, v in self.stateful.items()},
                "step": self.step, "tokens": self.tokens, "flops": self.flops, "elapsed": self.elapsed,
                "initial_loss": self.initial_loss, "sampler": self.sampler.state_dict(),
                "torch_rng": torch.get_rng_state(),
                "cuda_rng": torch.cuda.get_rng_state(self.device) if self.device.type == "cuda" else None,
                "config": self.cfg, "phase": phase,
            }
            rel = os.path.join("checkpoints", f"step{self.step:06d}-{phase}.pt")
            path = os.path.join(self.run_dir, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            torch.save(state, path + ".tmp")
            os.replace(path + ".tmp", path)
            flywheel_log.checkpoint(step=self.step, tokens=self.tokens, path=rel, phase=phase, flops=self.flops,
                                    elapsed=self.elapsed)
        return path

    def _load_checkpoint(self, path):
        if not os.path.isabs(path) and not os.path.exists(path):
            path = os.path.join(self.run_dir, path)
        state = _torch_load(path, self.device)
        prefix = "_orig_mod."  # a checkpoint saved from a compiled model by an older harness
        self.model.load_state_dict({k[len(prefix):] if k.startswith(prefix) else k: v
                                    for k, v in state["model"].items()})
        for k, obj in self.stateful.items():
            # optimizers: state (moments, step counts) from the checkpoint, hyperparameters from this
            # run's config, so a resumed run may change e.g. its LR
            hyper = [{k2: v for k2, v in g.items() if k2 != "params"} for g in getattr(obj, "param_groups", [])]
            obj.load_state_dict(state["stateful"][k])
            for g, h in zip(getattr(obj, "param_groups", []), hyper):
                g.update(h)
        self.step, self.tokens, self.flops, self.elapsed = state["step"], state["tokens"], state["flops"], state["elapsed"]
        self.initial_loss = state["initial_loss"]
        self.sampler.load_state_dict(state["sampler"])
        torch.set_rng_state(state["torch_rng"].cpu())
        cuda_rng = state.get("cuda_rng")
        if cuda_rng is not None and self.device.type == "cuda":
            if isinstance(cuda_rng, (list, tuple)):  # an older checkpoint held every device's state
                cuda_rng = cuda_rng[self.device.index or 0]
            torch.cuda.set_rng_state(cuda_rng.cpu(), self.device)
        self.resumed_step = self.step


def main(train):
    """Run train(run) and turn every way out into exactly one 'end' event: diverged (Stop), failed (any
    exception: the exception line as reason, exit code 1) or whatever train's run.finish() wrote."""
    run = None
    try:
        run = Run()
        train(run)
    except Stop as e:
        run._end(e.status, e.reason)
    except Exception as e:  # noqa: BLE001 - report, then fail loudly
        traceback.print_exc()
        line = traceback.format_exception_only(type(e), e)[-1].strip()
        if run is not None and hasattr(run, "peak_flops"):
            run._end("failed", line)
        else:
            flywheel_log.end(status="failed", reason=line)
        sys.exit(1)
