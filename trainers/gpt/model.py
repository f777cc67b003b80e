"""A small, readable GPT (decoder-only transformer) in the spirit of nanoGPT.

Every knob of TrainConfig.model is here: depth, width, heads, seqLen, mlpRatio, norm (layernorm|rmsnorm),
position (learned|rope), activation (gelu|relu2), qkNorm, tiedEmbeddings, zeroInitProj, logitSoftcap,
dropout, bias. Names follow the math: B = batch, T = time (sequence), C = channels (width),
nh = heads, hs = head size, V = vocab.

Runs on torch 1.13 (manual causal attention) and torch 2.x (F.scaled_dot_product_attention, which
dispatches to flash / memory-efficient kernels on CUDA).
"""

import math
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

HAS_SDPA = hasattr(F, "scaled_dot_product_attention")  # torch >= 2.0


@dataclass
class GPTConfig:
    vocab_size: int
    depth: int = 4  # n_layer
    width: int = 128  # n_embd
    heads: int = 4  # n_head
    seq_len: int = 128  # block_size
    mlp_ratio: float = 4.0
    norm: str = "layernorm"  # layernorm | rmsnorm
    position: str = "learned"  # learned | rope
    activation: str = "gelu"  # gelu | relu2
    qk_norm: bool = False
    tied_embeddings: bool = True
    zero_init_proj: bool = False
    logit_softcap: float = 0.0
    dropout: float = 0.0
    bias: bool = False

    @staticmethod
    def from_train_config(model_cfg, vocab_size):
        """Build from the camelCase `model` section of config.json."""
        m = model_cfg
        return GPTConfig(
            vocab_size=vocab_size, depth=m["depth"], width=m["width"], heads=m["heads"], seq_len=m["seqLen"],
            mlp_ratio=m.get("mlpRatio", 4.0), norm=m.get("norm", "layernorm"), position=m.get("position", "learned"),
            activation=m.get("activation", "gelu"), qk_norm=m.get("qkNorm", False),
            tied_embeddings=m.get("tiedEmbeddings", True), zero_init_proj=m.get("zeroInitProj", False),
            logit_softcap=m.get("logitSoftcap", 0.0), dropout=m.get("dropout", 0.0), bias=m.get("bias", False),
        )


class LayerNorm(nn.Module):
    """LayerNorm with an optional bias (nn.LayerNorm has no bias=False before torch 2.1)."""

    def __init__(self, n, bias):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(n))
        self.bias = nn.Parameter(torch.zeros(n)) if bias else None

    def forward(self, x):
        return F.layer_norm(x, self.weight.shape, self.weight, self.bias, 1e-5)


class RMSNorm(nn.Module):
    """x / rms(x) * weight: LayerNorm without centering; cheaper, and as good in practice for LMs."""

    def __init__(self, n, eps=1e-6):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(n))

    def forward(self, x):
        # compute in fp32 so bf16 activations don't lose the small mean-square
        xf = x.float()
        xf = xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + self.eps)
        return xf.type_as(x) * self.weight


def make_norm(cfg):
    return RMSNorm(cfg.width) if cfg.norm == "rmsnorm" else LayerNorm(cfg.width, cfg.bias)


def rms_normalize(x, eps=1e-6):
    """Parameter-free RMS normalisation over the last dim (used for QK-norm)."""
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps)


def rope_tables(seq_len, head_size, base=10000.0):
    """cos/sin tables for rotary embeddings, each (T, hs/2)."""
    inv_freq = 1.0 / (base ** (torch.arange(0, head_size, 2, dtype=torch.float32) / head_size))
    t = torch.arange(seq_len, dtype=torch.float32)
    freqs = torch.outer(t, inv_freq)  # (T, hs/2)
    return freqs.cos(), freqs.sin()


