#include "sim/cluster/report.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"

namespace spillway::sim {
namespace {

// Twenty colours far enough apart to tell series apart (Tableau 20 order:
// each dark shade, then its light one only after every dark one is used).
constexpr const char* kPalette[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
                                    "#7f7f7f", "#bcbd22", "#17becf", "#aec7e8", "#ffbb78", "#98df8a", "#ff9896",
                                    "#c5b0d5", "#c49c94", "#f7b6d2", "#c7c7c7", "#dbdb8d", "#9edae5"};
constexpr size_t kPaletteSize = sizeof(kPalette) / sizeof(kPalette[0]);

struct Series {
  std::string name;
  std::string color;
  std::vector<std::pair<double, double>> points;
  bool dashed = false;
};

// A shaded window of time (a stock-out, Spillway down).
struct Band {
  double from = 0;
  double until = 0;
  std::string label;
  std::string color;
};

// A moment (a user's action).
struct Marker {
  double at = 0;
  std::string label;
};

struct ChartSpec {
  std::string title;
  std::string unit;
  std::vector<Series> series;
  std::vector<Band> bands;
  std::vector<Marker> markers;
  std::optional<std::pair<double, std::string>> limit;  // A horizontal line (the ECI quota).
  bool money = false;
};

std::string Escape(const std::string& text) {
  return absl::StrReplaceAll(text, {{"&", "&amp;"}, {"<", "&lt;"}, {">", "&gt;"}, {"\"", "&quot;"}});
}

// A round step for about `ticks` ticks up to `max`: 1, 2 or 5 times a power
// of ten.
double NiceStep(double max, int ticks) {
  const double raw = std::max(max, 1e-9) / ticks;
  const double power = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (m * power >= raw) return m * power;
  }
  return 10 * power;
}

// A tick's text: whole numbers as such; money with as many decimals as the
// step needs (never more than 4).
std::string TickText(double value, double step, bool money) {
  const int decimals = step >= 1 ? 0 : std::min(4, static_cast<int>(std::ceil(-std::log10(step) - 1e-9)));
  return absl::StrCat(money ? "$" : "", absl::StrFormat("%.*f", decimals, value));
}

// One line chart as inline SVG (axes with round ticks, bands, markers, a
// limit line), then its legend as HTML that wraps for any number of series.
std::string Chart(const ChartSpec& chart) {
  constexpr double kWidth = 900, kHeight = 240, kLeft = 64, kRight = 16, kTop = 28, kBottom = 30;
  double max_x = 1, max_y = 0;
  for (const Series& s : chart.series) {
    for (const auto& [x, y] : s.points) {
      max_x = std::max(max_x, x);
      max_y = std::max(max_y, y);
    }
  }
  if (chart.limit.has_value()) max_y = std::max(max_y, chart.limit->first);
  const double y_step = NiceStep(max_y > 0 ? max_y : 1, 5);
  const double top_y = std::max(y_step, std::ceil(max_y / y_step) * y_step);
  const double x_step = NiceStep(max_x, 8);
  const double plot_w = kWidth - kLeft - kRight, plot_h = kHeight - kTop - kBottom;
  auto px = [&](double x) { return kLeft + x / max_x * plot_w; };
  auto py = [&](double y) { return kTop + plot_h - y / top_y * plot_h; };
  std::string svg = absl::StrFormat(
      "<figure><svg class=\"chart\" role=\"img\" aria-label=\"%s\" viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" "
      "height=\"%.0f\"><text x=\"%.0f\" y=\"16\" class=\"title\">%s</text>",
      Escape(chart.title), kWidth, kHeight, kWidth, kHeight, kLeft, Escape(chart.title));
  for (const Band& band : chart.bands) {
    absl::StrAppendFormat(&svg,
                          "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\" "
                          "opacity=\"0.15\"><title>%s</title></rect><text x=\"%.1f\" y=\"%.1f\" "
                          "class=\"band\">%s</text>",
                          px(band.from), kTop, std::max(1.0, px(band.until) - px(band.from)), plot_h, band.color,
                          Escape(band.label), px(band.from) + 3, kTop + 10, Escape(band.label));
  }
  for (double y = 0; y <= top_y + 1e-9; y += y_step) {
    absl::StrAppendFormat(&svg,
                          "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" class=\"grid\"/>"
                          "<text x=\"%.1f\" y=\"%.1f\" class=\"tick\" text-anchor=\"end\">%s</text>",
                          kLeft, py(y), kLeft + plot_w, py(y), kLeft - 4, py(y) + 4, TickText(y, y_step, chart.money));
  }
  for (double x = 0; x <= max_x + 1e-9; x += x_step) {
    absl::StrAppendFormat(&svg, "<text x=\"%.1f\" y=\"%.1f\" class=\"tick\" text-anchor=\"middle\">%ss</text>",
                          px(x), py(0) + 16, TickText(x, x_step, false));
  }
  absl::StrAppendFormat(&svg, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" class=\"axis\"/>", kLeft,
                        py(0), kLeft + plot_w, py(0));
  absl::StrAppendFormat(&svg, "<text x=\"4\" y=\"%.1f\" class=\"tick\">%s</text>", kTop - 8, Escape(chart.unit));
  for (const Marker& marker : chart.markers) {
    absl::StrAppendFormat(&svg,
                          "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" class=\"marker\">"
                          "<title>%s</title></line>",
                          px(marker.at), kTop, px(marker.at), py(0), Escape(marker.label));
  }
  if (chart.limit.has_value()) {
    absl::StrAppendFormat(&svg,
                          "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" class=\"limit\"/>"
                          "<text x=\"%.1f\" y=\"%.1f\" class=\"band\" text-anchor=\"end\">%s</text>",
                          kLeft, py(chart.limit->first), kLeft + plot_w, py(chart.limit->first), kLeft + plot_w - 2,
                          py(chart.limit->first) - 3, Escape(chart.limit->second));
  }
  std::string legend = "<div class=\"legend\">";
  for (const Series& s : chart.series) {
    std::string points;
    for (const auto& [x, y] : s.points) absl::StrAppendFormat(&points, "%.1f,%.1f ", px(x), py(y));
    const char* dash = s.dashed ? " stroke-dasharray=\"6 4\"" : "";
    absl::StrAppendFormat(&svg,
                          "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s points=\"%s\" "
                          "data-series=\"%s\"/>",
                          s.color, dash, points, Escape(s.name));
    absl::StrAppendFormat(&legend,
                          "<span class=\"key\" data-key=\"%s\"><svg width=\"26\" height=\"10\"><line x1=\"0\" "
                          "y1=\"5\" x2=\"26\" y2=\"5\" stroke=\"%s\" stroke-width=\"3\"%s/></svg>%s</span>",
                          Escape(s.name), s.color, dash, Escape(s.name));
  }
  for (const Marker& marker : chart.markers) {
    absl::StrAppendFormat(&legend, "<span class=\"key action\">| %.0fs %s</span>", marker.at, Escape(marker.label));
  }
  return svg + "</svg>" + legend + "</div></figure>";
}

std::string Money(double value) { return absl::StrFormat("$%.4f", value); }

std::string ChecksHtml(const std::vector<InvariantCheck>& checks) {
  int held = 0;
  for (const InvariantCheck& check : checks) held += check.held ? 1 : 0;
  std::string html = absl::StrCat("<h2 id=\"checks\" class=\"", held == static_cast<int>(checks.size()) ? "held" : "violated",
                                  "\">Checks: ", held, " held, ", checks.size() - held, " violated</h2><table>");
  for (const InvariantCheck& check : checks) {
    absl::StrAppend(&html, "<tr class=\"", check.held ? "held" : "violated", "\"><td>",
                    check.held ? "held" : "VIOLATED", "</td><td>", Escape(check.name), "</td><td>",
                    Escape(check.detail), "</td></tr>");
  }
  return html + "</table>";
}

// Who ran it, when, and with what: enough to reproduce it.
std::string Parameters(const Scenario& scenario, const ReportContext& context) {
  int ecs = 0, virtual_nodes = 0;
  for (const SimNode& node : scenario.nodes) (node.is_virtual ? virtual_nodes : ecs)++;
  std::string stock;
  for (const StockOutWindow& w : scenario.stock_outs) {
    absl::StrAppend(&stock, stock.empty() ? "" : ", ", w.zone, " ", absl::FormatDuration(w.from), "–",
                    absl::FormatDuration(w.until));
  }
  // A run stopped early says how far it got: its charts end there.
  const std::string duration =
      context.simulated < scenario.duration
          ? absl::StrCat("stopped at ", absl::FormatDuration(absl::Trunc(context.simulated, absl::Seconds(1))), " of ",
                         absl::FormatDuration(scenario.duration))
          : absl::FormatDuration(scenario.duration);
  return absl::StrCat(
      "<p class=\"meta\">Spillway ", Escape(context.version), " · ",
      Escape(absl::FormatTime("%Y-%m-%d %H:%M UTC", context.generated, absl::UTCTimeZone())), " · scenario ",
      Escape(scenario.name), " · seed ", scenario.seed, " · ", duration, ", tick ",
      absl::FormatDuration(scenario.tick), ", speed ", context.speed, absl::StrFormat(", dilation %.2f×", context.dilation),
      " · ", ecs, " ECS and ", virtual_nodes, " virtual nodes · stock-outs: ", stock.empty() ? "none" : Escape(stock),
      " · ", scenario.actions.size(), " user action(s)</p>");
}

// The decisions, one table per workload (then the rest), Warnings marked.
std::string DecisionsHtml(const Scenario& scenario, const std::vector<Decision>& decisions) {
  std::vector<std::string> groups;
  for (const ReportedWorkload& w : scenario.workloads) groups.push_back(w.name);
  groups.push_back("");
  std::string html = "<h2>Decisions</h2>";
  if (decisions.empty()) {
    // The recorder keeps every Event but a pod scheduled onto a regular node.
    return html + "<p>None: no pod went to a virtual node, and no Event warned or reported a decision.</p>";
  }
  for (const std::string& group : groups) {
    std::string rows;
    int warnings = 0, count = 0;
    for (const Decision& d : decisions) {
      if (d.workload != group) continue;
      ++count;
      warnings += d.warning ? 1 : 0;
      absl::StrAppendFormat(&rows, "<tr%s><td>%.0fs</td><td>%s</td></tr>", d.warning ? " class=\"warning\"" : "",
                            d.seconds, Escape(d.text));
    }
    if (count == 0) continue;
    absl::StrAppend(&html, "<h3>", group.empty() ? "the cluster and other pods" : Escape(group), " (", count,
                    ", of which ", warnings, " warnings)</h3><table>", rows, "</table>");
  }
  return html;
}

}  // namespace

