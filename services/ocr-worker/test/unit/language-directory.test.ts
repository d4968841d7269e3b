import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LanguageDirectory } from '../../src/engine/models';

describe('LanguageDirectory', () => {
  it('links each language as <code>.traineddata to its model file, gzipped or plain, and removes the links', () => {
    // Arrange
    const models = fs.mkdtempSync(path.join(os.tmpdir(), 'models-'));
    fs.writeFileSync(path.join(models, 'por.traineddata.gz'), Buffer.from([0x1f, 0x8b, 1]));
    fs.writeFileSync(path.join(models, 'spa.traineddata'), 'plain');

    // Act
    const directory = LanguageDirectory.create([
      { code: 'por', name: 'Portuguese', model: 'best', file: path.join(models, 'por.traineddata.gz') },
      { code: 'spa', name: 'Spanish', model: 'fast', file: path.join(models, 'spa.traineddata') },
    ]);
    const names = fs.readdirSync(directory.path).sort();
    const por = fs.readFileSync(path.join(directory.path, 'por.traineddata'));
    directory.remove();

    // Assess
    expect(names).toEqual(['por.traineddata', 'spa.traineddata']);
    expect([...por]).toEqual([0x1f, 0x8b, 1]);
    expect(fs.existsSync(directory.path)).toBe(false);
    expect(fs.existsSync(path.join(models, 'spa.traineddata'))).toBe(true);
    fs.rmSync(models, { recursive: true });
  });
});
