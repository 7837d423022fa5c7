using System.Globalization;

namespace Dsd.Serialization;

/// <summary>
/// The one way every CSV output writes a cell (score, merge, visualize, the experiment and training logs): text quoted
/// per RFC 4180, numbers in invariant culture, infinities <c>inf</c>/<c>-inf</c> and NaN <c>nan</c> (readable by
/// Python and R), missing values empty, rows ended by a line feed.
/// </summary>
public static class Csv
{
    /// <summary>A text field: quoted when it holds a comma, a quote, a line feed or a carriage return.</summary>
    public static string Quote(string s) =>
        s.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : s;

    /// <summary>
    /// A number. <paramref name="format"/> is the output's precision: "R" (round-trip, the default) where a value must
    /// equal the JSON output's, "G9" (float32's digits) for logs of float32 computations.
    /// </summary>
    public static string Number(double value, string format = "R") =>
        double.IsNaN(value) ? "nan"
        : double.IsPositiveInfinity(value) ? "inf"
        : double.IsNegativeInfinity(value) ? "-inf"
        : value.ToString(format, CultureInfo.InvariantCulture);

    /// <summary>Any cell: null empty, numbers by <see cref="Number"/>, text by <see cref="Quote"/>.</summary>
    public static string Cell(object? value, string format = "R") => value switch
    {
        null => "",
        double d => Number(d, format),
        float f => Number(f, format),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        string s => Quote(s),
        _ => Quote(value.ToString() ?? ""),
    };

    /// <summary>One row: the cells joined by commas, ended by a line feed.</summary>
    public static string Line(IEnumerable<string> cells) => string.Join(",", cells) + "\n";
}
