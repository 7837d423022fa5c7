using Dsd.Tests.Training;
using Xunit;
using Dsd.Regressor;

namespace Dsd.Tests.Cli;

[Collection(CliHarness.Name)]
public class TrainCommandTests
{
    [Fact]
    public void TrainRegressorWritesWeightsLogAndCheckpointThenResumes()
    {
        using var f = new TrainingFixture();
        string[] common = ["--out", f.Out, "--vgg-weights", CliHarness.GoldenWeights];
        var (code, _, err) = CliHarness.Run(["train", "regressor", "--train", f.Data, "--val", f.Validation, "--crop", "8", "--batch", "4",
            "--steps", "2", "--lr-step", "10", "--ema", "0.9", "--seed", "1", .. common]);
        Assert.True(code == 0, err);
        Assert.True(File.Exists(Path.Combine(f.Out, RegressorCheckpoint.AverageFileName)));
        // Default interval: one epoch, here 3 images / batch 4 = 1 step, so a header and two rows.
        Assert.Equal(3, File.ReadAllLines(Path.Combine(f.Out, RegressorLog.FileName)).Length);

        (code, _, err) = CliHarness.Run(["train", "regressor", "--resume", "--steps", "3", "--batch", "8", .. common]);
        Assert.True(code == 0, err);
        Assert.Contains("ignoring --batch", err);
        Assert.Equal(3, RegressorCheckpoint.ReadManifest(f.Out).Counters.Step);
    }

    [Theory]
    [InlineData("sr")]
    [InlineData("deblur")]
    [InlineData("regressor")]
    public void TrainCommandsShareTheirWordsAndKeepTheOldOnesHidden(string command)
    {
        var (code, stdout, _) = CliHarness.Run("train", command, "--help");
        Assert.Equal(0, code);
        foreach (var word in new[] { "--train ", "--val ", "--val-every ", "--save-every ", "--out ", "--resume ", "--seed ", "--batch-size ", "--steps " })
            Assert.Contains(word, stdout);
        foreach (var old in new[] { "--data ", "--eval-every ", "--batch ", "--gamma " })
            Assert.DoesNotContain(old, stdout);
    }

    [Fact]
    public void TrainRegressorTakesAConfigFileThatTypedFlagsOverride()
    {
        using var f = new TrainingFixture();
        var config = Path.Combine(f.Root, "psi.json");
        // The same snake_case keys as dsd train sr's config files and as the checkpoint manifest records.
        File.WriteAllText(config, $$"""{ "train": [{{System.Text.Json.JsonSerializer.Serialize(f.Data)}}], "crop": 8, "batch_size": 4, "steps": 3, "lr_step": 10, "seed": 5, "ema": 0.5 }""");
        var (code, _, err) = CliHarness.Run("train", "regressor", "--config", config, "--steps", "2", "--out", f.Out, "--vgg-weights", CliHarness.GoldenWeights);
        Assert.True(code == 0, err);
        var stored = RegressorCheckpoint.ReadManifest(f.Out).Config;
        Assert.Equal((2L, 8, 4, 5L, 0.5), (stored.Steps!.Value, stored.Crop, stored.BatchSize, stored.Seed, stored.Ema));

        File.WriteAllText(config, """{ "train": ["x"], "batch": 4 }""");
        (code, _, err) = CliHarness.Run("train", "regressor", "--config", config, "--out", Path.Combine(f.Root, "other"), "--vgg-weights", CliHarness.GoldenWeights);
        Assert.Equal(2, code);
        Assert.Contains("psi.json", err);
        Assert.Contains("batch", err);
    }

    [Fact]
    public void MissingDataIsAUsageError()
    {
        var (code, _, err) = CliHarness.Run("train", "regressor", "--vgg-weights", CliHarness.GoldenWeights, "--out", Path.GetTempPath());
        Assert.Equal(1, code);
        Assert.Contains("--train", err);
    }

    [Fact]
    public void ResumeWithoutACheckpointIsAnInputError()
    {
        var empty = Path.Combine(Path.GetTempPath(), "dsd-empty-" + Guid.NewGuid().ToString("N"));
        var (code, _, err) = CliHarness.Run("train", "regressor", "--resume", "--vgg-weights", CliHarness.GoldenWeights, "--out", empty);
        Assert.Equal(2, code);
        Assert.Contains("no checkpoint", err);
    }

    /// <summary>A malformed config flag is a usage mistake: exit 1, one line naming the flag (an int too large included).</summary>
    [Theory]
    [InlineData("--steps", "abc")]
    [InlineData("--steps", "99999999999")]
    [InlineData("--zero-tail", "maybe")]
    public void MalformedFlagValuesAreUsageErrors(string option, string value)
    {
        var dir = Directory.CreateTempSubdirectory("dsd-traincli-").FullName;
        var (code, _, stderr) = CliHarness.Run("train", "sr", "--train", dir, "--out", Path.Combine(dir, "o"), option, value);
        Assert.Equal(1, code);
        Assert.Contains($"{option}: '{value}' is not a valid", stderr);
    }
}
