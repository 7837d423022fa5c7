using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace Dsd.Serialization;

/// <summary>
/// The safetensors format: an 8-byte little-endian header length, a JSON header mapping each name to
/// {dtype, shape, data_offsets}, then the raw little-endian tensor bytes.
/// </summary>
public static class SafeTensors
{
    /// <summary>The longest JSON header read (the reference implementation's limit).</summary>
    public const int MaxHeaderBytes = 100_000_000;

    /// <summary>Reads every tensor of a safetensors file onto the CPU.</summary>
    /// <exception cref="DsdException">Missing, unreadable, truncated or malformed file (InvalidInput), naming it.</exception>
    public static Dictionary<string, Tensor> Load(string path)
    {
        InputFile.RequireRegular(path, DsdErrorKind.InvalidInput);
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException) { throw new DsdException(DsdErrorKind.InvalidInput, $"{path}: file not found"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new DsdException(DsdErrorKind.InvalidInput, $"{path}: cannot read: {e.Message}", e); }
        return Parse(bytes, path);
    }

    /// <summary>
    /// Parses safetensors bytes; <paramref name="source"/> names the file in error messages. Every entry is checked
    /// before anything is allocated: known dtype, non-negative shape, offsets inside the data section, byte count equal
    /// to dtype size × elements, and the entries tiling the data section without overlap (two tensors sharing bytes
    /// would silently alias).
    /// </summary>
    public static Dictionary<string, Tensor> Parse(ReadOnlySpan<byte> bytes, string source)
    {
        var (entries, dataStart) = ParseHeader(bytes, source);
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var e in entries)
                result[e.Name] = FromRaw(bytes.Slice(dataStart + (int)e.Begin, (int)(e.End - e.Begin)), e.Type, e.Shape);
        }
        catch
        {
            foreach (var t in result.Values) t.Dispose();
            throw;
        }
        return result;
    }

    sealed record Entry(string Name, ScalarType Type, long[] Shape, long Begin, long End);

    static (List<Entry> Entries, int DataStart) ParseHeader(ReadOnlySpan<byte> bytes, string source)
    {
        if (bytes.Length < 8)
            throw Corrupt(source, "shorter than the 8-byte header length");
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        if (headerLength > MaxHeaderBytes)
            throw Corrupt(source, $"header length {headerLength} is implausible (over {MaxHeaderBytes} bytes)");
        if (headerLength > (ulong)(bytes.Length - 8))
            throw Corrupt(source, "header length exceeds the file size (truncated?)");
        var dataStart = 8 + (int)headerLength;
        var dataLength = (long)bytes.Length - dataStart;
        var entries = new List<Entry>();
        try
        {
            using var header = JsonDocument.Parse(bytes.Slice(8, (int)headerLength).ToArray());
            if (header.RootElement.ValueKind != JsonValueKind.Object) throw Corrupt(source, "header is not a JSON object");
            foreach (var entry in header.RootElement.EnumerateObject())
            {
                if (entry.Name == "__metadata__") continue;
                entries.Add(ParseEntry(entry, dataLength, source));
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException or FormatException or ArgumentException)
        {
            throw Corrupt(source, "malformed header: " + e.Message);
        }

        long next = 0;
        foreach (var e in entries.OrderBy(e => e.Begin).ThenBy(e => e.End))
        {
            if (e.Begin < next) throw Corrupt(source, $"tensor '{e.Name}' overlaps another tensor's bytes (offset {e.Begin} < {next})");
            if (e.Begin > next) throw Corrupt(source, $"bytes {next}–{e.Begin} of the data belong to no tensor");
            next = e.End;
        }
        if (next != dataLength) throw Corrupt(source, $"the data section has {dataLength} bytes but the tensors cover {next}");
        return (entries, dataStart);
    }

    static Entry ParseEntry(JsonProperty entry, long dataLength, string source)
    {
        var name = entry.Name;
        var value = entry.Value;
        if (value.ValueKind != JsonValueKind.Object) throw Corrupt(source, $"tensor '{name}' is not described by an object");
        var dtype = value.GetProperty("dtype").GetString() ?? "";
        var type = TypeOf(dtype) ?? throw Corrupt(source, $"tensor '{name}' has unsupported dtype {dtype}");
        var shape = value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
        var offsets = value.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()).ToArray();
        if (shape.Length > 16 || shape.Any(n => n < 0))
            throw Corrupt(source, $"tensor '{name}' has an invalid shape [{string.Join(",", shape)}]");
        if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] < offsets[0] || offsets[1] > dataLength)
            throw Corrupt(source, $"tensor '{name}' lies outside the file (data_offsets [{string.Join(",", offsets)}], {dataLength} bytes of data; truncated?)");
        // Int128 so that a shape of 2^63 cannot wrap round to a byte count that matches.
        Int128 expected = ElementSize(type);
        foreach (var n in shape) expected = Int128.Min(expected * n, long.MaxValue);
        if (expected != offsets[1] - offsets[0])
            throw Corrupt(source, $"tensor '{name}' has {offsets[1] - offsets[0]} bytes, expected {expected} for {dtype} of shape [{string.Join(",", shape)}]");
        return new Entry(name, type, shape, offsets[0], offsets[1]);
    }

    /// <summary>Reads the metadata map (may be empty).</summary>
    /// <exception cref="DsdException">Missing, unreadable or malformed file (InvalidInput), naming it.</exception>
    public static Dictionary<string, string> LoadMetadata(string path)
    {
        InputFile.RequireRegular(path, DsdErrorKind.InvalidInput);
        try
        {
            using var stream = File.OpenRead(path);
            Span<byte> lengthBytes = stackalloc byte[8];
            stream.ReadExactly(lengthBytes);
            var length = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
            if (length > MaxHeaderBytes || (long)length > stream.Length - 8)
                throw Corrupt(path, $"header length {length} exceeds the file size or {MaxHeaderBytes} bytes");
            var headerBytes = new byte[length];
            stream.ReadExactly(headerBytes);
            using var header = JsonDocument.Parse(headerBytes);
            var result = new Dictionary<string, string>();
            if (header.RootElement.ValueKind == JsonValueKind.Object && header.RootElement.TryGetProperty("__metadata__", out var meta))
                foreach (var p in meta.EnumerateObject()) result[p.Name] = p.Value.GetString() ?? "";
            return result;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new DsdException(DsdErrorKind.InvalidInput, $"{path}: file not found");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DsdException(DsdErrorKind.InvalidInput, $"{path}: cannot read: {e.Message}", e);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw Corrupt(path, "malformed header: " + e.Message);
        }
    }

    /// <summary>Writes tensors (any device; stored as their own dtype) atomically: temp file, then rename.</summary>
    public static void Save(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var names = tensors.Keys.OrderBy(k => k, StringComparer.Ordinal).ToList();
        var blobs = new List<byte[]>();
        var header = new Dictionary<string, object>();
        if (metadata is { Count: > 0 }) header["__metadata__"] = metadata;
        long offset = 0;
        foreach (var name in names)
        {
            var t = tensors[name].detach().cpu().contiguous();
            var blob = t.bytes.ToArray();
            header[name] = new Dictionary<string, object>
            {
                ["dtype"] = DtypeName(t.dtype),
                ["shape"] = t.shape,
                ["data_offsets"] = new[] { offset, offset + blob.Length },
            };
            offset += blob.Length;
            blobs.Add(blob);
        }
        var json = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(header));
        // Pad the header with spaces so the data starts 8-byte aligned, as the reference writer does.
        var padded = (json.Length + 7) / 8 * 8;
        var headerBytes = new byte[padded];
        Array.Fill(headerBytes, (byte)' ');
        json.CopyTo(headerBytes, 0);

        AtomicFile.Write(path, stream =>
        {
            Span<byte> len = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)padded);
            stream.Write(len);
            stream.Write(headerBytes);
            foreach (var blob in blobs) stream.Write(blob);
        });
    }

    static Tensor FromRaw(ReadOnlySpan<byte> raw, ScalarType type, long[] shape)
    {
        var t = empty(shape, type);
        raw.CopyTo(t.bytes);
        return t;
    }

    static ScalarType? TypeOf(string dtype) => dtype switch
    {
        "F32" => ScalarType.Float32,
        "F64" => ScalarType.Float64,
        "F16" => ScalarType.Float16,
        "BF16" => ScalarType.BFloat16,
        "I64" => ScalarType.Int64,
        "I32" => ScalarType.Int32,
        "I16" => ScalarType.Int16,
        "I8" => ScalarType.Int8,
        "U8" => ScalarType.Byte,
        "BOOL" => ScalarType.Bool,
        _ => null,
    };

    static int ElementSize(ScalarType type) => type switch
    {
        ScalarType.Float64 or ScalarType.Int64 => 8,
        ScalarType.Float32 or ScalarType.Int32 => 4,
        ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Int16 => 2,
        _ => 1,
    };

    static string DtypeName(ScalarType type) => type switch
    {
        ScalarType.Float32 => "F32",
        ScalarType.Float64 => "F64",
        ScalarType.Float16 => "F16",
        ScalarType.BFloat16 => "BF16",
        ScalarType.Int64 => "I64",
        ScalarType.Int32 => "I32",
        ScalarType.Int16 => "I16",
        ScalarType.Int8 => "I8",
        ScalarType.Byte => "U8",
        ScalarType.Bool => "BOOL",
        _ => throw new ArgumentException($"dtype {type} cannot be stored in safetensors"),
    };

    static DsdException Corrupt(string source, string problem) =>
        new(DsdErrorKind.InvalidInput, $"{source}: not a valid safetensors file: {problem}");
}
