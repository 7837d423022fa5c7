using TorchSharp;
using static TorchSharp.torch;

namespace Dsd.Weights;

/// <summary>A storage named by a checkpoint's persistent id; its bytes are read later by the format reader.</summary>
internal sealed record StorageRef(string Key, ScalarType DType, long Count, StorageRef? ViewOf = null, long ViewOffset = 0);

/// <summary>A tensor as described by the pickle: a strided view of a storage, materialised once storages are read.</summary>
internal sealed record PickledTensor(StorageRef Storage, long Offset, long[] Size, long[] Stride);

/// <summary>The allow-list of Python globals that a torch state dict may reference, and helpers shared by the readers.</summary>
internal static class TorchPickle
{
    sealed record StorageType(ScalarType DType) : IPickleCallable
    {
        public object? Call(object?[] args) => throw new PickleException("storage types cannot be called");
    }

    sealed class Function(string name, Func<object?[], object?> body) : IPickleCallable
    {
        public object? Call(object?[] args) => body(args);

        public override string ToString() => name;
    }

    static readonly Dictionary<string, ScalarType> storageTypes = new()
    {
        ["FloatStorage"] = ScalarType.Float32,
        ["DoubleStorage"] = ScalarType.Float64,
        ["HalfStorage"] = ScalarType.Float16,
        ["BFloat16Storage"] = ScalarType.BFloat16,
        ["LongStorage"] = ScalarType.Int64,
        ["IntStorage"] = ScalarType.Int32,
        ["ShortStorage"] = ScalarType.Int16,
        ["CharStorage"] = ScalarType.Int8,
        ["ByteStorage"] = ScalarType.Byte,
        ["BoolStorage"] = ScalarType.Bool,
    };

    /// <summary>Resolves a GLOBAL; anything outside the allow-list is refused rather than executed.</summary>
    public static object FindGlobal(string module, string name)
    {
        switch (module, name)
        {
            case ("collections", "OrderedDict"):
                return new Function("OrderedDict", args => OrderedDict(args));
            case ("torch._utils", "_rebuild_tensor_v2"):
            case ("torch._utils", "_rebuild_tensor"):
                return new Function(name, RebuildTensor);
            case ("torch._utils", "_rebuild_parameter"):
            case ("torch._utils", "_rebuild_parameter_with_state"):
                // A Parameter is its data; requires_grad and hooks do not matter for weights.
                return new Function(name, args => args.Length > 0 ? args[0] : throw new PickleException($"{name} without data"));
            case ("torch", _) when storageTypes.TryGetValue(name, out var dtype):
                return new StorageType(dtype);
            default:
                throw new PickleException($"refusing to load Python global '{module}.{name}': only plain tensor state dicts are supported");
        }
    }

    static PickleDict OrderedDict(object?[] args)
    {
        var d = new PickleDict();
        if (args.Length > 0 && args[0] is List<object?> pairs)
        {
            foreach (var p in pairs)
            {
                var kv = p switch { PickleTuple t => t.Items, List<object?> l => l.ToArray(), _ => throw new PickleException("OrderedDict item is not a pair") };
                if (kv.Length != 2) throw new PickleException("OrderedDict item is not a pair");
                d.Set(kv[0], kv[1]);
            }
        }
        return d;
    }

    /// <summary>More dimensions than any tensor of a network needs; a hostile file might declare thousands.</summary>
    const int MaxDimensions = 16;

    // _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
    static object RebuildTensor(object?[] args)
    {
        if (args.Length < 4 || args[0] is not StorageRef storage)
            throw new PickleException("malformed tensor record");
        var (offset, size, stride) = (ToLong(args[1]), ToLongs(args[2]), ToLongs(args[3]));
        if (size.Length != stride.Length || size.Length > MaxDimensions)
            throw new PickleException($"tensor record with {size.Length} sizes and {stride.Length} strides");
        if (offset < 0 || size.Any(n => n < 0) || stride.Any(n => n < 0))
            throw new PickleException($"tensor record with a negative offset, size or stride (size [{string.Join(",", size)}], stride [{string.Join(",", stride)}], offset {offset})");
        return new PickledTensor(storage, offset, size, stride);
    }