std::string SummaryTable(const Scenario& scenario, const Summary& s) {
  std::string out = absl::StrCat("Summary of scenario \"", scenario.name, "\"\n");
  auto row = [&out](const std::string& what, const std::string& value) {
    absl::StrAppendFormat(&out, "  %-48s %s\n", what, value);
  };
  row("peak pods on ECI", absl::StrCat(s.peak_eci_pods, " (", absl::StrFormat("%.1f", s.peak_eci_vcpu), " vCPU)"));
  row("ECI vCPU-seconds", absl::StrFormat("%.0f", s.eci_vcpu_seconds));
  row("ECI cost (pay-as-you-go)", Money(s.eci_cost));
  row("the same peak as always-on ECS for the run", Money(s.always_on_ecs_cost));
  row("pending time p50 / p99", absl::StrFormat("%.1f s / %.1f s", s.pending_p50_seconds, s.pending_p99_seconds));
  row("pods seen / never ran", absl::StrCat(s.pods, " / ", s.never_ran));
  row("pods that asked for nothing and ran on ECI", absl::StrCat(s.unasked_on_eci, s.unasked_on_eci == 0 ? " (good)" : " (WRONG)"));
  row("scale-in victims on ECI", absl::StrCat(s.scale_in_eci_victims));
  row("scale-in victims on ECS", absl::StrCat(s.scale_in_ecs_victims));
  row("  ... while ECI pods of the workload kept running",
      absl::StrCat(s.scale_in_ecs_victims_while_eci, s.scale_in_ecs_victims_while_eci == 0 ? " (good)" : " (WRONG)"));
  row("NoStock events", absl::StrCat(s.no_stock_events));
  for (const auto& [node, count] : s.started_by_virtual_node) row("ECI pods started on " + node, absl::StrCat(count));
  if (!scenario.node_autoscaling.groups.empty()) {
    row("ECS node-hours (every regular node)", absl::StrFormat("%.2f", s.ecs_node_hours));
    row("node-pool nodes' cost (pricePerHour)", Money(s.node_pool_cost));
  }
  if (s.placeholders > 0) row("capacity-request placeholders (Spillway's)", absl::StrCat(s.placeholders));
  if (s.moves_home > 0) {
    row("pods moved home to ECS (RepatriatedToECS)",
        absl::StrCat(s.moves_home, " (", s.moves_home_landed, " replacements on ECS, ", s.flaps, " flaps)"));
  }
  return out;
}

