/**
 * Ends every jest run with one plain line, "tests: N passed, N failed, N skipped", that CI and
 * people can read without knowing jest's summary format. On stderr, where jest writes its own.
 */
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    process.stderr.write(
      `\ntests: ${results.numPassedTests} passed, ${results.numFailedTests} failed, ${skipped} skipped\n`,
    );
  }
}

module.exports = SummaryReporter;
