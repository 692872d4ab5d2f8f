import js from '@eslint/js';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import ts from 'typescript-eslint';
import svelteConfig from './svelte.config.js';

export default ts.config(
  js.configs.recommended,
  ...ts.configs.recommended,
  ...svelte.configs.recommended,
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: {
      parserOptions: { projectService: true, extraFileExtensions: ['.svelte'], parser: ts.parser, svelteConfig },
    },
  },
  {
    rules: {
      // The fake sockets and test doubles need `any`; app code avoids it.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Links are plain absolute paths (no base path is configured).
      'svelte/no-navigation-without-resolve': 'off',
      // It flags local, never-reactive Dates/Sets (formatters, private bookkeeping); reactive
      // collections are chosen on purpose (SvelteSet for unread ids).
      'svelte/prefer-svelte-reactivity': 'off',
    },
  },
  { ignores: ['build/', '.svelte-kit/', 'e2e/output/'] },
);
