using Xunit;

namespace Dsd.Tests.Cli;

/// <summary>The memory options of the real executable: --max-pixels refuses before decoding, bad sizes are usage errors.</summary>
public class LargeImageLimitsTests
{
    static string Golden(string name) => Path.Combine(TestPaths.GoldenRandom, name);

    [Fact]
    public async Task AnImageAboveMaxPixelsIsRefusedWithItsSizeAndExitCode2()
    {
        var (code, _, err) = await DsdProcess.Run("fingerprint", Golden("ref_crop.png"), "--max-pixels", "10000", "--vgg-weights", CliHarness.GoldenWeights);
        Assert.Equal(2, code);
        Assert.Contains("ref_crop.png: 128×128", err, StringComparison.Ordinal);
        Assert.Contains("--max-pixels", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AFingerprintUnderASmallMemoryBudgetEqualsTheUnboundedOne()
    {
        string[] args = ["fingerprint", Golden("ref_crop.png"), "--format", "json", "--vgg-weights", CliHarness.GoldenWeights];
        var (code, whole, err) = await DsdProcess.Run([.. args, "--max-memory", "1G"]);
        Assert.True(code == 0, err);
        (code, var tiled, err) = await DsdProcess.Run([.. args, "--max-memory", "9M"]);
        Assert.True(code == 0, err);
        var (a, b) = (System.Text.Json.Nodes.JsonNode.Parse(whole)!["mean_abs_dsd"]!, System.Text.Json.Nodes.JsonNode.Parse(tiled)!["mean_abs_dsd"]!);
        foreach (var alpha in new[] { "alpha2", "alpha4" })
            foreach (var layer in new[] { "relu1_2", "relu2_1", "relu2_2", "relu3_1" })
                Close.Scalar(a[alpha]![layer]!.GetValue<double>(), b[alpha]![layer]!.GetValue<double>(), rtol: 1e-5, what: $"{alpha}/{layer}");
    }

    [Fact]
    public async Task AnUnreadableMemorySizeIsAUsageError()
    {
        var (code, _, err) = await DsdProcess.Run("fingerprint", Golden("ref_crop.png"), "--max-memory", "lots", "--vgg-weights", CliHarness.GoldenWeights);
        Assert.Equal(1, code);
        Assert.Contains("--max-memory: 'lots' is not a memory size", err, StringComparison.Ordinal);
    }
}
