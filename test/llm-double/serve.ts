/**
 * The LLM test double as a standalone server, driven by its autopilot, for trying the LLM researchers
 * end to end without an API key:
 *   npx tsx test/llm-double/serve.ts --port 8787 &
 *   ANTHROPIC_BASE_URL=http://127.0.0.1:8787 ANTHROPIC_API_KEY=test npx flywheel research --researcher claude --budget 3m --json
 *   OPENAI_BASE_URL=http://127.0.0.1:8787/v1 npx flywheel research --researcher openai --budget 3m --json
 */
import { startLlmDouble } from './server.ts';

const i = process.argv.indexOf('--port');
const port = i > 0 ? Number(process.argv[i + 1]) : 8787;
const double = await startLlmDouble({ port });
process.stderr.write(
  `LLM test double on ${double.url} (ANTHROPIC_BASE_URL=${double.url}, OPENAI_BASE_URL=${double.url}/v1)\n`,
);
const stop = () => void double.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
