namespace Dsd.Imaging;

/// <summary>
/// Finds a JPEG's end-of-image marker. libjpeg pads a file that ends early with fake data and Skia's JPEG codec then
/// reports success for progressive images, so a truncated download would be scored as if it were whole.
/// </summary>
internal static class JpegMarkers
{
    /// <summary>
    /// Whether the data holds an EOI marker (FF D9) after the first start-of-scan. Segments before the scan are skipped
    /// by their lengths (an EXIF thumbnail carries its own EOI); inside entropy-coded data a literal FF is always
    /// followed by 00, so FF D9 there can only be a marker.
    /// </summary>
    public static bool HasEndOfImage(ReadOnlySpan<byte> d)
    {
        if (d.Length < 4 || d[0] != 0xFF || d[1] != 0xD8) return true; // not a JPEG stream we can walk: the decoder judges
        var i = 2;
        while (true)
        {
            if (i + 4 > d.Length) return false;
            if (d[i] != 0xFF) return true; // malformed segment chain: leave it to the decoder
            var marker = d[i + 1];
            if (marker == 0xFF) { i++; continue; } // fill byte
            if (marker == 0xD9) return true;
            if (marker is 0x01 or (>= 0xD0 and <= 0xD7)) { i += 2; continue; } // markers without a length
            var length = (d[i + 2] << 8) | d[i + 3];
            i += 2 + length;
            if (marker == 0xDA) break; // start of scan: entropy-coded data follows
        }
        for (; i + 1 < d.Length; i++)
            if (d[i] == 0xFF && d[i + 1] == 0xD9) return true;
        return false;
    }
}
