/**
 * `node bench/dist/profile-engine.js`: the worker's TesseractEngine against a bare tesseract.js pool on
 * the same pages, nothing else. Run it under `node --cpu-prof` to see where the engine's time goes.
 */
import os from 'node:os';
import { barePool, engineRun, workload } from './ocr-runs';
import { generatePages } from './pages';

async function main() {
  const rounds = Number(process.env.BENCH_ROUNDS ?? 2);
  const workers = Number(process.env.BENCH_WORKERS ?? os.availableParallelism());
  const work = workload(await generatePages(), rounds);
  const which = process.env.PROFILE_ONLY;
  const tessdata = '/usr/share/tesseract-ocr/5/tessdata';
  for (let round = 0; round < Number(process.env.PROFILE_REPEAT ?? 1); round++) {
    if (which !== 'bare') console.log(await engineRun(work, workers, 'best', tessdata));
    if (which !== 'engine') console.log(await barePool(work, workers, 'best', tessdata));
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
