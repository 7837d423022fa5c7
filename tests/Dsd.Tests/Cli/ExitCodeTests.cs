using Xunit;

namespace Dsd.Tests.Cli;

/// <summary>Exit codes follow the README's table (issue 23 item 7), each with one line that names the file the user gave.</summary>
[Collection(CliHarness.Name)]
public sealed class ExitCodeTests
{
    static readonly string Chelsea = Path.Combine(TestPaths.RepoRoot, "samples", "chelsea.png");

    [Fact]
    public void AMissingModelFileIsAWeightsProblem()
    {
        var (code, stdout, stderr) = CliHarness.Run("restore", "sr", "--model", "nothere.safetensors", "--in", Chelsea, "--out", Path.Combine(Path.GetTempPath(), "dsd-nothere"));
        Assert.Equal(3, code);
        Assert.Equal("dsd: error: nothere.safetensors: model file not found\n", stderr.Replace("\r", ""));
        Assert.Equal("", stdout);
    }

    [Fact]
    public void AnUnwritableOutIsExitFiveNamingTheFileNotOurTemporaryOne()
    {
        var (code, _, stderr) = CliHarness.Run("score", "--ref", Chelsea, "--dist", Chelsea, "--metrics", "psnr-y", "--out", "/proc/r.csv");
        Assert.Equal(5, code);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("dsd: error:"));
        Assert.StartsWith("dsd: error: /proc/r.csv: cannot write (", line);
        Assert.DoesNotContain(".tmp", line);
    }

    [Theory]
    [InlineData(new byte[] { (byte)'h', (byte)'e', (byte)'l', (byte)'l', (byte)'o', (byte)'\n' }, "not a valid image (corrupt or unknown format)")]
    [InlineData(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D }, "truncated image (incomplete header)")]
    [InlineData(new byte[] { 0xFF, 0xD8, 0xFF, 0xE0 }, "truncated image (incomplete header)")]
    public void AShortFileIsTruncatedOnlyWhenItStartsLikeAnImage(byte[] bytes, string problem)
    {
        var path = Path.Combine(Path.GetTempPath(), $"dsd-short-{Guid.NewGuid():N}.png");
        File.WriteAllBytes(path, bytes);
        try
        {
            var (code, _, stderr) = CliHarness.Run("score", "--ref", path, "--dist", path, "--metrics", "psnr-y");
            Assert.Equal(2, code);
            Assert.Contains($"dsd: error: {path}: {problem}", stderr);
        }
        finally { File.Delete(path); }
    }
}
