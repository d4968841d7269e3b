#!/usr/bin/env node
/**
 * Build stage only. Run in a monorepo pruned by `turbo prune <service> --docker` after `npm ci` and the
 * build: copies into <out> what the service needs at run time, keeping the repository's layout:
 *
 *   package.json, node_modules/ (production dependencies only)
 *   <workspace>/package.json, <workspace>/dist/ for the service and every workspace it depends on
 *
 * Workspaces reached only through devDependencies (the local stack the tests use) are dropped first:
 * `npm prune --omit=dev` alone keeps them and their dependencies, because npm treats every workspace
 * as a root. Intermediate files of native builds (node-gyp's objects, the sources it compiled) go too.
 *
 * Asset workspaces (the web page jobs-api serves) come along as package.json + dist/ only, linked
 * under node_modules so `require.resolve('<name>/package.json')` finds them: their dependencies are
 * build-time only (bundled into dist/), so they are not part of the runtime workspaces.
 *
 *   usage: node runtime-tree.mjs <workspace package name> <output directory> [<asset workspace>...]
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const [service, out, ...assetNames] = process.argv.slice(2);
if (!service || !out) {
  console.error(
    'usage: node runtime-tree.mjs <workspace package name> <output directory> [<asset workspace>...]',
  );
  process.exit(2);
}

const readJson = (file) => JSON.parse(fs.readFileSync(file, 'utf8'));
const root = readJson('package.json');
if (root.workspaces.some((dir) => dir.includes('*')))
  throw new Error('expected the explicit workspace list of `turbo prune`, found a glob');
const workspaceDirs = new Map(
  root.workspaces.map((dir) => [readJson(path.join(dir, 'package.json')).name, dir]),
);

/** The service and the workspaces it needs at run time (dependencies only, transitively). */
function runtimeWorkspaces(name, found = new Set()) {
  const dir = workspaceDirs.get(name);
  if (!dir) throw new Error(`${name} is not a workspace of this pruned repository`);
  found.add(name);
  const { dependencies = {} } = readJson(path.join(dir, 'package.json'));
  for (const dep of Object.keys(dependencies))
    if (workspaceDirs.has(dep) && !found.has(dep)) runtimeWorkspaces(dep, found);
  return found;
}

const keep = runtimeWorkspaces(service);

// Copied out first: the loop below deletes every workspace the service does not depend on.
fs.mkdirSync(out, { recursive: true });
const assets = assetNames.map((name) => {
  const dir = workspaceDirs.get(name);
  if (!dir) throw new Error(`${name} is not a workspace of this pruned repository`);
  if (!fs.existsSync(path.join(dir, 'dist'))) throw new Error(`${name} is not built (no ${dir}/dist)`);
  fs.mkdirSync(path.join(out, dir), { recursive: true });
  execFileSync('cp', ['-a', path.join(dir, 'package.json'), path.join(dir, 'dist'), path.join(out, dir)]);
  return [name, dir];
});
for (const [name, dir] of workspaceDirs) {
  if (keep.has(name)) continue;
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(path.join('node_modules', name), { recursive: true, force: true });
}
root.workspaces = root.workspaces.filter((dir) => [...keep].some((name) => workspaceDirs.get(name) === dir));
fs.writeFileSync('package.json', `${JSON.stringify(root, null, 2)}\n`);
execFileSync('npm', ['prune', '--omit=dev', '--no-audit', '--no-fund'], { stdio: 'inherit' });

// node-gyp leaves its objects and the sources it compiled next to the module; only the .node is loaded.
for (const entry of fs.readdirSync('node_modules', { recursive: true })) {
  const dir = path.join('node_modules', entry);
  if (
    path.basename(dir) === 'build' &&
    fs.existsSync(path.join(dir, 'Release')) &&
    fs.existsSync(path.join(dir, '..', 'binding.gyp'))
  ) {
    for (const part of fs.readdirSync(path.join(dir, 'Release')))
      if (!part.endsWith('.node'))
        fs.rmSync(path.join(dir, 'Release', part), { recursive: true, force: true });
    for (const part of fs.readdirSync(dir))
      if (part !== 'Release') fs.rmSync(path.join(dir, part), { recursive: true, force: true });
  }
}

// npm leaves the scope folders of the packages it removed behind, empty.
for (const entry of fs.readdirSync('node_modules'))
  if (entry.startsWith('@') && fs.readdirSync(path.join('node_modules', entry)).length === 0)
    fs.rmdirSync(path.join('node_modules', entry));

execFileSync('cp', ['-a', 'package.json', 'node_modules', out]);
for (const name of keep) {
  const dir = workspaceDirs.get(name);
  fs.mkdirSync(path.join(out, dir), { recursive: true });
  for (const part of ['package.json', 'dist', 'node_modules'])
    if (fs.existsSync(path.join(dir, part)))
      execFileSync('cp', ['-a', path.join(dir, part), path.join(out, dir)]);
}
for (const [name, dir] of assets) {
  const link = path.join(out, 'node_modules', name);
  fs.mkdirSync(path.dirname(link), { recursive: true });
  fs.symlinkSync(path.relative(path.dirname(link), path.join(out, dir)), link);
}
console.error(
  `runtime tree of ${service} in ${out}: ${[...keep].join(', ')}` +
    (assets.length ? `; assets: ${assetNames.join(', ')}` : ''),
);
