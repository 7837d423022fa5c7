using Dsd.Serialization;

namespace Dsd.Cli;

/// <summary>
/// A CSV file written row by row and flushed after each, so that whatever an interrupted run measured is on disk.
/// Cells follow <see cref="Csv"/>, numbers with float32's nine digits (the experiments' losses are float32).
/// </summary>
internal sealed class CsvTable : IDisposable
{
    readonly StreamWriter writer;

    public CsvTable(string path, params string[] columns)
    {
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            writer = new StreamWriter(path, append: false) { AutoFlush = true, NewLine = "\n" };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DsdException(DsdErrorKind.Io, $"{path}: cannot write: {e.Message}", e);
        }
        writer.WriteLine(string.Join(",", columns));
    }

    public void Row(params object?[] values) => writer.WriteLine(string.Join(",", values.Select(Format)));

    /// <summary>A cell as this table writes it (<see cref="Csv.Cell"/> with nine digits).</summary>
    public static string Format(object? value) => Csv.Cell(value, "G9");

    public void Dispose() => writer.Dispose();
}
