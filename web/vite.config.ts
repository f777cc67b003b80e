// The dashboard build: `node scripts/build-web.js` runs `vite build --config web/vite.config.ts`.
// Root is web/; output web/dist (served by `flywheel serve`). Offline: no plugins that download.
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/', // absolute asset URLs: index.html is also served for deep paths (SPA fallback)
  plugins: [react()],
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('./dist', import.meta.url)),
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 1000,
  },
});
