using Dsd.Serialization;

namespace Dsd.NoReference;

/// <summary>
/// NIQE's model of pristine images (Mittal, Soundararajan, Bovik 2013): the mean <see cref="Mean"/> and covariance
/// <see cref="Covariance"/> of the 36 natural-scene-statistics features over 96×96 patches of the authors' pristine
/// photos, and the 7×7 Gaussian <see cref="Window"/> that the local mean and deviation are taken with. The file ships
/// inside the library (BasicSR's <c>niqe_pris_params.npz</c>, values from the MATLAB release; THIRD-PARTY-NOTICES.md).
/// </summary>
public sealed class NiqeModel
{
    /// <summary>Features per patch: 18 at each of two scales.</summary>
    public const int FeatureCount = 36;

    const string ResourceName = "Dsd.Models.niqe_pris_params.npz";

    static readonly Lazy<NiqeModel> shipped = new(() =>
    {
        using var stream = typeof(NiqeModel).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new DsdException(DsdErrorKind.Weights, $"the NIQE parameters ({ResourceName}) are missing from the library");
        return Read(stream, "niqe_pris_params.npz (built in)");
    });

    /// <summary>The parameters built into the library.</summary>
    public static NiqeModel Shipped => shipped.Value;

    /// <summary>Mean of the pristine features, [36].</summary>
    public required double[] Mean { get; init; }

    /// <summary>Covariance of the pristine features, row-major [36, 36].</summary>
    public required double[] Covariance { get; init; }

    /// <summary>The local-statistics window, row-major [7, 7], summing to 1.</summary>
    public required double[] Window { get; init; }

    /// <summary>Side of <see cref="Window"/>.</summary>
    public int WindowSide => (int)Math.Round(Math.Sqrt(Window.Length));

    /// <summary>Reads an .npz with <c>mu_pris_param</c> [1,36], <c>cov_pris_param</c> [36,36] and <c>gaussian_window</c> [k,k] (k odd).</summary>
    /// <exception cref="DsdException">Missing arrays or wrong shapes (InvalidInput), naming <paramref name="source"/>.</exception>
    public static NiqeModel Read(Stream npz, string source)
    {
        var arrays = NumpyArchive.Read(npz, source);
        double[] Get(string name, int count, string expected)
        {
            if (!arrays.TryGetValue(name, out var a)) throw new DsdException(DsdErrorKind.InvalidInput, $"{source}: no array '{name}'");
            if (a.Values.Length != count) throw new DsdException(DsdErrorKind.InvalidInput, $"{source}: '{name}' has shape ({string.Join(", ", a.Shape)}), expected {expected}");
            return a.Values;
        }
        var window = arrays.TryGetValue("gaussian_window", out var w) && w.Shape is [var k, var k2] && k == k2 && k % 2 == 1
            ? w.Values
            : throw new DsdException(DsdErrorKind.InvalidInput, $"{source}: 'gaussian_window' must be a square array of odd side");
        return new NiqeModel
        {
            Mean = Get("mu_pris_param", FeatureCount, "(1, 36)"),
            Covariance = Get("cov_pris_param", FeatureCount * FeatureCount, "(36, 36)"),
            Window = window,
        };
    }
}
