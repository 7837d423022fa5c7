using System.Globalization;

namespace Dsd.Experiments;

/// <summary>
/// Two scales of one image whose Gram matrices are compared: (1, 2) is the fingerprint's DSD_2 = G(φ(x)) − G(φ(x↓2)),
/// (2, 4) compares x↓2 with x↓4, G(φ(x↓2)) − G(φ(x↓4)) (docs/method.md §6, fingerprint matching). Scale 1 is the image itself;
/// every coarser scale is downscaled from the full image, not from the previous scale.
/// </summary>
public sealed record ScalePair(double Fine, double Coarse)
{
    /// <summary>The pairs of the paper's matching experiment: full↔α=2 and α=2↔α=4.</summary>
    public static IReadOnlyList<ScalePair> Paper { get; } = [new(1, 2), new(2, 4)];

    /// <summary>Parses <c>1-2,2-4</c>; the message names the offending part.</summary>
    public static IReadOnlyList<ScalePair> ParseList(string text, string optionName = "--pairs")
    {
        var pairs = new List<ScalePair>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var ends = part.Split('-');
            if (ends.Length != 2
                || !double.TryParse(ends[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var fine)
                || !double.TryParse(ends[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var coarse)
                || !(fine >= 1) || !(coarse > fine))
                throw new DsdException(DsdErrorKind.Usage,
                    $"{optionName}: '{part}' is not a scale pair FINE-COARSE with 1 ≤ FINE < COARSE (e.g. 1-2 or 2-4)");
            pairs.Add(new ScalePair(fine, coarse));
        }
        if (pairs.Count == 0) throw new DsdException(DsdErrorKind.Usage, $"{optionName}: at least one scale pair is required");
        return pairs;
    }

    /// <summary>Every scale the pairs use, finest first.</summary>
    public static IReadOnlyList<double> ScalesOf(IEnumerable<ScalePair> pairs) =>
        pairs.SelectMany(p => new[] { p.Fine, p.Coarse }).Distinct().Order().ToList();

    public override string ToString() =>
        $"{Fine.ToString(CultureInfo.InvariantCulture)}-{Coarse.ToString(CultureInfo.InvariantCulture)}";
}
