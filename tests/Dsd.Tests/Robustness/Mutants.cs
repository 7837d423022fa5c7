using System.Buffers.Binary;

namespace Dsd.Tests.Robustness;

/// <summary>
/// Deterministic corruptions of a valid file: bit flips, truncations and edits of header fields. Every mutant is a pure
/// function of (source bytes, seed), so a failing mutant can be rebuilt from its name.
/// </summary>
internal static class Mutants
{
    public sealed record Mutant(string Name, byte[] Bytes);

    /// <summary><paramref name="count"/> mutants with 1–8 flipped bits, half of them in the first <paramref name="headerBytes"/> bytes.</summary>
    public static IEnumerable<Mutant> BitFlips(byte[] source, int count, int seed, int headerBytes)
    {
        var random = new Random(seed);
        for (var i = 0; i < count; i++)
        {
            var bytes = (byte[])source.Clone();
            var span = i % 2 == 0 ? Math.Min(headerBytes, bytes.Length) : bytes.Length;
            var flips = 1 + random.Next(8);
            for (var f = 0; f < flips; f++) bytes[random.Next(span)] ^= (byte)(1 << random.Next(8));
            yield return new($"flip{i}", bytes);
        }
    }

    /// <summary>Prefixes of the file: the first few bytes, then evenly spread lengths, then all but the last byte.</summary>
    public static IEnumerable<Mutant> Truncations(byte[] source, int count)
    {
        var lengths = new SortedSet<int> { 1, 2, 8, 16, source.Length - 1 };
        for (var i = 1; lengths.Count < count && i < count * 2; i++) lengths.Add((int)((long)source.Length * i / (count + 1)));
        foreach (var n in lengths.Where(n => n > 0 && n < source.Length))
            yield return new($"cut{n}", source[..n]);
    }

    /// <summary>Copies of the file with a little-endian or big-endian integer field set to each of <paramref name="values"/>.</summary>
    public static IEnumerable<Mutant> Field(byte[] source, string field, int offset, int size, bool bigEndian, params long[] values)
    {
        foreach (var v in values)
        {
            var bytes = (byte[])source.Clone();
            var span = bytes.AsSpan(offset, size);
            if (size == 4 && bigEndian) BinaryPrimitives.WriteUInt32BigEndian(span, unchecked((uint)v));
            else if (size == 4) BinaryPrimitives.WriteUInt32LittleEndian(span, unchecked((uint)v));
            else if (size == 2 && bigEndian) BinaryPrimitives.WriteUInt16BigEndian(span, unchecked((ushort)v));
            else if (size == 2) BinaryPrimitives.WriteUInt16LittleEndian(span, unchecked((ushort)v));
            else if (size == 8) BinaryPrimitives.WriteInt64LittleEndian(span, v);
            else span[0] = unchecked((byte)v);
            yield return new($"{field}={v}", bytes);
        }
    }

    /// <summary>Recomputes the CRC of the PNG chunk starting at <paramref name="chunkStart"/>, so a header edit reaches the decoder.</summary>
    public static byte[] FixPngCrc(byte[] png, int chunkStart)
    {
        var length = (int)BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(chunkStart));
        var crc = Crc32Of(png.AsSpan(chunkStart + 4, 4 + length));
        BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(chunkStart + 8 + length), crc);
        return png;
    }

    static uint Crc32Of(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
        }
        return ~crc;
    }

    /// <summary>Values that break size arithmetic: zero, negative, just over 2^31 / 4 pixels, 2^31, 2^32 − 1.</summary>
    public static readonly long[] HostileSizes = [0, 1, 46341, 65535, 0x7fffffff, 0x80000000, 0xffffffff];
}
