using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;

namespace MeshHost.Control;

/// <summary>The CLI's side of the control API: finds the node of a data directory through <c>control.json</c> and calls it with the token.</summary>
internal sealed class ControlClient : IDisposable
{
    /// <summary>Longer than the server's own bound on lookups and dials, so the server's answer wins.</summary>
    private static readonly TimeSpan RequestTimeout = CoreControlApiModule.OperationTimeout + TimeSpan.FromSeconds(10);

    private readonly HttpClient _http;
    private readonly string _dataDirectory;

    private ControlClient(string dataDirectory, int port, string token, TimeSpan requestTimeout)
    {
        _dataDirectory = dataDirectory;
        _http = new HttpClient
        {
            BaseAddress = new Uri($"http://127.0.0.1:{port}/v1/"),
            Timeout = requestTimeout,
        };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    /// <summary>Finds the node running for <paramref name="dataDirectory"/>.</summary>
    /// <exception cref="NodeNotRunningException">There is no control file, or it names a process that has exited.</exception>
    /// <param name="dataDirectory">The node's data directory.</param>
    /// <param name="requestTimeout">How long a request may take; null for the default, longer than the server's bound on lookups and dials.</param>
    public static ControlClient Open(string dataDirectory, TimeSpan? requestTimeout = null)
    {
        ControlFile file = ControlFileStore.TryRead(dataDirectory) ?? throw new NodeNotRunningException(dataDirectory, null);
        if (!IsRunning(file.Pid))
        {
            throw new NodeNotRunningException(dataDirectory, $"its control file names process {file.Pid}, which has exited");
        }

        string token = ControlToken.TryRead(dataDirectory)
            ?? throw new NodeNotRunningException(dataDirectory, $"there is no {Configuration.DataDirectory.TokenFileName}");
        return new ControlClient(dataDirectory, file.Port, token, requestTimeout ?? RequestTimeout);
    }

    public Task<ControlReply> GetAsync(string path, CancellationToken cancellationToken) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Get, path), cancellationToken);

    public Task<ControlReply> PostAsync(string path, string json, CancellationToken cancellationToken) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") }, cancellationToken);

    /// <summary>Any method and body, answered as raw bytes (for plugin endpoints, whose bodies need not be JSON).</summary>
    public async Task<MeshHost.Sdk.ControlApiResponse> SendRawAsync(string method, string path, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (!body.IsEmpty)
        {
            request.Content = new ReadOnlyMemoryContent(body);
        }

        try
        {
            using HttpResponseMessage response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            byte[] bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            return new MeshHost.Sdk.ControlApiResponse((int)response.StatusCode, response.Content.Headers.ContentType?.MediaType ?? "", bytes);
        }
        catch (HttpRequestException e) when (e.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused })
        {
            throw new NodeNotRunningException(_dataDirectory, "its control port refused the connection");
        }
    }

    public void Dispose() => _http.Dispose();

    private async Task<ControlReply> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using (request)
        {
            try
            {
                using HttpResponseMessage response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
                string body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                return new ControlReply(response.StatusCode, body);
            }
            catch (HttpRequestException e) when (e.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused })
            {
                throw new NodeNotRunningException(_dataDirectory, "its control port refused the connection");
            }
        }
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using Process process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }
}

/// <summary>A control API answer: status and body.</summary>
internal sealed record ControlReply(HttpStatusCode Status, string Body)
{
    public bool IsSuccess => (int)Status is >= 200 and < 300;
}

/// <summary>No node runs for a data directory; the message says how to start one.</summary>
internal sealed class NodeNotRunningException : Exception
{
    public NodeNotRunningException(string dataDirectory, string? detail)
        : base($"No node is running for data directory {dataDirectory}{(detail is null ? "" : $" ({detail})")}. Start one with: meshhost run --data-dir {Cli.Formatting.Quote(dataDirectory)}")
    {
    }
}
