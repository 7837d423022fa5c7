using Dsd.Features;
using Dsd.Weights;
using static TorchSharp.torch;

namespace Dsd.Dissimilarity;

/// <summary>
/// The DSD fingerprint (docs/method.md §1): for every α and layer l, DSD_α^l(x) = G(φ_l(x)) − G(φ_l(x↓α)), a [B,C,C] tensor.
/// Differentiable in the image when computed with gradients enabled. Owns its tensors: dispose it when cached.
/// </summary>
public sealed class Fingerprint : IDisposable
{
    readonly Dictionary<(double Alpha, string Layer), Tensor> matrices;

    Fingerprint(DsdOptions options, Dictionary<(double, string), Tensor> matrices)
    {
        Options = options;
        this.matrices = matrices;
    }

    public DsdOptions Options { get; }

    /// <summary>DSD_α^l as [B,C,C].</summary>
    public Tensor this[double alpha, string layer] => matrices[(alpha, layer)];

    /// <summary>Computes the fingerprint of <paramref name="image"/> ([B,3,H,W] in [0,1], on the extractor's device).</summary>
    /// <remarks>
    /// Without gradients, an image whose VGG pass would exceed <paramref name="budget"/> (default
    /// <see cref="MemoryBudget.Default"/>) is computed tile by tile (<see cref="TiledGram"/>): same values, bounded memory.
    /// </remarks>
    public static Fingerprint Compute(Vgg19Features vgg, Tensor image, DsdOptions options, MemoryBudget? budget = null)
    {
        EnsureLargeEnough(image, vgg, options);
        if (!is_grad_enabled() || !image.requires_grad) return ComputeInference(vgg, image, options, budget ?? MemoryBudget.Default);
        using var scope = NewDisposeScope();
        // Activations are released as soon as their Gram exists (autograd keeps what backward needs), which keeps
        // the peak memory near one image's activations.
        var full = vgg.call(image);
        var fullGram = options.Layers.ToDictionary(l => l, l => Gram.Of(full[l]));
        Release(full);
        var result = new Dictionary<(double, string), Tensor>();
        foreach (var alpha in options.Alphas)
        {
            var downscaled = Downscaling.Apply(image, alpha);
            var small = vgg.call(downscaled);
            downscaled.Dispose();
            foreach (var layer in options.Layers)
            {
                using var smallGram = Gram.Of(small[layer]);
                result[(alpha, layer)] = (fullGram[layer] - smallGram).MoveToOuterDisposeScope();
            }
            Release(small);
        }
        return new Fingerprint(options, result);
    }

    /// <summary>
    /// The no-gradient path: Grams whole or by tiles as the budget allows, x↓α in strips. The budget counts the image
    /// and its downscaled copy as held memory, so what remains bounds the activations.
    /// </summary>
    static Fingerprint ComputeInference(Vgg19Features vgg, Tensor image, DsdOptions options, MemoryBudget budget)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var imageBytes = image.NumberOfElements * image.ElementSize;
        var full = TiledGram.Of(vgg, image, options.Layers, budget, imageBytes);
        var result = new Dictionary<(double, string), Tensor>();
        foreach (var alpha in options.Alphas)
        {
            Dictionary<string, Tensor> small;
            using (var downscaled = Downscaling.InStrips(image, alpha, Math.Max(1, budget.Bytes - imageBytes) / 4))
                small = TiledGram.Of(vgg, downscaled, options.Layers, budget, imageBytes + downscaled.NumberOfElements * downscaled.ElementSize);
            foreach (var layer in options.Layers)
                result[(alpha, layer)] = (full[layer] - small[layer]).MoveToOuterDisposeScope();
        }
        return new Fingerprint(options, result);
    }

    static void Release(IReadOnlyDictionary<string, Tensor> activations)
    {
        foreach (var t in activations.Values) t.Dispose();
    }

    /// <summary>‖DSD_α^l‖₁ as docs/method.md §1 defines it: the mean absolute entry, per image ([B]).</summary>
    public Tensor MeanAbs(double alpha, string layer)
    {
        var m = this[alpha, layer];
        return m.abs().mean([1, 2]);
    }

    /// <summary>
    /// A copy without gradient history that belongs to no dispose scope: the caller owns it and disposes it. Use it to
    /// keep a target fingerprint across iterations.
    /// </summary>
    public Fingerprint Detach() =>
        new(Options, matrices.ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone().DetachFromDisposeScope()));

    /// <summary>Image <paramref name="index"/> of a batch's fingerprint, as a batch of one (views of this one's tensors).</summary>
    public Fingerprint Slice(int index) =>
        new(Options, matrices.ToDictionary(kv => kv.Key, kv => kv.Value.narrow(0, index, 1)));

    /// <summary>Tensors named <c>alpha{α}/{layer}</c>, e.g. <c>alpha2/relu1_2</c>, for saving.</summary>
    public Dictionary<string, Tensor> ToNamedTensors() =>
        matrices.ToDictionary(kv => $"{DsdOptions.AlphaName(kv.Key.Alpha)}/{kv.Key.Layer}", kv => kv.Value);

    /// <summary>The smallest image side for which every layer of x↓α keeps at least one pixel.</summary>
    public static int MinimumSide(Vgg19Features vgg, DsdOptions options)
    {
        var need = vgg.Taps.Where(options.Layers.Contains).Select(Vgg19Layers.IndexOf).Max(Vgg19Layers.Stride);
        var side = need;
        while (options.Alphas.Any(a => Downscaling.OutputSide(side, a) < need)) side++;
        return side;
    }

    static void EnsureLargeEnough(Tensor image, Vgg19Features vgg, DsdOptions options)
    {
        if (image.dim() != 4 || image.shape[1] != 3)
            throw new DsdException(DsdErrorKind.InvalidInput, $"expected an RGB batch [B,3,H,W], got [{string.Join(",", image.shape)}]");
        var min = MinimumSide(vgg, options);
        if (image.shape[2] < min || image.shape[3] < min)
            throw new DsdException(DsdErrorKind.InvalidInput,
                $"image is {image.shape[3]}×{image.shape[2]} but DSD with {options} needs at least {min}×{min} pixels");
    }

    public void Dispose()
    {
        foreach (var t in matrices.Values) t.Dispose();
        matrices.Clear();
    }
}
