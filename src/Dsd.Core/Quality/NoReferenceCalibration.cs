using System.Globalization;
using System.Text.Json;
using static TorchSharp.torch;

namespace Dsd.Quality;

/// <summary>
/// The learned part of the calibrated no-reference form: score = w · φ(z), where z_l = (log ‖DSD_l‖₁ − μ_l) / σ_l are
/// the signed per-layer z-scores and φ(z) = (|z_1…4|, z_1…4, |z_i − z_j| for the six layer pairs). The signed terms
/// and the differences let a distortion that moves layers in different directions (noise lowers relu1_2 and relu2_2,
/// blur raises relu1_2 most) count even when it moves each layer by less than psi's own error, since psi's error on
/// one image is largely shared by its layers. Learned by <c>dsd train calibration</c>; stored in psi's file metadata.
/// </summary>
public sealed record NoReferenceCalibration(double[] Weights)
{
    /// <summary>φ's length: 4 absolute, 4 signed, 6 pairwise differences.</summary>
    public const int FeatureCount = 14;

    /// <summary>Key of the calibration in a psi safetensors file's metadata.</summary>
    public const string MetadataKey = "noref_calibration";

    /// <summary>The weights that give the z-score form: 1/4 on each |z_l|, 0 elsewhere.</summary>
    public static NoReferenceCalibration ZScore { get; } = new([0.25, 0.25, 0.25, 0.25, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);

    /// <summary>φ(z) [B,14] for z-scores [B,4].</summary>
    public static Tensor Features(Tensor z)
    {
        using var scope = NewDisposeScope();
        var pairs = new List<Tensor>();
        for (var i = 0; i < 4; i++)
            for (var j = i + 1; j < 4; j++)
                pairs.Add((z[.., i] - z[.., j]).abs());
        return cat([z.abs(), z, stack(pairs, 1)], 1).MoveToOuterDisposeScope();
    }

    /// <summary>w · φ(z) per image [B].</summary>
    public Tensor Score(Tensor z)
    {
        using var scope = NewDisposeScope();
        var w = tensor(Weights, dtype: z.dtype, device: z.device);
        return Features(z).matmul(w).MoveToOuterDisposeScope();
    }

    public string ToJson() => JsonSerializer.Serialize(Weights);

    /// <exception cref="DsdException">Not a list of <see cref="FeatureCount"/> finite numbers (Weights).</exception>
    public static NoReferenceCalibration FromJson(string json, string source)
    {
        double[]? w = null;
        try { w = JsonSerializer.Deserialize<double[]>(json); }
        catch (JsonException) { }
        if (w is null || w.Length != FeatureCount || !w.All(double.IsFinite))
            throw new DsdException(DsdErrorKind.Weights, $"{source}: the calibration in its metadata is not {FeatureCount} finite numbers");
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
