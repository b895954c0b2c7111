// `npm run typecheck` as one test result for scripts/test-all.sh: the suites are compiled by swc, which does not
// check types, so tsc over src/ and test/ (the generated client's @ts-expect-error lines included) runs here and
// is counted in the closing "N passed, N failed" line. Usage: node scripts/typecheck-result.js <out.json>
const { spawnSync } = require('node:child_process');
const { writeFileSync } = require('node:fs');

const out = process.argv[2];
const started = Date.now();
const run = spawnSync('npm', ['run', '--silent', 'typecheck'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const output = `${run.stdout ?? ''}${run.stderr ?? ''}`;
process.stdout.write(output);
const passed = run.status === 0;
const title = 'npm run typecheck: tsc --noEmit over src, test, bench, tools and migrations';
writeFileSync(
  out,
  JSON.stringify({
    success: passed,
    numPassedTests: passed ? 1 : 0,
    numFailedTests: passed ? 0 : 1,
    numRuntimeErrorTestSuites: 0,
    numTotalTests: 1,
    testResults: [
      {
        name: 'typecheck',
        status: passed ? 'passed' : 'failed',
        startTime: started,
        endTime: Date.now(),
        message: passed ? '' : output,
        assertionResults: [{ title, fullName: title, status: passed ? 'passed' : 'failed', failureMessages: passed ? [] : [output] }],
      },
    ],
  }),
);
console.log(`typecheck ${passed ? 'passed' : 'FAILED'}`);
process.exit(passed ? 0 : 1);
