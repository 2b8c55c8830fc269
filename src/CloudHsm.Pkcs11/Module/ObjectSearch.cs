using System.Text;
using CloudHsm.Pkcs11.Abi;
using CloudHsm.Pkcs11.Transport;
using CloudHsm.Protocol.V1;
using Google.Protobuf;

namespace CloudHsm.Pkcs11.Module;

/// <summary>
/// One C_FindObjects search: class, key type, label and ID go to the node's indexed lookup; any other
/// attribute of the template is compared here on the node's description of each key. Pages are asked
/// for as C_FindObjects needs them.
/// </summary>
internal sealed class ObjectSearch
{
    private const int PageSize = 256;

    private readonly IModuleTransport _transport;
    private readonly FindKeysRequest _request = new() { Limit = PageSize };
    private readonly Template _template;
    private readonly Queue<ulong> _ready = new();
    private bool _exhausted;

    /// <param name="loggedIn">Without a login nothing is visible: the partition has no public objects.</param>
    public ObjectSearch(IModuleTransport transport, Template template, bool loggedIn)
    {
        _transport = transport;
        _template = template;
        _exhausted = !loggedIn;
        try
        {
            if (template.Number(Cka.CLASS) is { } c) _request.ObjectClass = c;
            if (template.Number(Cka.KEY_TYPE) is { } k) _request.KeyType = k;
        }
        catch (CkException)
        {
            _exhausted = true; // a malformed value matches nothing
        }
        if (template.Raw(Cka.LABEL) is { } label) _request.Label = Encoding.UTF8.GetString(label);
        if (template.Raw(Cka.ID) is { } id) _request.Id = ByteString.CopyFrom(id);
    }

    public List<ulong> Next(int max)
    {
        var found = new List<ulong>(Math.Min(max, PageSize));
        while (found.Count < max)
        {
            if (_ready.Count == 0)
            {
                if (_exhausted) break;
                FetchPage();
                continue;
            }
            found.Add(_ready.Dequeue());
        }
        return found;
    }

    private void FetchPage()
    {
        var page = _transport.Call(NodeMethods.FindKeys, _request, KeyList.Parser).Keys;
        foreach (var info in page)
        {
            if (new KeyObject(info).Matches(_template.Attributes)) _ready.Enqueue(info.Handle);
        }
        if (page.Count < PageSize) _exhausted = true;
        else _request.AfterHandle = page[^1].Handle;
    }
}
