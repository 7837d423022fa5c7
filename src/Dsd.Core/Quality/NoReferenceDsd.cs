using Dsd.Dissimilarity;
using Dsd.Features;
using Dsd.Networks;
using static TorchSharp.torch;

namespace Dsd.Quality;

/// <summary>
/// The no-reference DSD quality measure (docs/method.md §3): psi predicts from y↓α the DSD norms a natural image would have,
/// and the score is how far the image's measured norms are from that prediction,
/// Q_α(y) = (1/4) Σ_l |psi_l(y↓α) − ‖DSD_α^l(y)‖₁|. Lower is more natural. The paper averages over the four layers;
/// the reference evaluator sums them, which is 4 × this score (<see cref="NoReferenceDsdResult.SumOverLayers"/>).
/// <para>
/// psi learns the DSD norms of crops of one size (80·α pixels at full resolution by default), and the norm of a larger
/// image is not the norm of its crops: the Gram matrix of a whole image averages its regions, so their differences
/// partly cancel. <see cref="Score"/> therefore averages Q over a fixed grid of tiles of that size, as psi saw in
/// training; <c>tile = 0</c> scores the whole image at once.
/// </para>
/// </summary>
public sealed class NoReferenceDsd : IQualityMetric
{
    readonly DsdOptions options;

