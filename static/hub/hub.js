// Chime hub: progressive enhancement only. Every page works and reads without this file.
(function () {
  "use strict";

  // New/edit form: show only the timing field of the chosen type (without JS all are shown, the server
  // ignores the others).
  function switchType(form) {
    var checked = form.querySelector("input[name=schedule_type]:checked");
    if (!checked) return;
    form.querySelectorAll("[data-type]").forEach(function (el) {
      el.hidden = el.getAttribute("data-type") !== checked.value;
    });
  }

  // Lateness and duration chart (uPlot) from the JSON the page embeds; the history table has the same numbers.
  function drawChart() {
    var holder = document.getElementById("chart");
    var source = document.getElementById("chart-data");
    if (!holder || !source || !window.uPlot || holder.dataset.drawn) return;
    var data = JSON.parse(source.textContent);
    var css = getComputedStyle(document.body);
    var text = css.getPropertyValue("--pico-color").trim() || "#333";
    var grid = css.getPropertyValue("--pico-muted-border-color").trim() || "#ddd";
    var axis = { stroke: text, grid: { stroke: grid }, ticks: { stroke: grid } };
    holder.dataset.drawn = "1";
    if (source.dataset.kind === "lateness") {
      // The overview: median and worst lateness per bucket of the window.
      new window.uPlot({
        width: Math.max(holder.clientWidth, 320), height: 240,
        series: [{}, { label: "median late by (ms)", stroke: "#1f6feb", width: 2, points: { show: true } },
                 { label: "worst late by (ms)", stroke: "#d29922", width: 1, dash: [4, 3] }],
        axes: [Object.assign({}, axis), Object.assign({ label: "late by (ms)" }, axis)],
        scales: { x: { time: true, range: [data.start, data.end] } }
      }, [data.x, data.p50_ms, data.max_ms], holder);
      return;
    }
    var opts = {
      width: Math.max(holder.clientWidth, 320), height: 260,
      series: [{}, { label: "late by (ms)", stroke: "#d29922", width: 2, points: { show: true } },
               { label: "duration (ms)", stroke: "#1f6feb", width: 2, scale: "dur", points: { show: true } }],
      axes: [Object.assign({}, axis), Object.assign({ label: "late by (ms)" }, axis),
             Object.assign({ label: "duration (ms)", side: 1, scale: "dur" }, axis)],
      scales: { x: { time: true } }
    };
    new window.uPlot(opts, [data.x, data.lateness_ms, data.duration_ms], holder);
  }

  function focusNew() {
    var target = document.querySelector("[data-autofocus]:not([data-focused])");
    if (target) { target.setAttribute("data-focused", "1"); target.focus(); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form").forEach(function (form) {
      if (form.querySelector("input[name=schedule_type]")) {
        switchType(form);
        form.addEventListener("change", function (ev) {
          if (ev.target.name === "schedule_type") switchType(form);
        });
      }
    });
    drawChart();
    focusNew();
  });
  // A row redrawn after an action keeps keyboard focus on its message, not on <body>.
  document.addEventListener("htmx:afterSettle", focusNew);
  // A polled region (overview, a running fix-it) is redrawn with its chart ...
  document.addEventListener("htmx:afterSettle", drawChart);
  // ... but not while keyboard focus is inside it: the swap would drop the focus onto <body>.
  document.addEventListener("htmx:beforeRequest", function (ev) {
    var el = ev.detail.elt;
    if (el && el.hasAttribute("data-poll-keeps-focus") && el.contains(document.activeElement)) ev.preventDefault();
  });
})();
