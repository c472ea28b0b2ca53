// Draws the dashboard charts from the pre-aggregated figures embedded in the page (no extra requests).
(function () {
  const data = JSON.parse(document.getElementById("chart-data").textContent);
  document.querySelectorAll("[data-chart]").forEach(function (el) {
    const series = data[el.dataset.chart] || [];
    const chart = echarts.init(el);
    if (el.dataset.type === "pie") {
      chart.setOption({
        tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
        legend: { bottom: 0 },
        series: [{ type: "pie", radius: ["40%", "70%"], data: series, label: { formatter: "{b}\n{d}%" } }],
      });
    } else {
      chart.setOption({
        tooltip: { trigger: "axis" },
        grid: { left: 8, right: 8, top: 8, bottom: 8, containLabel: true },
        xAxis: { type: "value" },
        yAxis: { type: "category", data: series.map((d) => d.name), inverse: true },
        series: [{ type: "bar", data: series.map((d) => d.value), itemStyle: { color: "#c0392b" } }],
      });
    }
    window.addEventListener("resize", () => chart.resize());
  });
})();
