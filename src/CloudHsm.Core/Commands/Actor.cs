using CloudHsm.Core.Users;

namespace CloudHsm.Core.Commands;

/// <summary>Who asks for a change: the logged-in user of the session, resolved before the command is made.</summary>
public sealed record Actor(string Name, UserType Type);
