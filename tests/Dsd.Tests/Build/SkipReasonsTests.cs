using System.Diagnostics;
using Xunit;

namespace Dsd.Tests.Build;

/// <summary>
/// ./run-tests prints why tests were skipped, grouped by reason (issue 23 item 11), through tests/skip-reasons.sh: on
/// a TRX fixture in the test host's format, three skipped results with two reasons become two lines, most frequent first.
/// </summary>
public sealed class SkipReasonsTests
{
    [Fact]
    public void SkippedResultsAreGroupedByReasonMostFrequentFirst()
    {
        var script = Path.Combine(TestPaths.RepoRoot, "tests", "skip-reasons.sh");
        var trx = Path.Combine(TestPaths.TestData, "trx", "skipped.trx");
        using var process = Process.Start(new ProcessStartInfo("bash", [script, trx]) { RedirectStandardOutput = true })!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
        Assert.Equal(
            "  2 × ../shared/data is absent: set DSD_SHARED\n  1 × chromium is not installed (\"apt-get install chromium\")\n",
            output);
    }
}
