using MeshHost.Templates.Tests.Support;

namespace MeshHost.Templates.Tests;

public sealed class NuGetConfigTests
{
    [Fact]
    public void Enabled_sources_are_read_from_the_source_list()
    {
        const string Output = """
            Registered Sources:
              1.  main feed [Enabled]
                  https://packages.invalid/v3/index.json
              2.  old [Disabled]
                  /srv/old
              3.  local [Enabled]
                  /srv/local packages
            """;

        Assert.Equal(
            [new PackageSource("main feed", "https://packages.invalid/v3/index.json"), new PackageSource("local", "/srv/local packages")],
            NuGetConfig.ParseEnabledSources(Output));
    }
}
