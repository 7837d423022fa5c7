using System.IO.Compression;
using System.Numerics;
using System.Text;

namespace Dsd.Tests.Robustness;

/// <summary>Hand-assembled torch pickles (protocol 2 opcodes) for attacks that bit flips would rarely find.</summary>
internal static class HostilePickles
{
    static byte[] Unicode(string s)
    {
        var b = Encoding.UTF8.GetBytes(s);
        return [(byte)'X', .. BitConverter.GetBytes(b.Length), .. b];
    }

    static byte[] Global(string module, string name) => [(byte)'c', .. Encoding.ASCII.GetBytes($"{module}\n{name}\n")];

    static byte[] Long8(long v) => [0x8a, 8, .. BitConverter.GetBytes(v)];

    /// <summary>d = {}; d['state_dict'] = d.</summary>
    public static readonly byte[] SelfReferencingDict = [0x80, 2, (byte)'}', (byte)'q', 0, .. Unicode("state_dict"), (byte)'h', 0, (byte)'s', (byte)'.'];

    /// <summary>{'features.0.bias': _rebuild_tensor_v2(storage('0', FloatStorage, count), 0, (size,), (stride,), False, {})}.</summary>
    public static byte[] OneTensorPickle(long size, long stride, long count) =>
    [
        0x80, 2, (byte)'}', .. Unicode("features.0.bias"), .. Global("torch._utils", "_rebuild_tensor_v2"), (byte)'(',
        (byte)'(', .. Unicode("storage"), .. Global("torch", "FloatStorage"), .. Unicode("0"), .. Unicode("cpu"), .. Long8(count), (byte)'t', (byte)'Q',
        (byte)'K', 0, .. Long8(size), 0x85, .. Long8(stride), 0x85, 0x89, (byte)'}', (byte)'t', (byte)'R', (byte)'s', (byte)'.',
    ];

    public static byte[] OneTensor(long size, long stride, long count) => Legacy(OneTensorPickle(size, stride, count), storage: ("0", count, 64 * 4));

    /// <summary>A legacy torch.save stream around <paramref name="main"/>; <paramref name="storage"/> writes one storage record (key, declared count, bytes present).</summary>
    public static byte[] Legacy(byte[] main, (string Key, long Count, int Bytes)? storage = null)
    {
        var magic = BigInteger.Parse("119547037146038801333356").ToByteArray();
        var s = new MemoryStream();
        s.Write([0x80, 2, 0x8a, (byte)magic.Length, .. magic, (byte)'.']);
        s.Write([0x80, 2, (byte)'M', 0xe9, 0x03, (byte)'.']);
        s.Write([0x80, 2, (byte)'}', (byte)'(', .. Unicode("little_endian"), 0x88, (byte)'u', (byte)'.']);
        s.Write(main);
        if (storage is { } st)
        {
            s.Write([0x80, 2, (byte)']', (byte)'(', .. Unicode(st.Key), (byte)'e', (byte)'.']);
            s.Write(BitConverter.GetBytes(st.Count));
            s.Write(new byte[st.Bytes]);
        }
        else s.Write([0x80, 2, (byte)']', (byte)'.']);
        return s.ToArray();
    }

    /// <summary>A torch zip archive with <paramref name="pickle"/> as data.pkl and, optionally, storage data/0 of <paramref name="dataBytes"/>.</summary>
    public static byte[] Zip(byte[] pickle, int dataBytes = 0)
    {
        var s = new MemoryStream();
        using (var zip = new ZipArchive(s, ZipArchiveMode.Create, leaveOpen: true))
        {
            using (var e = zip.CreateEntry("archive/data.pkl", CompressionLevel.NoCompression).Open()) e.Write(pickle);
            using (var e = zip.CreateEntry("archive/byteorder").Open()) e.Write("little"u8);
            if (dataBytes > 0) using (var e = zip.CreateEntry("archive/data/0").Open()) e.Write(new byte[dataBytes]);
        }
        return s.ToArray();
    }

