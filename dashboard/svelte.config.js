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
    // The dashboard's CSP (docs/security.md): SvelteKit puts it in a <meta> of the built page with
    // the sha256 of its inline bootstrap script, so no 'unsafe-inline' for scripts. Whoever serves
    // the page adds what a <meta> cannot say (frame-ancestors) and where the Motor is
    // (connect-src): the Motor from the page itself (static-dashboard.ts), Netlify in netlify.toml.
    csp: {
      mode: 'hash',
      directives: {
        'script-src': ['self'],
        // Svelte sets style attributes and transitions at run time.
        'style-src': ['self', 'unsafe-inline'],
        'img-src': ['self', 'data:', 'blob:', 'https:', 'http:'],
        'object-src': ['none'],
        'base-uri': ['self'],
        'form-action': ['self'],
      },
    },
    alias: {
      // The contract package straight from source: no build step in dev and tests.
      '@atende/shared': '../shared/src/index.ts',
    },
  },
};

export default config;
