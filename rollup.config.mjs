// Every build of the tracker package from one config (the server has its own, server/rollup.config.mjs):
//   npm (ESM + CJS, collectors tree-shakeable, the fingerprint in its own dynamically imported chunk),
//   the script tag (minified IIFE without FingerprintJS, plus an unminified debug twin),
//   the fingerprint IIFE the script tag loads at run time (rollup cannot code-split an IIFE),
//   and the type declarations (.d.ts for import, .d.cts for require).
import { fileURLToPath } from 'node:url';
import nodeResolve from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import { declarations, tsPlugin } from './scripts/rollup-parts.mjs';

/** A build-time switch: the module at `path` (under src/tracker/) loaded as `code` instead. */
const buildSwitch = (name, path, code) => ({
  name,
  load: (id) => (id.replace(/\\/g, '/').endsWith(`/src/tracker/${path}`) ? code : null),
});
/** DEBUG = false (src/tracker/debug.ts), so the minifier drops every warning. */
const production = () => buildSwitch('opsmantik-production', 'debug.ts', 'export const DEBUG = false;');
/** SCRIPT_TAG = true (src/tracker/scriptTag.ts): the script-tag builds drop npm-only code. */
const scriptTag = () => buildSwitch('opsmantik-script-tag', 'scriptTag.ts', 'export const SCRIPT_TAG = true;');

/**
 * Shrinks the browser code: private `_` fields mangled, ES2020 syntax kept, arrow functions kept
 * as arrows (`unsafe_methods` would turn an object's arrows into methods, with `return`: longer). `compress`: extra options,
 * for the script tag `booleans_as_integers` (true/false become 1/0): safe there because every
 * boolean it passes to a browser API (fetch `keepalive`, listener `capture` and `passive`) is
 * converted by WebIDL, and it compares booleans loosely (`0 == false`); audited on its output only.
 */
const minify = (module = false, compress = {}) =>
  terser({
    ecma: 2020,
    module,
    compress: { passes: 4, unsafe_arrows: true, pure_getters: true, unsafe: true, unsafe_methods: false, ...compress },
    mangle: { properties: { regex: /^_/ } },
    format: { comments: false },
  });

/** Resolves the package's own name to its sources (the npm demo imports 'opsmantik'). */
const self = () => ({
  name: 'opsmantik-self',
  resolveId: (id) => (id === 'opsmantik' ? fileURLToPath(new URL('./src/index.ts', import.meta.url)) : null),
});

export default [
  // npm: import { createTracker, ... } from 'opsmantik'
  {
    input: { index: 'src/index.ts' },
    external: (id) => id.startsWith('@fingerprintjs/'),
    treeshake: { moduleSideEffects: false },
    plugins: [production(), nodeResolve(), tsPlugin('ES2020'), minify(true), declarations(['src/index.ts'])],
    output: [
      { dir: 'dist', format: 'es', entryFileNames: '[name].js', chunkFileNames: '[name].js' },
      { dir: 'dist', format: 'cjs', entryFileNames: '[name].cjs', chunkFileNames: '[name].cjs', exports: 'named' },
    ],
  },
  // npm, with the debug warnings (`import ... from 'opsmantik/debug'`, `debug: true`): readable, same API.
  {
    input: { debug: 'src/index.ts' },
    external: (id) => id.startsWith('@fingerprintjs/'),
    treeshake: { moduleSideEffects: false },
    plugins: [nodeResolve(), tsPlugin('ES2020')],
    output: [
      { dir: 'dist', format: 'es', entryFileNames: '[name].js', chunkFileNames: 'debug-[name].js' },
      { dir: 'dist', format: 'cjs', entryFileNames: '[name].cjs', chunkFileNames: 'debug-[name].cjs', exports: 'named' },
    ],
  },
  // The npm demo (examples/npm-spa), as an app's bundler would build it: FingerprintJS in its own chunk.
  {
    input: { 'npm-spa': 'examples/npm-spa/main.js' },
    plugins: [self(), production(), nodeResolve(), tsPlugin('ES2020'), minify(true)],
    output: { dir: 'dist/demo', format: 'es', entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js' },
  },
  // The fingerprint module the script tag imports after consent (FingerprintJS bundled in).
  {
    input: 'src/fingerprint-chunk.ts',
    plugins: [nodeResolve(), tsPlugin('ES2020'), minify(true)],
    output: { file: 'dist/opsmantik-fp.mjs', format: 'es', sourcemap: 'hidden' },
  },
  // Script tag: every collector, no FingerprintJS.
  {
    input: 'src/script.ts',
    treeshake: { moduleSideEffects: (id) => id.endsWith('src/script.ts') },
    plugins: [production(), scriptTag(), nodeResolve(), tsPlugin('ES2020'), minify(false, { booleans_as_integers: true })],
    // The map (no comment pointing to it in the file, so no byte more) lets bench/ name our hot lines.
    output: { file: 'dist/opsmantik.min.js', format: 'iife', strict: false, sourcemap: 'hidden' },
  },
  // The same, readable and with warnings (data-debug), for debugging an installation.
  {
    input: 'src/script.ts',
    treeshake: { moduleSideEffects: (id) => id.endsWith('src/script.ts') },
    plugins: [scriptTag(), nodeResolve(), tsPlugin('ES2020')],
    output: { file: 'dist/opsmantik.debug.js', format: 'iife' },
  },
];
