using Dsd.Dissimilarity;
using Dsd.Features;
using static TorchSharp.torch;

namespace Dsd.Experiments;

/// <summary>What the pixels of the content image are optimised to match in the reference.</summary>
public enum MatchingObjective
{
    /// <summary>The DSD of every scale pair: Σ_pairs Σ_l mean |D(x) − D(y)|, D = G(φ_l(x↓fine)) − G(φ_l(x↓coarse)).</summary>
    Dsd,

    /// <summary>The Gram (style) matrices at every scale the pairs use: Σ_s Σ_l mean |G(φ_l(x↓s)) − G(φ_l(y↓s))|.</summary>
    Style,
}

/// <summary>Settings of <see cref="FingerprintMatching"/>; defaults follow docs/method.md §6 (Fig. 11).</summary>
public sealed record MatchingOptions
{
    public IReadOnlyList<ScalePair> Pairs { get; init; } = ScalePair.Paper;

    /// <summary>VGG layers of both objectives (the fingerprint's four by default).</summary>
    public IReadOnlyList<string> Layers { get; init; } = DsdOptions.Fingerprint.Layers;

    public MatchingObjective Objective { get; init; } = MatchingObjective.Dsd;

    public int Steps { get; init; } = 500;

    /// <summary>Adam's learning rate on the logits of <see cref="PixelParametrisation"/>.</summary>
    public double LearningRate { get; init; } = 0.02;

    public IReadOnlyList<double> Scales => ScalePair.ScalesOf(Pairs);

    public void Validate()
    {
        if (Steps < 0) throw new DsdException(DsdErrorKind.Usage, $"steps: {Steps} (must be ≥ 0)");
        if (!(LearningRate > 0)) throw new DsdException(DsdErrorKind.Usage, $"learning rate: {LearningRate} (must be > 0)");
        if (Pairs.Count == 0) throw new DsdException(DsdErrorKind.Usage, "at least one scale pair is required");
        if (Layers.Count == 0) throw new DsdException(DsdErrorKind.Usage, "at least one VGG layer is required");
    }
}

/// <summary>
/// Both distances to the reference before update <see cref="Step"/> (so row 0 is the content image and the last row,
/// <c>Step = Steps</c>, the result): whichever objective is optimised, the other is measured too.
/// </summary>
public sealed record MatchingStep(int Step, double DsdDistance, double StyleDistance)
{
    public double Loss(MatchingObjective objective) => objective == MatchingObjective.Dsd ? DsdDistance : StyleDistance;
}

/// <summary>The optimised image (owned: dispose it), every step's distances, and whether Ctrl+C cut the run short.</summary>
public sealed record MatchingResult(Tensor Image, IReadOnlyList<MatchingStep> Steps, bool Interrupted) : IDisposable
{
    public void Dispose() => Image.Dispose();
}

/// <summary>
/// Fingerprint matching (docs/method.md §6, supplementary Fig. 11): starting from a content image, Adam changes its pixels
/// (through <see cref="PixelParametrisation"/>) until its DSD between the scales of each pair matches the reference
/// image's, or, for comparison, until its Gram matrices at the same scales do. Gram matrices do not depend on the
/// image size, so content and reference may differ in size.
/// </summary>
public sealed class FingerprintMatching(Vgg19Features vgg, MatchingOptions options)
{
    public MatchingOptions Options { get; } = options;

    /// <param name="content">Start image [1,3,H,W] in [0,1], on the extractor's device.</param>
    /// <param name="reference">Image whose statistics are matched [1,3,H',W'].</param>
    /// <param name="onStep">Called after each row is measured (progress, logs).</param>
    /// <param name="cancel">Stops before the next update; the result holds the image reached.</param>
    public MatchingResult Run(Tensor content, Tensor reference, Action<MatchingStep>? onStep = null, CancellationToken cancel = default)
    {
        Options.Validate();
        RequireSize(content, "content");
        RequireSize(reference, "reference");
        var target = TargetStatistics(reference);
        try
        {
            using var pixels = PixelParametrisation.Of(content);
            using var adam = optim.Adam([pixels.Logits], Options.LearningRate);
            var rows = new List<MatchingStep>();
            for (var step = 0; ; step++)
            {
                using var scope = NewDisposeScope();
                adam.zero_grad();
                var grams = MultiScaleGrams.Compute(vgg, pixels.Image(), Options.Scales, Options.Layers);
                var dsd = DsdTerm(grams, target);
                var style = StyleTerm(grams, target);
                var row = new MatchingStep(step, dsd.item<float>(), style.item<float>());
                if (!double.IsFinite(row.DsdDistance) || !double.IsFinite(row.StyleDistance))
                    throw new DsdException(DsdErrorKind.Numerical, $"fingerprint matching: the distance is not finite at step {step}");
                rows.Add(row);
                onStep?.Invoke(row);
                if (step == Options.Steps) return new(pixels.Snapshot(), rows, false);
                if (cancel.IsCancellationRequested) return new(pixels.Snapshot(), rows, true);
                (Options.Objective == MatchingObjective.Dsd ? dsd : style).backward();
                adam.step();
            }
        }
        finally
        {
            foreach (var t in target.Values) t.Dispose();
        }
    }

    /// <summary>The reference's Grams at every scale, without gradients, owned by the caller.</summary>
    Dictionary<(double Scale, string Layer), Tensor> TargetStatistics(Tensor reference)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        return MultiScaleGrams.Compute(vgg, reference, Options.Scales, Options.Layers)
            .ToDictionary(kv => kv.Key, kv => kv.Value.detach().DetachFromDisposeScope());
    }

    /// <summary>Σ_pairs Σ_l mean |DSD_pair^l(x) − DSD_pair^l(y)|: the D_DSD of docs/method.md §2 over scale pairs.</summary>
    Tensor DsdTerm(Dictionary<(double, string), Tensor> x, Dictionary<(double, string), Tensor> y)
    {
        Tensor? total = null;
        foreach (var (fine, coarse) in Options.Pairs)
            foreach (var layer in Options.Layers)
            {
                var d = ((x[(fine, layer)] - x[(coarse, layer)]) - (y[(fine, layer)] - y[(coarse, layer)])).abs().mean();
                total = total is null ? d : total + d;
            }
        return total!;
    }

    /// <summary>Σ_s Σ_l mean |G(φ_l(x↓s)) − G(φ_l(y↓s))|: the style distance at every scale.</summary>
    Tensor StyleTerm(Dictionary<(double, string), Tensor> x, Dictionary<(double, string), Tensor> y)
    {
        Tensor? total = null;
        foreach (var key in x.Keys)
        {
            var d = (x[key] - y[key]).abs().mean();
            total = total is null ? d : total + d;
        }
        return total!;
    }

    void RequireSize(Tensor image, string what)
    {
        if (image.dim() != 4 || image.shape[0] != 1 || image.shape[1] != 3)
            throw new DsdException(DsdErrorKind.InvalidInput, $"{what}: expected one RGB image [1,3,H,W], got [{string.Join(",", image.shape)}]");
        var min = MultiScaleGrams.MinimumSide(vgg, Options.Scales, Options.Layers);
        if (image.shape[2] < min || image.shape[3] < min)
            throw new DsdException(DsdErrorKind.InvalidInput,
                $"{what} image is {image.shape[3]}×{image.shape[2]} but matching at scales {string.Join(",", Options.Pairs)} needs at least {min}×{min} pixels");
    }
}
