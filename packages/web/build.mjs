// Bundles the page into dist/ (app.js, style.css, index.html), which jobs-api serves at /.
// esbuild: one small binary, no config, typechecking stays with tsc (npm run typecheck).
import { build } from 'esbuild';
import fs from 'node:fs';

fs.rmSync('dist', { recursive: true, force: true });
await build({
  entryPoints: ['src/main.ts'],
  bundle: true,
  minify: true,
  sourcemap: true,
  format: 'iife',
  target: ['es2022'],
  outfile: 'dist/app.js',
  logLevel: 'warning',
});
for (const file of ['index.html', 'style.css']) fs.copyFileSync(`src/${file}`, `dist/${file}`);
