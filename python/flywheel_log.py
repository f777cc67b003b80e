"""flywheel_log: report a training run to Flywheel from any Python trainer (stdlib only).

Each call appends one JSON object as a line to ``$FLYWHEEL_RUN_DIR/events.jsonl`` and prints the same
line on stdout prefixed ``@flywheel `` (ARCHITECTURE.md "The run protocol"; the schema is src/runs/events.ts).
When FLYWHEEL_RUN_DIR is unset the line is only printed, so a patched trainer still runs on its own.

    import flywheel_log
    flywheel_log.start(params=n, flopsPerToken=f, device="cuda")   # optional: sent for you on first use
    flywheel_log.log(step=it, loss=loss, lr=lr, tokens=it * tokens_per_step)
    flywheel_log.eval(step=it, val_loss=vl, val_bpb=vb, by_domain={"news": 1.2})
    flywheel_log.end(status="completed", val_bpb=vb)               # optional: sent for you at exit

Field names may be camelCase (as in the schema) or snake_case (``val_loss`` -> ``valLoss``). Fields the
schema requires but the caller doesn't know are filled in: ``elapsed`` = seconds since this module was
imported, ``tokens`` = 0, ``flops`` = tokens * flopsPerToken from ``start`` (else 0), ``lr`` = 0.
NaN and +-inf become null (JSON has neither); numpy/torch scalars are converted with ``.item()``.

If a process used this module and exits without calling ``end``, an ``end`` event is written for it:
``completed`` on a normal exit, ``failed`` with the exception line on an uncaught exception.

Importable from any trainer Flywheel launches (the reference trainer, a trainer spec with
``"metrics": {"source": "flywheel_log"}``, any ``trainer.command``): the launcher puts this folder on
PYTHONPATH. Outside Flywheel, set it yourself: ``PYTHONPATH=/path/to/flywheel/python``. Two lines:

    import flywheel_log
    flywheel_log.log(step=step, loss=loss, tokens=step * tokens_per_step)

Two-line patch for an unmodified nanoGPT ``train.py``:

    import flywheel_log                                    # 1: after the other imports
    flywheel_log.log(step=iter_num, loss=lossf, lr=lr, tokens=iter_num * tokens_per_iter)  # 2: after print(f"iter ...")

(optionally a third line after ``print(f"step {iter_num}: train loss ...")``:
``flywheel_log.eval(step=iter_num, tokens=iter_num * tokens_per_iter, val_loss=losses['val'])``)

Thread-safe: one lock serialises writes; each line is written by a single ``os.write`` on an O_APPEND
descriptor, so lines from several threads (or processes sharing the run dir) never interleave.
"""

import atexit
import json
import math
import os
import re
import sys
import threading
import time

__all__ = ["event", "start", "log", "eval", "checkpoint", "end", "sanitize", "events_path"]

_T0 = time.time()
_lock = threading.Lock()
_fd = None  # O_APPEND descriptor of events.jsonl, opened on first write
_state = {"started": False, "ended": False, "flopsPerToken": 0.0, "last": {}}
_REQUIRED = {
    "start": ("params", "flopsPerToken", "device"),
    "train": ("step", "tokens", "flops", "elapsed", "loss", "lr"),
    "eval": ("step", "tokens", "flops", "valLoss", "valBpb"),
    "checkpoint": ("step", "tokens", "path"),
    "end": ("status",),
}


def events_path():
    """Path of events.jsonl, or None when FLYWHEEL_RUN_DIR is unset (print-only mode)."""
    run_dir = os.environ.get("FLYWHEEL_RUN_DIR")
    return os.path.join(run_dir, "events.jsonl") if run_dir else None


def _camel(name):
    return re.sub(r"_([a-z])", lambda m: m.group(1).upper(), name)


