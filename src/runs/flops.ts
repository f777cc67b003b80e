/**
 * FLOP accounting for the reference GPT, mirrored from trainers/gpt/harness.py so the orchestrator can
 * plan budgets before a run starts. Convention (PaLM appendix B, also nanoGPT's MFU estimate):
 *   training FLOPs/token = 6 * N_matmul + 12 * L * C * T
 * where N_matmul counts every weight that takes part in a matmul (attention qkv/proj, MLP, lm_head;
 * not the embedding lookups), 6 = 2 (multiply-add) x 3 (forward + backward), and the second term is the
 * attention scores and weighted sum over a full T x T window (causal masking is not discounted).
 * The trainer's own `start` event is authoritative; this estimate must agree with it for the reference model.
 */
import { vocabOf, type ModelConfig, type TrainConfig } from '../config/train-config.ts';
import { specSizes } from './spec-command.ts';

export function matmulParams(m: ModelConfig, vocabSize: number): number {
  const C = m.width;
  const hidden = Math.round(m.mlpRatio * C);
  const attn = 4 * C * C; // q, k, v, out
  const mlp = 2 * C * hidden;
  return m.depth * (attn + mlp) + C * vocabSize; // + lm_head
}

export function flopsPerToken(m: ModelConfig, vocabSize: number): number {
  return 6 * matmulParams(m, vocabSize) + 12 * m.depth * m.width * m.seqLen;
}

/** FLOPs per token of a run's config: a spec trainer's own formula (spec-command.ts), else the reference GPT's with its dataset's vocabulary (or the default). */
export function configFlopsPerToken(config: TrainConfig): number {
  const fromSpec = config.trainer.spec ? specSizes(config).flopsPerToken : undefined;
  return fromSpec ?? flopsPerToken(config.model, vocabOf(config));
}
