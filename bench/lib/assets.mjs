// Produces the file each tracker ships to the browser: taken as the package ships it, minified
// with terser where a package ships only an unminified build, or bundled with rollup where it
// ships only ES modules. Every minification and bundle uses the same settings.
import { mkdirSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { join, basename } from 'node:path';
import { tmpdir } from 'node:os';
import { rollup } from 'rollup';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import terserPlugin from '@rollup/plugin-terser';
import { minify } from 'terser';
import { BENCH, ROOT } from './paths.mjs';

/** One terser setting for everything the benchmark minifies (ours is built by the root's rollup config). */
export const TERSER = { ecma: 2020, compress: { passes: 2 }, mangle: true, format: { comments: false } };
// terser writes defaults into the options it is given: hand it a copy each time.
const terserOptions = () => structuredClone(TERSER);

const OUT = join(tmpdir(), 'opsmantik-bench');

/** `opsmantik` resolves to the root package's ESM entry, as its exports map says. */
function selfPackage() {
  return {
    name: 'opsmantik-self',
    resolveId(id) {
      if (id === 'opsmantik') return join(ROOT, 'dist', 'index.js');
      return null;
    },
  };
}

/** Bundles one entry file the way a site's build (or size-limit) would: resolve, tree-shake, minify. */
export async function bundle(entry, format = 'iife') {
  const build = await rollup({
    input: entry,
    plugins: [selfPackage(), nodeResolve({ browser: true, modulePaths: [join(BENCH, 'node_modules')] })],
    onwarn: () => {},
  });
  const { output } = await build.generate({ format, plugins: [terserPlugin(terserOptions())] });
  await build.close();
  return output[0].code;
}

/** Returns the path of the file a website would load for `source`, building it if needed. */
export async function materialise(source, name) {
  mkdirSync(OUT, { recursive: true });
  if (source.file) return existsSync(source.file) ? source.file : undefined;
  if (source.minify) {
    const out = join(OUT, `${name}.min.js`);
    const { code } = await minify(readFileSync(source.minify, 'utf8'), terserOptions());
    writeFileSync(out, code);
    return out;
  }
  if (source.bundle) {
    const out = join(OUT, `${name}.${basename(source.bundle, '.js')}.min.js`);
    writeFileSync(out, await bundle(source.bundle, source.format || 'iife'));
    return out;
  }
  throw new Error(`unknown source for ${name}`);
}
