// eslint.config.mjs - how the HTML report's scripts are linted: each page's script as the page
// runs it (assembled at build time from src/report/assets/), in a browser, as a classic
// script (no modules), with eslint's recommended rules and a few that catch what a page
// script gets wrong most: undeclared names, unused ones, == where === is meant.
import js from '@eslint/js';
import globals from 'globals';

export default [
  js.configs.recommended,
  {
    files: ['**/*.js'],
    languageOptions: {
      ecmaVersion: 2020,
      sourceType: 'script',
      globals: globals.browser,
    },
    rules: {
      'no-undef': 'error',
      // base.js's DOM helpers serve every page: a page need not use them all
      'no-unused-vars': ['error', {args: 'none', varsIgnorePattern: '^(el|link|add|pct)$'}],
      eqeqeq: ['error', 'always', {null: 'ignore'}],
      'no-implicit-globals': 'error',
    },
  },
];
