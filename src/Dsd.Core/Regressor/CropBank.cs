using Dsd.Features;
using Dsd.Serialization;
using static TorchSharp.torch;
using Dsd.Training;

namespace Dsd.Regressor;

/// <summary>
/// Precomputed (psi input, targets) pairs for a fixed set of crops: entry j is a random crop of side crop·α of image
/// j mod N (so every image is used evenly), with its own flip and noise, downscaled, and its ‖DSD_α^l‖₁ targets. The
/// reference trained on such a fixed set (2,310 crops of 320×320). Owns its tensors (CPU).
/// </summary>
public sealed class CropBank(Tensor inputs, Tensor targets) : IDisposable
{
    /// <summary>psi inputs [N,3,c,c].</summary>
    public Tensor Inputs { get; } = inputs;

    /// <summary>‖DSD_α^l‖₁ [N,4], columns in <see cref="Networks.NoReferenceRegressor.Layers"/> order.</summary>
    public Tensor Targets { get; } = targets;

    /// <summary>Builds <paramref name="count"/> entries; <paramref name="progress"/> gets the number done so far.</summary>
    public static CropBank Build(TrainingImages images, Vgg19Features vgg, double alpha, int crop, int count, long seed,
        SplitMix64.Purpose purpose, Action<int>? progress = null, CancellationToken cancel = default)
    {
        const int chunk = 8;
        var side = (int)(crop * alpha);
        var inputs = new List<Tensor>();
        var targets = new List<Tensor>();
        try
        {
            for (var start = 0; start < count; start += chunk)
            {
                cancel.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                var crops = stack(Enumerable.Range(start, Math.Min(chunk, count - start)).Select(j =>
                {
                    var random = SplitMix64.For(seed, purpose, j);
                    return RegressorSamples.Crop(images[j % images.Count], side, ref random);
                }).ToArray(), 0);
                var (i, t) = RegressorSamples.InputsAndTargets(vgg, crops, alpha, chunk);
                inputs.Add(i.cpu().DetachFromDisposeScope());
                targets.Add(t.cpu().DetachFromDisposeScope());
                progress?.Invoke(start + (int)crops.shape[0]);
            }
            return new CropBank(cat(inputs, 0), cat(targets, 0));
        }
        finally
        {
            foreach (var t in inputs.Concat(targets)) t.Dispose();
        }
    }

    /// <summary>Writes the bank as safetensors (<c>inputs</c>, <c>targets</c>) with <paramref name="key"/> as metadata.</summary>
    public void Save(string path, string key) =>
        SafeTensors.Save(path, new Dictionary<string, Tensor> { ["inputs"] = Inputs, ["targets"] = Targets },
            new Dictionary<string, string> { ["key"] = key });

    /// <summary>The bank at <paramref name="path"/> if it exists and was built for <paramref name="key"/>; otherwise null.</summary>
    public static CropBank? TryLoad(string path, string key)
    {
        if (!File.Exists(path) || SafeTensors.LoadMetadata(path).GetValueOrDefault("key") != key) return null;
        var t = SafeTensors.Load(path);
        return new CropBank(t["inputs"], t["targets"]);
    }

    public void Dispose()
    {
        Inputs.Dispose();
        Targets.Dispose();
    }
}
