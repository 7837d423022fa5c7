using System.Text.Json;
using System.Text.Json.Serialization;
using static TorchSharp.torch;

namespace Dsd.NoReference;

/// <summary>
/// The consistency form of the no-reference DSD (docs/method.md §3, bench/psi/README.md round 4): how far the energy of
/// each VGG layer falls across the scales x, x↓α, x↓α², against what a natural image with psi's prediction would show.
/// Per tile and layer l, with t_k = tr G_l(x↓α^k) (the mean of the Gram's diagonal): r1 = log t0 − log t1,
/// r2 = log t1 − log t2, and psi's μ_l; the score is one linear function of r1, r2, μ and log t1 over the four layers,
/// fitted by a ranking loss on synthetic distortions of training photos (never the photos it is evaluated on). Mild
/// noise raises r1 where blur, JPEG and resampling lower it, and the combination across layers orders both.
/// Lower is more natural; natural photos score near 0, one unit is about one standard deviation of the training set.
/// </summary>
public sealed record ScaleConsistency
{
    /// <summary>The key of the psi metadata entry that holds the weights (a JSON object).</summary>
    public const string MetadataKey = "noref_consistency";

    [JsonPropertyName("alpha")] public double Alpha { get; init; }
    [JsonPropertyName("intercept")] public double Intercept { get; init; }
    [JsonPropertyName("r1")] public double[] R1 { get; init; } = [];
    [JsonPropertyName("r2")] public double[] R2 { get; init; } = [];
    [JsonPropertyName("mu")] public double[] Mu { get; init; } = [];
    [JsonPropertyName("log_trace1")] public double[] LogTrace1 { get; init; } = [];

    /// <summary>Where <see cref="BlankFrameGuard"/> puts blank frames: twice the largest |score| of the training images.</summary>
    [JsonPropertyName("ceiling")] public double Ceiling { get; init; }

    /// <summary>
    /// About twice the lowest score of the training images (no photo or distorted copy of the study came near it). The
    /// form is linear, so an image far outside anything natural in the "too sharp" direction (random blocks) would score
    /// ever better; below the floor a score is reflected upwards, four times as steep (<see cref="Fold"/>).
    /// </summary>
    [JsonPropertyName("floor")] public double Floor { get; init; }

    /// <summary>The weights in <paramref name="path"/>'s metadata, or null when it has none (only our safetensors psi files can).</summary>
    /// <exception cref="DsdException">An entry that is not four finite weights per quantity (Weights, naming the file).</exception>
    public static ScaleConsistency? TryRead(string path)
    {
        if (!path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase) || !File.Exists(path)) return null;
        if (!Serialization.SafeTensors.LoadMetadata(path).TryGetValue(MetadataKey, out var json)) return null;
        ScaleConsistency? read;
        try { read = JsonSerializer.Deserialize<ScaleConsistency>(json); }
        catch (JsonException e) { throw new DsdException(DsdErrorKind.Weights, $"{path}: {MetadataKey} is not valid JSON ({e.Message})", e); }
        if (read is null || new[] { read.R1, read.R2, read.Mu, read.LogTrace1 }.Any(w => w is not { Length: 4 } || !w.All(v => double.IsFinite(v) && Math.Abs(v) <= 1e6))
            || !double.IsFinite(read.Intercept) || !(read.Ceiling > 0 && read.Ceiling <= 1e6) || !(read.Floor < 0 && read.Floor >= -1e6))
            throw new DsdException(DsdErrorKind.Weights, $"{path}: {MetadataKey} must hold four finite weights for each of r1, r2, mu and log_trace1, an intercept, a positive ceiling and a negative floor");
        return read;
    }

    /// <summary>The smallest tile side: x↓α² must still reach relu3_1 with at least one position.</summary>
    public static int MinimumSide(double alpha) => (int)Math.Ceiling(4 * alpha * alpha);

    /// <summary>Per image [B]: a score below <see cref="Floor"/> becomes Floor + 4·(Floor − score); others are unchanged.</summary>
    public Tensor Fold(Tensor scores)
    {
        using var scope = NewDisposeScope();
        return where(scores < Floor, (Floor - scores) * 4.0 + Floor, scores).MoveToOuterDisposeScope();
    }

    /// <summary>Scores per tile [B] from the Gram traces [B,3,4] (x, x↓α, x↓α²; layers of psi) and psi's μ [B,4].</summary>
    public Tensor Score(Tensor traces, Tensor logMean)
    {
        using var scope = NewDisposeScope();
        var logT = traces.to_type(ScalarType.Float64).clamp_min(1e-30).log();
        var (t0, t1, t2) = (logT[.., 0], logT[.., 1], logT[.., 2]);
        Tensor W(double[] w) => tensor(w, ScalarType.Float64, device: traces.device).view(1, 4);
        var linear = (t0 - t1) * W(R1) + (t1 - t2) * W(R2) + logMean.to_type(ScalarType.Float64) * W(Mu) + t1 * W(LogTrace1);
        return (linear.sum([1]) + Intercept).MoveToOuterDisposeScope();
    }
}
