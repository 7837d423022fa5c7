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
    /// <summary>Reads every tensor of a safetensors file onto the CPU.</summary>
    public static Dictionary<string, Tensor> Load(string path)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (FileNotFoundException) { throw new DsdException(DsdErrorKind.InvalidInput, $"{path}: file not found"); }
        catch (DirectoryNotFoundException) { throw new DsdException(DsdErrorKind.InvalidInput, $"{path}: file not found"); }
        return Parse(bytes, path);
    }

    /// <summary>Parses safetensors bytes; <paramref name="source"/> names the file in error messages.</summary>
    public static Dictionary<string, Tensor> Parse(ReadOnlySpan<byte> bytes, string source)
    {
        if (bytes.Length < 8)
            throw Corrupt(source, "shorter than the 8-byte header length");
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        if (headerLength > (ulong)(bytes.Length - 8))
            throw Corrupt(source, "header length exceeds the file size (truncated?)");
        var dataStart = 8 + (int)headerLength;
        JsonDocument header;
        try { header = JsonDocument.Parse(bytes.Slice(8, (int)headerLength).ToArray()); }
        catch (JsonException e) { throw Corrupt(source, "header is not valid JSON: " + e.Message); }

        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        using (header)
        {
            foreach (var entry in header.RootElement.EnumerateObject())
            {
                if (entry.Name == "__metadata__") continue;
                var dtype = entry.Value.GetProperty("dtype").GetString() ?? "";
                var shape = entry.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
                var offsets = entry.Value.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()).ToArray();
                if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] < offsets[0] || dataStart + offsets[1] > bytes.Length)
                    throw Corrupt(source, $"tensor '{entry.Name}' lies outside the file (truncated?)");
                var raw = bytes.Slice(dataStart + (int)offsets[0], (int)(offsets[1] - offsets[0]));
                result[entry.Name] = FromRaw(raw, dtype, shape, source, entry.Name);
            }
        }
        return result;
    }

    /// <summary>Reads the metadata map (may be empty).</summary>
    public static Dictionary<string, string> LoadMetadata(string path)
    {
        using var stream = File.OpenRead(path);
        Span<byte> lengthBytes = stackalloc byte[8];
        stream.ReadExactly(lengthBytes);
        var length = (int)BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        var headerBytes = new byte[length];
        stream.ReadExactly(headerBytes);
        using var header = JsonDocument.Parse(headerBytes);
        var result = new Dictionary<string, string>();
        if (header.RootElement.TryGetProperty("__metadata__", out var meta))
            foreach (var p in meta.EnumerateObject()) result[p.Name] = p.Value.GetString() ?? "";
        return result;
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

    static Tensor FromRaw(ReadOnlySpan<byte> raw, string dtype, long[] shape, string source, string name)
    {
        var type = dtype switch
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
            _ => throw Corrupt(source, $"tensor '{name}' has unsupported dtype {dtype}"),
        };
        var t = empty(shape, type);
        if (raw.Length != t.NumberOfElements * t.ElementSize)
            throw Corrupt(source, $"tensor '{name}' has {raw.Length} bytes, expected {t.NumberOfElements * t.ElementSize} for shape [{string.Join(",", shape)}]");
        raw.CopyTo(t.bytes);
        return t;
    }

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
