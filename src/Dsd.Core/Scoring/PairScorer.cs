using Dsd.Imaging;
using Dsd.Quality;
using static TorchSharp.torch;

namespace Dsd.Scoring;

/// <summary>
/// Random-crop scoring: <see cref="Count"/> windows of <see cref="Size"/>² per pair, averaged; up to
/// <see cref="Batch"/> crops go through the network together.
/// </summary>
public sealed record CropSettings(int Size, int Count, int Seed, int Batch = 1);

/// <summary>The scores of one pair, or the one-line reason it could not be scored.</summary>
public sealed record PairResult(ImagePair Pair, IReadOnlyDictionary<string, double> Scores, string? Error);

/// <summary>
/// Scores image pairs one at a time (images stream from disk, never all in memory). The last reference stays loaded,
/// so metrics that cache a reference's features (DSD) compute them once for many distorted images. Given the order
/// of the pairs (<see cref="Prefetch"/>), the next pair's files are decoded on another thread while the current
/// pair computes: at most one pair ahead, so memory stays that of two pairs.
/// </summary>
public sealed class PairScorer(IReadOnlyList<CatalogMetric> metrics, Device device, CropSettings? crops = null) : IDisposable
{
    string? referencePath;
    Tensor? reference;
    Queue<ImagePair>? upcoming;
    (ImagePair Pair, Task<Decoded> Task)? ahead;

    /// <summary>The pixels of a pair decoded on the CPU; Error when a file could not be read (reported when scored).</summary>
    sealed record Decoded(Tensor? Distorted, Tensor? Reference, Exception? Error);

    /// <summary>Announces the pairs that <see cref="Score"/> will be called with, in that order, so decoding runs ahead.</summary>
    public void Prefetch(IEnumerable<ImagePair> pairs)
    {
        upcoming = new Queue<ImagePair>(pairs);
        StartNext(null);
    }

    /// <summary>Scores a pair; input problems become <see cref="PairResult.Error"/> so other pairs can continue.</summary>
    public PairResult Score(ImagePair pair, int index)
    {
        try
        {
            using var scope = NewDisposeScope();
            var (dist, decodedReference) = Take(pair);
            var reference = pair.Reference is null ? null : Reference(pair.Reference, decodedReference);
            if (reference is not null && !dist.shape.SequenceEqual(reference.shape))
                throw new DsdException(DsdErrorKind.InvalidInput,
                    $"{pair.Distorted}: size {dist.shape[3]}×{dist.shape[2]} differs from reference {pair.Reference} {reference.shape[3]}×{reference.shape[2]}");
            var scores = new Dictionary<string, double>();
            foreach (var metric in metrics)
                scores[metric.Entry.Name] = ScoreOne(metric.Metric, dist, reference, pair, index);
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

    Tensor Reference(string path, Tensor? decoded)
    {
        if (reference is not null && referencePath == path)
        {
            decoded?.Dispose();
            return reference;
        }
        reference?.Dispose();
        reference = null;
        if (decoded is not null && device.type != TorchSharp.DeviceType.CPU)
            using (decoded) reference = decoded.to(device).DetachFromDisposeScope();
        else if (decoded is not null) reference = decoded;
        else
            using (NewDisposeScope())
                reference = ImageIo.Load(path, device).DetachFromDisposeScope();
        referencePath = path;
        return reference;
    }

    /// <summary>
    /// The distorted image (in the current dispose scope, on the device) and, when it was decoded ahead, the CPU
    /// reference; starts decoding the following pair before returning, so it overlaps this pair's computation.
    /// </summary>
    (Tensor Distorted, Tensor? Reference) Take(ImagePair pair)
    {
        if (ahead is not { } a || a.Pair != pair)
        {
            DropAhead();
            StartNext(pair);
            return (ImageIo.Load(pair.Distorted, device), null);
        }
        var decoded = a.Task.GetAwaiter().GetResult();
        ahead = null;
        StartNext(pair);
        if (decoded.Error is not null)
        {
            decoded.Distorted?.Dispose();
            decoded.Reference?.Dispose();
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(decoded.Error);
        }
        // Tensors made on the decoding thread belong to no scope: a view (or device copy) in this scope replaces them.
        var cpu = decoded.Distorted!;
        var dist = device.type == TorchSharp.DeviceType.CPU ? cpu.alias() : cpu.to(device);
        cpu.Dispose();
        return (dist, decoded.Reference);
    }

    /// <summary>Starts decoding the pair after <paramref name="current"/> in the announced order.</summary>
    void StartNext(ImagePair? current)
    {
        if (upcoming is null) return;
        if (current is not null)
            while (upcoming.Count > 0 && upcoming.Peek() != current) upcoming.Dequeue();
        if (current is not null && upcoming.Count > 0) upcoming.Dequeue();
        if (upcoming.Count == 0) return;
        var next = upcoming.Peek();
        // The reference is decoded only when it changes (a folder against one reference decodes it once).
        var needsReference = next.Reference is not null && next.Reference != (current?.Reference ?? referencePath);
        ahead = (next, Task.Run(() =>
        {
            // Owned by no scope even when the wait runs this task inline on the scoring thread, inside its scope.
            using var scope = NewDisposeScope();
            Tensor? d = null;
            try
            {
                d = ImageIo.Load(next.Distorted).DetachFromDisposeScope();
                return new Decoded(d, needsReference ? ImageIo.Load(next.Reference!).DetachFromDisposeScope() : null, null);
            }
            catch (Exception e)
            {
                return new Decoded(d, null, e);
            }
        }));
    }

    /// <summary>Waits for and releases a decode that will not be used.</summary>
    void DropAhead()
    {
        if (ahead is not { } a) return;
        var decoded = a.Task.GetAwaiter().GetResult();
        decoded.Distorted?.Dispose();
        decoded.Reference?.Dispose();
        ahead = null;
    }

    public void Dispose()
    {
        DropAhead();
        reference?.Dispose();
        foreach (var m in metrics) (m.Metric as IDisposable)?.Dispose();
    }
}
