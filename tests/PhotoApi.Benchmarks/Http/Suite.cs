namespace PhotoApi.Benchmarks.Http;
public sealed record SuiteOptions { public static SuiteOptions From(Dictionary<string,string> o) => new(); }
public static class Suite { public static Task<int> RunAsync(SuiteOptions o) => Task.FromResult(0); }
