namespace MeshHost.MessagePack.Generator.Tests;

/// <summary>Sources that must generate code which compiles without errors or warnings.</summary>
internal static class ValidSamples
{
    public const string Usings = """
        using System;
        using System.Collections.Generic;
        using MeshHost.MessagePack;
        using MeshHost.MessagePack.Formatters;

        """;

    public const string AllBuiltInTypes = Usings + """
        namespace Samples;

        public enum Color : byte { Red, Green }
        public enum Wide : long { Big = 1L << 40 }

        [MessagePackObject]
        public partial class Child
        {
            [Key(0)] public int Id { get; set; }
        }

        public readonly struct ShoutingFormatter : IMessagePackFormatter<string?>
        {
            public void Serialize(ref MessagePackWriter writer, string? value) => writer.WriteString(value?.ToUpperInvariant());
            public string? Deserialize(ref MessagePackReader reader) => reader.ReadString();
        }

        [MessagePackObject]
        public partial class AllTypes
        {
            [Key(0)] public bool Bool { get; set; }
            [Key(1)] public byte Byte { get; set; }
            [Key(2)] public sbyte SByte { get; set; }
            [Key(3)] public short Int16 { get; set; }
            [Key(4)] public ushort UInt16 { get; set; }
            [Key(5)] public int Int32 { get; set; }
            [Key(6)] public uint UInt32 { get; set; }
            [Key(7)] public long Int64 { get; set; }
            [Key(8)] public ulong UInt64 { get; set; }
            [Key(9)] public float Single { get; set; }
            [Key(10)] public double Double { get; set; }
            [Key(11)] public char Char { get; set; }
            [Key(12)] public string? String { get; set; }
            [Key(13)] public decimal Decimal { get; set; }
            [Key(14)] public byte[]? Bytes { get; set; }
            [Key(15)] public ReadOnlyMemory<byte> ReadOnlyMemory { get; set; }
            [Key(16)] public Memory<byte> Memory { get; set; }
            [Key(17)] public DateTime DateTime { get; set; }
            [Key(18)] public DateTimeOffset DateTimeOffset { get; set; }
            [Key(19)] public Guid Guid { get; set; }
            [Key(20)] public TimeSpan TimeSpan { get; set; }
            [Key(21)] public int? NullableInt { get; set; }
            [Key(22)] public Color Color { get; set; }
            [Key(23)] public Color? NullableColor { get; set; }
            [Key(24)] public Wide Wide { get; set; }
            [Key(25)] public int[]? Array { get; set; }
            [Key(26)] public List<string?>? List { get; set; }
            [Key(27)] public HashSet<int>? HashSet { get; set; }
            [Key(28)] public IReadOnlyList<long>? ReadOnlyList { get; set; }
            [Key(29)] public IList<Guid>? InterfaceList { get; set; }
            [Key(30)] public Dictionary<string, List<int?>>? Dictionary { get; set; }
            [Key(31)] public IReadOnlyDictionary<int, string>? ReadOnlyDictionary { get; set; }
            [Key(32)] public IDictionary<string, Color>? InterfaceDictionary { get; set; }
            [Key(33)] public (int, string) ValueTuple2 { get; set; }
            [Key(34)] public (int A, string B, bool C) ValueTuple3 { get; set; }
            [Key(35)] public (int, int, int, Child) ValueTuple4 { get; set; }
            [Key(36)] public Tuple<int, string>? Tuple2 { get; set; }
            [Key(37)] public Tuple<int, int, int>? Tuple3 { get; set; }
            [Key(38)] public Tuple<int, int, int, byte[]>? Tuple4 { get; set; }
            [Key(39)] public Child? Child { get; set; }
            [Key(40)] public List<Child>? Children { get; set; }
            [Key(41)] public Child[]? ChildArray { get; set; }
            [Key(42)] public Dictionary<Guid, Child[]>? ChildMap { get; set; }
            [Key(43)] public int[][]? Jagged { get; set; }
            [Key(45)] public string Gap44 { get; set; } = "";
            [Key(46)] [MessagePackFormatter(typeof(ShoutingFormatter))] public string? Custom { get; set; }
            [Key(47)] public int Field;
            [Key(48)] public List<(Color, DateTime?)>? TupleList { get; set; }
        }
        """;

    public const string MapForm = Usings + """
        namespace Samples.Maps;

        [MessagePackObject(keyAsPropertyName: true)]
        public partial class ByName
        {
            public int Id { get; set; }
            public string? Name { get; set; }
            public string? Nick { get; set; } = "none";
            [IgnoreMember] public int Ignored { get; set; }
            private int NotSerialized { get; set; }
        }

        [MessagePackObject]
        public partial class ExplicitNames
        {
            [Key("id")] public int Id { get; set; }
            [Key("a\"b\\c")] public int Quoted { get; set; }
            [Key("naïve 🙂")] public int Unicode { get; set; }
            [Key("")] public int Empty { get; set; }
            [Key("xy")] public int Xy { get; set; }
            [Key("zz")] public int Zz { get; init; }
        }

        [MessagePackObject(true)]
        public partial record Named(string Name, int Age)
        {
            [IgnoreMember] public int Twice => Age * 2;
        }

        [MessagePackObject(true)]
        public partial class PrimaryConstructor(int id)
        {
            public int Id { get; } = id;
        }

        [MessagePackObject(true)]
        public partial struct EmptyMap
        {
        }
        """;

