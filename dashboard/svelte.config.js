import adapter from '@sveltejs/adapter-static';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
const config = {
  preprocess: vitePreprocess(),
  compilerOptions: { runes: true },
  kit: {
    // A single-page app: the Motor serves build/ at `/` and answers index.html for unknown paths.
    adapter: adapter({ fallback: 'index.html', strict: false }),
    // Absolute asset URLs, so the fallback page works at any depth (/conversations/<id>).
    paths: { relative: false },
    alias: {
      // The contract package straight from source: no build step in dev and tests.
      '@atende/shared': '../shared/src/index.ts',
    },
  },
};

export default config;
