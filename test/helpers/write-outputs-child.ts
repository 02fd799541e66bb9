/**
 * Child process for the output-set kill test: writes sampleResults() (suite name argv[3]) into argv[2]
 * with writeSuiteOutputs, and SIGKILLs itself right after the step named argv[4] ("none": no kill).
 */
import { sampleResults } from './sample-results.js';
import { writeSuiteOutputs } from '../../src/suite/write-outputs.js';

const [outDir, name, killAt] = process.argv.slice(2);
const results = sampleResults();
results.suite.name = name;
await writeSuiteOutputs(results, outDir, {
  report: true,
  units: [],
  hook: (step) => {
    if (step === killAt) process.kill(process.pid, 'SIGKILL');
  },
});