    /// <param name="psi">The regressor trained for <paramref name="alpha"/>; it is switched to eval mode.</param>
    /// <param name="vgg">A VGG19 extractor with taps relu1_2, relu2_1, relu2_2, relu3_1, on psi's device.</param>
    /// <param name="alpha">The downscale factor psi was trained for: 4 (the reference evaluator's) or 2.</param>
    /// <param name="tile">Side of the full-resolution tiles Q is averaged over (psi's training crop, 80·α by default);
    /// 0 = the whole image.</param>
    public NoReferenceDsd(NoReferenceRegressor psi, Vgg19Features vgg, double alpha = 4, int? tile = null)
    {
        var lacking = NoReferenceRegressor.Layers.Except(vgg.Taps).ToList();
        if (lacking.Count > 0)
            throw new ArgumentException($"the VGG extractor lacks taps {string.Join(", ", lacking)}", nameof(vgg));
        if (alpha is not (2 or 4))
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "psi is trained for α = 2 or 4");
        Regressor = psi;
        Vgg = vgg;
        Alpha = alpha;
        Tile = tile ?? DefaultTile(alpha);
        if (Tile < 0) throw new ArgumentOutOfRangeException(nameof(tile), tile, "tiles must be 0 (whole image) or a positive side");
        options = new DsdOptions(NoReferenceRegressor.Layers, [alpha]);
        psi.eval();
    }

    /// <summary>
    /// The metric for <paramref name="options"/>: psi from <see cref="MetricOptions.RegressorPath"/> or the shipped psi for
    /// the α asked for. Never scores with an untrained psi: no weights is an error, not random output.
    /// </summary>
    public static NoReferenceDsd Create(MetricOptions options, Vgg19Features vgg)
    {
        var path = options.RegressorPath ?? ShippedRegressors.PathFor(options.NoReferenceAlpha, options.ModelsFolder)
            ?? throw new DsdException(DsdErrorKind.Weights,
                $"noref-dsd needs trained regressor (psi) weights for α = {options.NoReferenceAlpha} and none were found in {options.ModelsFolder ?? ShippedRegressors.Folder}; pass --regressor PATH "
                + "(a psi state dict in safetensors or PyTorch format, e.g. from 'dsd train regressor' or the authors' resnet_se checkpoint)");
        // Our psi files record the α they were trained for; a psi for the other α would give confident nonsense.
        if (path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase) && File.Exists(path)
            && Serialization.SafeTensors.LoadMetadata(path).TryGetValue("alpha", out var trained)
            && double.TryParse(trained, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var a)
            && a != options.NoReferenceAlpha)
            throw new DsdException(DsdErrorKind.Weights, $"{path}: psi was trained for α = {trained}, not α = {options.NoReferenceAlpha} (--alpha)");
        var psi = NoReferenceRegressor.FromFile(path, options.Device);
        return new NoReferenceDsd(psi, vgg, options.NoReferenceAlpha, options.NoReferenceTile);
    }

    public NoReferenceRegressor Regressor { get; }

    public Vgg19Features Vgg { get; }

    public double Alpha { get; }

    /// <summary>Side of the tiles Q is averaged over; 0 = whole image.</summary>
    public int Tile { get; }

    /// <summary>psi's default training crop at full resolution: 80·α.</summary>
    public static int DefaultTile(double alpha) => (int)(80 * alpha);

    /// <summary>
    /// Top-left corners of the tiles along one side of length <paramref name="length"/>: the fewest tiles of side
    /// <paramref name="tile"/> that cover it, spread evenly (the last ends at the border). One tile, at 0 and of the
    /// whole length, when the side is not longer than a tile.
    /// </summary>
    public static int[] TileStarts(long length, int tile)
    {
        if (tile <= 0 || length <= tile) return [0];
        var count = (int)((length + tile - 1) / tile);
        return Enumerable.Range(0, count).Select(i => (int)Math.Round((double)i * (length - tile) / (count - 1))).ToArray();
    }

    public string Name => "noref-dsd";

    public bool LowerIsBetter => true;

    public bool NeedsReference => false;

    /// <summary>
    /// Prediction, measurement and per-layer gaps for a batch [B,3,H,W] in [0,1] (moved to the extractor's device). psi sees the
    /// same strided bicubic x↓α as the fingerprint. Differentiable when called with gradients enabled.
    /// </summary>
    public NoReferenceDsdResult Evaluate(Tensor images)
    {
        using var scope = NewDisposeScope();
        images = images.to(Vgg.Device);
        var predicted = Regressor.call(Downscaling.Apply(images, Alpha));
        using var print = Fingerprint.Compute(Vgg, images, options);
        var measured = stack(NoReferenceRegressor.Layers.Select(l => print.MeanAbs(Alpha, l)).ToArray(), 1);
        var perLayer = (predicted - measured).abs();
        return new NoReferenceDsdResult(
            predicted.MoveToOuterDisposeScope(), measured.MoveToOuterDisposeScope(), perLayer.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Q_α of one image (or the mean over a batch), averaged over the tiles of <see cref="Tile"/> (see
    /// <see cref="TileStarts"/>); a side shorter than a tile is taken whole.
    /// </summary>
    public double Score(Tensor distorted, Tensor? reference)
    {
        using var scope = NewDisposeScope();
        using var mode = inference_mode();
        var (h, w) = (distorted.shape[2], distorted.shape[3]);
        var (th, tw) = (Tile > 0 ? Math.Min(Tile, h) : h, Tile > 0 ? Math.Min(Tile, w) : w);
        var tiles = (from y in TileStarts(h, Tile) from x in TileStarts(w, Tile)
                     select distorted.narrow(2, y, th).narrow(3, x, tw)).ToList();
        // A few tiles per forward pass: as fast as one batch, with bounded memory on large images.
        var sum = 0.0;
        foreach (var chunk in tiles.Chunk(8))
        {
            using var inner = NewDisposeScope();
            using var result = Evaluate(cat(chunk, 0));
            sum += result.Score.sum().item<float>();
        }
        var value = (float)(sum / (tiles.Count * distorted.shape[0]));
        if (!float.IsFinite(value))
            throw new DsdException(DsdErrorKind.Numerical, "no-reference DSD is not finite (NaN or infinity in the image or weights)");
        return value;
    }
}

/// <summary>One batch's no-reference DSD. Columns follow <see cref="NoReferenceRegressor.Layers"/>. Owns its tensors.</summary>
/// <param name="Predicted">psi(y↓α), [B,4].</param>
/// <param name="Measured">‖DSD_α^l(y)‖₁ (mean absolute entry), [B,4].</param>
/// <param name="PerLayer">|Predicted − Measured|, [B,4].</param>
public sealed record NoReferenceDsdResult(Tensor Predicted, Tensor Measured, Tensor PerLayer) : IDisposable
{
    /// <summary>Q_α per image, the paper's average over layers, [B].</summary>
    public Tensor Score => PerLayer.mean([1]);

    /// <summary>The reference evaluator's sum over layers (4 × <see cref="Score"/>), [B].</summary>
    public Tensor SumOverLayers => PerLayer.sum(1);

    public void Dispose()
    {
        Predicted.Dispose();
        Measured.Dispose();
        PerLayer.Dispose();
    }
}
