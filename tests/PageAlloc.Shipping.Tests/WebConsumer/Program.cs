// SPDX-License-Identifier: GPL-2.0-only
// A fresh web app on the PageAlloc.AspNetCore package: the README's three lines, then one real
// request over loopback that spans many blocks. Exits 0 only when every check holds.
using System;
using System.Linq;
using System.Net.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using PageAlloc.AspNetCore;

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddPageAllocMemoryPool(options => options.Size = 64L << 20);
var app = builder.Build();

app.Urls.Add("http://127.0.0.1:0");
byte[] body = Enumerable.Range(0, 300_000).Select(i => (byte)(i % 251)).ToArray();
app.MapGet("/", () => Results.Bytes(body, "application/octet-stream"));
await app.StartAsync();

int failures = 0;
void Check(bool condition, string what)
{
    if (!condition)
    {
        Console.Error.WriteLine($"FAILED: {what}");
        failures++;
    }
}

var factory = app.Services.GetRequiredService<IMemoryPoolFactory<byte>>() as PageAllocMemoryPoolFactory;
Check(factory is not null, "Kestrel's memory pool factory is PageAlloc's");
string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
using (var client = new HttpClient())
{
    byte[] received = await client.GetByteArrayAsync(address);
    Check(received.AsSpan().SequenceEqual(body), $"the 300,000-byte response came back intact (got {received.Length} bytes)");
}

long pgalloc = factory?.Allocator.GetVmEvent(PageAlloc.VmEvent.PgAllocNormal) ?? 0;
Check(pgalloc > 0, "Kestrel's buffers came from the page allocator");
Check(factory?.Pools.Count > 0, "Kestrel made its pools through the factory");
await app.StopAsync();
Console.WriteLine(failures == 0 ? $"web consumer: OK ({pgalloc} pages allocated, pools {string.Join(",", factory!.Pools.Select(p => p.Owner).Distinct())})" : $"web consumer: {failures} check(s) FAILED");
return failures == 0 ? 0 : 1;
