// The web catalog's build: a static bundle in web/dist, committed, so `npm ci` users need no
// build step and `mesh serve` serves it as files. `npm run build:web` rebuilds it.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Stable names: a rebuild of the same source gives the same files (no churn in git).
    rollupOptions: { output: { entryFileNames: 'assets/app.js', assetFileNames: 'assets/[name][extname]' } },
  },
  oxc: { jsx: { runtime: 'automatic' } },
});
