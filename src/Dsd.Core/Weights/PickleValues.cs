namespace Dsd.Weights;

/// <summary>A Python dict (or OrderedDict) as unpickled: insertion-ordered key/value pairs.</summary>
internal sealed class PickleDict
{
    // Index of string and integer keys (all a state dict uses): a linear search per SETITEM would make a hostile
    // pickle with a million keys take hours.
    readonly Dictionary<object, int> index = [];

    public List<KeyValuePair<object?, object?>> Items { get; } = [];

    public void Set(object? key, object? value)
    {
        // Keys in torch state dicts are strings or ints; compare by value, keep first insertion position.
        if (key is string or long or bool)
        {
            if (index.TryGetValue(key, out var at)) Items[at] = new(key, value);
            else
            {
                index[key] = Items.Count;
                Items.Add(new(key, value));
            }
            return;
        }
        for (var i = 0; i < Items.Count; i++)
        {
            if (Equals(Items[i].Key, key)) { Items[i] = new(key, value); return; }
        }
        Items.Add(new(key, value));
    }

    public bool TryGet(string key, out object? value)
    {
        if (index.TryGetValue(key, out var at))
        {
            value = Items[at].Value;
            return true;
        }
        value = null;
        return false;
    }
}

/// <summary>A Python tuple as unpickled.</summary>
internal sealed record PickleTuple(object?[] Items);

/// <summary>Something a GLOBAL opcode named and REDUCE/NEWOBJ may call; only allow-listed implementations exist.</summary>
internal interface IPickleCallable
{
    object? Call(object?[] args);
}

/// <summary>Raised for malformed or disallowed pickle content; readers turn it into a DsdException naming the file.</summary>
internal sealed class PickleException(string message) : Exception(message);
