// `npm start`: builds what changed (turbo), saying which package it is building and why it takes a
// while the first time, then runs the local stack (dist/start.js). Plain JS: it runs before any build.
import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const started = Date.now();
const seconds = () => `${((Date.now() - started) / 1000).toFixed(0)} s`;

console.log('npm start: building the packages (about a minute the first time, seconds after that)…');
const turbo = spawn(
  process.execPath,
  [
    path.join(repoRoot, 'node_modules/turbo/bin/turbo'),
    'run',
    'build',
    '--output-logs=hash-only',
    '--log-order=stream',
  ],
  { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] },
);
const failed = [];
readline.createInterface({ input: turbo.stdout }).on('line', (line) => {
  const task = /^(@ocr-jobs\/[\w-]+):build: cache (hit|miss)/.exec(line);
  if (task) console.log(`  ${task[1]}: ${task[2] === 'hit' ? 'up to date' : 'building…'}`);
  else if (/ERROR|error/.test(line)) failed.push(line);
});
turbo.on('exit', (code) => {
  if (code !== 0) {
    console.error(failed.join('\n'));
    console.error(`npm start: the build failed (exit ${code}); run \`npm run build\` to see every message.`);
    process.exit(code ?? 1);
  }
  console.log(`npm start: built in ${seconds()}; starting the stand-ins and the three services…`);
  // In-process, so Ctrl-C and SIGTERM reach the stack's own handlers directly.
  import(path.join(repoRoot, 'packages/local-stack/dist/start.js'));
});
