using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Dsd.Serialization;

/// <summary>What kind of thing a path names once symbolic links are followed.</summary>
public enum FileType
{
    Missing,
    Regular,
    Directory,
    NamedPipe,
    CharacterDevice,
    BlockDevice,
    Socket,
    /// <summary>The platform does not say (no <c>statx</c>): the caller falls back to what .NET reports.</summary>
    Unknown,
}

/// <summary>
/// A file's type and identity (device and inode) as the kernel reports them. .NET reports a named pipe, a device and a
/// socket as ordinary files (<see cref="FileSystemInfo.Attributes"/> is <c>Normal</c>, the length 0), and opening a pipe
/// to read waits for a writer forever, so the type must be asked before opening. On Linux this is <c>statx(2)</c>, whose
/// structure has one layout on every architecture; elsewhere <see cref="FileType.Unknown"/> and no identity.
/// </summary>
public readonly record struct FileIdentity(FileType Type, ulong Device, ulong Inode)
{
    /// <summary>The type and identity of <paramref name="path"/>, following symbolic links.</summary>
    public static FileIdentity Of(string path)
    {
        if (!OperatingSystem.IsLinux()) return Fallback(path);
        var buffer = new byte[StatxSize];
        int result;
        try { result = Statx(AtFdCwd, path, 0, StatxType | StatxIno, buffer); }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException) { return Fallback(path); }
        if (result != 0) return Marshal.GetLastPInvokeError() is ENoEnt or ENotDir ? new(FileType.Missing, 0, 0) : Fallback(path);
        var mode = BinaryPrimitives.ReadUInt16LittleEndian(buffer.AsSpan(ModeOffset)) & TypeMask;
        var type = mode switch
        {
            0x8000 => FileType.Regular,
            0x4000 => FileType.Directory,
            0x1000 => FileType.NamedPipe,
            0x2000 => FileType.CharacterDevice,
            0x6000 => FileType.BlockDevice,
            0xC000 => FileType.Socket,
            _ => FileType.Unknown,
        };
        var inode = BinaryPrimitives.ReadUInt64LittleEndian(buffer.AsSpan(InoOffset));
        var device = ((ulong)BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(DevMajorOffset)) << 32)
            | BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(DevMinorOffset));
        return new(type, device, inode);
    }

    /// <summary>Whether both paths exist and are one file (the same inode: a hard link, a symbolic link, another spelling).</summary>
    public bool SameFileAs(FileIdentity other) =>
        Type is not (FileType.Missing or FileType.Unknown) && other.Type == Type && other.Device == Device && other.Inode == Inode;

    /// <summary>"a named pipe (FIFO)", "a directory": for messages.</summary>
    public static string Describe(FileType type) => type switch
    {
        FileType.Regular => "a regular file",
        FileType.Directory => "a directory",
        FileType.NamedPipe => "a named pipe (FIFO)",
        FileType.CharacterDevice => "a character device",
        FileType.BlockDevice => "a block device",
        FileType.Socket => "a socket",
        FileType.Missing => "missing",
        _ => "not a regular file",
    };

    /// <summary>Without statx: directories and missing paths are known; a file of length 0 may be a pipe or a device.</summary>
    static FileIdentity Fallback(string path) =>
        Directory.Exists(path) ? new(FileType.Directory, 0, 0)
        : File.Exists(path) ? new(FileType.Unknown, 0, 0)
        : new(FileType.Missing, 0, 0);

    // struct statx (include/uapi/linux/stat.h): stx_mode u16 at 0x1C, stx_ino u64 at 0x20, stx_dev_major/minor u32 at 0x88/0x8C.
    const int StatxSize = 256;
    const int ModeOffset = 0x1C;
    const int InoOffset = 0x20;
    const int DevMajorOffset = 0x88;
    const int DevMinorOffset = 0x8C;
    const int TypeMask = 0xF000;
    const int AtFdCwd = -100;
    const uint StatxType = 0x1;
    const uint StatxIno = 0x100;
    const int ENoEnt = 2;
    const int ENotDir = 20;

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    static extern int Statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, byte[] buffer);
}
