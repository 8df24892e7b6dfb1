namespace MeshHost.MessagePack;

/// <summary>The family of the next MessagePack value, as seen from its first byte.</summary>
public enum MessagePackType
{
    /// <summary>The byte 0xc1, which the specification never uses, or no more input.</summary>
    Unknown = 0,
    /// <summary>A positive or negative integer of any width.</summary>
    Integer,
    /// <summary>nil.</summary>
    Nil,
    /// <summary>true or false.</summary>
    Boolean,
    /// <summary>float32 or float64.</summary>
    Float,
    /// <summary>A UTF-8 string (fixstr, str8, str16, str32).</summary>
    String,
    /// <summary>A byte array (bin8, bin16, bin32).</summary>
    Binary,
    /// <summary>An array header; its elements follow.</summary>
    Array,
    /// <summary>A map header; its keys and values follow, alternating.</summary>
    Map,
    /// <summary>An extension value (fixext or ext), including timestamps.</summary>
    Extension,
}
