// Assessment pages: keep autosave errors visible, and draw the small skill-history charts.
(function () {
  "use strict";

  // A refused autosave answers 400 with the item showing the error next to it: swap it in
  // (htmx leaves 4xx responses unswapped by default).
  document.addEventListener("htmx:beforeSwap", function (evt) {
    var target = evt.detail.target;
    if (evt.detail.xhr.status === 400 && target && target.closest("[data-autosave]")) {
      evt.detail.shouldSwap = true;
      evt.detail.isError = false;
    }
  });

  function readJson(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function drawHistoryCharts() {
    var history = readJson("skill-history");
    var scale = readJson("skill-scale") || [];
    if (!history || !window.Chart) return;
    var names = {};
    scale.forEach(function (s) { names[s.level] = s.name; });
    var top = scale.length ? scale[scale.length - 1].level : 5;
    var bottom = scale.length ? scale[0].level : 0;

    document.querySelectorAll("canvas[data-history]").forEach(function (canvas) {
      var points = history[canvas.dataset.history] || [];
      var labels = [];
      points.forEach(function (p) { if (labels.indexOf(p.date) === -1) labels.push(p.date); });
      function series(kind) {
        return labels.map(function (date) {
          var found = null;
          points.forEach(function (p) { if (p.date === date && p.kind === kind) found = p.level; });
          return found;
        });
      }
      new window.Chart(canvas, {
        type: "line",
        data: {
          labels: labels,
          datasets: [
            { label: "Self", data: series("self"), borderColor: "#6366f1", backgroundColor: "#6366f1", spanGaps: true, pointRadius: 3, tension: 0 },
            { label: "Manager", data: series("manager"), borderColor: "#16a34a", backgroundColor: "#16a34a", spanGaps: true, pointRadius: 3, borderDash: [4, 3], tension: 0 }
          ]
        },
        options: {
          responsive: false,
          animation: false,
          plugins: {
            legend: { display: false },
            tooltip: {
              callbacks: {
                label: function (ctx) {
                  var level = ctx.parsed.y;
                  return ctx.dataset.label + ": " + level + (names[level] ? " · " + names[level] : "");
                }
              }
            }
          },
          scales: {
            x: { display: false },
            y: { display: false, min: bottom, max: top }
          }
        }
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawHistoryCharts);
  } else {
    drawHistoryCharts();
  }
})();
