using MeshHost.Sdk;
using MeshHost.Sdk.Testing;
using MeshHost.Transport.Testing;

namespace MeshHost.Plugins.Chat.Tests;

/// <summary>The message format and the clock, without a mesh.</summary>
public sealed class CodecTests
{
    [Fact]
    public void The_hybrid_logical_clock_never_goes_back_and_moves_past_what_it_receives()
    {
        var time = new ManualTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var clock = new HybridLogicalClock(time);

        ulong first = clock.Next();
        ulong second = clock.Next();
        Assert.Equal(HybridLogicalClock.FromTime(time.GetUtcNow()), first);
        Assert.Equal(first + 1, second);

        // A message from a peer whose clock is a minute ahead: our next timestamp sorts after it.
        ulong remote = HybridLogicalClock.FromTime(time.GetUtcNow().AddMinutes(1));
        clock.Observe(remote);
        Assert.True(clock.Next() > remote);

        // Real time catching up takes over again.
        time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(HybridLogicalClock.FromTime(time.GetUtcNow()), clock.Next());
        Assert.Equal(time.GetUtcNow(), HybridLogicalClock.ToTime(clock.Next()));
    }

    [Fact]
    public async Task A_signed_message_verifies_and_any_change_to_a_signed_field_breaks_it()
    {
        await using TestMesh mesh = await TestMesh.StartAsync(1);
        INodeSigner key = mesh[0].Mesh.Identity;
        var options = new ChatOptions();
        ulong hlc = HybridLogicalClock.FromTime(mesh.Time.GetUtcNow());
        ulong max = hlc + HybridLogicalClock.FromTime(DateTimeOffset.UnixEpoch.AddMinutes(5));
        ChatMessage message = ChatCodec.Create(key, "lobby", hlc, "ann", "hello", recipient: null);

        Assert.Equal(MessageVerdict.Valid, ChatCodec.Verify(key, message, options, max));
        Assert.Equal(mesh[0].Id, ChatCodec.AuthorId(message));
        Assert.Equal(MessageVerdict.BadSignature, ChatCodec.Verify(key, message with { Nick = "bob" }, options, max));
        Assert.Equal(MessageVerdict.BadSignature, ChatCodec.Verify(key, message with { Hlc = hlc + 1 }, options, max));
        Assert.Equal(MessageVerdict.BadSignature, ChatCodec.Verify(key, message with { Room = "other" }, options, max));
        Assert.Equal(MessageVerdict.Malformed, ChatCodec.Verify(key, message with { Recipient = mesh[0].Id.ToArray() }, options, max));
        Assert.Equal(MessageVerdict.Malformed, ChatCodec.Verify(key, message with { Room = "" }, options, max));
        Assert.Equal(MessageVerdict.Malformed, ChatCodec.Verify(key, message with { Signature = [] }, options, max));
        Assert.Equal(MessageVerdict.TooLarge, ChatCodec.Verify(key, message, options with { MaxTextBytes = 4 }, max));
        Assert.Equal(MessageVerdict.FromTheFuture, ChatCodec.Verify(key, message, options, hlc - 1));
        Assert.Equal("ann (" + mesh[0].Id.ToShortString() + ")", ChatCodec.Display("ann", mesh[0].Id));
        Assert.Equal("[2Jevil", ChatCodec.CleanNick("\u001b[2Jevil\n"));
    }
}
