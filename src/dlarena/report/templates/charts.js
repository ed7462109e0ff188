// Charts: the Plotly figures of the JSON block, each drawn when it first becomes visible (a closed
// part draws on opening); the filters show one workload and restyle the traces by their meta.
(function () {
  const block = document.getElementById("chart-data");
  const charts = document.querySelectorAll("div.chart");
  if (!block) return;
  if (typeof Plotly === "undefined") {
    charts.forEach(div => { div.textContent = "The interactive chart needs JavaScript; summary.md holds it as a picture."; });
    return;
  }
  const figures = JSON.parse(block.textContent);
  const config = {displaylogo: false, responsive: true, modeBarButtonsToRemove: ["select2d", "lasso2d"]};
  const controls = document.querySelectorAll("select[data-filter]");

  function chosen() {
    const f = {};
    controls.forEach(c => { f[c.dataset.filter] = c.value; });
    return f;
  }
  function keeps(meta, f) {
    if (!meta || meta.framework === undefined) return true;
    if (f.framework && meta.framework !== f.framework) return false;
    if (f.scenario && meta.scenario !== f.scenario) return false;
    if (f.mode === "@best") return meta.best;
    return !f.mode || meta.mode === f.mode;
  }
  function filter() {
    const f = chosen();
    document.querySelectorAll("div.chart[data-drawn]").forEach(div => {
      Plotly.restyle(div, {visible: div.data.map(t => keeps(t.meta, f))});
    });
  }
  function drawVisible() {
    const f = chosen();
    document.querySelectorAll("div.chart[data-workload]").forEach(div => {
      div.style.display = !f.workload || div.dataset.workload === f.workload ? "" : "none";
    });
    charts.forEach(div => {
      if (div.dataset.drawn || div.offsetParent === null) return;
      const fig = figures[div.dataset.figure];
      Plotly.newPlot(div, fig.data, fig.layout, config);
      div.dataset.drawn = "1";
    });
    filter();
  }
  controls.forEach(c => c.addEventListener("change", drawVisible));
  document.querySelectorAll("details").forEach(d => d.addEventListener("toggle", drawVisible));
  drawVisible();
})();
