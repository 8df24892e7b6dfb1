namespace MeshHost.MessagePack.Tests.Support;

/// <summary>Compares decoded values exactly: floats by their bits (so -0 and NaN count), arrays by content.</summary>
internal static class Values
{
    public static void AssertSame(object? expected, object? actual)
    {
        switch (expected)
        {
            case byte[] bytes:
                Assert.Equal(bytes, Assert.IsType<byte[]>(actual));
                break;
            case double d:
                Assert.Equal(BitConverter.DoubleToInt64Bits(d), BitConverter.DoubleToInt64Bits(Assert.IsType<double>(actual)));
                break;
            case float f:
                Assert.Equal(BitConverter.SingleToInt32Bits(f), BitConverter.SingleToInt32Bits(Assert.IsType<float>(actual)));
                break;
            case DateTime dateTime:
                DateTime actualDateTime = Assert.IsType<DateTime>(actual);
                Assert.Equal(dateTime, actualDateTime);
                Assert.Equal(DateTimeKind.Utc, actualDateTime.Kind);
                break;
            default:
                Assert.Equal(expected, actual);
                break;
        }
    }
}
