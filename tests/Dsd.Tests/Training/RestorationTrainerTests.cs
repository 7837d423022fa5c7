using Dsd.Restoration;
using Dsd.Serialization;
using Dsd.Training;
using Xunit;
using static TorchSharp.torch;

namespace Dsd.Tests.Training;

[Collection(SerialCollection.Name)]
public sealed class RestorationTrainerTests
{
    static readonly Lazy<string> Data = new(() => TrainingDataTests.HrFolder(count: 3, h: 72, w: 68));

    static RestorationTrainingConfig Tiny(string outDir, int steps) => new()
    {
        Task = "sr",
        Train = Data.Value,
        Out = outDir,
        Blocks = 5,
        Steps = steps,
        BatchSize = 2,
        Crop = 16,
        Lr = 1e-3,
        Losses = new Dictionary<string, double> { ["l1"] = 1, ["dsd"] = 10 },
        Ema = 0.9,
        ClipGrad = 1,
        LrStep = 3,
        LogEvery = 1,
        Seed = 42,
    };

    static string NewDir() => Directory.CreateTempSubdirectory("dsd-train-").FullName;

    [Fact]
    public void InterruptedAndResumedRunEndsWithTheSameWeightsAsAnUninterruptedOne()
    {
        var vgg = GoldenSet.Random.VggWeights;
        var straight = NewDir();
        new RestorationTrainer(Tiny(straight, 4), vgg).Run();

        var split = NewDir();
        using var cancel = new CancellationTokenSource();
        var first = new RestorationTrainer(Tiny(split, 4), vgg) { Progress = p => { if (p.Done == 2) cancel.Cancel(); } }
            .Run(cancel: cancel.Token);
        Assert.True(first.Interrupted);
        Assert.Equal(2, first.Step);
        var resumed = new RestorationTrainer(Tiny(split, 4), vgg).Run(resume: Path.Combine(split, "last.json"));
        Assert.False(resumed.Interrupted);
        Assert.Equal(4, resumed.Step);

        foreach (var file in new[] { "last.safetensors", CheckpointCommit.StateFileName("last", 4) })
        {
            var a = SafeTensors.Load(Path.Combine(straight, file));
            var b = SafeTensors.Load(Path.Combine(split, file));
            Assert.Equal(a.Keys.Order(), b.Keys.Order());
            foreach (var (key, t) in a)
                Assert.True(t.eq(b[key]).all().item<bool>(), $"{file}: {key} differs after resuming");
        }
        // The resumed log has each step once.
        Assert.Equal(["1", "2", "3", "4"], File.ReadLines(Path.Combine(split, "train.csv")).Skip(1).Select(l => l.Split(',')[0]));
    }

    [Fact]
    public void ValidationWritesBestAndLastCheckpointsLogsAndSamples()
    {
        var dir = NewDir();
        var config = Tiny(dir, 2).WithLossWeight("dsd", 0) with { Ema = 0, Val = Data.Value, ValEvery = 1, Samples = 1 };
        var trainer = new RestorationTrainer(config, GoldenSet.Random.VggWeights);
        trainer.Run();

        Assert.NotNull(trainer.Scores);
        Assert.True(double.IsFinite(trainer.Scores!.PsnrY));
        Assert.NotNull(trainer.Scores.Dsd);
        foreach (var file in new[] { "last.safetensors", CheckpointCommit.StateFileName("last", 2), "last.json", "best.safetensors", "best.json", "train.csv", "val.csv" })
            Assert.True(File.Exists(Path.Combine(dir, file)), file);
        Assert.Empty(Directory.GetFiles(dir, "best.state*"));
        Assert.Single(Directory.GetFiles(dir, "last.state*")); // older states are removed once the sidecar names the new one
        Assert.Equal(3, File.ReadAllLines(Path.Combine(dir, "val.csv")).Length);
        Assert.Equal(2, Directory.GetFiles(Path.Combine(dir, "samples")).Length);
        using var net = RestorationNetworks.Load(RestorationTask.SuperResolution, Path.Combine(dir, "last.json"));
        var (saved, _) = RestorationCheckpoint.ReadSidecar(Path.Combine(dir, "last.safetensors"));
        Assert.Equal(config, saved);
    }

