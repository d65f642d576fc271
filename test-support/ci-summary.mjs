// Adds up the JSON reports of every suite CI ran and prints the closing line CI is judged by.
import fs from 'node:fs';
import path from 'node:path';

const dir = process.argv[2] ?? '.vitest-reports';
let passed = 0;
let failed = 0;
let skipped = 0;
for (const file of fs
  .readdirSync(dir)
  .filter((name) => name.endsWith('.summary.json'))
  .sort()) {
  const report = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
  // Playwright reports `stats` (a flaky test passed on retry and is named as such); vitest counts.
  const counts = report.stats
    ? {
        passed: report.stats.expected + report.stats.flaky,
        failed: report.stats.unexpected,
        skipped: report.stats.skipped,
        flaky: report.stats.flaky,
      }
    : {
        passed: report.numPassedTests,
        failed: report.numFailedTests + (report.numRuntimeErrorTestSuites ?? 0),
        skipped: report.numPendingTests + (report.numTodoTests ?? 0),
      };
  passed += counts.passed;
  failed += counts.failed;
  skipped += counts.skipped;
  console.log(`${file}: ${JSON.stringify(counts)}`);
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);
