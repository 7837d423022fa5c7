using Dsd.Dissimilarity;
using static TorchSharp.torch;

namespace Dsd.Cli.Pictures;

/// <summary>
/// The DSD matrices of one image copied to the CPU as plain arrays, ordered α-major then layer, ready to draw.
/// Keeps the pictures independent of tensors and lets the report subtract two fingerprints.
/// </summary>
internal sealed record FingerprintMatrices(IReadOnlyList<double> Alphas, IReadOnlyList<string> Layers, IReadOnlyDictionary<(double Alpha, string Layer), float[,]> Matrices)
{
    /// <summary>Copies the first image of a computed fingerprint.</summary>
    public static FingerprintMatrices From(Fingerprint print)
    {
        var matrices = new Dictionary<(double, string), float[,]>();
        foreach (var alpha in print.Options.Alphas)
            foreach (var layer in print.Options.Layers)
            {
                using var scope = NewDisposeScope();
                var m = print[alpha, layer][0].detach().to(CPU).to_type(ScalarType.Float32).contiguous();
                var c = (int)m.shape[0];
                var flat = m.data<float>().ToArray();
                var array = new float[c, c];
                Buffer.BlockCopy(flat, 0, array, 0, flat.Length * sizeof(float));
                matrices[(alpha, layer)] = array;
            }
        return new FingerprintMatrices(print.Options.Alphas, print.Options.Layers, matrices);
    }

    /// <summary>‖DSD_α^l‖₁ as docs/method.md §1 defines it: the mean absolute entry.</summary>
    public double MeanAbs(double alpha, string layer)
    {
        var m = Matrices[(alpha, layer)];
        double sum = 0;
        foreach (var v in m) sum += Math.Abs(v);
        return sum / m.Length;
    }

    /// <summary>The mean |entry| of every matrix, without the matrices.</summary>
    public LayerMeans Means() =>
        new(Alphas, Layers, Matrices.Keys.ToDictionary(k => k, k => MeanAbs(k.Alpha, k.Layer)));

    /// <summary>Entry-wise this − other: what D_DSD(x, y) averages per layer (docs/method.md §2).</summary>
    public FingerprintMatrices Minus(FingerprintMatrices other)
    {
        var result = new Dictionary<(double, string), float[,]>();
        foreach (var (key, a) in Matrices)
        {
            var b = other.Matrices[key];
            var d = new float[a.GetLength(0), a.GetLength(1)];
            for (var i = 0; i < a.GetLength(0); i++)
                for (var j = 0; j < a.GetLength(1); j++)
                    d[i, j] = a[i, j] - b[i, j];
            result[key] = d;
        }
        return this with { Matrices = result };
    }
}
