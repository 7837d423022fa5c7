using Dsd.Features;
using Dsd.Weights;
using static TorchSharp.torch;

namespace Dsd.Distances;

/// <summary>
/// Contextual loss (Mechrez et al. 2018) with bandwidth h (0.5) and ε = 1e-5 as in the reference code: cosine distances
/// between all feature vectors of x and y after centring both on y's mean, normalised by each row's minimum,
/// turned into affinities, and −log of the mean best match. Cost is quadratic in the number of feature positions.
/// </summary>
/// <remarks>
/// Memory: the all-pairs matrix is Nx × Ny (a 512×384 pair at relu2_1: 49,152² floats, 9.7 GB per copy). Without
/// gradients it is computed in row chunks within <see cref="Budget"/> (every step up to the column maximum is
/// row-wise, so chunks are exact); with gradients (training) autograd keeps the whole matrices, and a batch that
/// would exceed the budget is refused up front with the memory it needs and the crop that fits.
/// </remarks>
public sealed class ContextualDistance(Vgg19Features vgg, IReadOnlyList<string>? layers = null, double bandwidth = 0.5)
    : FeatureDistance(vgg, layers ?? DefaultLayers)
{
    public static readonly IReadOnlyList<string> DefaultLayers = ["relu2_1"];

    const double Eps = 1e-5;

    /// <summary>Float32 copies of the Nx × Ny matrix kept at once by the autograd computation.</summary>
    const int WholeCopies = 5;

    /// <summary>Float32 copies of a chunk's rows alive at once (distances, affinities, a temporary).</summary>
    const int ChunkCopies = 3;

    public double Bandwidth { get; } = bandwidth;

    /// <summary>Memory for the all-pairs matrices; null: <see cref="MemoryBudget.Default"/>.</summary>
    public MemoryBudget? Budget { get; init; }

    /// <summary>
    /// Distance per image pair [B]. Without gradients (scoring) an image's distance to itself is exactly 0 and no distance
    /// is negative: the formula gives −log(1 + ε) ≈ −1e-5 for an identical photo (its best match has affinity 1), and for
    /// an identical constant image, whose features centred on their mean are all zero and so equally far from each other,
    /// −log(1/N + ε) ≈ log N for N feature positions (6.5 for a few hundred); both are artefacts of ε and of the centring, not distances.
    /// </summary>
    public override Tensor PerImage(Tensor input, Tensor target)
    {
        if (is_grad_enabled() && input.requires_grad)
        {
            CheckWholeFits(input);
            return base.PerImage(input, target);
        }
        using var scope = NewDisposeScope();
        var identical = input.eq(target).flatten(1).all(1);
        return base.PerImage(input, target).clamp_min(0).masked_fill(identical, 0).MoveToOuterDisposeScope();
    }

    protected override Tensor Compare(Tensor input, Tensor target)
    {
        // Centring on y's per-image mean; the reference centres on the batch mean, identical for one image per batch.
        var mu = target.mean([2, 3], keepdim: true);
        var x = nn.functional.normalize(input - mu, p: 2, dim: 1).flatten(2);   // [B, C, Nx]
        var y = nn.functional.normalize(target - mu, p: 2, dim: 1).flatten(2);  // [B, C, Ny]
        if (is_grad_enabled() && input.requires_grad)
        {
            var dist = 1 - x.transpose(1, 2).bmm(y);                         // [B, Nx, Ny]
            var relative = dist / (dist.min(2, keepdim: true).values + Eps);
            var w = ((1 - relative) / Bandwidth).exp();
            var cx = w / w.sum(2, keepdim: true);
            var best = cx.max(1).values.mean([1]);                            // [B]
            return -(best + Eps).log();
        }
        return Chunked(x, y, Budget ?? MemoryBudget.Default);
    }

    /// <summary>
    /// The same value without gradients, rows of the all-pairs matrix a chunk at a time: every step up to the
    /// maximum over rows is row-wise, so a running column maximum over chunks is exact.
    /// </summary>
    Tensor Chunked(Tensor x, Tensor y, MemoryBudget budget)
    {
        var (b, nx, ny) = (x.shape[0], x.shape[2], y.shape[2]);
        var rows = (long)Math.Clamp(budget.Bytes / ((double)ny * sizeof(float) * ChunkCopies), 1, nx);
        var results = new List<Tensor>();
        for (var i = 0; i < b; i++)
        {
            using var best = full(ny, float.NegativeInfinity, dtype: x.dtype, device: x.device);   // max over rows of cx, per column
            for (var start = 0L; start < nx; start += rows)
            {
                using var chunkScope = NewDisposeScope();
                var w = Affinities(x[i].narrow(1, start, Math.Min(rows, nx - start)).unsqueeze(0), y[i].unsqueeze(0));
                best.copy_(best.maximum(w.div_(w.sum(2, keepdim: true)).amax([1])[0]));
            }
            results.Add(best.mean().add(Eps).log().neg());
        }
        return stack(results);
    }

    /// <summary>Refuses, before any VGG work, an autograd computation whose all-pairs matrices exceed the budget.</summary>
    void CheckWholeFits(Tensor image)
    {
        var budget = Budget ?? MemoryBudget.Default;
        var (b, h, w) = (image.shape[0], image.shape[2], image.shape[3]);
        foreach (var layer in Layers)
        {
            var s = Vgg19Layers.Stride(Vgg19Layers.IndexOf(layer));
            var positions = (double)(h / s) * (w / s);
            var needed = b * positions * positions * sizeof(float) * WholeCopies;
            if (needed <= budget.Bytes) continue;
            // Crop side c whose map (c/s)² gives (c/s)⁴ · 4 B · copies · B ≤ budget.
            var side = (int)(s * Math.Pow(budget.Bytes / (4.0 * WholeCopies * b), 0.25)) / 8 * 8;
            throw new DsdException(DsdErrorKind.InvalidInput,
                $"contextual: a {w}×{h} image needs {MemoryBudget.Format(needed)} for its all-pairs matrix at {layer} with gradients, "
                + $"more than the memory budget {budget} (--max-memory); use crops of at most {Math.Max(8, side)}×{Math.Max(8, side)}");
        }
    }

    /// <summary>exp((1 − d/(min_j d + ε))/h) for the rows of x against all of y: [B, rows, Ny].</summary>
    Tensor Affinities(Tensor x, Tensor y)
    {
        var dist = x.transpose(1, 2).bmm(y).neg_().add_(1);                 // 1 − cosine similarity
        var relative = dist.div_(dist.amin([2], keepdim: true).add_(Eps));
        return relative.neg_().add_(1).div_(Bandwidth).exp_();
    }
}
