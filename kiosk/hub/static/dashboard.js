/* Draws the dashboard's charts with Chart.js (chart.umd.js, served beside this file).
   The figures come from the page's <script type="application/json" id="chart-data"> block:
   no inline script, so the page's Content-Security-Policy can forbid it. Withheld figures
   arrive as null with a mark ("<8") drawn in their place; the table under each chart has
   every figure. */
(function () {
  "use strict";

  var source = document.getElementById("chart-data");
  if (!source || typeof Chart === "undefined") {
    return;
  }
  var charts = JSON.parse(source.textContent);
  var TEXT = "#0b0c0c";
  var GRID = "#dddddd";

  Chart.defaults.font.family =
    'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';
  Chart.defaults.font.size = 14;
  Chart.defaults.color = TEXT;
  Chart.defaults.animation = false;  // figures, not a show: draw at once

  // Withheld figures have no bar; this marks their place with "<8" (or "*"), so that a
  // withheld count does not look like a zero.
  var withheldMarks = {
    id: "withheldMarks",
    afterDatasetsDraw: function (chart) {
      if (chart.config.type !== "bar") {
        return;
      }
      var horizontal = chart.options.indexAxis === "y";
      var labels = chart.scales[horizontal ? "y" : "x"];
      var values = chart.scales[horizontal ? "x" : "y"];
      var ctx = chart.ctx;
      ctx.save();
      ctx.fillStyle = "#505a5f";
      ctx.font = "bold 12px " + Chart.defaults.font.family;
      ctx.textAlign = horizontal ? "left" : "center";
      ctx.textBaseline = horizontal ? "middle" : "bottom";
      chart.data.datasets.forEach(function (ds, i) {
        var meta = chart.getDatasetMeta(i);
        if (!ds.withheld || meta.hidden) {
          return;
        }
        ds.withheld.forEach(function (mark, j) {
          if (!mark) {
            return;
          }
          var el = meta.data[j];
          var along = el && isFinite(horizontal ? el.y : el.x)
            ? (horizontal ? el.y : el.x) : labels.getPixelForValue(j);
          var base = values.getPixelForValue(0);
          if (horizontal) {
            ctx.fillText(mark, base + 4, along);
          } else {
            ctx.fillText(mark, along, base - 3);
          }
        });
      });
      ctx.restore();
    }
  };

  function config(spec) {
    var horizontal = spec.type === "hbar";
    var line = spec.type === "line";
    var datasets = spec.series.map(function (s) {
      return {
        label: s.label,
        data: s.data,
        withheld: s.withheld,
        backgroundColor: s.colour,
        borderColor: s.colour,
        borderWidth: line ? 3 : 0,
        pointRadius: line ? 3 : 0,
        spanGaps: false,
        maxBarThickness: 48
      };
    });
    var valueAxis = {
      beginAtZero: true,
      grid: { color: GRID },
      ticks: { precision: 0 },
      title: { display: !!spec.valueLabel, text: spec.valueLabel || "" }
    };
    var labelAxis = { grid: { display: false }, ticks: { autoSkip: !horizontal } };
    return {
      type: line ? "line" : "bar",
      data: { labels: spec.labels, datasets: datasets },
      plugins: [withheldMarks],
      options: {
        indexAxis: horizontal ? "y" : "x",
        responsive: true,
        maintainAspectRatio: false,
        scales: horizontal ? { x: valueAxis, y: labelAxis } : { x: labelAxis, y: valueAxis },
        plugins: {
          legend: { display: datasets.length > 1, position: "top", align: "start" },
          tooltip: {
            callbacks: {
              label: function (item) {
                var v = item.raw === null ? "withheld" : item.formattedValue;
                return item.dataset.label + ": " + v;
              }
            }
          }
        }
      }
    };
  }

  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var spec = charts[canvas.getAttribute("data-chart")];
    if (!spec) {
      return;
    }
    if (spec.type === "hbar") {  // room for each bar, however many rows there are
      var perBar = spec.series.length > 1 ? 16 : 28;
      var bars = spec.labels.length * spec.series.length;
      canvas.parentNode.style.height = Math.max(160, 90 + bars * perBar) + "px";
    }
    new Chart(canvas, config(spec));
  });
})();
