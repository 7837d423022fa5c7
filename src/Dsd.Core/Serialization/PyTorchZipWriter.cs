using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using static TorchSharp.torch;

namespace Dsd.Serialization;

/// <summary>
/// Writes a state dict in torch.save's zip format (PyTorch ≥ 1.6), so <c>torch.load(path)</c> — including
/// <c>weights_only=True</c> — returns an OrderedDict of tensors. Layout: <c>archive/data.pkl</c> (pickle protocol 2:
/// an OrderedDict of <c>torch._utils._rebuild_tensor_v2</c> calls whose storages are persistent ids), one
/// <c>archive/data/N</c> blob per tensor (little-endian), <c>archive/version</c> and <c>archive/byteorder</c>.
/// Entries are stored uncompressed, as torch writes them.
/// </summary>
public static class PyTorchZipWriter
{
    /// <summary>Writes <paramref name="tensors"/> (float32, float64, float16, int64, int32, uint8 or bool) atomically.</summary>
    public static void Save(string path, IReadOnlyDictionary<string, Tensor> tensors)
    {
        var names = tensors.Keys.ToList();
        var blobs = new List<byte[]>();
        var pickle = new MemoryStream();
        pickle.Write([0x80, 0x02]); // PROTO 2
        Global(pickle, "collections", "OrderedDict");
        pickle.Write([(byte)')', (byte)'R', (byte)'(']); // OrderedDict(), then MARK for SETITEMS
        for (var i = 0; i < names.Count; i++)
        {
            var t = tensors[names[i]].detach().cpu().contiguous();
            blobs.Add(t.bytes.ToArray());
            Unicode(pickle, names[i]);
            Global(pickle, "torch._utils", "_rebuild_tensor_v2");
            pickle.WriteByte((byte)'(');
            pickle.WriteByte((byte)'(');
            Unicode(pickle, "storage");
            Global(pickle, "torch", StorageName(t.dtype));
            Unicode(pickle, i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Unicode(pickle, "cpu");
            Int(pickle, t.numel());
            pickle.Write([(byte)'t', (byte)'Q']); // TUPLE, BINPERSID
            Int(pickle, 0); // storage offset
            Tuple(pickle, t.shape);
            Tuple(pickle, t.stride());
            pickle.WriteByte(0x89); // requires_grad = False
            Global(pickle, "collections", "OrderedDict");
            pickle.Write([(byte)')', (byte)'R']); // backward hooks: OrderedDict()
            pickle.Write([(byte)'t', (byte)'R']);
        }
        pickle.Write([(byte)'u', (byte)'.']); // SETITEMS, STOP

        AtomicFile.Write(path, stream =>
        {
            using var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
            Entry(zip, "archive/data.pkl", pickle.ToArray());
            Entry(zip, "archive/byteorder", Encoding.ASCII.GetBytes("little"));
            for (var i = 0; i < blobs.Count; i++) Entry(zip, $"archive/data/{i}", blobs[i]);
            Entry(zip, "archive/version", Encoding.ASCII.GetBytes("3\n"));
        });
    }

    static string StorageName(ScalarType dtype) => dtype switch
    {
        ScalarType.Float32 => "FloatStorage",
        ScalarType.Float64 => "DoubleStorage",
        ScalarType.Float16 => "HalfStorage",
        ScalarType.Int64 => "LongStorage",
        ScalarType.Int32 => "IntStorage",
        ScalarType.Byte => "ByteStorage",
        ScalarType.Bool => "BoolStorage",
        _ => throw new DsdException(DsdErrorKind.InvalidInput, $"cannot write a {dtype} tensor as a PyTorch checkpoint"),
    };

    static void Entry(ZipArchive zip, string name, byte[] data)
    {
        using var s = zip.CreateEntry(name, CompressionLevel.NoCompression).Open();
        s.Write(data);
    }

    static void Global(Stream s, string module, string name) => s.Write(Encoding.ASCII.GetBytes($"c{module}\n{name}\n"));

    static void Unicode(Stream s, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        Span<byte> len = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(len, bytes.Length);
        s.WriteByte((byte)'X');
        s.Write(len);
        s.Write(bytes);
    }

    static void Int(Stream s, long value)
    {
        if (value is < int.MinValue or > int.MaxValue)
        {
            // LONG1: little-endian two's complement, 8 bytes suffice.
            s.Write([0x8a, 8]);
            Span<byte> b8 = stackalloc byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(b8, value);
            s.Write(b8);
            return;
        }
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(b, (int)value);
        s.WriteByte((byte)'J');
        s.Write(b);
    }

    static void Tuple(Stream s, long[] values)
    {
        s.WriteByte((byte)'(');
        foreach (var v in values) Int(s, v);
        s.WriteByte((byte)'t');
    }
}
