// Builds the package's JavaScript and declarations into dist/ for `npm pack` (prepack runs it).
// Development in this repository needs no build: Node strips the types of src/*.ts as it loads
// them. Node strips none under node_modules, so the published package ships dist/ instead.
import { execFileSync } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const dist = path.join(root, 'dist');

rmSync(dist, { recursive: true, force: true });
execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
  cwd: root,
  stdio: 'inherit',
});
// The report page's own browser CSS and JavaScript, read at run time beside page-assets.js.
cpSync(path.join(root, 'src/report/client'), path.join(dist, 'report/client'), { recursive: true });

// tsc rewrites `./x.ts` to `./x.js` in the JavaScript but keeps it in the declarations; a
// consumer's TypeScript then looks for x.ts, which is not shipped. Rewrite them as the JS is.
const specifier = /((?:from|import)\s*\(?\s*['"])(\.{1,2}\/[^'"]+)\.ts(['"])/g;
for (const file of walk(dist)) {
  if (!file.endsWith('.d.ts')) continue;
  const text = readFileSync(file, 'utf8');
  const next = text.replace(specifier, '$1$2.js$3');
  if (next !== text) writeFileSync(file, next);
}

function* walk(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) yield* walk(full);
    else yield full;
  }
}
