using Dsd.Tests.Cli;
using Xunit;
using Dsd.Restoration;

namespace Dsd.Tests.Training;

[Collection(CliHarness.Name)]
public sealed class TrainCommandTests
{
    [Fact]
    public void FlagsOverrideTheConfigFileAndTheRunLeavesARestorableCheckpoint()
    {
        var dir = Directory.CreateTempSubdirectory("dsd-traincli-").FullName;
        var data = TrainingDataTests.HrFolder(count: 2, h: 40, w: 40);
        var config = Path.Combine(dir, "run.json");
        File.WriteAllText(config, $$"""{ "train": "{{data}}", "out": "{{Path.Combine(dir, "out")}}", "blocks": 3, "steps": 50, "batch_size": 2, "crop": 8 }""");

        var (code, _, stderr) = CliHarness.Run("train", "deblur", "--config", config, "--steps", "2", "--blocks", "2", "--blur-kernel", "5", "--augment", "false");

        Assert.True(code == 0, stderr);
        var (saved, sidecar) = RestorationCheckpoint.ReadSidecar(Path.Combine(dir, "out", "last.json"));
        Assert.Equal(("deblur", 2, 2, 2, false), (saved.Task, saved.Steps, saved.Blocks, saved.BatchSize, saved.Augment));
        Assert.Equal(2, (long)sidecar["step"]!);

        var images = Directory.CreateDirectory(Path.Combine(dir, "restored")).FullName;
        var (restoreCode, _, restoreErr) = CliHarness.Run("restore", "deblur", "--model", Path.Combine(dir, "out", "last.json"), "--in", data, "--out", images);
        Assert.True(restoreCode == 0, restoreErr);
        Assert.Equal(2, Directory.GetFiles(images, "*.png").Length);
    }

    [Fact]
    public void EveryVggLossResolvesWeightsFromTheCatalogue()
    {
        // Regression: the command once listed the VGG losses by hand and missed multi-scale style ("losses need VGG19 weights").
        var dir = Directory.CreateTempSubdirectory("dsd-traincli-").FullName;
        var data = TrainingDataTests.HrFolder(count: 2, h: 40, w: 40);
        var (code, _, stderr) = CliHarness.Run("train", "sr", "--train", data, "--out", Path.Combine(dir, "out"), "--steps", "1", "--blocks", "1",
            "--batch-size", "2", "--crop", "8", "--l1", "0", "--multi-scale-style", "1", "--vgg-weights", CliHarness.GoldenWeights);
        Assert.True(code == 0, stderr);
        Assert.Contains("multi_scale_style", File.ReadLines(Path.Combine(dir, "out", "train.csv")).First());
    }

    [Fact]
    public void AMalformedDsdFactorIsAOneLineUsageError()
    {
        // Regression: training parsed α again from the string and ended in an unhandled FormatException.
        var (code, _, stderr) = CliHarness.Run("train", "sr", "--train", ".", "--out", "x", "--dsd", "1", "--dsd-alphas", "x");
        Assert.Equal(1, code);
        Assert.Contains("'x' is not a downscale factor", stderr);
        Assert.DoesNotContain("   at ", stderr);
        Assert.Single(stderr.Trim().Split('\n'));
    }

    [Fact]
    public void BadFlagValueAndUnknownConfigKeyAreUsageErrors()
    {
        var (code, _, stderr) = CliHarness.Run("train", "sr", "--train", ".", "--out", "x", "--steps", "many");
        Assert.Equal(1, code); // a malformed flag is a usage mistake (the exit-code table's 1); a bad config file is invalid input (2)
        Assert.Contains("--steps", stderr);

        var dir = Directory.CreateTempSubdirectory("dsd-traincli-").FullName;
        var config = Path.Combine(dir, "typo.json");
        File.WriteAllText(config, """{ "stepz": 3 }""");
        (code, _, stderr) = CliHarness.Run("train", "sr", "--config", config);
        Assert.Equal(2, code);
        Assert.Contains("typo.json", stderr);
    }

    [Fact]
    public void ResumeFromAMissingCheckpointNamesIt()
    {
        var (code, _, stderr) = CliHarness.Run("train", "sr", "--resume", "/nonexistent/last.json");
        Assert.Equal(2, code);
        Assert.Contains("/nonexistent/last.json", stderr);
    }
}
