namespace MeshHost.MessagePack;

/// <summary>The first byte of every MessagePack value, as the specification names them.</summary>
internal static class MessagePackCode
{
    public const byte MinFixInt = 0x00;
    public const byte MaxFixInt = 0x7f;
    public const byte MinFixMap = 0x80;
    public const byte MaxFixMap = 0x8f;
    public const byte MinFixArray = 0x90;
    public const byte MaxFixArray = 0x9f;
    public const byte MinFixStr = 0xa0;
    public const byte MaxFixStr = 0xbf;
    public const byte Nil = 0xc0;
    public const byte NeverUsed = 0xc1;
    public const byte False = 0xc2;
    public const byte True = 0xc3;
    public const byte Bin8 = 0xc4;
    public const byte Bin16 = 0xc5;
    public const byte Bin32 = 0xc6;
    public const byte Ext8 = 0xc7;
    public const byte Ext16 = 0xc8;
    public const byte Ext32 = 0xc9;
    public const byte Float32 = 0xca;
    public const byte Float64 = 0xcb;
    public const byte UInt8 = 0xcc;
    public const byte UInt16 = 0xcd;
    public const byte UInt32 = 0xce;
    public const byte UInt64 = 0xcf;
    public const byte Int8 = 0xd0;
    public const byte Int16 = 0xd1;
    public const byte Int32 = 0xd2;
    public const byte Int64 = 0xd3;
    public const byte FixExt1 = 0xd4;
    public const byte FixExt2 = 0xd5;
    public const byte FixExt4 = 0xd6;
    public const byte FixExt8 = 0xd7;
    public const byte FixExt16 = 0xd8;
    public const byte Str8 = 0xd9;
    public const byte Str16 = 0xda;
    public const byte Str32 = 0xdb;
    public const byte Array16 = 0xdc;
    public const byte Array32 = 0xdd;
    public const byte Map16 = 0xde;
    public const byte Map32 = 0xdf;
    public const byte MinNegativeFixInt = 0xe0;
    public const byte MaxNegativeFixInt = 0xff;

    /// <summary>The extension type the specification reserves for timestamps.</summary>
    public const sbyte TimestampExtensionType = -1;

    private static readonly MessagePackType[] TypeByCode = BuildTypeTable();

    public static MessagePackType ToMessagePackType(byte code) => TypeByCode[code];

    private static MessagePackType[] BuildTypeTable()
    {
        var table = new MessagePackType[256];
        Fill(table, MinFixInt, MaxFixInt, MessagePackType.Integer);
        Fill(table, MinFixMap, MaxFixMap, MessagePackType.Map);
        Fill(table, MinFixArray, MaxFixArray, MessagePackType.Array);
        Fill(table, MinFixStr, MaxFixStr, MessagePackType.String);
        Fill(table, MinNegativeFixInt, MaxNegativeFixInt, MessagePackType.Integer);
        table[Nil] = MessagePackType.Nil;
        table[NeverUsed] = MessagePackType.Unknown;
        table[False] = table[True] = MessagePackType.Boolean;
        table[Bin8] = table[Bin16] = table[Bin32] = MessagePackType.Binary;
        table[Ext8] = table[Ext16] = table[Ext32] = MessagePackType.Extension;
        table[FixExt1] = table[FixExt2] = table[FixExt4] = table[FixExt8] = table[FixExt16] = MessagePackType.Extension;
        table[Float32] = table[Float64] = MessagePackType.Float;
        table[UInt8] = table[UInt16] = table[UInt32] = table[UInt64] = MessagePackType.Integer;
        table[Int8] = table[Int16] = table[Int32] = table[Int64] = MessagePackType.Integer;
        table[Str8] = table[Str16] = table[Str32] = MessagePackType.String;
        table[Array16] = table[Array32] = MessagePackType.Array;
        table[Map16] = table[Map32] = MessagePackType.Map;
        return table;
    }

    private static void Fill(MessagePackType[] table, byte first, byte last, MessagePackType type) =>
        table.AsSpan(first, last - first + 1).Fill(type);
}
