using Dsd.Dissimilarity;
using Dsd.Features;
using Dsd.Imaging;
using Dsd.Networks;
using Dsd.Quality;
using Dsd.Restoration;
using static TorchSharp.torch;

namespace Dsd.Experiments;

/// <summary>
/// Mean scores of one method over the validation images: PSNR-Y and SSIM (Y, shave 4), D_DSD to the ground truth
/// (image-quality settings, docs/method.md §2) and no-reference DSD (docs/method.md §3; null without a psi).
/// </summary>
public sealed record MethodScores(string Method, long Steps, double PsnrY, double Ssim, double Dsd, double? NoReferenceDsd);

/// <summary>
/// The same region of every validation image as each method restores it, for the grid: <see cref="Crops"/>[i][j] is
/// image i by method j ([1,3,S,S] on the CPU, owned by this object).
/// </summary>
public sealed record ComparisonCrops(IReadOnlyList<string> Images, IReadOnlyList<string> Methods, IReadOnlyList<IReadOnlyList<Tensor>> Crops) : IDisposable
{
    public void Dispose()
    {
        foreach (var row in Crops)
            foreach (var t in row) t.Dispose();
    }
}

/// <summary>
/// Scores the runs of a <see cref="LossComparison"/> on its validation folder, beside the bicubic upsampling and the
/// ground truth, and cuts the grid's crops (a centred square of each of the first images).
/// </summary>
public sealed class LossComparisonReport(Vgg19Features vgg, NoReferenceDsd? noReference, Device device)
{
    /// <summary>
    /// The table's columns, in order, as catalogue entries: their names (and <see cref="MetricEntry.ConfigKey"/>s for CSV
    /// headers) and directions come from the catalogue, the full-reference ones are built by its factories.
    /// </summary>
    public static IReadOnlyList<MetricEntry> Metrics { get; } = [.. new[] { "psnr-y", "ssim", "dsd", "noref-dsd" }.Select(MetricCatalog.Metric)];

    /// <summary>The settings the table scores with: the ×4 SR convention (shave 4), SSIM on Y, D_DSD's image-quality settings.</summary>
    public static MetricOptions Options(Device device) =>
        new() { Device = device, Shave = XSrResNet.Scale, SsimChannels = "y", Dsd = DsdOptions.ImageQuality };

    /// <summary>Taps the extractor needs: D_DSD's and psi's.</summary>
    public static IReadOnlyList<string> Layers => DsdOptions.ImageQuality.Layers.Union(NoReferenceRegressor.Layers).ToList();

    /// <param name="runs">Finished runs (name, weights file, steps).</param>
    /// <param name="valFolder">Validation pairs (LR made by bicubic ↓4 where a folder has targets only).</param>
    /// <param name="gridImages">How many images get a row in the grid.</param>
    /// <param name="cropSide">Side of the grid's crops, in output pixels.</param>
    /// <param name="onItem">Called with each image's name before it is scored.</param>
    public (IReadOnlyList<MethodScores> Table, ComparisonCrops Crops) Evaluate(
        IReadOnlyList<(string Name, string Weights, long Steps, int Blocks)> runs, string valFolder, int gridImages = 3, int cropSide = 96, Action<string>? onItem = null)
    {
        var pairs = TrainingPairs.Find(valFolder, RestorationTask.SuperResolution);
        var methods = new List<string> { "ground truth", "bicubic" };
        methods.AddRange(runs.Select(r => r.Name));
        var sums = methods.ToDictionary(m => m, _ => new double[4]);
        var names = new List<string>();
        var crops = new List<IReadOnlyList<Tensor>>();
        var networks = runs.Select(r => RestorationNetworks.Load(RestorationTask.SuperResolution, r.Weights, r.Blocks, device)).ToList();
        // The full-reference columns on the shared extractor; the reference's fingerprint is computed once per image.
        var fullReference = Metrics.Where(e => e.Kind == MetricKind.FullReference).Select(e => e.Metric!(Options(device), vgg)).ToList();
        try
        {
            using var mode = inference_mode();
            for (var i = 0; i < pairs.Count; i++)
            {
                using var scope = NewDisposeScope();
                onItem?.Invoke(pairs[i].Name);
                var (target, input) = PatchDataset.LoadPair(pairs[i], RestorationTask.SuperResolution);
                target = target.to(device);
                input = input.to(device);
                var outputs = new List<Tensor> { target, Imresize.Resize(input, (int)target.shape[2], (int)target.shape[3]).clamp(0, 1) };
                foreach (var net in networks)
                    outputs.Add(TiledInference.Run(net, input, RestorationTask.SuperResolution.Scale, tile: 256, margin: RestorationTask.SuperResolution.Network.ReceptiveRadius(RestorationNetworks.Blocks(net))).clamp(0, 1));
                for (var m = 0; m < methods.Count; m++)
                {
                    var s = Score(fullReference, outputs[m], target);
                    for (var k = 0; k < 4; k++) sums[methods[m]][k] += s[k];
                }
                if (i < gridImages)
                {
                    names.Add(pairs[i].Name);
                    crops.Add(outputs.Select(o => CentreCrop(o, cropSide).cpu().DetachFromDisposeScope()).ToList());
                }
            }
        }
        finally
        {
            foreach (var net in networks) net.Dispose();
            foreach (var metric in fullReference) (metric as IDisposable)?.Dispose();
        }
        var n = pairs.Count;
        var steps = runs.ToDictionary(r => r.Name, r => r.Steps);
        var table = methods.Select(m => new MethodScores(m, steps.GetValueOrDefault(m), sums[m][0] / n, sums[m][1] / n, sums[m][2] / n,
            noReference is null ? null : sums[m][3] / n)).ToList();
        return (table, new ComparisonCrops(names, methods, crops));
    }

    /// <summary>The <see cref="Metrics"/> of one output, in column order (NaN for noref-dsd without a psi).</summary>
    double[] Score(IReadOnlyList<IQualityMetric> fullReference, Tensor output, Tensor target)
    {
        using var scope = NewDisposeScope();
        double[] scores = [.. fullReference.Select(m => m.Score(output, target)), noReference?.Score(output, null) ?? double.NaN];
        if (!double.IsFinite(scores[2])) throw new DsdException(DsdErrorKind.Numerical, "loss comparison: DSD is not finite");
        return scores;
    }

    static Tensor CentreCrop(Tensor image, int side)
    {
        var (h, w) = (image.shape[2], image.shape[3]);
        var s = (int)Math.Min(side, Math.Min(h, w));
        return image.narrow(2, (h - s) / 2, s).narrow(3, (w - s) / 2, s);
    }
}
