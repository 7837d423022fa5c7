using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace Dsd.Weights;

/// <summary>
/// A minimal, safe unpickler for the subset of the pickle protocol (0–5) that torch.save emits.
/// It never imports or executes anything: GLOBAL names are resolved through <c>findGlobal</c>,
/// which returns allow-listed callables or throws; persistent ids go to <c>persistentLoad</c>.
/// </summary>
/// <remarks>
/// The reader is a loop, never a recursion, so nesting depth cannot overflow the stack; what a hostile file can still
/// ask for is memory, bounded here by <see cref="MaxObjects"/> values created and lengths checked against the bytes left.
/// </remarks>
internal sealed class PickleReader(Stream stream, Func<string, string, object> findGlobal, Func<object?, object?>? persistentLoad = null)
{
    /// <summary>Values one pickle may create: VGG19's state dict needs a few hundred, a large network some ten thousand.</summary>
    public const int MaxObjects = 1_000_000;

    /// <summary>Bytes of one Python int (LONG1/LONG4): torch's legacy magic number has 10.</summary>
    const int MaxLongBytes = 64;

    static readonly object Mark = new();

    int created;

    readonly List<object?> stack = [];
    readonly Dictionary<long, object?> memo = [];

    /// <summary>Reads one pickle (up to and including STOP) and returns its value; the stream is left just past STOP.</summary>
    public object? Load()
    {
        stack.Clear();
        memo.Clear();
        created = 0;
        while (true)
        {
            var op = ReadByte();
            if (++created > MaxObjects) throw Bad($"more than {MaxObjects} pickle operations: not a state dict");
            switch (op)
            {
                case 0x80: ReadByte(); break; // PROTO
                case 0x95: ReadBytes(8); break; // FRAME: framing is only a hint to buffered readers
                case (byte)'.': return Pop(); // STOP
                case (byte)'(': stack.Add(Mark); break;
                case (byte)'0': Pop(); break; // POP
                case (byte)'1': PopMark(); break; // POP_MARK
                case (byte)'2': stack.Add(Peek()); break; // DUP
                case (byte)'N': stack.Add(null); break;
                case 0x88: stack.Add(true); break;
                case 0x89: stack.Add(false); break;
                case (byte)'I': stack.Add(ParseIntLine(ReadLine())); break;
                case (byte)'L': stack.Add(Narrow(ParseInteger(ReadLine().TrimEnd('L')))); break;
                case (byte)'J': stack.Add((long)BinaryPrimitives.ReadInt32LittleEndian(ReadBytes(4))); break;
                case (byte)'K': stack.Add((long)ReadByte()); break;
                case (byte)'M': stack.Add((long)BinaryPrimitives.ReadUInt16LittleEndian(ReadBytes(2))); break;
                case 0x8a: stack.Add(ReadLong(ReadByte())); break; // LONG1
                case 0x8b: { var n = ReadLength(4); stack.Add(n <= MaxLongBytes ? ReadLong(n) : throw Bad($"integer of {n} bytes")); break; } // LONG4
                case (byte)'G': stack.Add(BinaryPrimitives.ReadDoubleBigEndian(ReadBytes(8))); break;
                case (byte)'F': stack.Add(double.TryParse(ReadLine(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var f) ? f : throw Bad("malformed float")); break;
                case (byte)'X': stack.Add(Encoding.UTF8.GetString(ReadBytes(ReadLength(4)))); break; // BINUNICODE
                case 0x8c: stack.Add(Encoding.UTF8.GetString(ReadBytes(ReadByte()))); break; // SHORT_BINUNICODE
                case 0x8d: stack.Add(Encoding.UTF8.GetString(ReadBytes(ReadLength(8)))); break; // BINUNICODE8
                case (byte)'T': stack.Add(Encoding.Latin1.GetString(ReadBytes(ReadLength(4)))); break; // BINSTRING (Python 2 str)
                case (byte)'U': stack.Add(Encoding.Latin1.GetString(ReadBytes(ReadByte()))); break; // SHORT_BINSTRING
                case (byte)'B': stack.Add(ReadBytes(ReadLength(4))); break; // BINBYTES
                case (byte)'C': stack.Add(ReadBytes(ReadByte())); break; // SHORT_BINBYTES
                case 0x8e: stack.Add(ReadBytes(ReadLength(8))); break; // BINBYTES8
                case (byte)')': stack.Add(new PickleTuple([])); break;
                case (byte)'t': stack.Add(new PickleTuple(PopMark().ToArray())); break;
                case 0x85: stack.Add(new PickleTuple([Pop()])); break;
                case 0x86: { var b = Pop(); var a = Pop(); stack.Add(new PickleTuple([a, b])); break; }
                case 0x87: { var c = Pop(); var b = Pop(); var a = Pop(); stack.Add(new PickleTuple([a, b, c])); break; }
                case (byte)']': stack.Add(new List<object?>()); break;
                case (byte)'l': stack.Add(PopMark()); break; // LIST
                case (byte)'a': { var v = Pop(); AsList(Peek()).Add(v); break; } // APPEND
                case (byte)'e': { var items = PopMark(); AsList(Peek()).AddRange(items); break; } // APPENDS
                case (byte)'}': stack.Add(new PickleDict()); break;
                case (byte)'d': { var items = PopMark(); var d = new PickleDict(); SetPairs(d, items); stack.Add(d); break; } // DICT
                case (byte)'s': { var v = Pop(); var k = Pop(); AsDict(Peek()).Set(k, v); break; } // SETITEM
                case (byte)'u': { var items = PopMark(); SetPairs(AsDict(Peek()), items); break; } // SETITEMS
                case 0x8f: stack.Add(new HashSet<object?>()); break; // EMPTY_SET
                case 0x90: { var items = PopMark(); if (Peek() is HashSet<object?> set) set.UnionWith(items); else throw Bad("ADDITEMS on a non-set"); break; }
                case 0x91: stack.Add(new HashSet<object?>(PopMark())); break; // FROZENSET
                case (byte)'c': { var module = ReadLine(); var name = ReadLine(); stack.Add(findGlobal(module, name)); break; } // GLOBAL
                case 0x93: { var name = Pop() as string; var module = Pop() as string; stack.Add(findGlobal(module ?? throw Bad("STACK_GLOBAL module"), name ?? throw Bad("STACK_GLOBAL name"))); break; }
                case (byte)'R': { var args = Pop() as PickleTuple ?? throw Bad("REDUCE arguments are not a tuple"); stack.Add(Call(Pop(), args.Items)); break; }
                case 0x81: { var args = Pop() as PickleTuple ?? throw Bad("NEWOBJ arguments are not a tuple"); stack.Add(Call(Pop(), args.Items)); break; }
                case (byte)'b': Pop(); break; // BUILD: object state (e.g. OrderedDict._metadata) is not needed for tensors
                case (byte)'Q': stack.Add(Persistent(Pop())); break; // BINPERSID
                case (byte)'P': stack.Add(Persistent(ReadLine())); break; // PERSID
                case (byte)'p': memo[ParseIndex(ReadLine())] = Peek(); break; // PUT
                case (byte)'q': memo[ReadByte()] = Peek(); break; // BINPUT
                case (byte)'r': memo[BinaryPrimitives.ReadUInt32LittleEndian(ReadBytes(4))] = Peek(); break; // LONG_BINPUT
                case 0x94: memo[memo.Count] = Peek(); break; // MEMOIZE
                case (byte)'g': stack.Add(Get(ParseIndex(ReadLine()))); break; // GET
                case (byte)'h': stack.Add(Get(ReadByte())); break; // BINGET
                case (byte)'j': stack.Add(Get(BinaryPrimitives.ReadUInt32LittleEndian(ReadBytes(4)))); break; // LONG_BINGET
                default: throw Bad($"unsupported pickle opcode 0x{op:x2} at offset {stream.Position - 1}");
            }
        }
    }

