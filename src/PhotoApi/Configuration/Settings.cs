using System.Collections;
using System.Reflection;
using Microsoft.Extensions.Options;

namespace PhotoApi.Configuration;

/// <summary>A configuration section PhotoApi owns, and the options type that says which keys it has.</summary>
public sealed record SettingsSection(string Name, Type Options);

/// <summary>
/// The one way PhotoApi reads settings: bind a section to an options type, check it at start-up (ValidateOnStart) with the
/// section's <see cref="IValidateOptions{TOptions}"/> class, and refuse to start when one of PhotoApi's own sections holds a
/// key no options type declares: a misspelt <c>Auth__Audiance</c> is an error that names it, not a setting silently ignored.
/// Runtime code reads only the validated <c>IOptions&lt;T&gt;</c>, never configuration.
/// </summary>
public static class Settings
{
    public static OptionsBuilder<T> AddSettings<T, TValidation>(this IHostApplicationBuilder builder, string section)
        where T : class
        where TValidation : class, IValidateOptions<T>
    {
        builder.Services.AddSingleton<IValidateOptions<T>, TValidation>();
        return builder.AddSettings<T>(section);
    }

    public static OptionsBuilder<T> AddSettings<T>(this IHostApplicationBuilder builder, string section) where T : class
    {
        builder.Services.AddSingleton(new SettingsSection(section, typeof(T)));
        if (!builder.Services.Any(s => s.ServiceType == typeof(IValidateOptions<KnownSettings>)))
        {
            builder.Services.AddSingleton<IValidateOptions<KnownSettings>, UnknownSettingsCheck>();
            builder.Services.AddOptions<KnownSettings>().ValidateOnStart();
        }
        return builder.Services.AddOptions<T>().Bind(builder.Configuration.GetSection(section)).ValidateOnStart();
    }
}

/// <summary>A section's start-up rules: each broken rule yields one message that names the key to fix.</summary>
public abstract class SettingsRules<T> : IValidateOptions<T> where T : class
{
    public ValidateOptionsResult Validate(string? name, T options) =>
        Broken(options).ToList() is { Count: > 0 } errors ? ValidateOptionsResult.Fail(errors) : ValidateOptionsResult.Success;

    protected abstract IEnumerable<string> Broken(T options);
}

/// <summary>The subject of the unknown-key check (it has no settings of its own).</summary>
public sealed class KnownSettings;

internal sealed class UnknownSettingsCheck(IConfiguration configuration, IEnumerable<SettingsSection> sections) : IValidateOptions<KnownSettings>
{
    public ValidateOptionsResult Validate(string? name, KnownSettings options)
    {
        var unknown = new List<string>();
        foreach (var group in sections.GroupBy(s => s.Name, StringComparer.OrdinalIgnoreCase))
        {
            Check(configuration.GetSection(group.Key), group.Select(s => s.Options).ToArray(), group.Key, unknown);
        }
        return unknown.Count == 0
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"Unknown settings (misspelt, or no longer used): {string.Join("; ", unknown)}.");
    }

    private static void Check(IConfigurationSection section, Type[] types, string path, List<string> unknown)
    {
        foreach (var child in section.GetChildren())
        {
            var childPath = $"{path}__{child.Key}";
            var members = types.Select(t => Member(t, child.Key)).OfType<Type>().ToArray();
            if (members.Length == 0)
            {
                var known = types.SelectMany(t => t.GetProperties(BindingFlags.Public | BindingFlags.Instance)).Select(p => p.Name).Distinct();
                var guess = known.MinBy(k => Distance(k.ToLowerInvariant(), child.Key.ToLowerInvariant()));
                unknown.Add(guess is not null && Distance(guess.ToLowerInvariant(), child.Key.ToLowerInvariant()) <= 3
                    ? $"{childPath} (did you mean {path}__{guess}?)"
                    : childPath);
                continue;
            }
            var complex = members.Where(IsComplex).ToArray();
            if (complex.Length > 0)
            {
                Check(child, complex, childPath, unknown);
            }
        }
    }

    /// <summary>The type a key stands for under <paramref name="type"/>: a property, a list element, a dictionary value.</summary>
    private static Type? Member(Type type, string key)
    {
        if (ElementType(type) is { } element)
        {
            return type.IsAssignableTo(typeof(IDictionary)) || int.TryParse(key, out _) ? element : null;
        }
        return type.GetProperty(key, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase)?.PropertyType;
    }

    private static Type? ElementType(Type type)
    {
        if (type == typeof(string))
        {
            return null;
        }
        if (type.IsArray)
        {
            return type.GetElementType();
        }
        var enumerable = type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IEnumerable<>)
            ? type
            : type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>));
        if (enumerable is null)
        {
            return null;
        }
        var item = enumerable.GetGenericArguments()[0];
        // A dictionary enumerates key/value pairs; its keys are free, its values are what is checked.
        return item.IsGenericType && item.GetGenericTypeDefinition() == typeof(KeyValuePair<,>) ? item.GetGenericArguments()[1] : item;
    }

    // Values (numbers, strings, times, URIs, enums) have no keys below them; anything else is an object or a collection.
    private static bool IsComplex(Type type)
    {
        var value = Nullable.GetUnderlyingType(type) ?? type;
        return !(value.IsPrimitive || value.IsEnum || value == typeof(string) || value == typeof(decimal) || value == typeof(TimeSpan)
            || value == typeof(DateTime) || value == typeof(DateTimeOffset) || value == typeof(Guid) || value == typeof(Uri));
    }

    private static int Distance(string a, string b)
    {
        var row = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var previous = row[0];
            row[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var current = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), previous + (a[i - 1] == b[j - 1] ? 0 : 1));
                previous = current;
            }
        }
        return row[b.Length];
    }
}
