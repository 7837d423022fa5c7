using Dsd.Imaging;
using Dsd.Quality;
using Dsd.Weights;
using static TorchSharp.torch;

using Dsd.Training;

namespace Dsd.Restoration;

/// <summary>Validation scores of one evaluation: means over the validation images.</summary>
public sealed record ValidationScores(double PsnrY, double Ssim, double? Dsd)
{
    /// <summary>The score named by <c>best_metric</c>, signed so that larger is better.</summary>
    public double Merit(string metric) => metric switch
    {
        "psnr-y" => PsnrY,
        "ssim" => Ssim,
        "dsd" => -(Dsd ?? throw new DsdException(DsdErrorKind.Weights, "best_metric dsd needs VGG19 weights")),
        _ => throw new ArgumentOutOfRangeException(nameof(metric)),
    };
}

/// <summary>
/// Scores a generator on validation pairs held in memory: PSNR on BT.601 Y and SSIM (border shave = the scale, as
/// is the SR convention), and the DSD distance when VGG19 weights are given. Saves the first outputs as samples.
/// </summary>
public sealed class Validator : IDisposable
{
    readonly List<(string Name, Tensor Input, Tensor Target)> images = [];
    readonly RestorationTask task;
    readonly PsnrMetric psnr;
    readonly SsimMetric ssim;
    readonly IQualityMetric? dsd;

    public int Count => images.Count;

    public Validator(IReadOnlyList<ImagePair> pairs, RestorationTask task, int seed, VggWeights? vggWeights, Device device)
    {
        this.task = task;
        var shave = task.Scale == 1 ? 0 : task.Scale;
        psnr = new PsnrMetric(onY: true, shave);
        ssim = new SsimMetric("y", shave);
        if (vggWeights is not null) dsd = MetricCatalog.Create("dsd", new MetricOptions { VggWeights = vggWeights, Device = device });
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
        (dsd as IDisposable)?.Dispose();
    }
}
