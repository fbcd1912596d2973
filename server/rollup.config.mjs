// The server package's build: the Web-standard entry and the Node entry (ESM + CJS, dependencies
// external, Node 20), the CLI, and type declarations. The wire module comes from the tracker's
// sources (../src/wire.ts) and is bundled in, so both packages validate and encode with one source.
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import { declarations, executable, tsPlugin } from '../scripts/rollup-parts.mjs';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));
const deps = Object.keys(pkg.dependencies || {});
const isDep = (id) => deps.some((d) => id === d || id.startsWith(d + '/'));
const external = (id) => id.startsWith('node:') || builtinModules.includes(id) || isDep(id);
const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const sources = [here('./src/**/*.ts'), here('../src/wire.ts')];

/** The tracker's script files, copied into dist/tracker/ so that the published server serves the tracker it was built with. */
const TRACKER_FILES = ['opsmantik.min.js', 'opsmantik.debug.js', 'opsmantik-fp.mjs'];
const copyTracker = () => ({
  name: 'opsmantik-copy-tracker',
  writeBundle() {
    mkdirSync(here('./dist/tracker'), { recursive: true });
    for (const name of TRACKER_FILES) {
      const from = here(`../dist/${name}`);
      if (!existsSync(from)) this.error(`${from} is missing: build the tracker first (npm run build at the repository root).`);
      copyFileSync(from, here(`./dist/tracker/${name}`));
    }
  },
});

export default [
  {
    input: { index: 'src/index.ts', node: 'src/node.ts' },
    external,
    plugins: [
      tsPlugin('ES2022', sources),
      declarations([here('./src/index.ts'), here('./src/node.ts')], { rootDir: here('..'), outDir: here('./dist/types') }),
    ],
    output: [
      { dir: 'dist', format: 'es', entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js' },
      { dir: 'dist', format: 'cjs', entryFileNames: '[name].cjs', chunkFileNames: 'chunks/[name]-[hash].cjs', exports: 'named' },
    ],
  },
  {
    input: 'src/node/cli.ts',
    external,
    plugins: [tsPlugin('ES2022', sources), executable('dist/node/cli.js'), copyTracker()],
    output: { file: 'dist/node/cli.js', format: 'es', banner: '#!/usr/bin/env node', inlineDynamicImports: true },
  },
];
