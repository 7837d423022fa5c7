namespace Dsd.Scoring;

/// <summary>
/// Mean, sample standard deviation and median of one metric over the scored pairs with a finite score; ±∞ (PSNR of
/// identical images) cannot enter a mean, so those pairs are counted in <see cref="Infinite"/> instead.
/// </summary>
public sealed record ScoreSummary(double Mean, double Std, double Median, int N, int Infinite = 0)
{
    public static ScoreSummary Of(IReadOnlyCollection<double> values)
    {
        var finite = values.Where(double.IsFinite).Order().ToArray();
        var n = finite.Length;
        var infinite = values.Count(double.IsInfinity);
        if (n == 0) return new ScoreSummary(double.NaN, double.NaN, double.NaN, 0, infinite);
        var mean = finite.Average();
        var std = n > 1 ? Math.Sqrt(finite.Sum(v => (v - mean) * (v - mean)) / (n - 1)) : 0;
        var median = n % 2 == 1 ? finite[n / 2] : (finite[n / 2 - 1] + finite[n / 2]) / 2;
        return new ScoreSummary(mean, std, median, n, infinite);
    }

    /// <summary>A score as JSON: a number, "inf"/"-inf" (JSON has no infinity), null for NaN.</summary>
    public static System.Text.Json.Nodes.JsonNode? ToJson(double value) =>
        double.IsNaN(value) ? null
        : double.IsInfinity(value) ? System.Text.Json.Nodes.JsonValue.Create(value > 0 ? "inf" : "-inf")
        : System.Text.Json.Nodes.JsonValue.Create(value);

    /// <summary>The summary block of every JSON output (dsd score, dsd merge): mean, std, median, n, infinite.</summary>
    public System.Text.Json.Nodes.JsonObject ToJson() => new()
    {
        ["mean"] = ToJson(Mean), ["std"] = ToJson(Std), ["median"] = ToJson(Median), ["n"] = N, ["infinite"] = Infinite,
    };
}
