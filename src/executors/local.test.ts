import { runExecutorSuite } from './executor-suite.ts';
import { LocalExecutor } from './local.ts';

runExecutorSuite('local', async (parallel) => new LocalExecutor({ parallel, cores: 2, gpus: [] }));