    public const string Unions = Usings + """
        namespace Samples.Unions;

        [Union(0, typeof(Circle))]
        [Union(1, typeof(Square))]
        [Union(2, typeof(BigCircle))]
        public abstract partial record Shape
        {
            [Key(0)] public string? Label { get; init; }
        }

        [MessagePackObject]
        public partial record Circle([property: Key(1)] double Radius) : Shape;

        [MessagePackObject]
        public partial record BigCircle(double Radius, [property: Key(2)] bool Huge) : Circle(Radius);

        [MessagePackObject]
        public partial record Square : Shape
        {
            [Key(1)] public double Side { get; init; }
        }

        [Union(10, typeof(Ping))]
        [Union(20, typeof(Pong))]
        public abstract partial class Message
        {
            [Key(0)] public long Sequence { get; set; }
        }

        [MessagePackObject]
        public sealed partial class Ping : Message
        {
        }

        [MessagePackObject]
        public sealed partial class Pong : Message
        {
            [Key(1)] public Message? Reply { get; set; }
            [Key(2)] public List<Shape>? Shapes { get; set; }
        }
        """;

    public const string RecordsAndStructs = Usings + """
        namespace Samples.Shapes;

        [MessagePackObject]
        public partial record Point([property: Key(0)] int X, [property: Key(1)] int Y);

        [MessagePackObject]
        public partial record struct Pair([property: Key(0)] int Left, [property: Key(1)] string? Right);

        [MessagePackObject]
        public readonly partial record struct Frozen([property: Key(0)] int A, [property: Key(2)] long C);

        [MessagePackObject]
        public partial struct Mutable
        {
            [Key(0)] public int A;
            [Key(1)] public string? B { get; set; }
        }

        [MessagePackObject]
        public readonly partial struct ReadOnlyValue
        {
            public ReadOnlyValue(int a, string b)
            {
                A = a;
                B = b;
            }

            [Key(0)] public int A { get; }
            [Key(1)] public string B { get; }
        }

        [MessagePackObject]
        public partial class WithConstructor
        {
            public WithConstructor(int id) => Id = id;

            public WithConstructor(int id, string name)
            {
                Id = id;
                Name = name;
            }

            [Key(0)] public int Id { get; }
            [Key(1)] public string Name { get; } = "";
            [Key(2)] public int Settable { get; set; } = 7;
            [Key(3)] public int InitOnly { get; init; }
            [Key(4)] public required string Required { get; set; }
        }

        [MessagePackObject]
        public partial class Chosen
        {
            public Chosen() { }

            [SerializationConstructor]
            private Chosen(int ID) => Id = ID;

            [Key(0)] public int Id { get; }
            [Key(1)] private int _secret;
            [Key(2)] internal int Internal { get; private set; }
        }

        public class BaseWithKeys
        {
            [Key(0)] public int Inherited { get; set; }
            [Key(1)] protected int Protected { get; set; }
            [Key(2)] public virtual int Overridden { get; set; }
            public int NotKeyedInBase { get; set; }
        }

        [MessagePackObject]
        public partial class Derived : BaseWithKeys
        {
            [Key(3)] public int Own { get; set; }
            public override int Overridden { get; set; }
        }

        [MessagePackObject]
        public partial class Awkward
        {
            [Key(0)] public int @class { get; set; }
            [Key(1)] public int value { get; set; }
            [Key(2)] public int writer { get; set; }
            [Key(3)] public int reader { get; set; }
            [Key(4)] public int Serialize { get; set; }
            [Key(5)] public int Deserialize { get; set; }
            [Key(6)] public int __count { get; set; }

            public static void Serialize2(ref MessagePackWriter writer, Awkward value) { }
        }
        """;

    public const string GenericsAndNesting = Usings + """
        namespace Samples.Generic
        {
            [MessagePackObject]
            public partial class Envelope<T>
                where T : IMessagePackSerializable<T>
            {
                [Key(0)] public T? Payload { get; set; }
                [Key(1)] public List<T>? Many { get; set; }
                [Key(2)] public Dictionary<string, T[]>? Index { get; set; }
            }

            [MessagePackObject]
            public partial class Item
            {
                [Key(0)] public Envelope<Item>? Inner { get; set; }
            }

            public partial class Outer
            {
                [MessagePackObject]
                public partial class Inner
                {
                    [Key(0)] public int X { get; set; }
                }

                public partial struct Middle
                {
                    [MessagePackObject]
                    internal partial record Deepest([property: Key(0)] Inner? Value);
                }
            }

            public static partial class Container<TOuter>
            {
                [MessagePackObject]
                public partial struct Nested
                {
                    [Key(0)] public int X;
                }

                [MessagePackObject]
                public partial class @event
                {
                    [Key(0)] public Nested N { get; set; }
                }
            }

            public partial interface IHolder<TIn, TOut>
            {
                [MessagePackObject]
                public partial class Held
                {
                    [Key(0)] public int X { get; set; }
                }
            }
        }

        [MessagePackObject]
        public partial class GlobalType
        {
            [Key(0)] public Samples.Generic.Envelope<Samples.Generic.Item>? Envelope { get; set; }
            [Key(1)] public Samples.Generic.Container<int>.Nested Nested { get; set; }
        }
        """;

    public static IEnumerable<object[]> All =>
    [
        [nameof(AllBuiltInTypes), AllBuiltInTypes],
        [nameof(MapForm), MapForm],
        [nameof(Unions), Unions],
        [nameof(RecordsAndStructs), RecordsAndStructs],
        [nameof(GenericsAndNesting), GenericsAndNesting],
    ];
}
