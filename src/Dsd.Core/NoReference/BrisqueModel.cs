using System.Globalization;
using System.Text.RegularExpressions;

namespace Dsd.NoReference;

/// <summary>
/// BRISQUE's regressor as OpenCV's quality module ships it (<c>brisque_model_live.yml</c>, <c>brisque_range_live.yml</c>,
/// built into the library; THIRD-PARTY-NOTICES.md): an ε-SVR with an RBF kernel over the 36 features, each first scaled
/// to [−1, 1] by the per-feature [min, max] of its training set (LIVE). Read from OpenCV's FileStorage YAML: only the
/// fields the prediction uses, each checked.
/// </summary>
public sealed partial class BrisqueModel
{
    /// <summary>Features per image.</summary>
    public const int FeatureCount = 36;

    /// <summary>The most support vectors a model file may declare (the shipped one has 774).</summary>
    public const int MaxSupportVectors = 100_000;

    static readonly Lazy<BrisqueModel> shipped = new(() => Read(Resource("brisque_model_live.yml"), Resource("brisque_range_live.yml"), "brisque_model_live.yml (built in)"));

    /// <summary>The model built into the library.</summary>
    public static BrisqueModel Shipped => shipped.Value;

    /// <summary>RBF width: K(x, s) = exp(−γ‖x − s‖²).</summary>
    public required double Gamma { get; init; }

    /// <summary>The SVR's offset: f(x) = Σ αᵢ K(x, sᵢ) − ρ.</summary>
    public required double Rho { get; init; }

    /// <summary>αᵢ, one per support vector.</summary>
    public required double[] Alpha { get; init; }

    /// <summary>Support vectors, row-major [count, 36], float32 as OpenCV holds them.</summary>
    public required float[] SupportVectors { get; init; }

    /// <summary>Per-feature minimum and maximum of the training features (the scaling to [−1, 1]).</summary>
    public required float[] Minimum { get; init; }

    /// <inheritdoc cref="Minimum"/>
    public required float[] Maximum { get; init; }

    /// <summary>Parses the model and range files' text.</summary>
    /// <exception cref="DsdException">A field missing or inconsistent (InvalidInput), naming <paramref name="source"/>.</exception>
    public static BrisqueModel Read(string modelYaml, string rangeYaml, string source)
    {
        Require(modelYaml, "svmType", "EPS_SVR", source);
        Require(modelYaml, "type", "RBF", source);
        var features = (int)Number(modelYaml, "var_count", source);
        if (features != FeatureCount) throw Corrupt(source, $"var_count is {features}, BRISQUE has {FeatureCount} features");
        var total = Number(modelYaml, "sv_total", source);
        if (total is < 1 or > MaxSupportVectors) throw Corrupt(source, $"sv_total {total} is outside 1…{MaxSupportVectors}");
        var start = modelYaml.IndexOf("support_vectors:", StringComparison.Ordinal);
        var end = modelYaml.IndexOf("decision_functions:", StringComparison.Ordinal);
        if (start < 0 || end < start) throw Corrupt(source, "no support_vectors section before decision_functions");
        var vectors = Numbers(modelYaml[(start + "support_vectors:".Length)..end]);
        if (vectors.Count != total * FeatureCount) throw Corrupt(source, $"{vectors.Count} support-vector values for {total} vectors of {FeatureCount}");
        var alphaStart = modelYaml.IndexOf("alpha:", end, StringComparison.Ordinal);
        var alphaEnd = alphaStart < 0 ? -1 : modelYaml.IndexOf(']', alphaStart);
        if (alphaEnd < 0) throw Corrupt(source, "no alpha list in decision_functions");
        var alpha = Numbers(modelYaml[(alphaStart + "alpha:".Length)..alphaEnd]);
        if (alpha.Count != total) throw Corrupt(source, $"{alpha.Count} alpha values for {total} support vectors");
        if (modelYaml.IndexOf("index:", end, StringComparison.Ordinal) >= 0)
            throw Corrupt(source, "a decision function with an explicit index list (a compressed model) is not supported");

        var dataStart = rangeYaml.IndexOf("data:", StringComparison.Ordinal);
        var range = dataStart < 0 ? [] : Numbers(rangeYaml[(dataStart + "data:".Length)..]);
        if (range.Count != 2 * FeatureCount) throw Corrupt(source, $"the range file holds {range.Count} values, expected 2 × {FeatureCount}");
        return new BrisqueModel
        {
            Gamma = Number(modelYaml, "gamma", source),
            Rho = Number(modelYaml[end..], "rho", source),
            Alpha = [.. alpha],
            SupportVectors = vectors.Select(v => (float)v).ToArray(),
            Minimum = range.Take(FeatureCount).Select(v => (float)v).ToArray(),
            Maximum = range.Skip(FeatureCount).Select(v => (float)v).ToArray(),
        };
    }

