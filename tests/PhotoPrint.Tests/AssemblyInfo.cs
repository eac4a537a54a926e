// Each story starts an issuer, an API, a database and a Chromium: one at a time, so that on 2 cores they do not starve
// the other test projects (their browser test waits 5 s for Swagger UI) while `dotnet test` runs projects side by side.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
