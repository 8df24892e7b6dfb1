using MeshHost.Sdk;

namespace MeshHost.Plugins.Chat;

/// <summary>A verified message as this node shows it.</summary>
/// <param name="Sequence">This node's arrival sequence (live views page by it).</param>
/// <param name="Conversation">The room, or <c>dm:</c> + the other peer's id.</param>
/// <param name="Id">The message id, 32 hex digits.</param>
/// <param name="Author">The author's NodeId (verified: the signature's key hashes to it).</param>
/// <param name="Nick">The author's nickname as signed (may be empty; never trust it without the id).</param>
/// <param name="Hlc">The hybrid logical clock timestamp.</param>
/// <param name="Text">The text.</param>
public sealed record ChatEntry(long Sequence, string Conversation, string Id, PeerId Author, string Nick, ulong Hlc, string Text)
{
    /// <summary>The author as people see it: nick and short NodeId.</summary>
    public string Display => ChatCodec.Display(Nick, Author);

    internal static ChatEntry From(StoredMessage stored) => From(stored.Sequence, stored.Conversation, stored.Message);

    internal static ChatEntry From(long sequence, string conversation, ChatMessage message) =>
        new(sequence, conversation, Convert.ToHexStringLower(message.Id), ChatCodec.AuthorId(message), ChatCodec.CleanNick(message.Nick), message.Hlc, message.Text);
}
