// The image tests (npm run test:images): one Docker Engine per file, started and stopped by the file, so one worker,
// in order; builds and health checks take minutes, not seconds.
const base = require('./package.json').jest;

module.exports = {
  ...base,
  roots: ['<rootDir>/test/images'],
  testPathIgnorePatterns: [],
  maxWorkers: 1,
  testTimeout: 15 * 60 * 1000,
};
