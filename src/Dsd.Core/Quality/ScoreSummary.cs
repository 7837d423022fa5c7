namespace Dsd.Quality;

/// <summary>Mean, sample standard deviation and median of one metric over the scored pairs.</summary>
public sealed record ScoreSummary(double Mean, double Std, double Median, int N)
{
    public static ScoreSummary Of(IReadOnlyCollection<double> values)
    {
        var finite = values.Where(double.IsFinite).Order().ToArray();
        var n = finite.Length;
        if (n == 0) return new ScoreSummary(double.NaN, double.NaN, double.NaN, 0);
        var mean = finite.Average();
        var std = n > 1 ? Math.Sqrt(finite.Sum(v => (v - mean) * (v - mean)) / (n - 1)) : 0;
        var median = n % 2 == 1 ? finite[n / 2] : (finite[n / 2 - 1] + finite[n / 2]) / 2;
        return new ScoreSummary(mean, std, median, n);
    }
}