def sanitize(value):
    """Make a value JSON-safe: NaN/inf -> None, numpy/torch scalars -> Python, tuples -> lists."""
    if hasattr(value, "item") and callable(value.item) and not isinstance(value, (dict, list, tuple, str)):
        try:
            value = value.item()
        except (ValueError, RuntimeError):  # a multi-element array: keep it as a list
            value = value.tolist()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): sanitize(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [sanitize(v) for v in value]
    return value


def _write(line):
    global _fd
    path = events_path()
    with _lock:
        if path is not None:
            if _fd is None:
                _fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            os.write(_fd, (line + "\n").encode("utf-8"))  # one write per line: atomic w.r.t. other appenders
        try:
            sys.stdout.write("@flywheel " + line + "\n")
            sys.stdout.flush()
        except (BrokenPipeError, OSError, ValueError):
            # the reader of our stdout is gone (e.g. the orchestrator was killed): the file still gets
            # every event, and a broken mirror must not turn into a failed run
            sys.stdout = open(os.devnull, "w")


def event(kind, **fields):
    """Write one event of any kind. Returns the dict that was written."""
    ev = {"kind": kind}
    for k, v in fields.items():
        if v is not None:
            ev[_camel(k)] = v
    if kind != "start" and not _state["started"]:
        start()  # the protocol wants a start event first
    if kind == "start":
        _state["started"] = True
        _state["flopsPerToken"] = float(ev.get("flopsPerToken") or 0.0)
        ev.setdefault("params", 0)
        ev.setdefault("flopsPerToken", 0)
        ev.setdefault("device", "unknown")
        ev.setdefault("python", sys.version.split()[0])
    elif kind in ("train", "eval", "checkpoint"):
        ev.setdefault("elapsed", time.time() - _T0)
        ev.setdefault("tokens", 0)
        ev.setdefault("flops", float(sanitize(ev["tokens"]) or 0) * _state["flopsPerToken"])
        if kind == "train":
            ev.setdefault("lr", 0)
        if kind == "eval":
            ev.setdefault("valBpb", None)
            ev.setdefault("valLoss", None)
    elif kind == "end":
        _state["ended"] = True
        ev.setdefault("reason", "")
    ev = sanitize(ev)
    for k in _REQUIRED.get(kind, ()):
        if k not in ev:
            raise ValueError("flywheel_log: %s event needs field %r" % (kind, k))
    _state["last"][kind] = ev
    _write(json.dumps(ev, separators=(",", ":"), allow_nan=False))
    return ev


def start(**fields):
    """Run metadata: params, flopsPerToken (training FLOPs per token), device, torch, peakFlops, ..."""
    return event("start", **fields)


def log(step, loss, **fields):
    """One training step (kind 'train'): loss, lr, tokens, flops, gradNorm, tokPerSec, mfu, ..."""
    return event("train", step=step, loss=loss, **fields)


def eval(step, **fields):  # noqa: A001 - the protocol's name for the event
    """One evaluation (kind 'eval'): valLoss, valBpb, byDomain {domain: bpb}, final."""
    return event("eval", step=step, **fields)


def checkpoint(step, tokens, path, phase="periodic", **fields):
    """A checkpoint was written: path (relative to the run dir or absolute), phase stable|periodic|final."""
    return event("checkpoint", step=step, tokens=tokens, path=path, phase=phase, **fields)


def end(status="completed", reason="", **fields):
    """The last event: status completed|diverged|stopped|failed, reason, final metrics."""
    return event("end", status=status, reason=reason, **fields)


# --- an end event for trainers that never call end() ----------------------------------------------

_prev_excepthook = sys.excepthook


def _excepthook(etype, value, tb):
    if _state["started"] and not _state["ended"] and not issubclass(etype, KeyboardInterrupt):
        line = "".join(__import__("traceback").format_exception_only(etype, value)).strip().splitlines()[-1]
        try:
            end(status="failed", reason=line)
        except Exception:  # never hide the original exception
            pass
    _prev_excepthook(etype, value, tb)


def _atexit():
    if _state["started"] and not _state["ended"]:
        last = _state["last"].get("eval", {})
        train = _state["last"].get("train", {})
        try:
            end(status="completed", reason="process exited", valLoss=last.get("valLoss"), valBpb=last.get("valBpb"),
                step=train.get("step"), tokens=train.get("tokens"))
        except Exception:
            pass


sys.excepthook = _excepthook
atexit.register(_atexit)
