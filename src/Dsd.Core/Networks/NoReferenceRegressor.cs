using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dsd.Networks;

/// <summary>
/// psi, the no-reference regressor of docs/method.md §3: a squeeze-and-excitation ResNet that sees a downscaled image y↓α and
/// predicts ‖DSD_α^l(y)‖₁ (mean absolute entry) of a natural image for l = <see cref="Layers"/>. 5×5 conv 3→32 + BN +
/// ReLU; six stages of two <see cref="SeResidualBlock"/>s (widths 32,32,64,64,128,128; stride 1 then 2); global
/// average pool; Linear 128→32, LeakyReLU(0.1), Linear 32→4. Parameter and buffer names equal the reference
/// (<c>image_to_features.0</c>, <c>features.S.B.conv1</c>, <c>…bn1.running_mean</c>, <c>…residual_block.transform.0</c>,
/// <c>classifier.0</c>, …).
/// </summary>
public sealed class NoReferenceRegressor : nn.Module<Tensor, Tensor>
{
    /// <summary>The layers whose DSD norms psi predicts, in output-column order.</summary>
    public static IReadOnlyList<string> Layers { get; } = ["relu1_2", "relu2_1", "relu2_2", "relu3_1"];

    /// <summary>
    /// The downscale factors α psi is made for (the reference trains it for 4 and 2; its crops are 80·α pixels): the one
    /// list every command, config and metric checks an α against.
    /// </summary>
    public static IReadOnlyList<int> Alphas { get; } = [2, 4];

    /// <summary>Whether <paramref name="alpha"/> is one of <see cref="Alphas"/>.</summary>
    public static bool IsTrainedFor(double alpha) => Alphas.Any(a => a == alpha);

    /// <summary><see cref="Alphas"/> as words, for options and messages ("2", "4").</summary>
    public static string[] AlphaNames => [.. Alphas.Select(a => a.ToString(System.Globalization.CultureInfo.InvariantCulture))];

    static readonly int[] Widths = [32, 32, 64, 64, 128, 128];
    const int BlocksPerStage = 2;
    const int Stem = 32;

    readonly Sequential image_to_features;
    readonly Sequential features;
    readonly Sequential classifier;

    /// <summary>
    /// A freshly initialised psi, initialised as the reference (normal convs with fan_out variance, Linear N(0, 0.01),
    /// each block's last BatchNorm scale 0). Input: RGB [B,3,h,w] in [0,1] (no normalisation), e.g. 20×20 for 80×80
    /// crops at α = 4; output [B,4]. Call <c>eval()</c> before inference so BatchNorm uses its running statistics.
    /// </summary>
    /// <param name="device">Device for the weights (CPU when null).</param>
    /// <param name="generator">Source of the initial weights; null uses torch's global generator, which code running
    /// in parallel may also draw from.</param>
    /// <param name="target">What psi predicts: the norms (the paper's psi, 4 outputs) or a log-normal per layer (8 outputs).</param>
    public NoReferenceRegressor(Device? device = null, Generator? generator = null, RegressorTarget target = RegressorTarget.Norm)
        : base(nameof(NoReferenceRegressor))
    {
        Target = target;
        image_to_features = nn.Sequential(nn.Conv2d(3, Stem, 5, padding: 2, bias: false), nn.BatchNorm2d(Stem), nn.ReLU());
        var stages = new List<nn.Module<Tensor, Tensor>>();
        var inChannels = Stem;
        for (var s = 0; s < Widths.Length; s++)
        {
            // One SE gate per stage, shared by its blocks: the reference builds it once in _make_layer.
            var gate = new SqueezeExcitation(Widths[s]);
            var blocks = new List<nn.Module<Tensor, Tensor>>();
            for (var b = 0; b < BlocksPerStage; b++)
            {
                blocks.Add(new SeResidualBlock(inChannels, Widths[s], b == 0 && s > 0 ? 2 : 1, gate));
                inChannels = Widths[s];
            }
            stages.Add(nn.Sequential(blocks.ToArray()));
        }
        features = nn.Sequential(stages.ToArray());
        classifier = nn.Sequential(nn.Linear(Widths[^1], Stem), nn.LeakyReLU(0.1), nn.Linear(Stem, OutputCount(target)));
        RegisterComponents();
        Initialize(generator);
        if (device is not null) this.to(device);
    }

    /// <summary>What this psi predicts.</summary>
    public RegressorTarget Target { get; }

