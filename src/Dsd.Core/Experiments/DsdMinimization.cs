using Dsd.Dissimilarity;
using Dsd.Features;
using Dsd.Quality;
using static TorchSharp.torch;

namespace Dsd.Experiments;

/// <summary>Settings of <see cref="DsdMinimization"/>; defaults follow docs/method.md §6 (Fig. 12).</summary>
public sealed record MinimizationOptions
{
    public double Alpha { get; init; } = 4;

    /// <summary>Layers summed over (the fingerprint's four by default).</summary>
    public IReadOnlyList<string> Layers { get; init; } = DsdOptions.Fingerprint.Layers;

    /// <summary>Steps whose image the caller wants (the run lasts until the largest).</summary>
    public IReadOnlyList<int> SaveSteps { get; init; } = [500, 5000];

    /// <summary>Adam's learning rate on the logits of <see cref="PixelParametrisation"/>.</summary>
    public double LearningRate { get; init; } = 1e-3;

    public int Steps => SaveSteps.Count == 0 ? 0 : SaveSteps.Max();

    public DsdOptions Dsd => new(Layers, [Alpha]);

    public void Validate()
    {
        if (SaveSteps.Count == 0 || SaveSteps.Any(s => s < 1))
            throw new DsdException(DsdErrorKind.Usage, "steps: at least one positive step to save is required");
        if (SaveSteps.Count > 1_000 || SaveSteps.Any(s => s > WorkLimits.MaxSteps))
            throw new DsdException(DsdErrorKind.Usage, $"steps: at most 1000 steps to save, each at most {WorkLimits.MaxSteps}");
        if (!(Alpha > 1)) throw new DsdException(DsdErrorKind.Usage, $"alpha: {Alpha} (must be > 1)");
        if (!(LearningRate > 0)) throw new DsdException(DsdErrorKind.Usage, $"learning rate: {LearningRate} (must be > 0)");
        if (Layers.Count == 0) throw new DsdException(DsdErrorKind.Usage, "at least one VGG layer is required");
    }
}

/// <summary>
/// One row of the run, measured before update <see cref="Step"/> (row 0 is the start image): the objective
/// Σ_l ‖DSD_α^l(x)‖₁ (mean |entry| per layer, docs/method.md §1), and how far x has moved from the start X: RMSE over RGB in
/// [0,1] units and PSNR on Y (BT.601; +∞ at step 0).
/// </summary>
public sealed record MinimizationStep(int Step, double DsdNorm, double RmseToStart, double PsnrYToStart);

/// <summary>The image reached (owned: dispose it), every row, and whether Ctrl+C cut the run short.</summary>
public sealed record MinimizationResult(Tensor Image, IReadOnlyList<MinimizationStep> Steps, bool Interrupted) : IDisposable
{
    public void Dispose() => Image.Dispose();
}

/// <summary>
/// DSD minimisation (docs/method.md §6, supplementary Fig. 12): gradient descent (Adam, through
/// <see cref="PixelParametrisation"/>) on ‖DSD_α(x)‖₁ starting from an image X. The paper's point: a few hundred steps
/// make an SR output look sharper and more natural, thousands create artefacts, because natural images do not have
/// the smallest DSD.
/// </summary>
public sealed class DsdMinimization(Vgg19Features vgg, MinimizationOptions options)
{
    public MinimizationOptions Options { get; } = options;

    /// <param name="start">X, [1,3,H,W] in [0,1], on the extractor's device.</param>
    /// <param name="onStep">Called with every row (progress, logs).</param>
    /// <param name="onSave">Called with the image at each of <see cref="MinimizationOptions.SaveSteps"/> (the tensor is
    /// valid during the call only).</param>
    /// <param name="cancel">Stops before the next update; the result holds the image reached.</param>
    public MinimizationResult Run(Tensor start, Action<MinimizationStep>? onStep = null, Action<int, Tensor>? onSave = null, CancellationToken cancel = default)
    {
        Options.Validate();
        var dsd = Options.Dsd;
        if (start.dim() != 4 || start.shape[0] != 1 || start.shape[1] != 3)
            throw new DsdException(DsdErrorKind.InvalidInput, $"expected one RGB image [1,3,H,W], got [{string.Join(",", start.shape)}]");
        var saves = Options.SaveSteps.ToHashSet();
        using var x0 = start.detach().to_type(ScalarType.Float32).clone().DetachFromDisposeScope();
        using var pixels = PixelParametrisation.Of(x0);
        using var adam = optim.Adam([pixels.Logits], Options.LearningRate);
        var rows = new List<MinimizationStep>();
        for (var step = 0; ; step++)
        {
            using var scope = NewDisposeScope();
            adam.zero_grad();
            var x = pixels.Image();
            var loss = Objective(x, dsd);
            var row = Measure(step, loss, x, x0);
            rows.Add(row);
            onStep?.Invoke(row);
            if (saves.Contains(step)) onSave?.Invoke(step, x.detach());
            if (step == Options.Steps) return new(pixels.Snapshot(), rows, false);
            if (cancel.IsCancellationRequested) return new(pixels.Snapshot(), rows, true);
            loss.backward();
            adam.step();
        }
    }

    /// <summary>Σ_l ‖DSD_α^l(x)‖₁ for one image, differentiable in x.</summary>
    Tensor Objective(Tensor x, DsdOptions dsd)
    {
        using var scope = NewDisposeScope();
        using var print = Fingerprint.Compute(vgg, x, dsd);
        Tensor? total = null;
        foreach (var layer in dsd.Layers)
        {
            var norm = print.MeanAbs(Options.Alpha, layer).sum();
            total = total is null ? norm : total + norm;
        }
        return total!.MoveToOuterDisposeScope();
    }

    static MinimizationStep Measure(int step, Tensor loss, Tensor x, Tensor x0)
    {
        using var noGrad = no_grad();
        var value = (double)loss.item<float>();
        if (!double.IsFinite(value))
            throw new DsdException(DsdErrorKind.Numerical, $"DSD minimisation: ‖DSD‖₁ is not finite at step {step}");
        var rmse = (x - x0).square().mean().sqrt().item<float>();
        var psnr = Psnr.Compute(x, x0).item<double>();
        return new MinimizationStep(step, value, rmse, psnr);
    }
}
