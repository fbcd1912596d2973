// Every build of the package from one config:
//   npm (ESM + CJS, collectors tree-shakeable, the fingerprint in its own dynamically imported chunk),
//   the script tag (minified IIFE without FingerprintJS, plus an unminified debug twin),
//   the fingerprint IIFE the script tag loads at run time (rollup cannot code-split an IIFE),
//   the server (ESM + CJS library, ESM CLI, Node 20, dependencies external),
//   and the type declarations (.d.ts for import, .d.cts for require).
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import nodeResolve from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import typescript from '@rollup/plugin-typescript';
import ts from 'typescript';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));
const deps = Object.keys(pkg.dependencies || {});
const isDep = (id) => deps.some((d) => id === d || id.startsWith(d + '/'));

const tsPlugin = (target) =>
  typescript({
    tsconfig: false,
    include: ['src/**/*.ts'],
    compilerOptions: {
      target,
      module: 'ESNext',
      moduleResolution: 'Bundler',
      lib: ['ES2022', 'DOM', 'DOM.Iterable'],
      types: ['node'],
      strict: true,
      skipLibCheck: true,
      isolatedModules: true,
      verbatimModuleSyntax: true,
      resolveJsonModule: true,
      declaration: false,
      sourceMap: false,
    },
  });

/** Replaces src/tracker/debug.ts with DEBUG = false, so the minifier drops every warning. */
const production = () => ({
  name: 'opsmantik-production',
  load: (id) => (id.replace(/\\/g, '/').endsWith('/src/tracker/debug.ts') ? 'export const DEBUG = false;' : null),
});

/**
 * Shrinks the browser code: private `_` fields mangled, ES2020 syntax kept. `compress`: extra options,
 * for the script tag `booleans_as_integers` (true/false become 1/0): safe there because every
 * boolean it passes to a browser API (fetch `keepalive`, listener `capture` and `passive`) is
 * converted by WebIDL, and it compares booleans loosely (`0 == false`); audited on its output only.
 */
const minify = (module = false, compress = {}) =>
  terser({
    ecma: 2020,
    module,
    compress: { passes: 4, unsafe_arrows: true, pure_getters: true, unsafe: true, unsafe_methods: true, ...compress },
    mangle: { properties: { regex: /^_/ } },
    format: { comments: false },
  });

/** Type declarations by the TypeScript API: .d.ts for import, .d.cts (with .cjs specifiers) for require. */
const declarations = (entries) => ({
  name: 'opsmantik-declarations',
  writeBundle() {
    const options = {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      lib: ['lib.es2022.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'],
      types: ['node'],
      strict: true,
      skipLibCheck: true,
      declaration: true,
      emitDeclarationOnly: true,
      stripInternal: false,
      rootDir: 'src',
      outDir: 'dist',
    };
    const program = ts.createProgram(entries, options);
    const written = [];
    const result = program.emit(undefined, (file, text) => {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, text);
      written.push(file);
    });
    const diagnostics = [...ts.getPreEmitDiagnostics(program), ...result.diagnostics];
    if (diagnostics.length) {
      const host = { getCanonicalFileName: (f) => f, getCurrentDirectory: () => process.cwd(), getNewLine: () => '\n' };
      this.error(ts.formatDiagnostics(diagnostics, host));
    }
    for (const file of written) {
      const cts = file.replace(/\.d\.ts$/, '.d.cts');
      writeFileSync(cts, readFileSync(file, 'utf8').replace(/(from\s+|import\()(['"])(\.{1,2}\/[^'"]+)\.js\2/g, '$1$2$3.cjs$2'));
    }
  },
});

const executable = (file) => ({
  name: 'opsmantik-executable',
  writeBundle: () => chmodSync(file, 0o755),
});

/** Resolves the package's own name to its sources (the npm demo imports 'opsmantik'). */
const self = () => ({
  name: 'opsmantik-self',
  resolveId: (id) => (id === 'opsmantik' ? fileURLToPath(new URL('./src/index.ts', import.meta.url)) : null),
});

const nodeExternal = (id) => id.startsWith('node:') || builtinModules.includes(id) || isDep(id);

export default [
  // npm: import { createTracker, ... } from 'opsmantik'
  {
    input: { index: 'src/index.ts' },
    external: (id) => id.startsWith('@fingerprintjs/'),
    treeshake: { moduleSideEffects: false },
    plugins: [production(), nodeResolve(), tsPlugin('ES2020'), minify(true), declarations(['src/index.ts', 'src/server/index.ts'])],
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
  // Script tag: every collector, no FingerprintJS.
  {
    input: 'src/script.ts',
    treeshake: { moduleSideEffects: (id) => id.endsWith('src/script.ts') },
    plugins: [production(), nodeResolve(), tsPlugin('ES2020'), minify(false, { booleans_as_integers: true })],
    output: { file: 'dist/opsmantik.min.js', format: 'iife', strict: false },
  },
  // The same, readable and with warnings (data-debug), for debugging an installation.
  {
    input: 'src/script.ts',
    treeshake: { moduleSideEffects: (id) => id.endsWith('src/script.ts') },
    plugins: [nodeResolve(), tsPlugin('ES2020')],
    output: { file: 'dist/opsmantik.debug.js', format: 'iife' },
  },
  // The fingerprint module the script tag imports after consent (FingerprintJS bundled in).
  {
    input: 'src/fingerprint-chunk.ts',
    plugins: [nodeResolve(), tsPlugin('ES2020'), minify(true)],
    output: { file: 'dist/opsmantik-fp.mjs', format: 'es' },
  },
  // Server library for Node 20.
  {
    input: { index: 'src/server/index.ts' },
    external: nodeExternal,
    plugins: [tsPlugin('ES2022')],
    output: [
      { dir: 'dist/server', format: 'es', entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js' },
      { dir: 'dist/server', format: 'cjs', entryFileNames: '[name].cjs', chunkFileNames: '[name]-[hash].cjs', exports: 'named' },
    ],
  },
  // Server CLI (the `opsmantik` bin).
  {
    input: 'src/server/cli.ts',
    external: nodeExternal,
    plugins: [tsPlugin('ES2022'), executable('dist/server/cli.js')],
    output: { file: 'dist/server/cli.js', format: 'es', banner: '#!/usr/bin/env node' },
  },
];
