// The cluster tests (npm run test:cluster): one real control plane shared by every stage, so one worker, in order.
const base = require('./package.json').jest;

module.exports = {
  ...base,
  roots: ['<rootDir>/test/cluster'],
  testPathIgnorePatterns: [],
  maxWorkers: 1,
  testTimeout: 120000,
};
