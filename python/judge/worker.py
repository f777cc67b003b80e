"""worker.py — the model worker of the trusted judge (python/judge/judge.py). UNTRUSTED by design.

It runs inside its own sandbox (src/sandbox/bwrap.ts, workerSandbox): the agent's code snapshot and a
private copy of the run's final weights, both read-only; no dataset, no writable folder, no network, a
cleared environment. It imports the agent's train.py, builds the model with `build_model(model_cfg,
vocab_size)`, loads the weights, and then answers token batches with logits. Everything in this process,
this file included, is at the mercy of the agent's code (which it imports), so the judge treats every
byte that comes back as an untrusted claim: it checks the framing and the sizes, computes the loss
itself, and probes causality across two fresh workers. Nothing here decides a number.

Protocol (little-endian), on stdin/stdout; stdout is taken over before any agent code is imported, so a
print() in the model goes to stderr instead of corrupting the stream:
    worker -> judge  b"FWRD"                                           ready
    judge -> worker  b"FWRQ" u32 B u32 T, then B*T int32 token ids     a batch
    worker -> judge  b"FWRS" u32 B u32 T u32 V, then B*T*V float32     its logits
    --shapes mode:   one JSON line {"name": [shape..., "dtype"]} of the built model's state dict, then exit
EOF is the end.
"""

import contextlib
import json
import os
import struct
import sys


def main():
    code_dir, weights, model_json, vocab = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    shapes_only = weights == "--shapes"
    out = os.fdopen(os.dup(1), "wb", buffering=0)
    os.dup2(2, 1)  # the model's prints go to stderr
    inp = os.fdopen(os.dup(0), "rb", buffering=0)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)

    import torch

    torch.set_num_threads(max(1, int(os.environ.get("OMP_NUM_THREADS", "1") or 1)))
    sys.path.insert(0, code_dir)
    import train  # the agent's trainer: build_model is its entry point

    model = train.build_model(json.loads(model_json), vocab)
    if shapes_only:
        desc = {k: list(v.shape) + [str(v.dtype).replace("torch.", "")] for k, v in model.state_dict().items()}
        out.write((json.dumps(desc) + "\n").encode())
        return
    try:
        state = torch.load(weights, map_location="cpu", weights_only=True)
    except TypeError:  # torch < 1.13
        state = torch.load(weights, map_location="cpu")
    prefix = "_orig_mod."
    model.load_state_dict({k[len(prefix):] if k.startswith(prefix) else k: v for k, v in state.items()})
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model.to(device).eval()
    # the same precision as the harness's own eval (trainers/gpt/harness.py Run.autocast), so a judged run
    # and an unsandboxed reference run compare on equal terms
    dt = os.environ.get("FLYWHEEL_JUDGE_DTYPE", "auto")
    if dt == "auto":
        dt = "bfloat16" if device.type == "cuda" and torch.cuda.is_bf16_supported() else "float32"
    dtype = {"float32": None, "bfloat16": torch.bfloat16, "float16": torch.float16}[dt]
    autocast = (lambda: torch.autocast(device_type=device.type, dtype=dtype)) if dtype else contextlib.nullcontext
    out.write(b"FWRD")

    def read_exact(n):
        buf = bytearray()
        while len(buf) < n:
            chunk = inp.read(n - len(buf))
            if not chunk:
                return None
            buf += chunk
        return bytes(buf)

    while True:
        head = read_exact(12)
        if head is None:
            return
        magic, B, T = head[:4], *struct.unpack("<II", head[4:])
        if magic != b"FWRQ":
            sys.exit("worker: bad request")
        ids = torch.frombuffer(bytearray(read_exact(B * T * 4)), dtype=torch.int32).view(B, T)
        with torch.no_grad(), autocast():
            res = model(ids.long().to(device))
        logits = res[0] if isinstance(res, (tuple, list)) else res
        logits = logits.float().cpu().contiguous()
        V = logits.size(-1)
        out.write(b"FWRS" + struct.pack("<III", B, T, V))
        out.write(logits.numpy().tobytes())


if __name__ == "__main__":
    main()
