using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;

namespace Dsd.Serialization;

/// <summary>
/// Reads float64 arrays from numpy's <c>.npz</c> (a zip of <c>.npy</c> files): the magic <c>\x93NUMPY</c>, a version,
/// a header length, a Python-dict header with <c>descr</c>, <c>fortran_order</c> and <c>shape</c>, then the raw values.
/// Only little-endian float64 is accepted: what NIQE's parameter file holds.
/// </summary>
public static partial class NumpyArchive
{
    /// <summary>The largest array read (elements): the parameter files are tiny; anything bigger is not one of them.</summary>
    public const int MaxElements = 1 << 20;

    /// <summary>Every array of the archive, row-major (C order), with its shape.</summary>
    /// <exception cref="DsdException">Not a zip, or an entry that is not a little-endian float64 .npy (InvalidInput), naming <paramref name="source"/>.</exception>
    public static Dictionary<string, (double[] Values, int[] Shape)> Read(Stream zip, string source)
    {
        var result = new Dictionary<string, (double[], int[])>(StringComparer.Ordinal);
        try
        {
            using var archive = new ZipArchive(zip, ZipArchiveMode.Read, leaveOpen: true);
            foreach (var entry in archive.Entries)
            {
                if (!entry.FullName.EndsWith(".npy", StringComparison.Ordinal)) continue;
                if (entry.Length > 16L * MaxElements) throw Corrupt(source, $"{entry.FullName} is {entry.Length} bytes, too large for a parameter array");
                using var stream = entry.Open();
                using var buffer = new MemoryStream();
                stream.CopyTo(buffer);
                result[entry.FullName[..^4]] = ParseNpy(buffer.ToArray(), $"{source}:{entry.FullName}");
            }
        }
        catch (InvalidDataException e)
        {
            throw Corrupt(source, $"not a readable zip archive ({e.Message})");
        }
        return result;
    }

    /// <summary>One .npy file's values in C order and its shape.</summary>
    public static (double[] Values, int[] Shape) ParseNpy(ReadOnlySpan<byte> bytes, string source)
    {
        if (bytes.Length < 10 || bytes[0] != 0x93 || !bytes.Slice(1, 5).SequenceEqual("NUMPY"u8))
            throw Corrupt(source, "not a .npy array (no \\x93NUMPY magic)");
        var major = bytes[6];
        var (headerLength, headerStart) = major switch
        {
            1 => ((int)BinaryPrimitives.ReadUInt16LittleEndian(bytes[8..]), 10),
            2 or 3 => ((int)Math.Min(BinaryPrimitives.ReadUInt32LittleEndian(bytes[8..]), int.MaxValue), 12),
            _ => throw Corrupt(source, $"unknown .npy version {major}"),
        };
        if (headerStart + (long)headerLength > bytes.Length) throw Corrupt(source, "header runs past the end of the file");
        var header = Encoding.ASCII.GetString(bytes.Slice(headerStart, headerLength));
        var descr = DescrPattern().Match(header);
        if (!descr.Success || descr.Groups[1].Value != "<f8")
            throw Corrupt(source, $"dtype {(descr.Success ? descr.Groups[1].Value : "?")} is not little-endian float64 ('<f8')");
        var fortran = FortranPattern().Match(header) is { Success: true } f && f.Groups[1].Value == "True";
        var shapeMatch = ShapePattern().Match(header);
        if (!shapeMatch.Success) throw Corrupt(source, "header has no shape");
        var shape = shapeMatch.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => int.TryParse(s, out var n) && n >= 0 ? n : throw Corrupt(source, $"shape entry '{s}' is not a size")).ToArray();
        if (fortran && shape.Length > 2) throw Corrupt(source, "Fortran-ordered arrays of more than two dimensions are not supported");
        var count = shape.Aggregate(1L, (a, n) => a * n);
        if (count > MaxElements) throw Corrupt(source, $"{count} elements, more than the {MaxElements} a parameter array may hold");
        var data = bytes[(headerStart + headerLength)..];
        if (data.Length != count * 8) throw Corrupt(source, $"{data.Length} data bytes for {count} float64 values");
        var values = new double[count];
        for (var i = 0; i < count; i++) values[i] = BinaryPrimitives.ReadDoubleLittleEndian(data[(8 * i)..]);
        return (fortran && shape.Length == 2 ? Transpose(values, shape[1], shape[0]) : values, shape);
    }

    /// <summary>Column-major [rows, cols] (stored as [cols][rows]) to row-major.</summary>
    static double[] Transpose(double[] columnMajor, int cols, int rows)
    {
        var result = new double[columnMajor.Length];
        for (var r = 0; r < rows; r++)
            for (var c = 0; c < cols; c++)
                result[r * cols + c] = columnMajor[c * rows + r];
        return result;
    }

    static DsdException Corrupt(string source, string problem) => new(DsdErrorKind.InvalidInput, $"{source}: {problem}");

    [GeneratedRegex(@"'descr'\s*:\s*'([^']*)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'fortran_order'\s*:\s*(True|False)")]
    private static partial Regex FortranPattern();

    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
