#!/usr/bin/env node
// Entry point for the `flywheel` bin. The CLI is TypeScript run through tsx's loader, so
// a fresh `npm ci` needs no compile step and the code a user runs is the code in src/.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
await main(process.argv);
