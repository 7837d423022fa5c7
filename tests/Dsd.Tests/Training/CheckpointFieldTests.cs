using System.Text.Json.Nodes;
using Dsd.NoReference;
using Dsd.Quality;
using Dsd.Serialization;
using Dsd.Tests.Cli;
using Dsd.Regressor;
using Xunit;
using static TorchSharp.torch;

namespace Dsd.Tests.Training;

/// <summary>
/// Issue 22 items 6 and 8: every number a checkpoint or calibration brings is checked before it sizes work, and is
/// reported as a weights problem (exit 3) naming the file and the field; a resumed run continues where its sidecar is.
/// </summary>
[Collection(CliHarness.Name)]
public sealed class CheckpointFieldTests
{
    public static TheoryData<string, string, string> RegressorEdits => new()
    {
        { "counters", "TargetSum", "[1,2,3]" }, { "counters", "Step", "-5" }, { "counters", "Step", "4611686018427387904" },
        { "counters", "IntervalSquaredError", "[1,2,3,4,5]" }, { "counters", "TargetCount", "-1" }, { "config", "batch_size", "100000000" },
    };

    [Theory]
    [MemberData(nameof(RegressorEdits))]
    public void A_psi_checkpoint_field_out_of_range_is_a_weights_error_naming_it(string key, string field, string value)
    {
        using var f = new TrainingFixture();
        PsiRuns.Start(f.Config(2), f.Out, f.Vgg, CPU);
        PsiRuns.EditManifest(f.Out, key, field, value);
        var (code, _, err) = CliHarness.Run("train", "regressor", "--resume", "--out", f.Out, "--vgg-weights", CliHarness.GoldenWeights);
        Assert.True(code == 3, $"exit {code}: {err}");
        Assert.Contains(RegressorCheckpoint.ManifestPath(f.Out), err);
        Assert.Contains(field == "batch_size" ? "batch-size" : field, err);
    }

    [Fact]
    public void A_calibration_too_large_to_score_with_is_refused_as_weights()
    {
        double[] weights = [1e308, .. new double[13]];
        var huge = System.Text.Json.JsonSerializer.Serialize(weights);
        var e = Assert.Throws<DsdException>(() => NoReferenceCalibration.FromJson(huge, "psi.safetensors"));
        Assert.Equal(DsdErrorKind.Weights, e.Kind);
        Assert.StartsWith("psi.safetensors: the calibration in its metadata holds a weight of magnitude 1E+308", e.Message);
        Assert.Equal(14, NoReferenceCalibration.FromJson(System.Text.Json.JsonSerializer.Serialize(Enumerable.Repeat(-3.5, 14)), "psi").Weights.Length);
    }

    /// <summary>A two-step sr run in <paramref name="outDir"/>.</summary>
    static void TrainSr(string data, string outDir)
    {
        var (code, _, err) = CliHarness.Run("train", "sr", "--train", data, "--out", outDir, "--steps", "2", "--blocks", "1", "--batch-size", "2",
            "--crop", "8", "--save-every", "1", "--log-every", "1", "--seed", "3");
        Assert.True(code == 0, err);
    }

    static long Step(string sidecar) => (long)JsonNode.Parse(File.ReadAllText(sidecar))!["step"]!;

    [Fact]
    public void A_copied_or_moved_run_resumes_where_it_is_and_leaves_the_original_alone()
    {
        var data = TrainingDataTests.HrFolder(count: 2, h: 40, w: 40);
        var root = Directory.CreateTempSubdirectory("dsd-resume-copy-").FullName;
        var a = Path.Combine(root, "a");
        TrainSr(data, a);
        var b = Path.Combine(root, "b");
        Directory.CreateDirectory(b);
        foreach (var file in Directory.GetFiles(a)) File.Copy(file, Path.Combine(b, Path.GetFileName(file)));
        var original = File.ReadAllBytes(Path.Combine(a, "last.safetensors"));

        var (code, _, err) = CliHarness.Run("train", "sr", "--resume", Path.Combine(b, "last.json"), "--steps", "3");
        Assert.True(code == 0, err);
        Assert.Equal(3, Step(Path.Combine(b, "last.json")));
        Assert.Equal(2, Step(Path.Combine(a, "last.json")));
        Assert.Equal(original, File.ReadAllBytes(Path.Combine(a, "last.safetensors")));

        var c = Path.Combine(root, "c");
        Directory.Move(a, c);
        (code, _, err) = CliHarness.Run("train", "sr", "--resume", Path.Combine(c, "last.json"), "--steps", "3");
        Assert.True(code == 0, err);
        Assert.Equal(3, Step(Path.Combine(c, "last.json")));
        Assert.False(Directory.Exists(a), "the moved run was recreated at its old path");
    }

    public static TheoryData<string, string> SidecarEdits => new()
    {
        { "step", "\"abc\"" }, { "step", "-1" }, { "step", "99" }, { "best_step", "7" }, { "best_merit", "\"high\"" },
        { "state", "\"../elsewhere.safetensors\"" }, { "format", "\"other/1\"" },
    };

    [Theory]
    [MemberData(nameof(SidecarEdits))]
    public void A_sidecar_field_out_of_range_is_a_weights_error_naming_it(string field, string value)
    {
        var data = TrainingDataTests.HrFolder(count: 2, h: 40, w: 40);
        var run = Directory.CreateTempSubdirectory("dsd-sidecar-").FullName;
        TrainSr(data, run);
        var sidecar = Path.Combine(run, "last.json");
        var json = JsonNode.Parse(File.ReadAllText(sidecar))!.AsObject();
        json[field] = JsonNode.Parse(value);
        File.WriteAllText(sidecar, json.ToJsonString());
        var (code, _, err) = CliHarness.Run("train", "sr", "--resume", sidecar);
        Assert.True(code == 3, $"exit {code}: {err}");
        Assert.Contains(sidecar, err);
        if (field != "format") Assert.Contains($"'{field}'", err);
    }
}