def apply_rope(x, cos, sin):
    """Rotate pairs (x1[i], x2[i]) of the two halves of each head by a position-dependent angle.
    x: (B, nh, T, hs); cos, sin: (T, hs/2). Relative position then shows up in q.k directly."""
    T = x.size(-2)
    cos, sin = cos[:T].to(x.dtype), sin[:T].to(x.dtype)
    x1, x2 = x.chunk(2, dim=-1)  # (B, nh, T, hs/2) each
    return torch.cat([x1 * cos - x2 * sin, x1 * sin + x2 * cos], dim=-1)


class CausalSelfAttention(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        assert cfg.width % cfg.heads == 0
        self.nh, self.hs = cfg.heads, cfg.width // cfg.heads
        self.c_attn = nn.Linear(cfg.width, 3 * cfg.width, bias=cfg.bias)  # q, k, v in one matmul
        self.c_proj = nn.Linear(cfg.width, cfg.width, bias=cfg.bias)
        self.c_proj.is_residual_proj = True  # init hint, see GPT._init_weights
        self.qk_norm = cfg.qk_norm
        self.dropout = cfg.dropout
        self.resid_drop = nn.Dropout(cfg.dropout)
        self.rope = cfg.position == "rope"
        if self.rope and self.hs % 2:
            raise ValueError(f"position=rope rotates pairs of channels: head size width/heads = "
                             f"{cfg.width}/{cfg.heads} = {self.hs} must be even")
        if self.rope:
            cos, sin = rope_tables(cfg.seq_len, self.hs)
            self.register_buffer("rope_cos", cos, persistent=False)
            self.register_buffer("rope_sin", sin, persistent=False)
        if not HAS_SDPA:
            mask = torch.tril(torch.ones(cfg.seq_len, cfg.seq_len, dtype=torch.bool))
            self.register_buffer("causal_mask", mask.view(1, 1, cfg.seq_len, cfg.seq_len), persistent=False)

    def forward(self, x):
        B, T, C = x.size()
        q, k, v = self.c_attn(x).split(C, dim=2)  # (B, T, C) each
        q = q.view(B, T, self.nh, self.hs).transpose(1, 2)  # (B, nh, T, hs)
        k = k.view(B, T, self.nh, self.hs).transpose(1, 2)  # (B, nh, T, hs)
        v = v.view(B, T, self.nh, self.hs).transpose(1, 2)  # (B, nh, T, hs)
        if self.qk_norm:
            # bounds the attention logits, so a high LR can't blow up the softmax
            q, k = rms_normalize(q), rms_normalize(k)
        if self.rope:
            q, k = apply_rope(q, self.rope_cos, self.rope_sin), apply_rope(k, self.rope_cos, self.rope_sin)
        drop = self.dropout if self.training else 0.0
        if HAS_SDPA:
            y = F.scaled_dot_product_attention(q, k, v, attn_mask=None, dropout_p=drop, is_causal=True)
        else:
            att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(self.hs))  # (B, nh, T, T)
            att = att.masked_fill(~self.causal_mask[:, :, :T, :T], float("-inf"))  # no peeking ahead
            att = F.softmax(att, dim=-1)
            if drop > 0:
                att = F.dropout(att, p=drop)
            y = att @ v  # (B, nh, T, hs)
        y = y.transpose(1, 2).contiguous().view(B, T, C)  # re-assemble heads side by side
        return self.resid_drop(self.c_proj(y))


