using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Dsd.Tests.Weights;

/// <summary>
/// A tiny HTTP/1.1 server on 127.0.0.1 (free port) for download tests; raw sockets let a test declare a
/// Content-Length and then close early, which a real server would not do. No test touches the internet.
/// </summary>
internal sealed class LoopbackHttpServer : IDisposable
{
    /// <summary>What to send for a request path: status, body, and the Content-Length to claim (null: body length).</summary>
    public sealed record Reply(int Status, byte[] Body, long? DeclaredLength = null);

    readonly TcpListener listener = new(IPAddress.Loopback, 0);
    readonly Func<string, Reply> handler;
    readonly CancellationTokenSource stop = new();
    readonly Task loop;

    public LoopbackHttpServer(Func<string, Reply> handler)
    {
        this.handler = handler;
        listener.Start();
        loop = Task.Run(AcceptLoop);
    }

    public string Url(string path) => $"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}{path}";

    async Task AcceptLoop()
    {
        while (!stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await listener.AcceptTcpClientAsync(stop.Token); }
            catch (Exception) { return; }
            _ = Task.Run(() => Serve(client));
        }
    }

    async Task Serve(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                var request = new StringBuilder();
                var buffer = new byte[4096];
                while (!request.ToString().Contains("\r\n\r\n"))
                {
                    var n = await stream.ReadAsync(buffer, stop.Token);
                    if (n == 0) return;
                    request.Append(Encoding.ASCII.GetString(buffer, 0, n));
                }
                var path = request.ToString().Split(' ')[1];
                var reply = handler(path);
                var head = $"HTTP/1.1 {reply.Status} X\r\nContent-Length: {reply.DeclaredLength ?? reply.Body.Length}\r\nConnection: close\r\n\r\n";
                await stream.WriteAsync(Encoding.ASCII.GetBytes(head), stop.Token);
                await stream.WriteAsync(reply.Body, stop.Token);
                await stream.FlushAsync(stop.Token);
            }
            catch (Exception) { } // the client may hang up first; nothing to report
        }
    }

    public void Dispose()
    {
        stop.Cancel();
        listener.Stop();
        try { loop.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
        stop.Dispose();
    }
}
