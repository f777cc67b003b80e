/**
 * Binding a config to a prepared dataset: the default corpus at the config's vocab (prepared on first
 * use, cached after), or the folder already in `data.dir`. Mixture keys must name real domains.
 */
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { TrainConfig } from '../config/train-config.ts';
import { META_FILE, type DatasetMeta } from '../data/format.ts';
import { loadDatasetMeta, prepareDataset } from '../data/prepare.ts';
import { FlywheelError } from '../errors.ts';

export async function bindDataset(
  config: TrainConfig,
  onProgress?: (msg: string) => void,
): Promise<{ config: TrainConfig; meta: DatasetMeta }> {
  let dir = config.data.dir;
  let meta: DatasetMeta;
  if (dir && existsSync(join(dir, META_FILE))) {
    meta = loadDatasetMeta(dir);
  } else {
    if (dir) onProgress?.(`dataset ${dir} not found here; preparing the default corpus`);
    const r = await prepareDataset({ vocabSize: config.data.vocabSize, onProgress });
    // dataset folders are named by content hash: only the default corpus's own hash may stand in for it
    if (dir && basename(dir) !== basename(r.dir)) {
      throw new FlywheelError(
        'not_found',
        `dataset ${dir} is not on this machine and is not the default corpus (${basename(r.dir)}); copy it here or prepare it with flywheel prepare --source`,
      );
    }
    dir = r.dir;
    meta = r.meta;
  }
  const names = new Set(meta.domains.map((d) => d.name));
  for (const [k, w] of Object.entries(config.data.mixture)) {
    if (!names.has(k)) {
      throw new FlywheelError(
        'bad_config',
        `data.mixture.${k}=${w}: unknown domain (this dataset has ${[...names].join(', ')})`,
      );
    }
  }
  if (Object.keys(config.data.mixture).length && Object.values(config.data.mixture).every((w) => w === 0)) {
    throw new FlywheelError('bad_config', 'data.mixture: every weight is 0');
  }
  return { config: { ...config, data: { ...config.data, dir, vocabSize: meta.vocabSize } }, meta };
}
