using Dsd.Networks;
using Dsd.Quality;
using Dsd.Serialization;
using Dsd.Training;
using Xunit;
using static TorchSharp.torch;
using Dsd.Regressor;

namespace Dsd.Tests.Training;

/// <summary>The psi training loop: exact resume, atomic checkpoints, the documented log, and that it learns.</summary>
[Collection(SerialCollection.Name)]
public class RegressorTrainerTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    public void StoppingAndResumingGivesTheSameWeightsAsOneRun(int bank)
    {
        using var f = new TrainingFixture();
        var once = Path.Combine(f.Root, "once");
        var split = Path.Combine(f.Root, "split");
        PsiRuns.Start(f.Config(8) with { Bank = bank }, once, f.Vgg, CPU);
        PsiRuns.Start(f.Config(4) with { Bank = bank }, split, f.Vgg, CPU);
        var summary = PsiRuns.Resume(split, f.Vgg, CPU, steps: 8);

        Assert.Equal(8, summary.Step);
        var a = PsiRuns.State(once);
        var b = PsiRuns.State(split);
        Assert.Equal(a.Keys.Order(), b.Keys.Order());
        Assert.Contains(a.Keys, k => k.StartsWith("ema/", StringComparison.Ordinal));
        Assert.Contains(a.Keys, k => k.StartsWith("adam_m/", StringComparison.Ordinal));
        // Bitwise: the same operations on the same numbers in the same order.
        foreach (var key in a.Keys) Assert.True(Same(a[key], b[key]), $"{key} differs after resume");
        // The log rows agree too, except the wall-clock column.
        Assert.Equal(LogWithoutSeconds(once), LogWithoutSeconds(split));
    }

    [Fact]
    public void CheckpointsAreWrittenAtomicallyAndLoadAsPsi()
    {
        using var f = new TrainingFixture();
        PsiRuns.Start(f.Config(4), f.Out, f.Vgg, CPU);

        var files = Directory.GetFiles(f.Out).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        // One state file (the manifest names it; the previous one is removed after the commit), the manifest renamed last.
        Assert.Equal(["last.json", "last.state.step-0000004.safetensors", "log.csv", "psi.safetensors", "psi_ema.safetensors", "validation.safetensors"], files);
        Assert.Empty(Directory.GetFiles(f.Out, "*.tmp", SearchOption.AllDirectories));

        // The exported weights are the reference layout (the shared SE gate under both block names) and load as psi.
        var checkpoint = PsiRuns.State(f.Out);
        foreach (var (file, prefix) in new[] { (RegressorCheckpoint.WeightsFileName, "param/"), (RegressorCheckpoint.AverageFileName, "ema/") })
        {
            var exported = SafeTensors.Load(Path.Combine(f.Out, file));
            Assert.Equal(NetworkWeights.ReferenceStateDict(new NoReferenceRegressor()).Keys.Order(), exported.Keys.Order());
            foreach (var (k, v) in exported) Assert.True(Same(v, checkpoint[prefix + k]), $"{file} {k}");
            using var psi = NoReferenceRegressor.FromFile(Path.Combine(f.Out, file));
        }
        // Each save also keeps a snapshot of the averaged weights under its step.
        var snapshot = SafeTensors.Load(RegressorCheckpoint.SnapshotPath(f.Out, 4));
        Assert.Equal(["step-0000002.safetensors", "step-0000004.safetensors"],
            Directory.GetFiles(Path.Combine(f.Out, "snapshots")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        foreach (var (k, v) in snapshot) Assert.True(Same(v, checkpoint["ema/" + k]), $"snapshot {k}");
        var metric = MetricCatalog.Create("noref-dsd", new MetricOptions
        {
            RegressorPath = Path.Combine(f.Out, RegressorCheckpoint.AverageFileName),
            VggWeights = GoldenSet.Random.VggWeights,
        });
        Assert.IsType<NoReferenceDsd>(metric);
    }

    [Fact]
    public void StartingOverAnExistingRunIsRefused()
    {
        using var f = new TrainingFixture();
        PsiRuns.Start(f.Config(2), f.Out, f.Vgg, CPU);
        var e = Assert.Throws<DsdException>(() => PsiRuns.Start(f.Config(2), f.Out, f.Vgg, CPU));
        Assert.Contains("--resume", e.Message);
    }

    [Fact]
    public void LogHasTheDocumentedColumnsAndOneRowPerInterval()
    {
        using var f = new TrainingFixture();
        PsiRuns.Start(f.Config(6), f.Out, f.Vgg, CPU);
        var lines = File.ReadAllLines(Path.Combine(f.Out, RegressorLog.FileName));
        string[] layers = ["relu1_2", "relu2_1", "relu2_2", "relu3_1"];
        var expected = new[] { "step", "epoch", "lr", "seconds", "train_loss" }
            .Concat(new[] { "train_rmse", "train_const_rmse", "val_rmse", "val_ema_rmse", "val_const_rmse" }.SelectMany(p => layers.Select(l => $"{p}_{l}")));
        Assert.Equal(string.Join(",", expected), lines[0]);
        Assert.Equal(["2", "4", "6"], lines.Skip(1).Select(l => l.Split(',')[0]));
        foreach (var row in lines.Skip(1))
        {
            var cells = row.Split(',');
            Assert.Equal(25, cells.Length);
            Assert.All(cells, c => Assert.True(double.TryParse(c, System.Globalization.CultureInfo.InvariantCulture, out var v) && double.IsFinite(v), row));
        }
        // Step decay ×0.5 every 3 steps: lr at step 6 (the 6th update, index 5) is 2e-4 · 0.5.
        Assert.Equal(1e-4, double.Parse(lines[3].Split(',')[2], System.Globalization.CultureInfo.InvariantCulture), 12);
    }

    [Fact]
    public void LossFallsWhenFittingATinyFixedSet()
    {
        using var f = new TrainingFixture(images: 2);
        // 8 bank crops, all in every batch: a fixed set psi can memorise.
        var config = f.Config(60) with { Bank = 8, BatchSize = 8, Lr = 1e-3, LrStep = 1000, Val = [], ValEvery = 60, SaveEvery = 60 };
        var losses = new List<double>();
        PsiRuns.Start(config, f.Out, f.Vgg, CPU, p => { if (p.Loss is { } l) losses.Add(l); });

        Assert.Equal(60, losses.Count);
        var first = losses.Take(5).Average();
        var last = losses.TakeLast(5).Average();
        Assert.True(last < 0.2 * first, $"loss {first:E3} → {last:E3}");
    }

    [Fact]
    public void ValidationRmseIsTheRootMeanSquaredErrorPerLayer()
    {
        using var f = new TrainingFixture();
        using var images = TrainingImages.Load([f.Validation], 32);
        using var crops = CropBank.Build(images, f.Vgg, 4, 8, 6, seed: 2, SplitMix64.Purpose.ValidationCrop);
        using var psi = new NoReferenceRegressor();
        psi.eval();
        using var noGrad = no_grad();
        var error = psi.call(crops.Inputs) - crops.Targets;
        var expected = error.square().mean([0]).sqrt();

        var actual = RegressorTrainer.Rmse(psi, crops, CPU);

        Assert.All(actual, v => Assert.True(v > 0));
        Close.Tensor(expected.to_type(ScalarType.Float64), tensor(actual), rtol: 1e-5, what: "validation RMSE");
    }

    static List<string> LogWithoutSeconds(string folder) =>
        File.ReadAllLines(Path.Combine(folder, RegressorLog.FileName))
            .Select(l => string.Join(",", l.Split(',').Where((_, i) => i != 3))).ToList();

    static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();
}
