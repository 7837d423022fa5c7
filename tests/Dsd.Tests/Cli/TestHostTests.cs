using System.Diagnostics;
using Xunit;

namespace Dsd.Tests.Cli;

/// <summary>
/// The crash tests' kill point lives in tests/Dsd.TestHost, not in the tool: the shipped dsd ignores the environment
/// variable that once armed it, and the host kills any command line just before its N-th atomic write becomes visible.
/// </summary>
public class TestHostTests
{
    static string[] Fingerprint(string outFile) =>
        ["fingerprint", Path.Combine(TestPaths.GoldenRandom, "ref_crop.png"), "--out", outFile, "--vgg-weights", CliHarness.GoldenWeights];

    static (int Code, string Err) Run(ProcessStartInfo start)
    {
        start.Environment["DSD_OFFLINE"] = "1";
        start.Environment["OMP_NUM_THREADS"] = "1";
        using var process = Process.Start(start)!;
        _ = process.StandardOutput.ReadToEndAsync();
        var err = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, err);
    }

    [Fact]
    public async Task TheToolIgnoresTheOldKillVariable()
    {
        var outFile = Path.Combine(Directory.CreateTempSubdirectory("dsd-host-").FullName, "fp.safetensors");
        var (code, _, err) = await DsdProcess.RunWith(new Dictionary<string, string?> { ["DSD_TEST_KILL_AT_WRITE"] = "1" }, Fingerprint(outFile));
        Assert.True(code == 0, $"exit {code}: {err}");
        Assert.True(File.Exists(outFile));
    }

    [PosixSignalFact]
    public void HostKillsBeforeTheNthWriteBecomesVisible()
    {
        var dir = Directory.CreateTempSubdirectory("dsd-host-").FullName;
        var outFile = Path.Combine(dir, "fp.safetensors");
        var (code, err) = Run(DsdProcess.TestHost(killAtWrite: 1, Fingerprint(outFile)));
        Assert.True(code == 137, $"expected SIGKILL (137), got {code}: {err}");
        Assert.False(File.Exists(outFile), "the output became visible before the kill");
        Assert.Single(Directory.GetFiles(dir, "*.tmp"));

        // Without the option the host is plain dsd: the same command line writes the file.
        var (plain, plainErr) = Run(DsdProcess.TestHost(killAtWrite: 0, Fingerprint(outFile)));
        Assert.True(plain == 0, $"exit {plain}: {plainErr}");
        Assert.True(File.Exists(outFile));
    }

    [Fact]
    public void HostRefusesABadCount()
    {
        var start = DsdProcess.TestHost(0, ["--kill-at-write", "0", "metrics"]);
        var (code, err) = Run(start);
        Assert.Equal(1, code);
        Assert.Contains("--kill-at-write needs a count of 1 or more, not '0'", err);
    }
}