    /// <summary>Pickles that attack the unpickler itself: lengths, nesting, counts, opcodes, memo.</summary>
    public static IEnumerable<Mutants.Mutant> All()
    {
        byte[] Wrap(byte[] body) => [0x80, 2, .. body, (byte)'.'];
        yield return new("pickle-selfref", Legacy(SelfReferencingDict));
        yield return new("pickle-selfref-zip", Zip(SelfReferencingDict));
        yield return new("pickle-binunicode-4GB", Legacy(Wrap([(byte)'X', 0xff, 0xff, 0xff, 0xff])));
        yield return new("pickle-binunicode-200MB", Legacy(Wrap([(byte)'X', 0, 0, 0, 12])));
        yield return new("pickle-binbytes8-2^63", Legacy(Wrap([0x8e, .. BitConverter.GetBytes(long.MaxValue)])));
        yield return new("pickle-long4-huge", Legacy(Wrap([0x8b, 0, 0, 0, 0x10])));
        yield return new("pickle-deep-lists", Legacy(Wrap([.. Enumerable.Repeat((byte)']', 200_000), .. Enumerable.Repeat((byte)'a', 199_999)])));
        yield return new("pickle-many-marks", Legacy(Wrap([.. Enumerable.Repeat((byte)'(', 300_000)])));
        yield return new("pickle-million-ops", Legacy(Wrap([(byte)']', .. Enumerable.Range(0, 1_100_000).SelectMany(_ => new byte[] { (byte)'N', (byte)'a' })])));
        yield return new("pickle-memo-missing", Legacy(Wrap([(byte)'h', 7])));
        yield return new("pickle-memo-text", Legacy(Wrap([(byte)'g', .. "abc\n"u8])));
        yield return new("pickle-int-text", Legacy(Wrap([(byte)'I', .. "12x\n"u8])));
        yield return new("pickle-float-text", Legacy(Wrap([(byte)'F', .. "nanx\n"u8])));
        yield return new("pickle-global-os-system", Legacy(Wrap([.. Global("os", "system"), .. Unicode("echo pwned"), 0x85, (byte)'R'])));
        yield return new("pickle-builtins-eval", Zip(Wrap([.. Global("builtins", "eval"), .. Unicode("1+1"), 0x85, (byte)'R'])));
        yield return new("pickle-unknown-opcode", Legacy(Wrap([0xff])));
        yield return new("pickle-stack-underflow", Legacy(Wrap([(byte)'s'])));
        yield return new("pickle-not-dict", Legacy(Wrap([(byte)']'])));
        yield return new("pickle-empty-dict", Legacy(Wrap([(byte)'}'])));
        yield return new("pickle-tensor-args-short", Legacy(Wrap([(byte)'}', .. Unicode("w"), .. Global("torch._utils", "_rebuild_tensor_v2"), (byte)')', (byte)'R', (byte)'s'])));
        yield return new("pickle-persid-outside", Legacy(Wrap([(byte)'N', (byte)'Q'])));
        yield return new("pickle-100-dims", Legacy(OneTensorPickleDims(100)));
        yield return new("pickle-storage-negative", OneTensor(size: 64, stride: 1, count: -5));
        yield return new("pickle-valid-one-tensor", Legacy(OneTensorPickle(size: 64, stride: 1, count: 64), storage: ("0", 64, 256)));
        yield return new("pickle-storage-count-mismatch", Legacy(OneTensorPickle(size: 64, stride: 1, count: 64), storage: ("0", 65, 260)));
        yield return new("pickle-storage-unreferenced", Legacy(OneTensorPickle(size: 64, stride: 1, count: 64), storage: ("9", 64, 256)));
    }

    static byte[] OneTensorPickleDims(int dims) =>
    [
        0x80, 2, (byte)'}', .. Unicode("features.0.bias"), .. Global("torch._utils", "_rebuild_tensor_v2"), (byte)'(',
        (byte)'(', .. Unicode("storage"), .. Global("torch", "FloatStorage"), .. Unicode("0"), .. Unicode("cpu"), .. Long8(64), (byte)'t', (byte)'Q',
        (byte)'K', 0, (byte)'(', .. Enumerable.Repeat(new byte[] { (byte)'K', 1 }, dims).SelectMany(b => b), (byte)'t',
        (byte)'(', .. Enumerable.Repeat(new byte[] { (byte)'K', 1 }, dims).SelectMany(b => b), (byte)'t', 0x89, (byte)'}', (byte)'t', (byte)'R', (byte)'s', (byte)'.',
    ];
}
