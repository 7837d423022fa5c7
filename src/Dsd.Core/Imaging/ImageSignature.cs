namespace Dsd.Imaging;

/// <summary>
/// The first bytes of the formats we read. Skia calls any input shorter than its sniffing window "incomplete", so a
/// 6-byte text file named x.png would be a "truncated image"; it is truncated only if what is there starts like one.
/// </summary>
internal static class ImageSignature
{
    static readonly byte[][] Starts =
    [
        [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A], // PNG
        [0xFF, 0xD8, 0xFF], // JPEG
        [(byte)'B', (byte)'M'], // BMP
        [(byte)'R', (byte)'I', (byte)'F', (byte)'F'], // WebP (RIFF container; the WEBP tag follows the length)
    ];

    /// <summary>True when <paramref name="bytes"/> begin as a supported image would (or are a prefix of such a start).</summary>
    public static bool StartsLikeImage(ReadOnlySpan<byte> bytes)
    {
        foreach (var start in Starts)
        {
            var n = Math.Min(bytes.Length, start.Length);
            if (n > 0 && bytes[..n].SequenceEqual(start.AsSpan(0, n))) return true;
        }
        return false;
    }
}