    /// <summary>Output columns for <paramref name="target"/>: one per layer, or a mean and a log-spread per layer.</summary>
    public static int OutputCount(RegressorTarget target) => target == RegressorTarget.LogNormal ? 2 * Layers.Count : Layers.Count;

    /// <summary>
    /// psi with weights from a checkpoint (safetensors, PyTorch zip or legacy .pth), in eval mode. The target is read
    /// from the shape of the last layer: 4 outputs are norms (the reference's psi), 8 a log-normal per layer.
    /// </summary>
    public static NoReferenceRegressor FromFile(string path, Device? device = null)
    {
        var weights = Weights.StateDict.Load(path);
        try
        {
            return NetworkWeights.ForInference(new NoReferenceRegressor(target: TargetOf(weights)), weights, path, device);
        }
        finally
        {
            foreach (var t in weights.Values) t.Dispose();
        }
    }

    /// <summary>The last layer's weight, whose row count tells a norm psi (4) from a log-normal one (8).</summary>
    const string LastLayerWeight = "classifier.2.weight";

    /// <summary>The target of the psi weights in <paramref name="path"/>, from the shape of their last layer.</summary>
    public static RegressorTarget TargetOf(string path)
    {
        var weights = Weights.StateDict.Load(path, key => key.EndsWith(LastLayerWeight, StringComparison.Ordinal));
        try
        {
            return TargetOf(weights);
        }
        finally
        {
            foreach (var t in weights.Values) t.Dispose();
        }
    }

    static RegressorTarget TargetOf(IReadOnlyDictionary<string, Tensor> weights)
    {
        var last = weights.FirstOrDefault(kv => kv.Key.EndsWith(LastLayerWeight, StringComparison.Ordinal)).Value;
        return last is not null && last.shape[0] == OutputCount(RegressorTarget.LogNormal) ? RegressorTarget.LogNormal : RegressorTarget.Norm;
    }

    /// <summary>
    /// psi's prediction for y↓α from one forward pass: the norms ‖DSD_α^l‖₁ [B,4] (the output itself, or exp(μ), the
    /// median of the log-normal) and (μ, σ) of log ‖DSD_α^l‖₁, each [B,4]. A norm psi has no spread (σ is null) and its μ
    /// is the log of its prediction, floored at 1e-8 since the reference psi can predict ≤ 0.
    /// </summary>
    public (Tensor Norms, Tensor LogMean, Tensor? LogSpread) Predict(Tensor x)
    {
        using var scope = NewDisposeScope();
        var output = call(x);
        if (Target == RegressorTarget.Norm)
            return (output.MoveToOuterDisposeScope(), output.clamp_min(1e-8).log().MoveToOuterDisposeScope(), null);
        var n = Layers.Count;
        var mean = output.narrow(1, 0, n);
        return (mean.exp().MoveToOuterDisposeScope(), mean.MoveToOuterDisposeScope(),
            output.narrow(1, n, n).clamp(-7, 3).exp().MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Sets the last layer's biases so that a fresh psi starts at the constant predictor of the training targets: the
    /// mean norm per layer, or for a log-normal psi the mean and standard deviation of the log norms. A log-normal head
    /// started at (0, 0) would need thousands of steps just to reach the scale of the norms (about e^-7).
    /// </summary>
    public void StartAtConstant(Tensor targets)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var bias = ((Linear)classifier[2]).bias!;
        if (Target == RegressorTarget.Norm)
        {
            bias.copy_(targets.mean([0]).to(bias.device));
            return;
        }
        var logs = targets.clamp_min(1e-12).log();
        bias.copy_(cat([logs.mean([0]), logs.std([0]).clamp_min(1e-3).log()]).to(bias.device));
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var f = features.call(image_to_features.call(x));
        return classifier.call(f.mean([2, 3])).MoveToOuterDisposeScope();
    }

    void Initialize(Generator? generator)
    {
        using var noGrad = no_grad();
        foreach (var m in modules())
        {
            switch (m)
            {
                case Conv2d conv:
                    var fanOut = conv.weight!.shape[0] * conv.weight.shape[2] * conv.weight.shape[3];
                    conv.weight.normal_(0, Math.Sqrt(2.0 / fanOut), generator);
                    break;
                case Linear linear:
                    linear.weight!.normal_(0, 0.01, generator);
                    linear.bias?.zero_();
                    break;
                case SeResidualBlock block:
                    block.LastNormWeight.zero_();
                    break;
            }
        }
    }
}
