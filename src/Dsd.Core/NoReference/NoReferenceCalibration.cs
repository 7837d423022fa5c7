using System.Globalization;
using System.Text.Json;
using static TorchSharp.torch;

namespace Dsd.NoReference;

/// <summary>
/// The learned part of the calibrated no-reference form: score = w · φ(z), where z_l = (log ‖DSD_l‖₁ − μ_l) / σ_l are
/// the signed per-layer z-scores and φ(z) = (|z_1…4|, z_1…4, |z_i − z_j| for the six layer pairs), optionally followed
/// by the products z_i·z_j for the ten pairs i ≤ j. The signed terms, differences and products let a distortion that
/// moves layers in different directions (noise lowers relu1_2 and relu2_2, blur raises relu1_2 most) count even when it
/// moves each layer by less than psi's own error, since psi's error on one image is largely shared by its layers (the
/// products can express a Mahalanobis distance zᵀAz that discounts the shared part). The number of weights says which
/// φ is meant. Learned by <c>dsd train calibration</c>; stored in psi's file metadata.
/// </summary>
public sealed record NoReferenceCalibration(double[] Weights)
{
    /// <summary>φ's length without products: 4 absolute, 4 signed, 6 pairwise differences.</summary>
    public const int FeatureCount = 14;

    /// <summary>φ's length with the 10 products z_i·z_j.</summary>
    public const int QuadraticFeatureCount = 24;

    /// <summary>
    /// The largest weight accepted from a file. φ holds z-scores (|z| rarely above 100) and their products, so weights up to
    /// 10⁶ keep every score finite, while a weight of 1e308 turns any image's score into infinity.
    /// </summary>
    public const double MaxWeight = 1e6;

    /// <summary>Key of the calibration in a psi safetensors file's metadata.</summary>
    public const string MetadataKey = "noref_calibration";

    /// <summary>The weights that give the z-score form: 1/4 on each |z_l|, 0 elsewhere.</summary>
    public static NoReferenceCalibration ZScore { get; } = StartingPoint(quadratic: false);

    /// <summary>The z-score form's weights (¼ on each |z_l|) in the φ with or without products.</summary>
    public static NoReferenceCalibration StartingPoint(bool quadratic) =>
        new([0.25, 0.25, 0.25, 0.25, .. new double[(quadratic ? QuadraticFeatureCount : FeatureCount) - 4]]);

    /// <summary>Whether φ includes the products z_i·z_j.</summary>
    public bool Quadratic => Weights.Length == QuadraticFeatureCount;

    /// <summary>φ(z) [B,14], or [B,24] with <paramref name="quadratic"/>, for z-scores [B,4].</summary>
    public static Tensor Features(Tensor z, bool quadratic = false)
    {
        using var scope = NewDisposeScope();
        var differences = new List<Tensor>();
        var products = new List<Tensor>();
        for (var i = 0; i < 4; i++)
        {
            for (var j = i + 1; j < 4; j++) differences.Add((z[.., i] - z[.., j]).abs());
            for (var j = i; j < 4; j++) products.Add(z[.., i] * z[.., j]);
        }
        List<Tensor> parts = [z.abs(), z, stack(differences, 1)];
        if (quadratic) parts.Add(stack(products, 1));
        return cat(parts, 1).MoveToOuterDisposeScope();
    }

    /// <summary>w · φ(z) per image [B].</summary>
    public Tensor Score(Tensor z)
    {
        using var scope = NewDisposeScope();
        var w = tensor(Weights, dtype: z.dtype, device: z.device);
        return Features(z, Quadratic).matmul(w).MoveToOuterDisposeScope();
    }

    public string ToJson() => JsonSerializer.Serialize(Weights);

    /// <exception cref="DsdException">Not a list of 14 or 24 finite numbers of magnitude at most <see cref="MaxWeight"/> (Weights).</exception>
    public static NoReferenceCalibration FromJson(string json, string source)
    {
        double[]? w = null;
        try { w = JsonSerializer.Deserialize<double[]>(json); }
        catch (JsonException) { }
        if (w is null || w.Length is not (FeatureCount or QuadraticFeatureCount) || !w.All(double.IsFinite))
            throw new DsdException(DsdErrorKind.Weights, $"{source}: the calibration in its metadata is not {FeatureCount} or {QuadraticFeatureCount} finite numbers");
        if (w.Select(Math.Abs).Max() is var largest && largest > MaxWeight)
            throw new DsdException(DsdErrorKind.Weights,
                $"{source}: the calibration in its metadata holds a weight of magnitude {largest:G3}, above {MaxWeight:G0} (learned weights are of order 1; this one would overflow the score)");
        return new NoReferenceCalibration(w);
    }

    /// <summary>The calibration stored in a psi safetensors file, or null when it has none (or is not safetensors).</summary>
    public static NoReferenceCalibration? TryRead(string path)
    {
        if (!path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase) || !File.Exists(path)) return null;
        return Serialization.SafeTensors.LoadMetadata(path).TryGetValue(MetadataKey, out var json) ? FromJson(json, path) : null;
    }

    /// <summary>
    /// Writes a copy of the psi safetensors file <paramref name="psiPath"/> with this calibration (and
    /// <paramref name="notes"/>) added to its metadata, atomically, to <paramref name="outPath"/>.
    /// </summary>
    public void SaveWith(string psiPath, string outPath, IReadOnlyDictionary<string, string>? notes = null)
    {
        if (!psiPath.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase))
            throw new DsdException(DsdErrorKind.Usage, $"{psiPath}: a calibration is stored in a safetensors psi file; convert it first (dsd weights import)");
        var tensors = Serialization.SafeTensors.Load(psiPath);
        try
        {
            var metadata = new Dictionary<string, string>(Serialization.SafeTensors.LoadMetadata(psiPath)) { [MetadataKey] = ToJson() };
            foreach (var (k, v) in notes ?? new Dictionary<string, string>()) metadata[k] = v;
            Serialization.SafeTensors.Save(outPath, tensors, metadata);
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    public override string ToString() => string.Join(" ", Weights.Select(w => w.ToString("G4", CultureInfo.InvariantCulture)));
}
