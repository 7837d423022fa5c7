using Dsd.Imaging;
using Dsd.Restoration;
using Dsd.Training;
using Xunit;
using static TorchSharp.torch;

namespace Dsd.Tests.Training;

public sealed class TrainingDataTests
{
    internal static string HrFolder(int count = 3, int h = 40, int w = 36)
    {
        var dir = Directory.CreateTempSubdirectory("dsd-data-").FullName;
        manual_seed(11);
        for (var i = 0; i < count; i++) ImageIo.SavePng(rand(1, 3, h, w), Path.Combine(dir, $"im{i}.png"));
        return dir;
    }

    [SharedFact("data", "sr-benchmarks", "Set5", "x4")]
    public void SrBenchmarkNamingPairsHrWithLrByStem()
    {
        var pairs = TrainingPairs.Find(TestPaths.SharedPath("data", "sr-benchmarks", "Set5", "x4")!, RestorationTask.SuperResolution);
        Assert.Equal(5, pairs.Count);
        Assert.EndsWith("img_001_SRF_4_HR.png", pairs[0].Target);
        Assert.EndsWith("img_001_SRF_4_LR.png", pairs[0].Input);
    }

    [SharedFact("data", "deblur", "gopro-derived-pairs", "pairs")]
    public void GoProDerivedPairsMatchBlurredWithGt()
    {
        var pairs = TrainingPairs.Find(TestPaths.SharedPath("data", "deblur", "gopro-derived-pairs", "pairs")!, RestorationTask.Deblur);
        Assert.Equal(18, pairs.Count);
        Assert.All(pairs, p => Assert.Equal(p.Target.Replace("_gt.png", ".png", StringComparison.Ordinal), p.Input));
    }

    [Fact]
    public void HrAndLrSubfoldersPairByFileName()
    {
        var dir = Directory.CreateTempSubdirectory("dsd-data-").FullName;
        Directory.CreateDirectory(Path.Combine(dir, "HR"));
        Directory.CreateDirectory(Path.Combine(dir, "LR"));
        ImageIo.SavePng(rand(1, 3, 16, 16), Path.Combine(dir, "HR", "a.png"));
        ImageIo.SavePng(rand(1, 3, 4, 4), Path.Combine(dir, "LR", "a.png"));
        var pair = Assert.Single(TrainingPairs.Find(dir, RestorationTask.SuperResolution));
        Assert.Equal(Path.Combine(dir, "LR", "a.png"), pair.Input);
    }

    [Fact]
    public void HrOnlyFolderGivesAlignedPatchesWithLrFromBicubicDownscale()
    {
        var pairs = TrainingPairs.Find(HrFolder(h: 64, w: 64), RestorationTask.SuperResolution);
        Assert.All(pairs, p => Assert.Null(p.Input));
        using var data = new PatchDataset(pairs, RestorationTask.SuperResolution, new PatchOptions(BatchSize: 2, Crop: 12, Augment: false, Dequantize: false));
        using var batch = data.Sample(0);
        Assert.Equal(new long[] { 2, 3, 12, 12 }, batch.Input.shape);
        Assert.Equal(new long[] { 2, 3, 48, 48 }, batch.Target.shape);
        // LR pixel i depends on HR rows 4i−6 … 4i+9 (16-tap kernel, stride 4), so LR pixels 2…9 see only HR pixels inside
        // the 48-pixel patch: there the downscaled target equals the input but for the input's 8-bit rounding.
        using var down = Imresize.Downscale(batch.Target, 4);
        var inner = (down - batch.Input).narrow(2, 2, 8).narrow(3, 2, 8).abs().max().item<float>();
        Assert.True(inner <= 0.5f / 255 + 1e-6f, $"interior difference {inner}");
    }

    [Fact]
    public void BatchesArePureFunctionsOfSeedAndIndex()
    {
        var pairs = TrainingPairs.Find(HrFolder(), RestorationTask.Deblur);
        var options = new PatchOptions(BatchSize: 2, Crop: 8, BlurKernel: 7, Seed: 3);
        using var a = new PatchDataset(pairs, RestorationTask.Deblur, options);
        using var b = new PatchDataset(pairs, RestorationTask.Deblur, options);
        using var x = a.Sample(5);
        using var y = b.Sample(5);
        using var z = a.Sample(6);
        Assert.True(x.Input.eq(y.Input).all().item<bool>() && x.Target.eq(y.Target).all().item<bool>());
        Assert.False(x.Target.eq(z.Target).all().item<bool>());
        Assert.Equal(new long[] { 2, 3, 8, 8 }, x.Input.shape);
    }

    [Fact]
    public void MotionBlurKernelIsNormalisedAndNotADelta()
    {
        var k = MotionBlur.Kernel(new Random(1), 15);
        var values = k.Cast<float>().ToArray();
        Assert.Equal(1.0, values.Sum(), 4);
        Assert.All(values, v => Assert.True(v >= 0));
        Assert.True(values.Max() < 0.9f);
    }

    [Fact]
    public void QueueDeliversBatchesInIndexOrderAndRethrowsProducerFailures()
    {
        using (var queue = new BatchQueue(n => new Batch(full(1, (float)n), zeros(1)), 3, 6, capacity: 2))
            for (var n = 3; n < 6; n++)
                using (var b = queue.Take()) Assert.Equal(n, b.Input.item<float>());
        using var failing = new BatchQueue(_ => throw new DsdException(DsdErrorKind.InvalidInput, "bad.png: corrupt"), 0, 2);
        Assert.Contains("bad.png", Assert.Throws<DsdException>(() => failing.Take()).Message);
    }
}
