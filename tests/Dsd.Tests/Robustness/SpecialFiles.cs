using System.Diagnostics;
using System.Net.Sockets;
using Dsd.Imaging;
using static TorchSharp.torch;

namespace Dsd.Tests.Robustness;

/// <summary>Makes the files a byte-mutating fuzzer never produces: named pipes, sockets, device links, hard links.</summary>
public static class SpecialFiles
{
    /// <summary>Runs a small system tool (mkfifo, ln) and fails the test when it fails.</summary>
    static void Tool(string name, params string[] args)
    {
        using var p = Process.Start(new ProcessStartInfo(name, args) { RedirectStandardError = true })!;
        var err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{name} {string.Join(' ', args)} failed: {err}");
    }

    public static string Fifo(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        Tool("mkfifo", path);
        return path;
    }

    public static string HardLink(string target, string path)
    {
        Tool("ln", target, path);
        return path;
    }

    /// <summary>A bound Unix socket at <paramref name="path"/>; dispose it to close.</summary>
    public static Socket Socket(string path)
    {
        var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        s.Bind(new UnixDomainSocketEndPoint(path));
        return s;
    }

    /// <summary>A random RGB PNG of <paramref name="width"/>×<paramref name="height"/>.</summary>
    public static string Png(string path, int width, int height, int seed)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        manual_seed(seed);
        using var x = rand(1, 3, height, width);
        ImageIo.SavePng(x, path);
        return path;
    }
}
