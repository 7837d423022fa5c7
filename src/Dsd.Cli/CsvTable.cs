using System.Globalization;

namespace Dsd.Cli;

/// <summary>
/// A CSV file written row by row and flushed after each, so that whatever an interrupted run measured is on disk.
/// Numbers are invariant; infinities are written <c>inf</c>/<c>-inf</c> and NaN <c>nan</c> (readable by Python and R).
/// </summary>
internal sealed class CsvTable : IDisposable
{
    readonly StreamWriter writer;

    public CsvTable(string path, params string[] columns)
    {
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            writer = new StreamWriter(path, append: false) { AutoFlush = true };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DsdException(DsdErrorKind.Io, $"{path}: cannot write: {e.Message}", e);
        }
        writer.WriteLine(string.Join(",", columns));
    }

    public void Row(params object?[] values) => writer.WriteLine(string.Join(",", values.Select(Format)));

    public static string Format(object? value) => value switch
    {
        null => "",
        double d when double.IsNaN(d) => "nan",
        double d when double.IsPositiveInfinity(d) => "inf",
        double d when double.IsNegativeInfinity(d) => "-inf",
        double d => d.ToString("G9", CultureInfo.InvariantCulture),
        float f => Format((double)f),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        string s => Quote(s),
        _ => value.ToString() ?? "",
    };

    /// <summary>A text field (RFC 4180): quoted when it holds a comma, a quote, a line feed or a carriage return.</summary>
    public static string Quote(string s) =>
        s.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : s;

    public void Dispose() => writer.Dispose();
}
