/* Live progress of a schedule run: polls the run's JSON once a second and fills in the
   numbers; when the run has ended, loads the run's page to show the outcome. No library. */
(function () {
  "use strict";
  var box = document.getElementById("run-progress");
  if (!box) { return; }
  var labels = JSON.parse(box.getAttribute("data-labels") || "{}");
  var url = box.getAttribute("data-progress-url");
  var doneUrl = box.getAttribute("data-done-url");
  var bar = document.getElementById("run-time");

  function number(value, digits) {
    return value === null || value === undefined ? "\u2014" : Number(value).toFixed(digits);
  }
  function put(field, text) {
    var cell = box.querySelector('[data-field="' + field + '"]');
    if (cell) { cell.textContent = text; }
  }
  function show(run) {
    put("status", labels[run.status] || run.status);
    put("best_objective", number(run.best_objective, 1));
    put("bound", number(run.bound, 1));
    put("unfilled_places", run.unfilled_places === null ? "\u2014" : String(run.unfilled_places));
    put("seconds", number(run.elapsed || 0, 0) + " / " + Math.round(run.time_limit));
    if (bar) { bar.max = run.time_limit; bar.value = Math.min(run.elapsed || 0, run.time_limit); }
    box.setAttribute("data-status", run.status);
    var cancel = document.getElementById("cancel-run");
    if (cancel && run.status !== "queued") { cancel.hidden = true; }  // only a waiting run can be cancelled
  }
  function poll() {
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (run) {
        show(run);
        if (run.active) { window.setTimeout(poll, 1000); } else { window.location.assign(doneUrl || run.url); }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  poll();
})();
