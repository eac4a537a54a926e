using PhotoApi.Benchmarks.Http;
using ScottPlot;

namespace PhotoApi.Benchmarks.Report;

/// <summary>docs/performance.png: throughput and p99 latency per scenario, side by side, from the run's own numbers.</summary>
public static class Chart
{
    public static void Save(string path, IReadOnlyList<ScenarioResult> scenarios, string caption)
    {
        var multiplot = new Multiplot();
        multiplot.AddPlots(2);
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Columns();
        Panel(multiplot.GetPlot(0), scenarios, s => s.Wrk.RequestsPerSecond, v => $"{v:N0}", "Throughput (requests/s, higher is better)", "requests/s", Colors.SteelBlue);
        Panel(multiplot.GetPlot(1), scenarios, s => s.Wrk.P99Us / 1000.0, v => $"{v:0.0} ms", "p99 latency (ms, lower is better)", "ms", Colors.DarkOrange);
        multiplot.GetPlot(0).Axes.Bottom.Label.Text = caption;
        multiplot.GetPlot(0).Axes.Bottom.Label.FontSize = 11;
        // Two-line labels need ~100 px per bar per panel, or neighbours overlap.
        multiplot.SavePng(path, Math.Max(1700, 200 * scenarios.Count), 680);
    }

    private static void Panel(Plot plot, IReadOnlyList<ScenarioResult> scenarios, Func<ScenarioResult, double> value, Func<double, string> label, string title, string unit, Color color)
    {
        var bars = scenarios.Select((s, i) => new Bar
        {
            Position = i,
            Value = value(s),
            Label = label(value(s)),
            FillColor = color,
        }).ToList();
        var plot0 = plot.Add.Bars(bars);
        plot0.ValueLabelStyle.FontSize = 13;
        plot0.ValueLabelStyle.Bold = true;
        plot.Axes.Bottom.SetTicks(scenarios.Select((_, i) => (double)i).ToArray(), scenarios.Select(s => s.ShortLabel).ToArray());
        plot.Axes.Bottom.MajorTickStyle.Length = 0;
        plot.Axes.Margins(bottom: 0, top: 0.15);
        plot.Title(title, 15);
        plot.YLabel(unit);
        plot.Grid.XAxisStyle.MajorLineStyle.Width = 0;
    }
}
