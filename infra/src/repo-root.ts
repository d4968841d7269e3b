import fs from 'node:fs';
import path from 'node:path';

/**
 * The repository root (where Pulumi.yaml lives): the Docker build context of every image. Found from
 * this file, so it is the same whether the program runs from src/ (tests) or dist/ (`pulumi up`).
 */
export function repoRoot(from = __dirname): string {
  let dir = from;
  while (!fs.existsSync(path.join(dir, 'Pulumi.yaml'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no Pulumi.yaml above ${from}`);
    dir = parent;
  }
  return dir;
}
