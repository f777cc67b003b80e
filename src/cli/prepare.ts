/**
 * `flywheel prepare [--source DIR] [--vocab N] [--force] [--json]`: build (or find) a prepared dataset.
 * With --json, stdout gets exactly one JSON object; progress always goes to stderr.
 */
import type { Command } from 'commander';
import { FlywheelError } from '../errors.ts';
import { DEFAULT_VOCAB, prepareDataset } from '../data/prepare.ts';

interface PrepareFlags {
  source?: string;
  vocab?: string;
  force?: boolean;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('prepare')
    .description('build the tokenized dataset (embedded default corpus, or --source DIR)')
    .option('--source <dir>', 'folder of UTF-8 text files, one domain per subfolder')
    .option('--vocab <n>', `BPE vocabulary size incl. bytes and EOT (default ${DEFAULT_VOCAB})`)
    .option('--force', 'rebuild even if the dataset is cached')
    .option('--json', 'print one JSON object on stdout')
    .action(async (flags: PrepareFlags) => {
      const t0 = performance.now();
      const vocabSize = flags.vocab === undefined ? undefined : parseVocab(flags.vocab);
      const res = await prepareDataset({
        source: flags.source,
        vocabSize,
        force: flags.force,
        onProgress: (msg) => process.stderr.write(`prepare: ${msg}\n`),
      });
      const { meta } = res;
      const seconds = Math.round((performance.now() - t0) / 10) / 100;
      if (flags.json) {
        const out = {
          dataDir: res.dir,
          hash: meta.hash,
          source: meta.source,
          vocabSize: meta.vocabSize,
          eotToken: meta.eotToken,
          cached: res.cached,
          seconds,
          unigramBpb: meta.unigramBpb,
          bytesPerToken: meta.bytesPerToken,
          skippedFiles: meta.skippedFiles,
          domains: meta.domains.map(({ sources: _sources, ...d }) => d),
        };
        process.stdout.write(`${JSON.stringify(out)}\n`);
        return;
      }
      const w = Math.max(...meta.domains.map((d) => d.name.length));
      const lines = meta.domains.map(
        (d) =>
          `  ${d.name.padEnd(w)}  train ${String(d.trainTokens).padStart(9)} tok  val ${String(d.valTokens).padStart(8)} tok` +
          `  unigram ${d.unigramBpb.toFixed(3)} bpb`,
      );
      process.stdout.write(
        `${res.cached ? 'cached' : 'prepared'} ${res.dir} in ${seconds} s  (vocab ${meta.vocabSize}, ` +
          `${meta.bytesPerToken} bytes/token, unigram ${meta.unigramBpb} bpb)\n${lines.join('\n')}\n`,
      );
    });
}

function parseVocab(raw: string): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(n)) {
    throw new FlywheelError('bad_input', `--vocab must be a whole number, got "${raw}"`);
  }
  return n;
}
