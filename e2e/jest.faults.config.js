/** `npm run test:faults`: the fault-injection suite (real local-stack processes; see faults/README.md). */
const preset = require('../jest.preset.js');

module.exports = { ...preset, roots: ['<rootDir>/faults'], testTimeout: 240_000 };