    object? Call(object? callable, object?[] args) =>
        callable is IPickleCallable c ? c.Call(args) : throw Bad($"cannot call {Describe(callable)}");

    object? Persistent(object? pid) =>
        persistentLoad is null ? throw Bad("persistent id outside a torch checkpoint") : persistentLoad(pid);

    object? Get(long index) => memo.TryGetValue(index, out var v) ? v : throw Bad($"memo entry {index} is missing");

    static void SetPairs(PickleDict d, List<object?> items)
    {
        if (items.Count % 2 != 0) throw Bad("odd number of dict items");
        for (var i = 0; i < items.Count; i += 2) d.Set(items[i], items[i + 1]);
    }

    static List<object?> AsList(object? o) => o as List<object?> ?? throw Bad("APPEND on a non-list");

    static PickleDict AsDict(object? o) => o as PickleDict ?? throw Bad("SETITEM on a non-dict");

    static object ParseIntLine(string line) => line switch
    {
        "00" => false,
        "01" => true,
        _ => Narrow(ParseInteger(line)),
    };

    static BigInteger ParseInteger(string line) =>
        BigInteger.TryParse(line, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var v)
            ? v : throw Bad("malformed integer");

    static long ParseIndex(string line) =>
        long.TryParse(line, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var v)
            ? v : throw Bad("malformed memo index");

