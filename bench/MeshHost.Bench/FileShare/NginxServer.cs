using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace MeshHost.Bench.FileShare;

/// <summary>
/// Debian's nginx serving one folder on 127.0.0.1 with <c>sendfile on</c>: the plain HTTP download users
/// compare with. The benchmark writes its own nginx.conf in a temp folder, runs it in the foreground as
/// the current user (workers too: the temp folders are private to it) on a free port, and kills it on dispose.
/// </summary>
internal sealed class NginxServer : IDisposable
{
    public const string Binary = "/usr/sbin/nginx";

    private readonly Process _process;

    private NginxServer(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public static async Task<NginxServer> StartAsync(string root, string workDirectory, CancellationToken cancellationToken)
    {
        if (!File.Exists(Binary))
        {
            throw new FileNotFoundException($"{Binary} is not installed (Debian package nginx).");
        }

        Directory.CreateDirectory(workDirectory);
        int port = FreePort();
        string conf = Path.Combine(workDirectory, "nginx.conf");
        string temp = Path.Combine(workDirectory, "tmp");
        Directory.CreateDirectory(temp);
        await File.WriteAllTextAsync(conf, string.Create(CultureInfo.InvariantCulture, $$"""
            user {{Environment.UserName}};
            worker_processes 1;
            daemon off;
            pid {{workDirectory}}/nginx.pid;
            error_log {{workDirectory}}/error.log;
            events { worker_connections 64; }
            http {
              access_log off;
              sendfile on;
              client_body_temp_path {{temp}}/body; proxy_temp_path {{temp}}/proxy; fastcgi_temp_path {{temp}}/fastcgi;
              uwsgi_temp_path {{temp}}/uwsgi; scgi_temp_path {{temp}}/scgi;
              server { listen 127.0.0.1:{{port}}; root {{root}}; }
            }
            """), cancellationToken).ConfigureAwait(false);
        var start = new ProcessStartInfo(Binary) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string arg in new[] { "-c", conf, "-p", workDirectory, "-e", Path.Combine(workDirectory, "error.log") })
        {
            start.ArgumentList.Add(arg);
        }

        var server = new NginxServer(Process.Start(start)!, port);
        for (int i = 0; i < 100; i++)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port, cancellationToken).ConfigureAwait(false);
                return server;
            }
            catch (SocketException)
            {
                await Task.Delay(100, cancellationToken).ConfigureAwait(false);
            }
        }

        server.Dispose();
        string log = Path.Combine(workDirectory, "error.log");
        throw new InvalidOperationException($"nginx did not listen on 127.0.0.1:{port}: {(File.Exists(log) ? await File.ReadAllTextAsync(log, cancellationToken).ConfigureAwait(false) : "no error log")}");
    }

    /// <summary>Downloads <paramref name="name"/> with curl into <paramref name="destination"/>; returns bytes per second as curl measured them.</summary>
    public async Task<double> CurlAsync(string name, string destination, CancellationToken cancellationToken)
    {
        File.Delete(destination);
        var start = new ProcessStartInfo("curl") { UseShellExecute = false, RedirectStandardOutput = true };
        foreach (string arg in new[] { "-s", "-f", "-o", destination, "-w", "%{size_download} %{time_total}", string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{Port}/{name}") })
        {
            start.ArgumentList.Add(arg);
        }

        using Process curl = Process.Start(start)!;
        string output = await curl.StandardOutput.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
        await curl.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        string[] parts = output.Split(' ');
        if (curl.ExitCode != 0 || parts.Length != 2)
        {
            throw new InvalidOperationException($"curl failed ({curl.ExitCode}): {output}");
        }

        return double.Parse(parts[0], CultureInfo.InvariantCulture) / double.Parse(parts[1], CultureInfo.InvariantCulture);
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _process.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