class MLP(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        hidden = int(math.floor(cfg.mlp_ratio * cfg.width + 0.5))  # rounds like JS Math.round (src/runs/flops.ts)
        self.c_fc = nn.Linear(cfg.width, hidden, bias=cfg.bias)
        self.c_proj = nn.Linear(hidden, cfg.width, bias=cfg.bias)
        self.c_proj.is_residual_proj = True
        self.relu2 = cfg.activation == "relu2"
        self.drop = nn.Dropout(cfg.dropout)

    def forward(self, x):
        x = self.c_fc(x)  # (B, T, hidden)
        # ReLU^2 (Primer; modded-nanogpt) is sparse and slightly better than GELU at small scale
        x = F.relu(x).square() if self.relu2 else F.gelu(x)
        return self.drop(self.c_proj(x))  # (B, T, C)


class Block(nn.Module):
    """Pre-norm residual block: x + attn(norm(x)), then x + mlp(norm(x))."""

    def __init__(self, cfg):
        super().__init__()
        self.ln_1 = make_norm(cfg)
        self.attn = CausalSelfAttention(cfg)
        self.ln_2 = make_norm(cfg)
        self.mlp = MLP(cfg)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        x = x + self.mlp(self.ln_2(x))
        return x


class GPT(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.wte = nn.Embedding(cfg.vocab_size, cfg.width)  # token embeddings (V, C)
        self.wpe = nn.Embedding(cfg.seq_len, cfg.width) if cfg.position == "learned" else None  # (T, C)
        self.drop = nn.Dropout(cfg.dropout)
        self.blocks = nn.ModuleList([Block(cfg) for _ in range(cfg.depth)])
        self.ln_f = make_norm(cfg)
        self.lm_head = nn.Linear(cfg.width, cfg.vocab_size, bias=False)  # (C -> V)
        if cfg.tied_embeddings:
            # one matrix reads tokens in and writes them out: saves V*C params, helps small models
            self.lm_head.weight = self.wte.weight
        self.apply(self._init_weights)

    def _init_weights(self, module):
        cfg = self.cfg
        if isinstance(module, nn.Linear):
            std = 0.02
            if getattr(module, "is_residual_proj", False):
                # GPT-2: each of the 2*depth residual branches adds variance; scale them down so the
                # residual stream keeps unit-ish scale at init. zeroInitProj makes each block start as identity.
                std = 0.0 if cfg.zero_init_proj else 0.02 / math.sqrt(2 * cfg.depth)
            if module is self.lm_head and not cfg.tied_embeddings and cfg.zero_init_proj:
                std = 0.0  # untied head starts at zero: the first logits are uniform
            if std == 0.0:
                nn.init.zeros_(module.weight)
            else:
                nn.init.normal_(module.weight, mean=0.0, std=std)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)

    def num_params(self, non_embedding=False):
        """All parameters (a tied matrix counts once). non_embedding: without the token and position
        embedding tables (an untied lm_head is counted: it is a real matmul)."""
        n = sum(p.numel() for p in self.parameters())
        if non_embedding:
            n -= self.wte.weight.numel()
            if self.wpe is not None:
                n -= self.wpe.weight.numel()
        return n

    def forward(self, idx, targets=None, reduction="mean"):
        """idx: (B, T) token ids. With targets (B, T): returns (logits, loss); loss is the mean over
        all targets, or per-token (B, T) with reduction='none' (the harness's bpb eval needs that)."""
        B, T = idx.size()
        assert T <= self.cfg.seq_len, f"sequence of {T} tokens > seqLen {self.cfg.seq_len}"
        x = self.wte(idx)  # (B, T, C)
        if self.wpe is not None:
            x = x + self.wpe(torch.arange(T, device=idx.device))  # (T, C) broadcast over B
        x = self.drop(x)
        for block in self.blocks:
            x = block(x)
        x = self.ln_f(x)
        logits = self.lm_head(x)  # (B, T, V)
        if self.cfg.logit_softcap > 0:
            # smoothly bound |logits| < cap (Gemma 2): keeps early training from over-confident spikes
            cap = self.cfg.logit_softcap
            logits = cap * torch.tanh(logits.float() / cap)  # in fp32: bf16 tanh saturates coarsely near the cap
        if targets is None:
            return logits, None
        # the loss in fp32: bf16 logits lose too much precision in log-softmax over a large vocab
        loss = F.cross_entropy(logits.float().view(-1, logits.size(-1)), targets.reshape(-1), reduction=reduction)
        if reduction == "none":
            loss = loss.view(B, T)
        return logits, loss
