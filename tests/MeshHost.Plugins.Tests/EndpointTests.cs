using MeshHost.Plugins.Runtime;
using MeshHost.Sdk;

namespace MeshHost.Plugins.Tests;

public sealed class EndpointTests
{
    [Theory]
    [InlineData("files/{hash}", "files/abc", true)]
    [InlineData("files/{hash}", "/files/abc/", true)]
    [InlineData("files/{hash}", "files", false)]
    [InlineData("files/{hash}", "files/abc/more", false)]
    [InlineData("", "", true)]
    [InlineData("a/b", "a/c", false)]
    public void Patterns_match_whole_segments(string pattern, string path, bool matches)
    {
        PluginEndpoint endpoint = Map("GET", pattern);

        Assert.Equal(matches, endpoint.TryMatch(path, out IReadOnlyDictionary<string, string> values));
        if (matches && pattern.Contains('{', StringComparison.Ordinal))
        {
            Assert.Equal("abc", values["hash"]);
        }
    }

    [Theory]
    [InlineData("PATCH", "x", "is not one of GET, POST, PUT, DELETE")]
    [InlineData("GET", "a//b", "is not a route pattern")]
    [InlineData("GET", "a/{}", "is not a route pattern")]
    [InlineData("GET", "a/b{c}", "is not a route pattern")]
    [InlineData("POST", "reload", "is the host's")]
    public void Bad_methods_patterns_and_the_hosts_own_paths_are_refused(string method, string pattern, string message)
    {
        ArgumentException refused = Assert.Throws<ArgumentException>(() => Map(method, pattern));
        Assert.Contains(message, refused.Message, StringComparison.Ordinal);
    }

    private static PluginEndpoint Map(string method, string pattern)
    {
        var builder = new EndpointBuilder(new HandlerGuard(new FaultMonitor("test", Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, TimeProvider.System, new PluginRuntimeOptions(), _ => { }), CancellationToken.None));
        builder.Map(method, pattern, (request, ct) => Task.FromResult(ControlApiResponse.Json("{}")));
        return Assert.Single(builder.Endpoints);
    }
}
