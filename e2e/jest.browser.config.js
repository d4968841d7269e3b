// `npm run test:browser`: the web page in Debian's chromium (playwright-core) against `npm start`'s processes.
const preset = require('../jest.preset.js');

module.exports = {
  ...preset,
  roots: ['<rootDir>/browser'],
  testMatch: ['**/*.browser.ts'],
  testTimeout: 240_000,
};