namespace {

// What each reported workload runs on ECS and ECI, and what waits, in its colour.
std::pair<ChartSpec, ChartSpec> WorkloadCharts(const Scenario& scenario, const std::vector<Sample>& samples,
                                               const ChartSpec& base, std::map<std::string, std::string>& color_of) {
  ChartSpec replicas = base, pending = base;
  replicas.title = "Replicas by capacity type (dashed: on ECI)";
  pending.title = "Pending pods";
  for (size_t i = 0; i < scenario.workloads.size(); ++i) color_of[scenario.workloads[i].name] = kPalette[i % kPaletteSize];
  for (const ReportedWorkload& workload : scenario.workloads) {
    Series ecs{workload.name + " on ECS", color_of[workload.name], {}, false};
    Series eci{workload.name + " on ECI", color_of[workload.name], {}, true};
    Series waiting{workload.name + " pending", color_of[workload.name], {}, false};
    for (const Sample& sample : samples) {
      auto counts = sample.workloads.find(workload.name);
      if (counts == sample.workloads.end()) continue;
      ecs.points.push_back({sample.seconds, double(counts->second.ecs)});
      eci.points.push_back({sample.seconds, double(counts->second.eci)});
      waiting.points.push_back({sample.seconds, double(counts->second.pending)});
    }
    replicas.series.push_back(std::move(ecs));
    replicas.series.push_back(std::move(eci));
    pending.series.push_back(std::move(waiting));
  }
  return {replicas, pending};
}

// ECI by zone, against the quota where the scenario names one.
ChartSpec ZoneChart(const Scenario& scenario, const std::vector<Sample>& samples, ChartSpec chart) {
  chart.title = "Pods running on ECI, by zone";
  std::map<std::string, Series> by_zone;
  for (const SimNode& node : scenario.nodes) {
    if (node.is_virtual) by_zone.emplace(node.zone, Series{"ECI in " + node.zone, "", {}, false});
  }
  size_t color = scenario.workloads.size();
  for (auto& [zone, series] : by_zone) {
    series.color = kPalette[color++ % kPaletteSize];
    for (const Sample& sample : samples) {
      auto n = sample.eci_by_zone.find(zone);
      series.points.push_back({sample.seconds, n == sample.eci_by_zone.end() ? 0.0 : double(n->second)});
    }
    chart.series.push_back(std::move(series));
  }
  if (scenario.checks.eci_pods_at_most >= 0) {
    chart.limit = std::make_pair(double(scenario.checks.eci_pods_at_most),
                                 absl::StrCat("ECI quota: ", scenario.checks.eci_pods_at_most, " pods"));
  }
  return chart;
}

// Regular nodes over time, where a node autoscaler adds and removes them.
ChartSpec NodeChart(const std::vector<Sample>& samples, ChartSpec chart) {
  chart.title = "Regular (ECS) nodes";
  chart.unit = "nodes";
  Series series{"registered ECS nodes", "#7f7f7f", {}, false};
  for (const Sample& sample : samples) series.points.push_back({sample.seconds, double(sample.regular_nodes)});
  chart.series.push_back(std::move(series));
  return chart;
}

bool AnyPoint(const ChartSpec& chart) {
  for (const Series& series : chart.series) {
    for (const auto& point : series.points) {
      if (point.second != 0) return true;
    }
  }
  return false;
}

// HPAs in their workload's colour where the names match.
ChartSpec HpaChart(const std::vector<Sample>& samples, ChartSpec chart,
                   const std::map<std::string, std::string>& color_of, size_t first_free_color) {
  chart.title = "HPA desired (dashed) and current replicas";
  chart.unit = "replicas";
  std::map<std::string, std::pair<Series, Series>> by_hpa;
  for (const Sample& sample : samples) {
    for (const auto& [key, hpa] : sample.hpas) {
      auto& [desired, current] = by_hpa[key];
      desired.points.push_back({sample.seconds, double(hpa.desired)});
      current.points.push_back({sample.seconds, double(hpa.current)});
    }
  }
  for (auto& [key, pair] : by_hpa) {
    auto named = color_of.find(key.substr(key.find('/') + 1));
    const std::string color = named != color_of.end() ? named->second : kPalette[first_free_color++ % kPaletteSize];
    chart.series.push_back(Series{key + " desired", color, std::move(pair.first.points), true});
    chart.series.push_back(Series{key + " current", color, std::move(pair.second.points), false});
  }
  return chart;
}

ChartSpec CostChart(const std::vector<Sample>& samples, const Summary& summary, ChartSpec chart) {
  chart.title = "Cost over time";
  chart.unit = "USD";
  chart.money = true;
  Series spent{"ECI, pay-as-you-go", "#1f1f1f", {}, false};
  Series always_on{"the peak as always-on ECS", "#7f7f7f", {}, true};
  const double total_seconds = samples.empty() ? 1 : samples.back().seconds;
  for (const Sample& sample : samples) {
    spent.points.push_back({sample.seconds, sample.eci_cost});
    always_on.points.push_back(
        {sample.seconds, summary.always_on_ecs_cost * sample.seconds / std::max(1.0, total_seconds)});
  }
  chart.series = {std::move(spent), std::move(always_on)};
  return chart;
}

constexpr char kStyle[] =
    "body{font-family:sans-serif;margin:24px;color:#222;max-width:940px}figure{margin:12px 0}"
    ".title{font-weight:bold;font-size:14px}.tick,.band{font-size:11px}.axis{stroke:#888}.grid{stroke:#eee}"
    ".marker{stroke:#555;stroke-dasharray:2 3}.limit{stroke:#d62728;stroke-width:1.5;stroke-dasharray:8 3}"
    ".legend{display:flex;flex-wrap:wrap;gap:4px 14px;font-size:12px;margin:2px 0 0 64px}"
    ".key svg{vertical-align:middle;margin-right:4px}.action{color:#555}.meta{color:#555;font-size:13px}"
    "pre{background:#f4f4f4;padding:8px}table{border-collapse:collapse}td{padding:2px 8px;"
    "border-bottom:1px solid #ddd;font-size:12px}.held{background:#e6f4ea}.violated{background:#fce8e6;"
    "font-weight:bold}tr.warning td{background:#fff4e5}tr.warning td:first-child{border-left:4px solid #ff7f0e}";

}  // namespace