    object ReadLong(int n) => Narrow(new BigInteger(ReadBytes(n), isUnsigned: false, isBigEndian: false));

    // Small integers are longs; the 10-byte legacy magic number stays a BigInteger.
    static object Narrow(BigInteger v) => v >= long.MinValue && v <= long.MaxValue ? (object)(long)v : v;

    object? Pop()
    {
        if (stack.Count == 0) throw Bad("stack underflow");
        var v = stack[^1];
        stack.RemoveAt(stack.Count - 1);
        if (ReferenceEquals(v, Mark)) throw Bad("unexpected MARK");
        return v;
    }

    object? Peek() => stack.Count == 0 || ReferenceEquals(stack[^1], Mark) ? throw Bad("stack underflow") : stack[^1];

    List<object?> PopMark()
    {
        var i = stack.FindLastIndex(o => ReferenceEquals(o, Mark));
        if (i < 0) throw Bad("MARK not found");
        var items = stack.GetRange(i + 1, stack.Count - i - 1);
        stack.RemoveRange(i, stack.Count - i);
        return items;
    }

    byte ReadByte()
    {
        var b = stream.ReadByte();
        return b < 0 ? throw new EndOfStreamException("pickle ends early (truncated?)") : (byte)b;
    }

    int ReadLength(int size)
    {
        var bytes = ReadBytes(size);
        var n = size == 4 ? BinaryPrimitives.ReadUInt32LittleEndian(bytes) : BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        // Torch pickles hold names and shapes, never huge inline blobs; a large length means corruption. It must also fit
        // in what is left of the stream, checked before the buffer is allocated.
        if (n > 1 << 28) throw Bad($"implausible length {n}");
        if (stream.CanSeek && (long)n > stream.Length - stream.Position) throw new EndOfStreamException("pickle ends early (truncated?)");
        return (int)n;
    }

    byte[] ReadBytes(int n)
    {
        var buffer = new byte[n];
        stream.ReadExactly(buffer);
        return buffer;
    }

    string ReadLine()
    {
        var sb = new StringBuilder();
        while (true)
        {
            var b = ReadByte();
            if (b == '\n') return sb.ToString();
            if (sb.Length > 4096) throw Bad("text line too long");
            sb.Append((char)b);
        }
    }

    static string Describe(object? o) => o switch { null => "None", string s => $"'{s}'", _ => o.GetType().Name };

    static PickleException Bad(string message) => new(message);
}
