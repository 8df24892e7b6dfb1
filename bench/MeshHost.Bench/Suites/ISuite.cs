using MeshHost.Bench.Reporting;

namespace MeshHost.Bench.Suites;

/// <summary>
/// One named group of measurements selectable on the command line. Adding a suite is adding one
/// class that implements this interface with a public parameterless constructor:
/// <see cref="SuiteRegistry"/> finds it.
/// </summary>
internal interface ISuite
{
    /// <summary>The name typed on the command line, lower case (<c>serializer</c>, <c>transport</c>, ...).</summary>
    string Name { get; }

    /// <summary>One line for the usage message.</summary>
    string Description { get; }

    /// <summary>
    /// Runs the measurements and returns them. A measurement that could not be taken is reported in
    /// <see cref="SuiteReport.Errors"/> rather than thrown, so the other metrics still print.
    /// </summary>
    Task<SuiteReport> RunAsync(SuiteRunOptions options, CancellationToken cancellationToken);
}