    /// <summary>Parses a persistent id ('storage', storage_type, key, location, numel[, view_metadata]).</summary>
    public static StorageRef ParseStorageId(object? pid, Func<string, StorageRef?>? rootLookup = null)
    {
        if (pid is not PickleTuple { Items: var t } || t.Length < 5 || t[0] is not "storage")
            throw new PickleException("unsupported persistent id (not a tensor storage)");
        if (t[1] is not StorageType type) throw new PickleException("unknown storage type");
        var key = t[2] as string ?? throw new PickleException("storage key is not a string");
        var count = ToLong(t[4]);
        if (count < 0 || count > MaxStorageBytes / ElementSize(type.DType))
            throw new PickleException($"storage {key} declares {count} elements (at most {MaxStorageBytes} bytes are supported)");
        var root = new StorageRef(key, type.DType, count);
        // Legacy files may reference a view of a storage: (view_key, offset, view_size).
        if (t.Length > 5 && t[5] is PickleTuple { Items: [string viewKey, var offset, var viewSize] })
        {
            var (at, n) = (ToLong(offset), ToLong(viewSize));
            if (at < 0 || n < 0 || at > count || n > count - at)
                throw new PickleException($"storage view {viewKey} [{at}, +{n}) lies outside storage {key} of {count} elements");
            return new StorageRef(viewKey, type.DType, n, rootLookup?.Invoke(key) ?? root, at);
        }
        return root;
    }

    static long ToLong(object? o) => o switch
    {
        long l => l,
        bool b => b ? 1 : 0,
        _ => throw new PickleException($"expected an integer, found {o?.GetType().Name ?? "None"}"),
    };

    static long[] ToLongs(object? o) => o switch
    {
        PickleTuple t => t.Items.Select(ToLong).ToArray(),
        List<object?> l => l.Select(ToLong).ToArray(),
        _ => throw new PickleException("expected a tuple of integers"),
    };

    /// <summary>
    /// The largest storage read: one contiguous .NET span (2 GB). VGG19's largest, the first classifier layer, is 411 MB.
    /// </summary>
    public const long MaxStorageBytes = int.MaxValue;

    /// <summary>
    /// Finds the tensors in an unpickled checkpoint: a flat dict of tensors, or a dict that wraps one under
    /// 'state_dict' or 'model' (at most a few levels: a dict that contains itself is refused, not followed forever).
    /// Non-tensor entries are skipped.
    /// </summary>
    public static List<KeyValuePair<string, PickledTensor>> TensorEntries(object? root) => TensorEntries(root, depth: 0);

    const int MaxWrapperDepth = 4;

    static List<KeyValuePair<string, PickledTensor>> TensorEntries(object? root, int depth)
    {
        if (depth > MaxWrapperDepth)
            throw new PickleException($"the state dict is wrapped more than {MaxWrapperDepth} levels deep (a dict that contains itself?)");
        if (root is not PickleDict dict)
            throw new PickleException($"the checkpoint holds a {root?.GetType().Name ?? "None"}, not a state dict");
        var direct = dict.Items.Where(kv => kv.Key is string && kv.Value is PickledTensor)
            .Select(kv => new KeyValuePair<string, PickledTensor>((string)kv.Key!, (PickledTensor)kv.Value!)).ToList();
        if (direct.Count > 0) return direct;
        foreach (var wrapper in new[] { "state_dict", "model", "model_state_dict", "net" })
        {
            if (dict.TryGet(wrapper, out var inner) && inner is PickleDict)
                return TensorEntries(inner, depth + 1);
        }
        throw new PickleException("the checkpoint contains no tensors");
    }

    /// <summary>Builds the tensor described by <paramref name="p"/> from its (root) storage's elements, honouring offset and strides.</summary>
    public static Tensor Materialise(PickledTensor p, Tensor storage, long viewOffset)
    {
        // Int128: sizes and strides of 2^62 must not wrap around into a range that looks valid.
        Int128 offset = (Int128)p.Offset + viewOffset;
        Int128 extent = 1;
        for (var i = 0; i < p.Size.Length; i++)
        {
            if (p.Size[i] == 0) { extent = 0; break; }
            extent += (Int128)(p.Size[i] - 1) * p.Stride[i];
        }
        if (extent > 0 && (offset < 0 || offset + extent > storage.shape[0]))
            throw new PickleException($"tensor view [{string.Join(",", p.Size)}] at offset {offset} exceeds its storage of {storage.shape[0]} elements");
        Int128 elements = 1;
        foreach (var n in p.Size) elements = Int128.Min(elements * n, long.MaxValue);
        if (elements * ElementSize(storage.dtype) > MaxStorageBytes)
            throw new PickleException($"tensor of shape [{string.Join(",", p.Size)}] is larger than {MaxStorageBytes} bytes");
        if (extent == 0) return empty(p.Size, storage.dtype);
        using var view = storage.as_strided(p.Size, p.Stride, (long)offset);
        // Copy so that each tensor owns compact memory and does not pin a larger shared storage.
        var result = empty(p.Size, storage.dtype);
        result.copy_(view);
        return result;
    }

    /// <summary>Element size in bytes of a storage dtype.</summary>
    public static int ElementSize(ScalarType t) => t switch
    {
        ScalarType.Float64 or ScalarType.Int64 => 8,
        ScalarType.Float32 or ScalarType.Int32 => 4,
        ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Int16 => 2,
        _ => 1,
    };
}
