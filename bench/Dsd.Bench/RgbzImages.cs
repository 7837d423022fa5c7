using System.Globalization;
using System.IO.Compression;
using Dsd.Imaging;
using static TorchSharp.torch;

namespace Dsd.Bench;

/// <summary>
/// <c>Dsd.Bench to-rgbz OUT_DIR [--max-bytes N] [--prefix P] FILE…</c>: images (any format <see cref="ImageIo"/> reads, JPEG
/// included) as <c>.rgbz</c> files that Python reads with the standard library and torch alone
/// (bench/pytorch/train_restoration.py, which has the decoder): the 8-byte magic <c>DSDRGBZ1</c>, width and height
/// as little-endian uint32, then a zlib stream of the H×W×3 bytes after two lossless, reversible filters (mod 256):
/// colour (R−G, G, B−G), then the plane predictor d[y,x] = c[y,x] − c[y,x−1] − c[y−1,x] + c[y−1,x−1] (zero outside),
/// which a decoder undoes with two cumulative sums. About PNG's size; no Python package is needed to decode it.
/// Files are written in the order given until the next would take the outputs past N bytes; one line per
/// file on stdout, the total on stderr. OUT_DIR/P + the file's name without extension + .rgbz. A file's partner (X.png → X_gt.png) is the caller's business.
/// </summary>
public static class RgbzImages
{
    static readonly byte[] Magic = "DSDRGBZ1"u8.ToArray();

    public static int Run(string[] args)
    {
        if (args.Length < 2) { Console.Error.WriteLine("usage: Dsd.Bench to-rgbz OUT_DIR [--max-bytes N] [--prefix P] FILE…"); return 2; }
        var outDir = args[0];
        var rest = args[1..].ToList();
        var maxBytes = long.MaxValue;
        var prefix = "";
        while (rest.Count >= 2 && rest[0] is "--max-bytes" or "--prefix")
        {
            if (rest[0] == "--max-bytes") maxBytes = long.Parse(rest[1], CultureInfo.InvariantCulture);
            else prefix = rest[1];
            rest = rest[2..];
        }
        Directory.CreateDirectory(outDir);
        long total = 0;
        int written = 0, skipped = 0;
        foreach (var file in rest)
        {
            var bytes = Encode(file);
            if (total + bytes.Length > maxBytes) { skipped = rest.Count - written; break; }
            var target = Path.Combine(outDir, prefix + Path.GetFileNameWithoutExtension(file) + ".rgbz");
            File.WriteAllBytes(target, bytes);
            total += bytes.Length;
            written++;
            Console.WriteLine($"{target} {bytes.Length}");
        }
        Console.Error.WriteLine($"to-rgbz: {written} files, {total} bytes in {outDir}" + (skipped > 0 ? $"; {skipped} skipped (--max-bytes {maxBytes})" : ""));
        return 0;
    }

    /// <summary>The .rgbz bytes of one image file.</summary>
    public static byte[] Encode(string path)
    {
        byte[] hwc;
        int h, w;
        using (var scope = NewDisposeScope())
        {
            var image = ImageIo.Load(path); // [1,3,H,W] in [0,1], bytes / 255
            h = (int)image.shape[2];
            w = (int)image.shape[3];
            var u8 = image.squeeze(0).permute(1, 2, 0).mul(255f).round().clamp(0f, 255f).to_type(ScalarType.Byte).contiguous();
            hwc = u8.data<byte>().ToArray();
        }
        return Encode(hwc, w, h);
    }

    /// <summary>The .rgbz bytes of H×W×3 RGB bytes (row-major, channels last).</summary>
    public static byte[] Encode(byte[] hwc, int width, int height)
    {
        if (hwc.Length != width * height * 3) throw new ArgumentException("expected width × height × 3 bytes", nameof(hwc));
        var c = (byte[])hwc.Clone();
        for (var i = 0; i < c.Length; i += 3)
        {
            c[i] = (byte)(c[i] - c[i + 1]);
            c[i + 2] = (byte)(c[i + 2] - c[i + 1]);
        }
        var d = new byte[c.Length];
        var row = width * 3;
        for (var y = 0; y < height; y++)
            for (var k = 0; k < row; k++)
            {
                var i = y * row + k;
                int left = k >= 3 ? c[i - 3] : 0, up = y > 0 ? c[i - row] : 0, upLeft = k >= 3 && y > 0 ? c[i - row - 3] : 0;
                d[i] = (byte)(c[i] - left - up + upLeft);
            }
        using var buffer = new MemoryStream();
        buffer.Write(Magic);
        Span<byte> size = stackalloc byte[8];
        BitConverter.TryWriteBytes(size[..4], (uint)width);
        BitConverter.TryWriteBytes(size[4..], (uint)height);
        if (!BitConverter.IsLittleEndian) { size[..4].Reverse(); size[4..].Reverse(); }
        buffer.Write(size);
        using (var z = new ZLibStream(buffer, CompressionLevel.SmallestSize, leaveOpen: true)) z.Write(d);
        return buffer.ToArray();
    }
}
