using Dsd.Imaging;
using static TorchSharp.torch;

namespace Dsd.Quality;

/// <summary>
/// Random-crop scoring: <see cref="Count"/> windows of <see cref="Size"/>² per pair, averaged; up to
/// <see cref="Batch"/> crops go through the network together.
/// </summary>
public sealed record CropSettings(int Size, int Count, int Seed, int Batch = 1);

/// <summary>The scores of one pair, or the one-line reason it could not be scored.</summary>
public sealed record PairResult(ImagePair Pair, IReadOnlyDictionary<string, double> Scores, string? Error);

/// <summary>
/// Scores image pairs one at a time (images stream from disk, never all in memory). The last reference stays loaded,
/// so metrics that cache a reference's features (DSD) compute them once for many distorted images.
/// </summary>
public sealed class PairScorer(IReadOnlyList<IQualityMetric> metrics, Device device, CropSettings? crops = null) : IDisposable
{
    string? referencePath;
    Tensor? reference;

    /// <summary>Scores a pair; input problems become <see cref="PairResult.Error"/> so other pairs can continue.</summary>
    public PairResult Score(ImagePair pair, int index)
    {
        try
        {
            using var scope = NewDisposeScope();
            var dist = ImageIo.Load(pair.Distorted, device);
            var reference = pair.Reference is null ? null : Reference(pair.Reference);
            if (reference is not null && !dist.shape.SequenceEqual(reference.shape))
                throw new DsdException(DsdErrorKind.InvalidInput,
                    $"{pair.Distorted}: size {dist.shape[3]}×{dist.shape[2]} differs from reference {pair.Reference} {reference.shape[3]}×{reference.shape[2]}");
            var scores = new Dictionary<string, double>();
            foreach (var metric in metrics)
                scores[metric.Name] = ScoreOne(metric, dist, reference, pair, index);
            return new PairResult(pair, scores, null);
        }
        catch (DsdException e) when (e.Kind is DsdErrorKind.InvalidInput or DsdErrorKind.Numerical)
        {
            var message = e.Message.Contains(pair.Distorted, StringComparison.Ordinal) || (pair.Reference is not null && e.Message.Contains(pair.Reference, StringComparison.Ordinal))
                ? e.Message
                : $"{pair.Distorted}: {e.Message}";
            return new PairResult(pair, new Dictionary<string, double>(), message);
        }
    }

    double ScoreOne(IQualityMetric metric, Tensor dist, Tensor? reference, ImagePair pair, int index)
    {
        if (crops is null) return metric.Score(dist, reference);
        var at = RandomCrops.Positions((int)dist.shape[2], (int)dist.shape[3], crops.Size, crops.Count, crops.Seed, index);
        var sum = 0.0;
        foreach (var chunk in at.Chunk(Math.Max(1, crops.Batch)))
        {
            using var scope = NewDisposeScope();
            var d = cat(chunk.Select(p => RandomCrops.Crop(dist, p, crops.Size)).ToArray(), 0);
            var r = reference is null ? null : cat(chunk.Select(p => RandomCrops.Crop(reference, p, crops.Size)).ToArray(), 0);
            sum += metric.ScoreBatch(d, r).Sum();
        }
        return sum / at.Count;
    }

    Tensor Reference(string path)
    {
        if (reference is not null && referencePath == path) return reference;
        reference?.Dispose();
        reference = null;
        using (NewDisposeScope())
            reference = ImageIo.Load(path, device).DetachFromDisposeScope();
        referencePath = path;
        return reference;
    }

    public void Dispose()
    {
        reference?.Dispose();
        foreach (var m in metrics) (m as IDisposable)?.Dispose();
    }
}
