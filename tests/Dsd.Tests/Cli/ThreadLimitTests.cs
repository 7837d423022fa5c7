using Xunit;

namespace Dsd.Tests.Cli;

/// <summary>
/// <c>--threads</c> sizes libtorch's pool of OS threads: a huge value once exhausted the machine's process table.
/// Values above four per core are refused as usage errors before any thread is made.
/// </summary>
[Collection(CliHarness.Name)]
public sealed class ThreadLimitTests
{
    [Theory]
    [InlineData("100000")]
    [InlineData("0")]
    public void ThreadCountsOutsideOneToFourPerCoreAreUsageErrors(string threads)
    {
        var before = System.Diagnostics.Process.GetCurrentProcess().Threads.Count;
        var (code, stdout, stderr) = CliHarness.Run("--threads", threads, "restore", "sr", "--in", "nothere.png", "--out", "o");
        Assert.Equal(1, code);
        Assert.Contains($"between 1 and {4 * Environment.ProcessorCount}", stderr);
        Assert.DoesNotContain("wrote", stdout + stderr);
        Assert.True(System.Diagnostics.Process.GetCurrentProcess().Threads.Count < before + 64);
    }
}
