#!/usr/bin/env node
// After `vitest run` under CI=true: fail when any test or suite was skipped (e.g. Kafka not started),
// or when no test ran at all. Reads the JSON report vitest writes next to its console output.
import { existsSync, readFileSync } from 'node:fs';

const file = process.argv[2] ?? '.cache/vitest-results.json';
if (!existsSync(file)) {
  console.error(`check-test-results: ${file} not found — run vitest with the json reporter first`);
  process.exit(2);
}
const report = JSON.parse(readFileSync(file, 'utf8'));
const skipped = [];
for (const suite of report.testResults ?? []) {
  for (const t of suite.assertionResults ?? []) {
    if (t.status === 'skipped' || t.status === 'pending' || t.status === 'todo') skipped.push(`${suite.name}: ${t.fullName}`);
  }
}
const ran = report.numPassedTests + report.numFailedTests;
console.log(`${report.numPassedTests} passed, ${report.numFailedTests} failed, ${skipped.length} skipped`);
if (ran === 0) {
  console.error('check-test-results: no test ran');
  process.exit(1);
}
if (process.env.CI && skipped.length > 0) {
  console.error(`check-test-results: ${skipped.length} test(s) skipped under CI=true — every suite must run in CI:`);
  for (const s of skipped.slice(0, 20)) console.error(`  ${s}`);
  process.exit(1);
}
process.exit(report.numFailedTests > 0 ? 1 : 0);
