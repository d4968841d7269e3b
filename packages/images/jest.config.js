/** Shared by every workspace: ts-jest, tests under test/, workspace packages resolved from source. */
module.exports = require('../../jest.preset.js');