    /// <summary>
    /// The SVR's prediction for a feature vector, as OpenCV's <c>SVM::predict</c> computes it: features scaled to [−1, 1]
    /// in float32, kernel values exp(−γ d²) in float32, the weighted sum in float64, returned as float32.
    /// </summary>
    public float Predict(ReadOnlySpan<float> features)
    {
        if (features.Length != FeatureCount) throw new ArgumentException($"BRISQUE has {FeatureCount} features, got {features.Length}", nameof(features));
        Span<float> scaled = stackalloc float[FeatureCount];
        for (var i = 0; i < FeatureCount; i++)
            scaled[i] = -1f + 2f * (features[i] - Minimum[i]) / (Maximum[i] - Minimum[i]);
        var sum = -Rho;
        for (var v = 0; v < Alpha.Length; v++)
        {
            var sv = SupportVectors.AsSpan(v * FeatureCount, FeatureCount);
            var d = 0.0;
            for (var k = 0; k < FeatureCount; k++)
            {
                double t = scaled[k] - sv[k];
                d += t * t;
            }
            sum += Alpha[v] * MathF.Exp((float)(d * -Gamma));
        }
        return (float)sum;
    }

    static string Resource(string name)
    {
        var resource = $"Dsd.Models.{name}";
        using var stream = typeof(BrisqueModel).Assembly.GetManifestResourceStream(resource)
            ?? throw new DsdException(DsdErrorKind.Weights, $"the BRISQUE model ({resource}) is missing from the library");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    static void Require(string yaml, string key, string expected, string source)
    {
        var m = Regex.Match(yaml, $@"^\s*{key}:\s*(\S+)\s*$", RegexOptions.Multiline);
        if (!m.Success || m.Groups[1].Value != expected)
            throw Corrupt(source, $"{key} is {(m.Success ? m.Groups[1].Value : "missing")}, expected {expected}");
    }

    static double Number(string yaml, string key, string source)
    {
        var m = Regex.Match(yaml, $@"^\s*{key}:\s*(\S+)\s*$", RegexOptions.Multiline);
        return m.Success && double.TryParse(m.Groups[1].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v)
            ? v
            : throw Corrupt(source, $"{key} is {(m.Success ? $"'{m.Groups[1].Value}', not a finite number" : "missing")}");
    }

    /// <summary>Every number in a run of YAML flow lists ("[ 1., -2.5e-01, … ]", "- [ … ]").</summary>
    static List<double> Numbers(string text)
    {
        var result = new List<double>();
        foreach (Match m in NumberPattern().Matches(text))
            result.Add(double.Parse(m.Value, NumberStyles.Float, CultureInfo.InvariantCulture));
        return result;
    }

    static DsdException Corrupt(string source, string problem) => new(DsdErrorKind.InvalidInput, $"{source}: {problem}");

    [GeneratedRegex(@"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")]
    private static partial Regex NumberPattern();
}
