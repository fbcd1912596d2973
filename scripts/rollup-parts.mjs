// Rollup parts shared by the tracker's build (rollup.config.mjs) and the server's
// (server/rollup.config.mjs): the TypeScript plugin with the project's compiler options, type
// declarations (.d.ts for import, .d.cts for require) and the executable bit for the CLI.
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import typescript from '@rollup/plugin-typescript';
import ts from 'typescript';

/** `include`: the source globs this build compiles (the server also compiles the shared wire module). */
export const tsPlugin = (target, include = ['src/**/*.ts']) =>
  typescript({
    tsconfig: false,
    include,
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
      // Maps only where an output asks for one (the script tag and its fingerprint module, for bench/).
      sourceMap: true,
    },
  });


/** Type declarations by the TypeScript API: .d.ts for import, .d.cts (with .cjs specifiers) for require. */
export const declarations = (entries, { rootDir = 'src', outDir = 'dist' } = {}) => ({
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
      rootDir,
      outDir,
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

export const executable = (file) => ({
  name: 'opsmantik-executable',
  writeBundle: () => chmodSync(file, 0o755),
});

