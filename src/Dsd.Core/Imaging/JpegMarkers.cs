namespace Dsd.Imaging;

/// <summary>
/// Finds a JPEG's end-of-image marker, and the least coded data its frame header requires. libjpeg pads a file that
/// ends early with fake data (grey) and Skia's JPEG codec then reports success, so a truncated download would be scored
/// as if it were whole.
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

    /// <summary>
    /// The fewest bytes of entropy-coded data any valid JPEG with this frame header (SOF) holds: every 8×8 block of every
    /// component codes at least one Huffman symbol for its DC coefficient, and a sequential scan one more for its AC
    /// coefficients (an end-of-block or a coefficient), each at least one bit long. Progressive AC scans can code runs of
    /// empty blocks in one symbol, so progressive frames count the DC symbol only. Arithmetic-coded and lossless frames
    /// have no such bound (0), nor has data that is not a JPEG stream this walk understands.
    /// </summary>
    public static long MinimumCodedBytes(ReadOnlySpan<byte> d)
    {
        if (d.Length < 4 || d[0] != 0xFF || d[1] != 0xD8) return 0;
        var i = 2;
        while (i + 4 <= d.Length && d[i] == 0xFF)
        {
            var marker = d[i + 1];
            if (marker == 0xFF) { i++; continue; }
            if (marker is 0x01 or (>= 0xD0 and <= 0xD7)) { i += 2; continue; }
            if (marker is 0xD9 or 0xDA) return 0; // no frame header before the scan
            var length = (d[i + 2] << 8) | d[i + 3];
            if (marker is 0xC0 or 0xC1 or 0xC2) return FrameMinimum(d.Slice(i + 4, Math.Max(0, Math.Min(length - 2, d.Length - i - 4))), bitsPerBlock: marker == 0xC2 ? 1 : 2);
            i += 2 + length;
        }
        return 0;
    }

    /// <summary>Σ over components of their 8×8 block count × <paramref name="bitsPerBlock"/>, in bytes.</summary>
    static long FrameMinimum(ReadOnlySpan<byte> sof, int bitsPerBlock)
    {
        if (sof.Length < 6) return 0;
        long height = (sof[1] << 8) | sof[2], width = (sof[3] << 8) | sof[4];
        int count = sof[5];
        if (height == 0 || width == 0 || sof.Length < 6 + 3 * count) return 0; // height 0: defined later by a DNL marker
        int hMax = 1, vMax = 1;
        for (var c = 0; c < count; c++) (hMax, vMax) = (Math.Max(hMax, sof[7 + 3 * c] >> 4), Math.Max(vMax, sof[7 + 3 * c] & 15));
        long blocks = 0;
        for (var c = 0; c < count; c++)
        {
            int h = sof[7 + 3 * c] >> 4, v = sof[7 + 3 * c] & 15;
            if (h == 0 || v == 0) return 0;
            var (w, ht) = (CeilDiv(width * h, hMax), CeilDiv(height * v, vMax));
            blocks += CeilDiv(w, 8) * CeilDiv(ht, 8);
        }
        return blocks * bitsPerBlock / 8;
    }

    static long CeilDiv(long a, long b) => (a + b - 1) / b;
}
