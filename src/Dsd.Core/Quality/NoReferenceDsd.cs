using Dsd.Dissimilarity;
using Dsd.Features;
using Dsd.Networks;
using static TorchSharp.torch;

namespace Dsd.Quality;

/// <summary>
/// The no-reference DSD quality measure (SPEC §3): psi predicts from y↓α the DSD norms a natural image would have,
/// and the score is how far the image's measured norms are from that prediction,
/// Q_α(y) = (1/4) Σ_l |psi_l(y↓α) − ‖DSD_α^l(y)‖₁|. Lower is more natural. The paper averages over the four layers;
/// the reference evaluator sums them, which is 4 × this score (<see cref="NoReferenceDsdResult.SumOverLayers"/>).
/// </summary>
public sealed class NoReferenceDsd : IQualityMetric
{
    readonly DsdOptions options;

    /// <param name="psi">The regressor trained for <paramref name="alpha"/>; it is switched to eval mode.</param>
    /// <param name="vgg">A VGG19 extractor with taps relu1_2, relu2_1, relu2_2, relu3_1, on psi's device.</param>
    /// <param name="alpha">The downscale factor psi was trained for: 4 (the reference evaluator's) or 2.</param>
    public NoReferenceDsd(NoReferenceRegressor psi, Vgg19Features vgg, double alpha = 4)
    {
        var lacking = NoReferenceRegressor.Layers.Except(vgg.Taps).ToList();
        if (lacking.Count > 0)
            throw new ArgumentException($"the VGG extractor lacks taps {string.Join(", ", lacking)}", nameof(vgg));
        if (alpha is not (2 or 4))
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "psi is trained for α = 2 or 4");
        Regressor = psi;
        Vgg = vgg;
        Alpha = alpha;
        options = new DsdOptions(NoReferenceRegressor.Layers, [alpha]);
        psi.eval();
    }

    public NoReferenceRegressor Regressor { get; }

    public Vgg19Features Vgg { get; }

    public double Alpha { get; }

    public string Name => "dsd-nr";

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
    /// Q_α of one image (or the mean over a batch). The reference evaluator instead averages Q over 80×80 crops; psi
    /// pools globally, so the whole image can be scored at once.
    /// </summary>
    public double Score(Tensor distorted, Tensor? reference)
    {
        using var scope = NewDisposeScope();
        using var mode = inference_mode();
        using var result = Evaluate(distorted);
        var value = result.Score.mean().item<float>();
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
