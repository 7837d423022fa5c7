using Dsd.Imaging;
using Dsd.Quality;
using Dsd.Weights;
using static TorchSharp.torch;

using Dsd.Training;

namespace Dsd.Restoration;

/// <summary>Validation scores of one evaluation: means over the validation images.</summary>
public sealed record ValidationScores(double PsnrY, double Ssim, double? Dsd)
{
    /// <summary>The score of catalogue metric <paramref name="metric"/> (one of <see cref="Validator.Metrics"/>), signed so that larger is better.</summary>
    public double Merit(string metric)
    {
        var value = metric switch
        {
            "psnr-y" => PsnrY,
            "ssim" => Ssim,
            "dsd" => Dsd ?? throw new DsdException(DsdErrorKind.Weights, "best_metric dsd needs VGG19 weights"),
            _ => throw new ArgumentOutOfRangeException(nameof(metric)),
        };
        return MetricCatalog.Metric(metric).LowerIsBetter ? -value : value;
    }
}

/// <summary>
/// Scores a generator on validation pairs held in memory: PSNR on BT.601 Y and SSIM (border shave = the scale, as
/// is the SR convention), and the DSD distance when VGG19 weights are given. Saves the first outputs as samples.
/// </summary>
public sealed class Validator : IDisposable
{
    readonly List<(string Name, Tensor Input, Tensor Target)> images = [];
    readonly RestorationTask task;
    readonly IQualityMetric psnr;
    readonly IQualityMetric ssim;
    readonly IQualityMetric? dsd;

    /// <summary>The catalogue metrics a validation reports (val.csv's columns), any of which can pick the "best" checkpoint.</summary>
    public static IReadOnlyList<string> Metrics { get; } = ["psnr-y", "ssim", "dsd"];

    public int Count => images.Count;

    public Validator(IReadOnlyList<ImagePair> pairs, RestorationTask task, int seed, VggWeights? vggWeights, Device device)
    {
        this.task = task;
        var shave = task.Scale == 1 ? 0 : task.Scale;
        // PSNR and SSIM on BT.601 Y with the border shaved by the scale (the SR convention); DSD needs VGG19.
        var options = new MetricOptions { Shave = shave, SsimChannels = "y", VggWeights = vggWeights, Device = device };
        psnr = MetricCatalog.Create(Metrics[0], options);
        ssim = MetricCatalog.Create(Metrics[1], options);
        if (vggWeights is not null) dsd = MetricCatalog.Create(Metrics[2], options);
        for (var i = 0; i < pairs.Count; i++)
        {
            using var scope = NewDisposeScope();
            var (target, input) = PatchDataset.LoadPair(pairs[i], task);
            if (pairs[i].Input is null && task.MissingInput == MissingInput.MotionBlur)
                input = MotionBlur.ApplySame(target, MotionBlur.Kernel(new Random(seed * 7919 + i), 21));
            images.Add((pairs[i].Name, input.to(device).MoveToOuterDisposeScope(), target.to(device).MoveToOuterDisposeScope()));
        }
    }

    /// <summary>Scores <paramref name="network"/> (switched to eval mode for the duration) and writes up to <paramref name="samples"/> outputs.</summary>
    public ValidationScores Run(nn.Module<Tensor, Tensor> network, int samples, Func<string, string> samplePath)
    {
        var wasTraining = network.training;
        network.eval();
        try
        {
            double p = 0, s = 0, d = 0;
            for (var i = 0; i < images.Count; i++)
            {
                using var scope = NewDisposeScope();
                var (name, input, target) = images[i];
                var output = TiledInference.Run(network, input, task.Scale, tile: 512, margin: task.Network.ReceptiveRadius(RestorationNetworks.Blocks(network)));
                p += psnr.Score(output, target);
                s += ssim.Score(output, target);
                if (dsd is not null) d += dsd.Score(output, target);
                if (i < samples) ImageIo.SavePng(output, samplePath(name));
            }
            var n = Math.Max(1, images.Count);
            return new ValidationScores(p / n, s / n, dsd is null ? null : d / n);
        }
        finally
        {
            if (wasTraining) network.train();
        }
    }

    public void Dispose()
    {
        foreach (var (_, input, target) in images)
        {
            input.Dispose();
            target.Dispose();
        }
        (psnr as IDisposable)?.Dispose();
        (ssim as IDisposable)?.Dispose();
        (dsd as IDisposable)?.Dispose();
    }
}
