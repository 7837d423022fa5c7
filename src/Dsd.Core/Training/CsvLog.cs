using System.Globalization;
using Dsd.Serialization;

namespace Dsd.Training;

/// <summary>
/// A training log in CSV whose first column is the step. Opening it for a run resumed at <c>resumeStep</c> keeps only
/// the rows up to that step, so a resumed run's log equals an uninterrupted one's; every row is flushed at once.
/// </summary>
public sealed class CsvLog : IDisposable
{
    readonly StreamWriter writer;

    public CsvLog(string path, IReadOnlyList<string> columns, long resumeStep)
    {
        var keep = new List<string> { Csv.Line(columns.Select(Csv.Quote)).TrimEnd('\n') };
        if (resumeStep > 0 && File.Exists(path))
            keep.AddRange(File.ReadLines(path).Skip(1).Where(l => long.TryParse(l.Split(',')[0], CultureInfo.InvariantCulture, out var s) && s <= resumeStep));
        Serialization.AtomicFile.WriteAllText(path, string.Join("\n", keep) + "\n");
        writer = new StreamWriter(path, append: true) { AutoFlush = true, NewLine = "\n" };
    }

    /// <summary>Appends a row of numbers (G9: the digits of the float32 computations they log; nan/inf as every CSV writes them).</summary>
    public void Row(IEnumerable<double> values) => Row(values.Select(v => Csv.Number(v, "G9")));

    /// <summary>Appends a row of cells made by <see cref="Csv"/>.</summary>
    public void Row(IEnumerable<string> cells) => writer.Write(Csv.Line(cells));

    public void Dispose() => writer.Dispose();
}