    /// <summary>Every checkpoint records its architecture, block count and scale, so loaders need no flags.</summary>
    [Fact]
    public void CheckpointsRecordTheirArchitectureBlocksAndScale()
    {
        var dir = NewDir();
        new RestorationTrainer(Tiny(dir, 1).WithLossWeight("dsd", 0) with { Ema = 0, Blocks = 2 }).Run();
        var meta = SafeTensors.LoadMetadata(Path.Combine(dir, "last.safetensors"));
        Assert.Equal("xsrresnet", meta[RestorationNetworks.ArchitectureKey]);
        Assert.Equal("2", meta[RestorationNetworks.BlocksKey]);
        Assert.Equal("4", meta[RestorationNetworks.ScaleKey]);
        Assert.Equal("sr", meta[RestorationNetworks.TaskKey]);
        using var net = RestorationNetworks.Load(RestorationTask.SuperResolution, Path.Combine(dir, "last.json"));
        Assert.Equal(2, RestorationNetworks.Blocks(net));
    }

    /// <summary>zero_tail: a fresh SR network starts as bilinear ×4 upsampling of its input; with init it is refused.</summary>
    [Fact]
    public void ZeroTailStartsTheNetworkAsItsSkipPath()
    {
        var dir = NewDir();
        new RestorationTrainer(Tiny(dir, 1).WithLossWeight("dsd", 0) with { Ema = 0, Lr = 1e-12, ZeroTail = true }).Run();
        using var net = RestorationNetworks.Load(RestorationTask.SuperResolution, Path.Combine(dir, "last.json"));
        using var noGrad = no_grad();
        var x = rand(1, 3, 10, 12);
        var bilinear = nn.functional.interpolate(x, scale_factor: [4, 4], mode: InterpolationMode.Bilinear, align_corners: false);
        Assert.True((net.call(x) - bilinear).abs().max().item<float>() < 1e-5f);
        var e = Assert.Throws<DsdException>(() => (Tiny(dir, 1) with { ZeroTail = true, Init = Path.Combine(dir, "last.json") }).Validate());
        Assert.Contains("zero_tail", e.Message);
    }

    [Fact]
    public void InitLoadsTheFirstStageWeights()
    {
        var first = NewDir();
        new RestorationTrainer(Tiny(first, 1).WithLossWeight("dsd", 0) with { Ema = 0 }).Run();
        var second = NewDir();
        // lr so small the weights barely move: the second stage must start from the first stage's weights.
        new RestorationTrainer(Tiny(second, 1).WithLossWeight("dsd", 0) with { Ema = 0, Lr = 1e-12, Init = Path.Combine(first, "last.safetensors"), Seed = 9 }).Run();
        var a = SafeTensors.Load(Path.Combine(first, "last.safetensors"));
        var b = SafeTensors.Load(Path.Combine(second, "last.safetensors"));
        Assert.All(a, kv => Assert.True((kv.Value - b[kv.Key]).abs().max().item<float>() < 1e-6f, kv.Key));
    }

    [Fact]
    public void VggLossesWithoutVggWeightsFailClearly()
    {
        var e = Assert.Throws<DsdException>(() => new RestorationTrainer(Tiny(NewDir(), 1)).Run());
        Assert.Equal(DsdErrorKind.Weights, e.Kind);
        Assert.Contains("VGG19", e.Message);
    }

    [Fact]
    public void StepAndCosineSchedules()
    {
        var step = new RestorationTrainer(new RestorationTrainingConfig { Lr = 1, LrStep = 10, LrGamma = 0.5, Steps = 100 });
        Assert.Equal(1, step.LearningRate(9));
        Assert.Equal(0.25, step.LearningRate(20));
        var cosine = new RestorationTrainer(new RestorationTrainingConfig { Lr = 1, Schedule = "cosine", Steps = 100 });
        Assert.Equal(1, cosine.LearningRate(0), 12);
        Assert.Equal(0.5, cosine.LearningRate(50), 12);
    }

    [Fact]
    public void UnknownConfigKeysAreErrorsNamingTheFile()
    {
        var e = Assert.Throws<DsdException>(() => RestorationTrainingConfig.FromJson("{\"stepz\": 3}", "run.json"));
        Assert.Contains("run.json", e.Message);
    }
}
