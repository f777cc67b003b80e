/**
 * `flywheel serve`: the dashboard and its JSON API over the store, on 127.0.0.1:8765 by default.
 * Binding beyond loopback requires a token (`--token`, or one is generated and printed to stderr).
 */
import type { Command } from 'commander';
import { startServer } from '../server/listen.ts';
import { openCliStore, parseIntOption } from './common.ts';

interface ServeOptions {
  port: number;
  host: string;
  token?: string;
  webDir?: string;
}

export function register(program: Command): void {
  program
    .command('serve')
    .description('serve the dashboard and its API (default http://127.0.0.1:8765)')
    .option('--port <n>', 'port (0 = any free port)', parseIntOption('--port'), 8765)
    .option('--host <addr>', 'address to bind; beyond loopback a token is required', '127.0.0.1')
    .option(
      '--token <t>',
      'require this token (Authorization: Bearer, or ?token= on first load)',
      process.env.FLYWHEEL_TOKEN,
    )
    .option('--web-dir <dir>', 'built dashboard to serve (default web/dist)')
    .action(async (o: ServeOptions) => {
      const store = await openCliStore();
      let srv;
      try {
        srv = await startServer({ store, host: o.host, port: o.port, token: o.token, webDir: o.webDir });
      } catch (e) {
        await store.close();
        throw e;
      }
      const open = srv.token ? `${srv.url}/?token=${encodeURIComponent(srv.token)}` : srv.url;
      if (srv.generatedToken)
        process.stderr.write(`flywheel serve: ${o.host} is not loopback; generated token: ${srv.token}\n`);
      process.stderr.write(`flywheel serve: dashboard at ${open} (store: ${store.kind}); Ctrl-C to stop\n`);
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await srv.close();
      await store.close();
    });
}