std::string HtmlReport(const Scenario& scenario, const std::vector<Sample>& samples,
                       const std::vector<Decision>& decisions, const Summary& summary,
                       const std::vector<InvariantCheck>& checks, const ReportContext& context) {
  // Bands and markers every time chart shares.
  ChartSpec base{"", "pods", {}, {}, {}, std::nullopt, false};
  for (const StockOutWindow& w : scenario.stock_outs) {
    base.bands.push_back(
        {absl::ToDoubleSeconds(w.from), absl::ToDoubleSeconds(w.until), "out of stock: " + w.zone, "#d62728"});
  }
  for (const Scenario::Outage& o : scenario.spillway_outages) {
    base.bands.push_back({absl::ToDoubleSeconds(o.from), absl::ToDoubleSeconds(o.until), "Spillway down", "#7f7f7f"});
  }
  for (const ScenarioAction& action : scenario.actions) {
    base.markers.push_back({absl::ToDoubleSeconds(action.at), DescribeAction(action)});
  }
  std::map<std::string, std::string> color_of;  // One colour per workload, in every chart.
  auto [replicas, pending] = WorkloadCharts(scenario, samples, base, color_of);
  const ChartSpec zones = ZoneChart(scenario, samples, base);
  const ChartSpec hpas = HpaChart(samples, base, color_of, scenario.workloads.size() + zones.series.size());
  std::string charts = Chart(replicas) + Chart(pending);
  // No empty charts: without ECI pods, HPAs, a node autoscaler or prices there is nothing to draw.
  if (!scenario.node_autoscaling.groups.empty()) charts += Chart(NodeChart(samples, base));
  if (!zones.series.empty() && (AnyPoint(zones) || zones.limit.has_value())) charts += Chart(zones);
  if (!hpas.series.empty()) charts += Chart(hpas);
  if (summary.eci_cost > 0 || summary.always_on_ecs_cost > 0) charts += Chart(CostChart(samples, summary, base));
  return absl::StrCat("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Spillway simulation: ",
                      Escape(scenario.name), "</title><style>", kStyle, "</style></head><body>",
                      "<h1>Spillway simulation: ", Escape(scenario.name), "</h1>", Parameters(scenario, context),
                      ChecksHtml(checks), "<h2>Summary</h2><pre>", Escape(SummaryTable(scenario, summary)),
                      "</pre><h2>Over time</h2>", charts, DecisionsHtml(scenario, decisions), "</body></html>\n");
}

}  // namespace spillway::sim
