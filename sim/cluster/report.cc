#include "sim/cluster/report.h"

#include <algorithm>
#include <functional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"

namespace spillway::sim {
namespace {

struct Series {
  std::string name;
  std::string color;
  std::vector<std::pair<double, double>> points;
  bool dashed = false;
};

std::string Escape(const std::string& text) {
  return absl::StrReplaceAll(text, {{"&", "&amp;"}, {"<", "&lt;"}, {">", "&gt;"}, {"\"", "&quot;"}});
}

// One line chart as inline SVG: axes, ticks, a legend.
std::string Chart(const std::string& title, const std::string& unit, const std::vector<Series>& series) {
  constexpr double kWidth = 820, kHeight = 220, kLeft = 56, kRight = 250, kTop = 24, kBottom = 30;
  double max_x = 1, max_y = 0;
  for (const Series& s : series) {
    for (const auto& [x, y] : s.points) {
      max_x = std::max(max_x, x);
      max_y = std::max(max_y, y);
    }
  }
  if (max_y <= 0) max_y = 1;
  max_y *= 1.1;
  const double plot_w = kWidth - kLeft - kRight, plot_h = kHeight - kTop - kBottom;
  auto px = [&](double x) { return kLeft + x / max_x * plot_w; };
  auto py = [&](double y) { return kTop + plot_h - y / max_y * plot_h; };
  std::string svg = absl::StrFormat(
      "<figure><svg class=\"chart\" role=\"img\" aria-label=\"%s\" viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" "
      "height=\"%.0f\"><text x=\"%.0f\" y=\"16\" class=\"title\">%s</text>",
      Escape(title), kWidth, kHeight, kWidth, kHeight, kLeft, Escape(title));
  absl::StrAppendFormat(&svg, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" class=\"axis\"/>", kLeft,
                        py(0), kLeft + plot_w, py(0));
  absl::StrAppendFormat(&svg, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" class=\"axis\"/>", kLeft,
                        kTop, kLeft, py(0));
  for (int i = 0; i <= 4; ++i) {
    const double y = max_y / 1.1 * i / 4;
    absl::StrAppendFormat(&svg, "<text x=\"%.1f\" y=\"%.1f\" class=\"tick\" text-anchor=\"end\">%s</text>",
                          kLeft - 4, py(y) + 4, absl::StrFormat(max_y < 12 ? "%.3g" : "%.0f", y));
    const double x = max_x * i / 4;
    absl::StrAppendFormat(&svg, "<text x=\"%.1f\" y=\"%.1f\" class=\"tick\" text-anchor=\"middle\">%.0fs</text>",
                          px(x), py(0) + 16, x);
  }
  absl::StrAppendFormat(&svg, "<text x=\"4\" y=\"%.1f\" class=\"tick\">%s</text>", kTop - 6, Escape(unit));
  for (size_t i = 0; i < series.size(); ++i) {
    const Series& s = series[i];
    std::string points;
    for (const auto& [x, y] : s.points) absl::StrAppendFormat(&points, "%.1f,%.1f ", px(x), py(y));
    absl::StrAppendFormat(&svg,
                          "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s points=\"%s\" "
                          "data-series=\"%s\"/>",
                          s.color, s.dashed ? " stroke-dasharray=\"6 4\"" : "", points, Escape(s.name));
    const double ly = kTop + 14 + 18 * i;
    absl::StrAppendFormat(&svg,
                          "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"3\"%s/>"
                          "<text x=\"%.1f\" y=\"%.1f\" class=\"legend\">%s</text>",
                          kWidth - kRight + 10, ly, kWidth - kRight + 30, ly, s.color,
                          s.dashed ? " stroke-dasharray=\"6 4\"" : "", kWidth - kRight + 35, ly + 4, Escape(s.name));
  }
  svg += "</svg></figure>";
  return svg;
}

const char* const kColors[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"};

std::string Money(double value) { return absl::StrFormat("$%.4f", value); }

std::string ChecksHtml(const std::vector<InvariantCheck>& checks) {
  int held = 0;
  for (const InvariantCheck& check : checks) held += check.held ? 1 : 0;
  std::string html = absl::StrCat("<h2 id=\"checks\">Checks: ", held, " held, ", checks.size() - held,
                                  " violated</h2><table>");
  for (const InvariantCheck& check : checks) {
    absl::StrAppend(&html, "<tr class=\"", check.held ? "held" : "violated", "\"><td>",
                    check.held ? "held" : "VIOLATED", "</td><td>", Escape(check.name), "</td><td>",
                    Escape(check.detail), "</td></tr>");
  }
  return html + "</table>";
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
  return out;
}

std::string HtmlReport(const Scenario& scenario, const std::vector<Sample>& samples,
                       const std::vector<Decision>& decisions, const Summary& summary,
                       const std::vector<InvariantCheck>& checks) {
  std::vector<Series> replicas, pending, hpas, cost;
  size_t color = 0;
  for (const ReportedWorkload& workload : scenario.workloads) {
    Series ecs{workload.name + " on ECS", kColors[color % 6], {}, false};
    Series eci{workload.name + " on ECI", kColors[color % 6], {}, true};
    ++color;
    for (const Sample& sample : samples) {
      const WorkloadCounts& counts = sample.workloads.at(workload.name);
      ecs.points.push_back({sample.seconds, double(counts.ecs)});
      eci.points.push_back({sample.seconds, double(counts.eci)});
    }
    replicas.push_back(std::move(ecs));
    replicas.push_back(std::move(eci));
  }
  Series waiting{"pending pods", kColors[3], {}, false};
  Series spent{"ECI, pay-as-you-go", kColors[0], {}, false};
  Series always_on{"peak as always-on ECS", kColors[1], {}, true};
  const double total_seconds = samples.empty() ? 1 : samples.back().seconds;
  std::map<std::string, std::pair<Series, Series>> by_hpa;
  for (const Sample& sample : samples) {
    waiting.points.push_back({sample.seconds, double(sample.pending)});
    spent.points.push_back({sample.seconds, sample.eci_cost});
    always_on.points.push_back(
        {sample.seconds, summary.always_on_ecs_cost * sample.seconds / std::max(1.0, total_seconds)});
    for (const auto& [key, hpa] : sample.hpas) {
      auto& [desired, current] = by_hpa[key];
      desired.points.push_back({sample.seconds, double(hpa.desired)});
      current.points.push_back({sample.seconds, double(hpa.current)});
    }
  }
  color = 0;
  for (auto& [key, pair] : by_hpa) {
    pair.first.name = key + " desired";
    pair.first.color = kColors[color % 6];
    pair.first.dashed = true;
    pair.second.name = key + " current";
    pair.second.color = kColors[color++ % 6];
    hpas.push_back(std::move(pair.first));
    hpas.push_back(std::move(pair.second));
  }
  pending.push_back(std::move(waiting));
  cost.push_back(std::move(spent));
  cost.push_back(std::move(always_on));
  std::string html = absl::StrCat(
      "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Spillway simulation: ",
      Escape(scenario.name),
      "</title><style>body{font-family:sans-serif;margin:24px;color:#222}figure{margin:12px 0}"
      ".title{font-weight:bold;font-size:14px}.tick,.legend{font-size:11px}.axis{stroke:#888}"
      "pre{background:#f4f4f4;padding:8px}table{border-collapse:collapse}td{padding:2px 8px;"
      "border-bottom:1px solid #ddd;font-size:12px}.held{background:#e6f4ea}.violated{background:#fce8e6;"
      "font-weight:bold}</style></head><body>",
      "<h1>Spillway simulation: ", Escape(scenario.name), "</h1>", ChecksHtml(checks), "<h2>Summary</h2><pre>",
      Escape(SummaryTable(scenario, summary)), "</pre><h2>Over time</h2>",
      Chart("Replicas by capacity type", "pods", replicas), Chart("Pending pods", "pods", pending),
      Chart("HPA desired and current replicas", "replicas", hpas), Chart("Cost over time", "USD", cost),
      "<h2>Decisions</h2><table>");
  for (const Decision& decision : decisions) {
    absl::StrAppendFormat(&html, "<tr><td>%.0fs</td><td>%s</td></tr>", decision.seconds, Escape(decision.text));
  }
  html += "</table></body></html>\n";
  return html;
}

}  // namespace spillway::sim
