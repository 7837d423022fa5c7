using System.Buffers.Binary;
using System.Numerics;
using static TorchSharp.torch;

namespace Dsd.Weights;

/// <summary>
/// Reads the legacy (pre-1.6, non-zip) torch.save format, e.g. torchvision's <c>vgg19-dcbb9e9d.pth</c>:
/// pickles of the magic number, protocol version and sys_info, then the pickled state dict, then a pickled
/// list of storage keys, then each storage as an 8-byte little-endian element count and its raw bytes.
/// Storages are streamed one at a time, and those no wanted tensor uses are skipped without being read.
/// </summary>
public static class PyTorchLegacyReader
{
    static readonly BigInteger Magic = BigInteger.Parse("119547037146038801333356");
    const long ProtocolVersion = 1001;

    /// <summary>Reads every tensor (or those whose key passes <paramref name="include"/>) onto the CPU, in stored dtypes.</summary>
    public static Dictionary<string, Tensor> Load(string path, Func<string, bool>? include = null)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
            return Read(stream, include);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new DsdException(DsdErrorKind.Weights, $"{path}: weights file not found", e);
        }
        catch (Exception e) when (e is not (DsdException or OperationCanceledException))
        {
            // One guard for whatever hostile bytes provoke (format errors, overflows, allocation failures).
            throw StateDict.Corrupt(path, "legacy PyTorch checkpoint", e);
        }
    }

    static Dictionary<string, Tensor> Read(Stream stream, Func<string, bool>? include)
    {
        object NoGlobals(string m, string n) => throw new PickleException($"unexpected global {m}.{n} in the file header");
        var magic = new PickleReader(stream, NoGlobals).Load();
        if (!(magic is BigInteger m && m == Magic))
            throw new InvalidDataException("the legacy magic number is missing");
        if (new PickleReader(stream, NoGlobals).Load() is not long version || version != ProtocolVersion)
            throw new InvalidDataException("unsupported legacy protocol version");
        if (new PickleReader(stream, NoGlobals).Load() is PickleDict sysInfo && sysInfo.TryGet("little_endian", out var le) && le is false)
            throw new InvalidDataException("big-endian checkpoints are not supported");

        var roots = new Dictionary<string, StorageRef>();
        StorageRef Persistent(object? pid)
        {
            var r = TorchPickle.ParseStorageId(pid, key => roots.GetValueOrDefault(key));
            var root = r.ViewOf ?? r;
            roots.TryAdd(root.Key, root);
            return r;
        }
        var main = new PickleReader(stream, TorchPickle.FindGlobal, pid => Persistent(pid)).Load();
        var keys = new PickleReader(stream, NoGlobals).Load() as List<object?> ?? throw new InvalidDataException("the storage key list is missing");

        var entries = TorchPickle.TensorEntries(main).Where(kv => include is null || include(kv.Key)).ToList();
        var byStorage = entries.ToLookup(kv => (kv.Value.Storage.ViewOf ?? kv.Value.Storage).Key);
        var built = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        Span<byte> countBytes = stackalloc byte[8];
        foreach (var keyObject in keys)
        {
            var key = keyObject as string ?? throw new InvalidDataException("a storage key is not a string");
            stream.ReadExactly(countBytes);
            var count = BinaryPrimitives.ReadInt64LittleEndian(countBytes);
            var root = roots.GetValueOrDefault(key) ?? throw new InvalidDataException($"storage {key} is not referenced by the state dict");
            if (count != root.Count) throw new InvalidDataException($"storage {key} has {count} elements, expected {root.Count}");
            var length = count * TorchPickle.ElementSize(root.DType); // count was bounded by ParseStorageId
            if (length > stream.Length - stream.Position) throw new EndOfStreamException($"storage {key} of {length} bytes runs past the end of the file");
            if (!byStorage.Contains(key))
            {
                Skip(stream, length);
                continue;
            }
            using var storage = empty(count, root.DType);
            stream.ReadExactly(storage.bytes);
            foreach (var (name, p) in byStorage[key])
                built[name] = TorchPickle.Materialise(p, storage, p.Storage.ViewOf is null ? 0 : p.Storage.ViewOffset);
        }

        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, _) in entries)
            result[name] = built.TryGetValue(name, out var t) ? t : throw new InvalidDataException($"the data of tensor '{name}' is missing");
        return result;
    }

    static void Skip(Stream stream, long length)
    {
        if (stream.Position + length > stream.Length) throw new EndOfStreamException("storage data ends early (truncated?)");
        stream.Seek(length, SeekOrigin.Current);
    }
}
